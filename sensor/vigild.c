// SPDX-License-Identifier: GPL-2.0-only
/*
 * vigild.c - the Linux sensor daemon.
 *
 * Thread 1 (this file's main loop): ring buffer -> decode -> sequence
 * tracking -> proctable -> sinks (the --events JSON stream for now).  The
 * exeid worker hashes executables on its own thread.  Wakeups are batched
 * in the kernel, so the loop polls with a timeout (capture.poll_ms) and then
 * drains whatever is there; gaps are settled into loss events after every
 * drain.  A status file (run_dir/status.json) is rewritten every second for
 * `vigilctl status`.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "config.h"
#include "decode.h"
#include "event_json.h"
#include "exeid.h"
#include "jsonw.h"
#include "loader.h"
#include "proctable.h"
#include "seqtrack.h"
#include "userdb.h"
#include "vigil_abi.h"

#define DEFAULT_CONFIG "/etc/vigil/vigil.yaml"
#define JSON_MAX       (1 << 20)
#define IDLE_CYCLES    10   /* empty polls in a row before the reader sleeps long */
#define IDLE_POLL_MS   1000 /* long sleep; also the status file period */

struct vigild {
	struct vigil_config cfg;
	struct loader *loader;
	struct ring_buffer *rb;
	struct proctable *pt;
	struct userdb *users;
	struct exeid *hashes;
	struct seqtrack *seq;
	struct jsonw json;
	FILE *events; /* NULL unless --events */
	char boot_id[40];
	int64_t boot_to_real_ns;
	char plan[512];
	/* userspace counters */
	uint64_t records, decode_errors, events_written, json_overflow, loss_events;
	uint64_t tail_lost; /* kernel drops reported at stop beyond the seen gaps */
	time_t started;
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void read_boot_id(char *buf, size_t len)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");

