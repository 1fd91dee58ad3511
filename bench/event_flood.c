// SPDX-License-Identifier: GPL-2.0-only
/*
 * event_flood.c - produce file events at a controlled rate.
 *
 *   event_flood -d DIR [-r RATE] [-s SECONDS] [-t THREADS] [-n FILES]
 *
 * Each of THREADS threads (default 1) opens DIR/fT-K with
 * O_WRONLY|O_CREAT and closes it again, cycling K over FILES names (default
 * 256), so every operation is exactly one write-open that vigil reports when
 * DIR is under a capture.file_prefixes entry (the first pass creates the
 * files, later passes reopen them).  RATE (events per second over all
 * threads, default 0 = as fast as possible) is enforced per thread by a token
 * bucket that holds at most 20 ms of tokens, so a thread that falls behind
 * does not burst to catch up: the achieved rate is never above RATE and is
 * lower when the machine cannot keep up.  Runs for SECONDS (default 10).
 *
 * Prints one line on stdout:
 *   event_flood: pid=P threads=T requested=R events=N errors=E seconds=S rate=A
 * where rate is the achieved rate (events / elapsed wall time).  The files
 * are left in DIR for the caller to remove.  Exit status 0, 1 on errors,
 * 2 on bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 64
#define BATCH	    16

struct flood_thread {
	pthread_t tid;
	int index;
	unsigned long long events, errors;
	int first_errno;
};

static const char *dir;
static double rate_per_thread, seconds = 10;
static unsigned files = 256;
static pthread_barrier_t start_barrier;
static double start_time;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
	struct timespec ts = { .tv_sec = (time_t)s };

	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

static void *flood(void *arg)
{
	struct flood_thread *ft = arg;
	char path[4096];
	size_t base;
	unsigned k = 0;
	double end, tokens = 0, burst, last;

	base = (size_t)snprintf(path, sizeof(path), "%s/f%d-", dir, ft->index);
	pthread_barrier_wait(&start_barrier);
	end = start_time + seconds;
	last = start_time;
	burst = rate_per_thread > 0 ? rate_per_thread * 0.02 : 0;
	if (burst > 0 && burst < BATCH)
		burst = BATCH;
	for (;;) {
		double t = now_s();
		int n = BATCH;

		if (t >= end)
			break;
		if (rate_per_thread > 0) {
			tokens += (t - last) * rate_per_thread;
			if (tokens > burst)
				tokens = burst;
			last = t;
			if (tokens < 1) {
				double wait = (1 - tokens) / rate_per_thread;

				if (wait > end - t)
					wait = end - t;
				sleep_s(wait);
				continue;
			}
			if (tokens < n)
				n = (int)tokens;
			tokens -= n;
		}
		while (n-- > 0) {
			int fd;

			snprintf(path + base, sizeof(path) - base, "%u", k);
			if (++k == files)
				k = 0;
			fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
			if (fd < 0) {
				if (!ft->errors++)
					ft->first_errno = errno;
				continue;
			}
			close(fd);
			ft->events++;
		}
	}
	return NULL;
}

static void usage(void)
{
	fprintf(stderr, "usage: event_flood -d DIR [-r RATE] [-s SECONDS] [-t THREADS] "
			"[-n FILES]\n");
}

int main(int argc, char **argv)
{
	static struct flood_thread th[MAX_THREADS];
	unsigned long long events = 0, errors = 0;
	double rate = 0, elapsed;
	int nthreads = 1, c, i;

	while ((c = getopt(argc, argv, "d:r:s:t:n:h")) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'r':
			rate = atof(optarg);
			break;
		case 's':
			seconds = atof(optarg);
			break;
		case 't':
			nthreads = atoi(optarg);
			break;
		case 'n':
			files = (unsigned)atoi(optarg);
			break;
		case 'h':
			usage();
			return 0;
		default:
			usage();
			return 2;
		}
	}
	if (!dir || rate < 0 || seconds <= 0 || nthreads < 1 || nthreads > MAX_THREADS ||
	    files < 1) {
		usage();
		return 2;
	}
	rate_per_thread = rate / nthreads;
	pthread_barrier_init(&start_barrier, NULL, (unsigned)nthreads + 1);
	for (i = 0; i < nthreads; i++) {
		th[i].index = i;
		if (pthread_create(&th[i].tid, NULL, flood, &th[i]) != 0) {
			fprintf(stderr, "event_flood: cannot start thread %d\n", i);
			return 1;
		}
	}
	start_time = now_s();
	pthread_barrier_wait(&start_barrier);
	for (i = 0; i < nthreads; i++) {
		pthread_join(th[i].tid, NULL);
		events += th[i].events;
		errors += th[i].errors;
	}
	elapsed = now_s() - start_time;
	for (i = 0; i < nthreads; i++)
		if (th[i].errors)
			fprintf(stderr, "event_flood: thread %d: %llu failed opens, first: %s\n", i,
				th[i].errors, strerror(th[i].first_errno));
	printf("event_flood: pid=%d threads=%d requested=%.0f events=%llu errors=%llu "
	       "seconds=%.3f rate=%.1f\n",
	       (int)getpid(), nthreads, rate, events, errors, elapsed, (double)events / elapsed);
	return errors ? 1 : 0;
}
