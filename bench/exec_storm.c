// SPDX-License-Identifier: GPL-2.0-only
/*
 * exec_storm.c - fork+execve a tiny program in a loop for a fixed wall time.
 *
 *   exec_storm [-c CPU] [-s SECONDS] [PROGRAM]
 *
 * Pins itself (and so every child) to CPU (default 0), then until SECONDS
 * (default 10) have passed: fork(), execve(PROGRAM) in the child (default
 * /bin/true, run with an empty environment), waitpid() in the parent.  One
 * exec at a time, so the rate is the latency of a whole fork+exec+exit cycle
 * and any per-exec cost the sensor adds in the kernel shows up in it.
 *
 * Prints one line on stdout:
 *   exec_storm: pid=P cpu=C execs=N failed=F seconds=S rate=R
 * execs counts children that exited 0; failed counts the others.  Exit
 * status 0, 1 when nothing ran, 2 on bad usage.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(void)
{
	fprintf(stderr, "usage: exec_storm [-c CPU] [-s SECONDS] [PROGRAM]\n");
}

int main(int argc, char **argv)
{
	const char *prog = "/bin/true";
	char *const envp[] = { NULL };
	unsigned long long execs = 0, failed = 0;
	double seconds = 10, start, end, t;
	int cpu = 0, c;
	cpu_set_t set;

	while ((c = getopt(argc, argv, "c:s:h")) != -1) {
		switch (c) {
		case 'c':
			cpu = atoi(optarg);
			break;
		case 's':
			seconds = atof(optarg);
			break;
		case 'h':
			usage();
			return 0;
		default:
			usage();
			return 2;
		}
	}
	if (optind < argc)
		prog = argv[optind];
	if (seconds <= 0 || cpu < 0 || cpu >= CPU_SETSIZE) {
		usage();
		return 2;
	}
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0) {
		fprintf(stderr, "exec_storm: cannot pin to CPU %d: %s\n", cpu, strerror(errno));
		return 2;
	}

	start = now_s();
	end = start + seconds;
	do {
		char *const args[] = { (char *)prog, NULL };
		int status;
		pid_t pid = fork();

		if (pid < 0) {
			fprintf(stderr, "exec_storm: fork: %s\n", strerror(errno));
			return 1;
		}
		if (pid == 0) {
			execve(prog, args, envp);
			_exit(127);
		}
		while (waitpid(pid, &status, 0) < 0) {
			if (errno != EINTR) {
				fprintf(stderr, "exec_storm: waitpid: %s\n", strerror(errno));
				return 1;
			}
		}
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			execs++;
		else
			failed++;
		t = now_s();
	} while (t < end);

	printf("exec_storm: pid=%d cpu=%d execs=%llu failed=%llu seconds=%.3f rate=%.1f\n",
	       (int)getpid(), cpu, execs, failed, t - start, (double)execs / (t - start));
	if (failed && !execs)
		fprintf(stderr, "exec_storm: every exec of %s failed\n", prog);
	return execs ? 0 : 1;
}
