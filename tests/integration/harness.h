/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * harness.h - run the real vigild against the real kernel for a test.
 *
 * Each test binary starts one vigild with a config that captures file
 * events only under a scratch directory it creates (never the host's real
 * system paths), writes the JSON event stream to a file outside that
 * directory, performs actions, and polls the stream for the events those
 * actions must produce.  Everything is torn down at exit, even on failure.
 * The binary runs as root (BPF needs it); without root every test is
 * skipped with the reason printed.
 */
#ifndef VIGIL_ITEST_HARNESS_H
#define VIGIL_ITEST_HARNESS_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

struct harness {
	char scratch[PATH_MAX]; /* captured prefix */
	char out[PATH_MAX];	/* config, event stream, stderr, run dir */
	char events[PATH_MAX + 32];
	char errlog[PATH_MAX + 32];
	pid_t vigild;
	char stopped_line[512];
	int exit_status; /* wait status of the last vigild */
};

static struct harness H;

static void h_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void h_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "harness: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static int64_t h_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void h_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static bool h_file_contains(const char *path, const char *needle)
{
	char buf[8192];
	FILE *f = fopen(path, "r");
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(buf, sizeof(buf), f))
		found = strstr(buf, needle) != NULL;
	fclose(f);
	return found;
}

/* Start vigild; extra_capture is YAML lines appended under "capture:". */
static void h_start(const char *extra_capture)
{
	char cfg[PATH_MAX + 32];
	const char *vigild = getenv("VIGILD") ? getenv("VIGILD") : "build/vigild";
	FILE *f;
	int64_t deadline;

	strcpy(H.scratch, "/tmp/vigil-itest-XXXXXX");
	strcpy(H.out, "/tmp/vigil-itest-out-XXXXXX");
	if (!mkdtemp(H.scratch) || !mkdtemp(H.out))
		h_die("mkdtemp: %s", strerror(errno));
	snprintf(cfg, sizeof(cfg), "%s/vigil.yaml", H.out);
	snprintf(H.events, sizeof(H.events), "%s/events.jsonl", H.out);
	snprintf(H.errlog, sizeof(H.errlog), "%s/vigild.err", H.out);
	f = fopen(cfg, "w");
	if (!f)
		h_die("%s: %s", cfg, strerror(errno));
	fprintf(f,
		"capture:\n  poll_ms: 20\n  file_prefixes: [\"%s/\"]\n"
		"  exec_only_prefixes: [\"%s/xo/\"]\n%s"
		"output:\n  events_path: %s\n  run_dir: %s/run\n",
		H.scratch, H.scratch, extra_capture ? extra_capture : "", H.events, H.out);
	fclose(f);

	H.vigild = fork();
	if (H.vigild < 0)
		h_die("fork: %s", strerror(errno));
	if (H.vigild == 0) {
		int fd = open(H.errlog, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		/* If the test dies, vigild stops too: never leave a sensor behind. */
		prctl(PR_SET_PDEATHSIG, SIGINT);
		dup2(fd, 2);
		execl(vigild, "vigild", "--events", "--config", cfg, (char *)NULL);
		fprintf(stderr, "exec %s: %s\n", vigild, strerror(errno));
		_exit(127);
	}
	deadline = h_now_ms() + 60000;
	while (!h_file_contains(H.errlog, "vigild: ready")) {
		int st;

		if (waitpid(H.vigild, &st, WNOHANG) == H.vigild) {
			char cmd[PATH_MAX + 64];

			snprintf(cmd, sizeof(cmd), "cat %s >&2", H.errlog);
			if (system(cmd) != 0)
				fprintf(stderr, "(no vigild stderr)\n");
			h_die("vigild exited before it was ready");
		}
		if (h_now_ms() > deadline)
			h_die("vigild not ready after 60 s");
		h_sleep_ms(20);
	}
}

/* Stop vigild (SIGINT: detach, drain, reconcile) and keep its last line. */
static void h_stop(void)
{
	char buf[512];
	FILE *f;
	int st;

	if (H.vigild <= 0)
		return;
	kill(H.vigild, SIGINT);
	waitpid(H.vigild, &st, 0);
	H.vigild = 0;
	H.exit_status = st;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		char cmd[PATH_MAX + 64];

		fprintf(stderr, "harness: vigild did not exit cleanly (status 0x%x); its stderr:\n",
			st);
		snprintf(cmd, sizeof(cmd), "cat %s >&2", H.errlog);
		if (system(cmd) != 0)
			fprintf(stderr, "(no vigild stderr)\n");
	}
	f = fopen(H.errlog, "r");
	while (f && fgets(buf, sizeof(buf), f))
		if (strstr(buf, "vigild: stopped:"))
			snprintf(H.stopped_line, sizeof(H.stopped_line), "%s", buf);
	if (f)
		fclose(f);
}