	snprintf(buf, len, "00000000");
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

static void emit(struct vigild *d, const struct vg_event *ev, const struct event_json_ctx *ctx)
{
	if (!d->events)
		return;
	if (event_json_write(&d->json, ev, ctx) != 0) {
		d->json_overflow++;
		return;
	}
	d->json.buf[d->json.len] = '\n'; /* the writer keeps a byte free for the NUL */
	fwrite_unlocked(d->json.buf, 1, d->json.len + 1, d->events);
	d->events_written++;
}

static void emit_loss(void *arg, const struct vg_ev_loss *loss)
{
	struct vigild *d = arg;
	struct vg_event ev = { .kind = VG_EV_LOSS, .cpu = loss->cpu, .loss = *loss };
	struct event_json_ctx ctx = { .boot_to_real_ns = d->boot_to_real_ns };

	ev.ts_ns = (uint64_t)clock_ns(CLOCK_BOOTTIME);
	d->loss_events++;
	emit(d, &ev, &ctx);
}

/* Enrich and emit one decoded event; keeps the process model current. */
static void process_event(struct vigild *d, const struct vg_event *ev)
{
	struct event_json_ctx ctx = { .boot_to_real_ns = d->boot_to_real_ns };
	char sha[65];

	switch (ev->kind) {
	case VG_EV_EXEC:
		ctx.proc = proctable_on_exec(d->pt, ev);
		break;
	case VG_EV_FORK:
		ctx.proc = proctable_on_fork(d->pt, ev);
		break;
	default:
		ctx.proc = proctable_lookup(d->pt, ev->proc.pid, ev->proc.start_ns);
		break;
	}
	/* Every exec is looked up: a miss queues the hash off the event path. */
	if (ev->kind == VG_EV_EXEC && ctx.proc &&
	    exeid_lookup(d->hashes, &ev->exec.id, ev->proc.pid, ctx.proc->exe, sha) == 1)
		ctx.sha256 = sha;
	if (d->events) {
		ctx.user = userdb_user(d->users, ev->proc.uid);
		if (ev->kind == VG_EV_EXEC && ctx.proc)
			ctx.nancestry = proctable_ancestry(d->pt, ctx.proc, ctx.ancestry,
							   EVENT_JSON_ANCESTRY_MAX);
		emit(d, ev, &ctx);
	}
	if (ev->kind == VG_EV_EXIT)
		proctable_on_exit(d->pt, ev);
}

static int handle_record(void *arg, void *data, size_t len)
{
	struct vigild *d = arg;
	struct vg_event ev;
	const char *why = NULL;
	int r;

	d->records++;
	r = decode_record(data, len, &ev, &why);
	if (r == 0 && seqtrack_see(d->seq, ev.cpu, ev.seq) != 0)
		r = -ERANGE, why = "cpu number out of range";
	if (r) {
		struct vg_ev_loss loss = { .cause = VG_LOSS_DECODE, .count = 1 };

		/* Say it once per kind of damage, count every one, keep going. */
		if (d->decode_errors++ < 10)
			fprintf(stderr,
				"vigild: dropped a malformed ring-buffer record (%zu bytes): %s\n",
				len, why);
		emit_loss(d, &loss);
		return 0;
	}
	process_event(d, &ev);
	return 0;
}

static void write_status(struct vigild *d)
{
	char path[512], tmp[520];
	uint64_t k[VG_CNT_MAX] = { 0 };
	struct proctable_stats ps;
	struct exeid_stats xs;
	struct seqtrack_stats ss;
	FILE *f;

	if (mkdir(d->cfg.run_dir, 0755) != 0 && errno != EEXIST)
		return;
	snprintf(path, sizeof(path), "%s/status.json", d->cfg.run_dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	loader_counters(d->loader, k);
	proctable_stats(d->pt, &ps);
	exeid_stats(d->hashes, &xs);
	seqtrack_stats(d->seq, &ss);
	f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f,
		"{\"version\":\"%s\",\"pid\":%d,\"boot_id\":\"%s\",\"started\":%lld,"
		"\"updated\":%lld,\"plan\":\"%s\",\"ring_buffer_bytes\":%u,"
		"\"kernel\":{\"events\":%llu,\"ringbuf_drops\":%llu,\"stash_full\":%llu,"
		"\"path_truncated\":%llu,\"filtered\":%llu,\"self\":%llu,\"udp_dedup_full\":%llu},"
		"\"userspace\":{\"records\":%llu,\"decode_errors\":%llu,\"lost\":%llu,"
		"\"late\":%llu,\"loss_events\":%llu,\"events_written\":%llu,\"json_overflow\":%llu}"
		","
		"\"proctable\":{\"entries\":%llu,\"evictions\":%llu,\"evictions_live\":%llu,"
		"\"misses\":%llu,\"seeded\":%llu},"
		"\"exeid\":{\"hits\":%llu,\"misses\":%llu,\"hashed\":%llu,\"queue_full\":%llu,"
		"\"errors\":%llu,\"evictions\":%llu}}\n",
		VIGIL_VERSION, (int)getpid(), d->boot_id, (long long)d->started,
		(long long)time(NULL), d->plan, d->cfg.ring_buffer_bytes,
		(unsigned long long)k[VG_CNT_EVENTS], (unsigned long long)k[VG_CNT_RB_DROP],
		(unsigned long long)k[VG_CNT_STASH_FULL], (unsigned long long)k[VG_CNT_PATH_TRUNC],
		(unsigned long long)k[VG_CNT_FILTERED], (unsigned long long)k[VG_CNT_SELF],
		(unsigned long long)k[VG_CNT_UDP_DEDUP_FULL], (unsigned long long)d->records,
		(unsigned long long)d->decode_errors, (unsigned long long)ss.lost,
		(unsigned long long)ss.late, (unsigned long long)d->loss_events,
		(unsigned long long)d->events_written, (unsigned long long)d->json_overflow,
		(unsigned long long)ps.entries, (unsigned long long)ps.evictions,
		(unsigned long long)ps.evictions_live, (unsigned long long)ps.misses,
		(unsigned long long)ps.seeded, (unsigned long long)xs.hits,
		(unsigned long long)xs.misses, (unsigned long long)xs.hashed,
		(unsigned long long)xs.queue_full, (unsigned long long)xs.errors,
		(unsigned long long)xs.evictions);
	if (fclose(f) == 0)
		rename(tmp, path);
}

static void usage(FILE *to)
{
	fprintf(to,
		"usage: vigild [options]\n"
		"  -c, --config FILE      configuration (default %s if it exists)\n"
		"      --check-config     validate the configuration and exit\n"
		"  -e, --events           print every event as a JSON line (stdout, or "
		"output.events_path)\n"
		"      --duration SEC     stop after SEC seconds\n"
		"      --plan             probe the kernel, print the attach plan and exit\n"
		"  -h, --help             this text\n",
		DEFAULT_CONFIG);
}

static void cleanup(struct vigild *d)
{
	ring_buffer__free(d->rb);
	loader_stop(d->loader);
	exeid_free(d->hashes);
	proctable_free(d->pt);
	userdb_free(d->users);
	seqtrack_free(d->seq);
	jsonw_free(&d->json);
	if (d->events && d->events != stdout)
		fclose(d->events);
	config_free(&d->cfg);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "events", no_argument, NULL, 'e' },
		{ "duration", required_argument, NULL, 'd' },
		{ "plan", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct vigild d;
	const char *config_path = NULL;
	bool check_only = false, plan_only = false, want_events = false;
	double duration = 0;
	char err[1024];
	struct sigaction sa = { .sa_handler = on_signal };
	int64_t deadline = 0, last_status = 0;
	unsigned idle_polls = 0;
	int c, rc = 1;

	while ((c = getopt_long(argc, argv, "c:ehd:", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config_path = optarg;
			break;
		case 'C':
			check_only = true;
			break;
		case 'e':
			want_events = true;
			break;
		case 'd':
			duration = atof(optarg);
			break;
		case 'p':
			plan_only = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (config_defaults(&d.cfg) != 0) {
		fprintf(stderr, "vigild: out of memory\n");
		return 1;
	}
	if (config_path || access(DEFAULT_CONFIG, F_OK) == 0) {
		const char *p = config_path ? config_path : DEFAULT_CONFIG;

		if (config_load_file(&d.cfg, p, err, sizeof(err)) != 0) {
			fprintf(stderr, "vigild: %s\n", err);
			config_free(&d.cfg);
			return 2;
		}
	}
	if (check_only) {
		printf("vigild: configuration %s is valid\n", config_path ? config_path
							      : access(DEFAULT_CONFIG, F_OK) == 0
								      ? DEFAULT_CONFIG
								      : "(built-in defaults)");
		config_free(&d.cfg);
		return 0;
	}

	d.loader = loader_start(&d.cfg, err, sizeof(err));
	if (!d.loader) {
		fprintf(stderr, "vigild: %s\n", err);
		goto out;
	}
	loader_plan_str(loader_plan(d.loader), d.plan, sizeof(d.plan));
	fprintf(stderr, "vigild %s: attach plan: %s\n", VIGIL_VERSION, d.plan);
	if (plan_only) {
		rc = 0;
		goto out;
	}

	read_boot_id(d.boot_id, sizeof(d.boot_id));
	d.started = time(NULL);
	d.boot_to_real_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);
	d.pt = proctable_new(d.cfg.proctable_max, (unsigned)sysconf(_SC_CLK_TCK), d.boot_id);
	d.users = userdb_new("/etc/passwd", "/etc/group", 65536);
	d.hashes = exeid_new(d.cfg.exeid_cache, d.cfg.exeid_queue, d.cfg.exeid_max_file_bytes);
	d.seq = seqtrack_new();
	if (!d.pt || !d.users || !d.hashes || !d.seq || jsonw_init(&d.json, JSON_MAX) != 0) {
		fprintf(stderr, "vigild: out of memory setting up the pipeline\n");
		goto out;
	}
	if (want_events) {
		if (d.cfg.events_path) {
			d.events = fopen(d.cfg.events_path, "a");
			if (!d.events) {
				fprintf(stderr, "vigild: cannot open %s: %s\n", d.cfg.events_path,
					strerror(errno));
				goto out;
			}
		} else {
			d.events = stdout;
		}
		setvbuf(d.events, NULL, _IOFBF, 1 << 20);
	}
	/* Attached first, then seeded: a process started in between is in both. */
	proctable_seed(d.pt, "/proc");
	d.rb = ring_buffer__new(loader_ringbuf_fd(d.loader), handle_record, &d, NULL);
	if (!d.rb) {
		fprintf(stderr, "vigild: cannot set up the ring-buffer reader: %s\n",
			strerror(errno));
		goto out;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (duration > 0)
		deadline = clock_ns(CLOCK_MONOTONIC) + (int64_t)(duration * 1e9);
	fprintf(stderr, "vigild: ready (pid %d)\n", (int)getpid());

	while (!stop_requested) {
		int64_t now;
		uint64_t before = d.records;
		/* After IDLE_CYCLES empty polls, sleep until the next record (the BPF
		 * side forces a wakeup) or the next status write, whichever is first. */
		bool idle = idle_polls >= IDLE_CYCLES;
		int timeout = idle ? IDLE_POLL_MS : (int)d.cfg.poll_ms;
		int n;

		if (idle)
			loader_set_consumer_idle(d.loader, true);
		n = ring_buffer__poll(d.rb, timeout);
		if (idle)
			loader_set_consumer_idle(d.loader, false);
		if (n < 0 && n != -EINTR) {
			fprintf(stderr, "vigild: ring buffer poll failed: %s\n", strerror(-n));
			goto out;
		}
		ring_buffer__consume(d.rb);
		idle_polls = d.records == before ? idle_polls + 1 : 0;
		seqtrack_flush(d.seq, emit_loss, &d);
		if (d.events)
			fflush(d.events);
		now = clock_ns(CLOCK_MONOTONIC);
		if (now - last_status >= 1000000000LL) {
			/* follow wall-clock steps (NTP, admin) within a second */
			d.boot_to_real_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);
			write_status(&d);
			last_status = now;
		}
		if (deadline && now >= deadline)
			break;
	}
	/*
	 * Stop cleanly: detach first so nothing new arrives, drain the ring,
	 * then reconcile.  Drops after the last record a CPU sent leave no gap
	 * to see, so whatever the kernel counted beyond the gaps is reported as
	 * one final loss record: the stream always accounts for every drop.
	 */
	loader_detach(d.loader);
	ring_buffer__consume(d.rb);
	seqtrack_flush(d.seq, emit_loss, &d);
	{
		uint64_t k[VG_CNT_MAX] = { 0 };
		struct seqtrack_stats ss;

		loader_counters(d.loader, k);
		seqtrack_stats(d.seq, &ss);
		if (k[VG_CNT_RB_DROP] > ss.lost) {
			struct vg_ev_loss tail = { .cause = VG_LOSS_RINGBUF_TAIL,
						   .count = k[VG_CNT_RB_DROP] - ss.lost };

			emit_loss(&d, &tail);
			d.tail_lost = tail.count;
			ss.lost += tail.count;
		}
		if (d.events)
			fflush(d.events);
		write_status(&d);
		fprintf(stderr,
			"vigild: stopped: records=%llu lost=%llu kernel_events=%llu "
			"kernel_drops=%llu decode_errors=%llu\n",
			(unsigned long long)d.records, (unsigned long long)ss.lost,
			(unsigned long long)k[VG_CNT_EVENTS], (unsigned long long)k[VG_CNT_RB_DROP],
			(unsigned long long)d.decode_errors);
	}
	rc = 0;
out:
	cleanup(&d);
	return rc;
}