/* Stops vigild and removes the scratch; returns -1 when vigild exited badly
 * (a sanitizer report, a crash) so the group teardown fails the run. */
static int h_cleanup(void)
{
	char cmd[2 * PATH_MAX + 32];

	h_stop();
	if (H.scratch[0] && H.out[0] && !getenv("VIGIL_ITEST_KEEP")) {
		snprintf(cmd, sizeof(cmd), "rm -rf -- '%s' '%s'", H.scratch, H.out);
		if (system(cmd) != 0)
			fprintf(stderr, "harness: cleanup failed\n");
	}
	return WIFEXITED(H.exit_status) && WEXITSTATUS(H.exit_status) == 0 ? 0 : -1;
}

static __attribute__((unused)) unsigned long long h_stopped_value(const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), " %s=", key);
	p = strstr(H.stopped_line, pat);
	return p ? strtoull(p + strlen(pat), NULL, 10) : 0;
}

/* Dotted path lookup: "exec.identity.ino". */
static json_t *jp(json_t *root, const char *path)
{
	char key[128];
	json_t *cur = root;

	while (cur && *path) {
		size_t n = strcspn(path, ".");

		snprintf(key, sizeof(key), "%.*s", (int)n, path);
		cur = json_object_get(cur, key);
		path += n;
		if (*path == '.')
			path++;
	}
	return cur;
}

static const char *jps(json_t *root, const char *path)
{
	const char *s = json_string_value(jp(root, path));

	return s ? s : "(missing)";
}

static long long jpi(json_t *root, const char *path)
{
	json_t *v = jp(root, path);

	return json_is_integer(v) ? json_integer_value(v) : -999999;
}

typedef bool (*h_pred)(json_t *ev, const void *arg);

/* Every event so far matching pred, in order (caller frees with json_decref). */
static json_t *h_all(h_pred pred, const void *arg)
{
	json_t *arr = json_array();
	char *line = NULL;
	size_t cap = 0;
	FILE *f = fopen(H.events, "r");

	while (f && getline(&line, &cap, f) > 0) {
		json_error_t err;
		json_t *ev = json_loads(line, 0, &err);

		if (!ev) {
			fprintf(stderr, "harness: invalid JSON line in the event stream: %s\n%s",
				err.text, line);
			abort();
		}
		if (pred(ev, arg))
			json_array_append(arr, ev);
		json_decref(ev);
	}
	free(line);
	if (f)
		fclose(f);
	return arr;
}

/* Wait up to timeout_ms for the first event matching pred; NULL if none. */
static json_t *h_wait(h_pred pred, const void *arg, int timeout_ms)
{
	int64_t deadline = h_now_ms() + timeout_ms;

	for (;;) {
		json_t *all = h_all(pred, arg);

		if (json_array_size(all) > 0) {
			json_t *ev = json_incref(json_array_get(all, 0));

			json_decref(all);
			return ev;
		}
		json_decref(all);
		if (h_now_ms() > deadline)
			return NULL;
		h_sleep_ms(25);
	}
}

/* The common match: event type, acting pid, and optionally one string field. */
struct h_match {
	const char *type;
	long long pid; /* -1: any */
	const char *field;
	const char *value;
	const char *field2;
	const char *value2;
};

static bool h_match_pred(json_t *ev, const void *arg)
{
	const struct h_match *m = arg;

	if (strcmp(jps(ev, "type"), m->type) != 0)
		return false;
	if (m->pid >= 0 && jpi(ev, "process.pid") != m->pid)
		return false;
	if (m->field && strcmp(jps(ev, m->field), m->value) != 0)
		return false;
	if (m->field2 && strcmp(jps(ev, m->field2), m->value2) != 0)
		return false;
	return true;
}

static __attribute__((unused)) json_t *h_wait_match(const char *type, long long pid,
						    const char *field, const char *value)
{
	struct h_match m = { type, pid, field, value, NULL, NULL };

	return h_wait(h_match_pred, &m, 5000);
}

#endif /* VIGIL_ITEST_HARNESS_H */
