// SPDX-License-Identifier: GPL-2.0-only
/*
 * itest_capture.c - every event family on the real kernel, exact fields.
 *
 * One vigild for the whole group (see harness.h).  Each test performs an
 * action in a child or in this process, then waits for the event and
 * asserts what the kernel must have reported: argv, absolute paths for
 * relative and dirfd-based operations, 4-tuples for IPv4 and IPv6, uids
 * after setresuid, parent/child for fork, exit codes and signals, the
 * memfd flag.  Network tests use loopback only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>

#include "exeid.h"
#include "harness.h"

static char actor[PATH_MAX], vigilctl[PATH_MAX], vigild_path[PATH_MAX];

static int group_setup(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		fprintf(stderr, "itest_capture: needs root to load BPF programs\n");
		return -1;
	}
	if (!realpath(getenv("ACTOR") ? getenv("ACTOR") : "build/tests/vg_actor", actor)) {
		fprintf(stderr, "itest_capture: vg_actor not built: %s\n", strerror(errno));
		return -1;
	}
	if (!realpath(getenv("VIGILCTL") ? getenv("VIGILCTL") : "build/vigilctl", vigilctl)) {
		fprintf(stderr, "itest_capture: vigilctl not built: %s\n", strerror(errno));
		return -1;
	}
	if (!realpath(getenv("VIGILD") ? getenv("VIGILD") : "build/vigild", vigild_path)) {
		fprintf(stderr, "itest_capture: vigild not built: %s\n", strerror(errno));
		return -1;
	}
	h_start(NULL);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	return h_cleanup();
}

static void sp(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void sp(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* cmocka's skip() prints nothing: say why, then skip (counted as skipped). */
#define skip_reason(why)                                                 \
	do {                                                             \
		fprintf(stderr, "[  SKIP    ] %s: %s\n", __func__, why); \
		skip();                                                  \
	} while (0)

static int wait_child(pid_t pid)
{
	int st = 0;

	waitpid(pid, &st, 0);
	return st;
}

/* ---- process ---------------------------------------------------------------- */

static void test_exec_fields(void **state)
{
	char *const args[] = { "vg_actor", "args", "two words", "", "last", NULL };
	char dev[32], want_cwd[PATH_MAX];
	struct stat st;
	json_t *ev, *a;
	pid_t pid;

	(void)state;
	assert_int_equal(stat(actor, &st), 0);
	sp(want_cwd, sizeof(want_cwd), "%s", H.scratch);
	pid = fork();
	if (pid == 0) {
		if (chdir(H.scratch) != 0)
			_exit(99);
		execv(actor, args);
		_exit(98);
	}
	assert_int_equal(WEXITSTATUS(wait_child(pid)), 0);

	ev = h_wait_match("exec", pid, NULL, NULL);
	assert_non_null(ev);
	assert_string_equal(jps(ev, "exec.exe"), actor);
	assert_string_equal(jps(ev, "process.exe"), actor);
	assert_string_equal(jps(ev, "exec.cwd"), want_cwd);
	a = jp(ev, "exec.args");
	assert_int_equal(json_array_size(a), 5);
	assert_string_equal(json_string_value(json_array_get(a, 0)), "vg_actor");
	assert_string_equal(json_string_value(json_array_get(a, 2)), "two words");
	assert_string_equal(json_string_value(json_array_get(a, 3)), "");
	assert_string_equal(json_string_value(json_array_get(a, 4)), "last");
	assert_int_equal(jpi(ev, "exec.argc"), 5);
	assert_true(json_is_false(jp(ev, "exec.args_truncated")));
	assert_string_equal(jps(ev, "process.command_line"), "vg_actor args two words  last");
	assert_int_equal(jpi(ev, "process.ppid"), getpid());
	assert_int_equal(jpi(ev, "process.uid"), 0);
	assert_string_equal(jps(ev, "process.user"), "root");
	assert_int_equal(jpi(ev, "exec.identity.ino"), (long long)st.st_ino);
	assert_int_equal(jpi(ev, "exec.identity.size"), (long long)st.st_size);
	sp(dev, sizeof(dev), "%u:%u", major(st.st_dev), minor(st.st_dev));
	assert_string_equal(jps(ev, "exec.identity.dev"), dev);
	assert_true(json_is_false(jp(ev, "exec.memfd")));
	assert_true(json_is_false(jp(ev, "exec.unlinked")));
	/* parent first in the ancestry: this test process */
	assert_int_equal(jpi(json_array_get(jp(ev, "exec.ancestry"), 0), "pid"), getpid());
	assert_string_equal(jps(ev, "process.parent_exec_id"),
			    jps(json_array_get(jp(ev, "exec.ancestry"), 0), "exec_id"));
	json_decref(ev);
}

static void test_argv_truncated(void **state)
{
	static char big[3000];
	char *const args[] = { "vg_actor", big, big, NULL };
	json_t *ev;
	pid_t pid;

	(void)state;
	memset(big, 'A', sizeof(big) - 1);
	pid = fork();
	if (pid == 0) {
		execv(actor, args);
		_exit(98);
	}
	wait_child(pid);
	ev = h_wait_match("exec", pid, NULL, NULL);
	assert_non_null(ev);
	assert_true(json_is_true(jp(ev, "exec.args_truncated")));
	assert_int_equal(jpi(ev, "exec.argc"), 3);
	assert_int_equal(strlen(json_string_value(json_array_get(jp(ev, "exec.args"), 1))),
			 sizeof(big) - 1);
	json_decref(ev);
}

static void test_fork_and_exit_codes(void **state)
{
	json_t *ev;
	pid_t pid, pid2;

	(void)state;
	pid = fork();
	if (pid == 0)
		_exit(7);
	assert_int_equal(WEXITSTATUS(wait_child(pid)), 7);
	ev = h_wait_match("fork", pid, NULL, NULL);
	assert_non_null(ev);
	assert_int_equal(jpi(ev, "process.ppid"), getpid());
	assert_int_equal(jpi(ev, "fork.parent_pid"), getpid());
	json_decref(ev);
	ev = h_wait_match("exit", pid, NULL, NULL);
	assert_non_null(ev);
	assert_int_equal(jpi(ev, "exit.code"), 7);
	assert_int_equal(jpi(ev, "exit.signal"), 0);
	json_decref(ev);

	pid2 = fork();
	if (pid2 == 0) {
		pause();
		_exit(0);
	}
	h_sleep_ms(50);
	kill(pid2, SIGKILL);
	assert_true(WIFSIGNALED(wait_child(pid2)));
	ev = h_wait_match("exit", pid2, NULL, NULL);
	assert_non_null(ev);
	assert_int_equal(jpi(ev, "exit.signal"), SIGKILL);
	json_decref(ev);
}

static void test_exit_of_multithreaded_process_once(void **state)
{
	char *const args[] = { "vg_actor", "threads", "4", "3", NULL };
	json_t *all;
	struct h_match m;
	pid_t pid;

	(void)state;
	pid = fork();
	if (pid == 0) {
		execv(actor, args);
		_exit(98);
	}
	assert_int_equal(WEXITSTATUS(wait_child(pid)), 3);
	json_decref(h_wait_match("exit", pid, NULL, NULL));
	m = (struct h_match){ "exit", pid, NULL, NULL, NULL, NULL };
	all = h_all(h_match_pred, &m);
	assert_int_equal(json_array_size(all), 1);
	assert_int_equal(jpi(json_array_get(all, 0), "exit.code"), 3);
	json_decref(all);
}

static void test_script_exec(void **state)
{
	char path[PATH_MAX + 16], want[PATH_MAX + 16];
	FILE *f;
	json_t *ev;
	pid_t pid;

	(void)state;
	sp(path, sizeof(path), "%s/hello.sh", H.scratch);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\nexit 5\n");
	fclose(f);
	chmod(path, 0755);
	pid = fork();
	if (pid == 0) {
		if (chdir(H.scratch) != 0)
			_exit(99);
		execl("./hello.sh", "./hello.sh", (char *)NULL);
		_exit(98);
	}
	assert_int_equal(WEXITSTATUS(wait_child(pid)), 5);
	ev = h_wait_match("exec", pid, NULL, NULL);
	assert_non_null(ev);
	sp(want, sizeof(want), "%s/hello.sh", H.scratch);
	assert_string_equal(jps(ev, "exec.script.path"), want);
	assert_string_equal(jps(ev, "exec.script.interpreter"), "/bin/sh");
	assert_true(realpath("/bin/sh", want) != NULL);
	assert_string_equal(jps(ev, "exec.exe"), want);
	json_decref(ev);
}

static void test_memfd_exec(void **state)
{
	char *const args[] = { "vg_actor", "exit", "4", NULL };
	char buf[65536];
	json_t *ev;
	pid_t pid;

	(void)state;
	pid = fork();
	if (pid == 0) {
		int src = open(actor, O_RDONLY), mfd = memfd_create("vgtest", 0);
		ssize_t n;

		while ((n = read(src, buf, sizeof(buf))) > 0)
			if (write(mfd, buf, n) != n)
				_exit(97);
		fexecve(mfd, args, environ);
		_exit(98);
	}
	assert_int_equal(WEXITSTATUS(wait_child(pid)), 4);
	ev = h_wait_match("exec", pid, NULL, NULL);
	assert_non_null(ev);
	assert_true(json_is_true(jp(ev, "exec.memfd")));
	assert_true(json_is_true(jp(ev, "exec.unlinked")));
	assert_non_null(strstr(jps(ev, "exec.exe"), "memfd:vgtest"));
	json_decref(ev);
	ev = h_wait_match("integrity", pid, "integrity.op", "memfd_create");
	assert_non_null(ev);
	assert_string_equal(jps(ev, "integrity.name"), "vgtest");
	assert_true(jpi(ev, "integrity.result") >= 0);
	json_decref(ev);
}

/* ---- files -------------------------------------------------------------------- */

static json_t *wait_file(pid_t pid, const char *op, const char *path)
{
	struct h_match m = { "file", pid, "file.op", op, "file.path", path };

	return h_wait(h_match_pred, &m, 5000);
}

static void test_file_relative_and_dirfd(void **state)
{
	char sub[PATH_MAX + 8], p[PATH_MAX + 32], p2[PATH_MAX + 32];
	json_t *ev;
	int dfd, fd;

	(void)state;
	sp(sub, sizeof(sub), "%s/sub", H.scratch);
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(chdir(sub), 0);

	/* relative create from the cwd, through "." and ".." */
	fd = open("./../sub/rel.txt", O_WRONLY | O_CREAT | O_EXCL, 0640);
	assert_true(fd >= 0);
	close(fd);
	sp(p, sizeof(p), "%s/rel.txt", sub);
	ev = wait_file(getpid(), "create", p);
	assert_non_null(ev);
	assert_string_equal(jps(ev, "file.mode"), "0640");
	assert_true(jpi(ev, "file.result") >= 0);
	json_decref(ev);

	/* dirfd create, then truncate, then plain write */
	dfd = open(sub, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	fd = openat(dfd, "d.txt", O_WRONLY | O_CREAT, 0600);
	close(fd);
	sp(p, sizeof(p), "%s/d.txt", sub);
	ev = wait_file(getpid(), "create", p);
	assert_non_null(ev);
	json_decref(ev);
	fd = openat(dfd, "d.txt", O_WRONLY | O_TRUNC);
	close(fd);
	ev = wait_file(getpid(), "truncate", p);
	assert_non_null(ev);
	json_decref(ev);
	fd = openat(dfd, "d.txt", O_RDWR);
	close(fd);
	ev = wait_file(getpid(), "open_write", p);
	assert_non_null(ev);
	json_decref(ev);

	/* rename with a dirfd on one side and a relative ".." on the other */
	assert_int_equal(renameat(dfd, "d.txt", AT_FDCWD, "../moved.txt"), 0);
	ev = wait_file(getpid(), "rename", p);
	assert_non_null(ev);
	sp(p2, sizeof(p2), "%s/moved.txt", H.scratch);
	assert_string_equal(jps(ev, "file.new_path"), p2);
	assert_int_equal(jpi(ev, "file.result"), 0);
	json_decref(ev);

	/* chmod (path), fchmod (fd), chown, link, symlink, unlinkat via dirfd */
	assert_int_equal(chmod("../moved.txt", 0750), 0);
	ev = wait_file(getpid(), "chmod", p2);
	assert_non_null(ev);
	assert_string_equal(jps(ev, "file.mode"), "0750");
	json_decref(ev);
	fd = open(p2, O_RDONLY);
	assert_int_equal(fchmod(fd, 0700), 0);
	close(fd);
	{
		struct h_match m = { "file", getpid(), "file.op", "chmod", "file.mode", "0700" };

		ev = h_wait(h_match_pred, &m, 5000);
		assert_non_null(ev);
		assert_string_equal(jps(ev, "file.path"), p2);
		json_decref(ev);
	}
	assert_int_equal(chown(p2, 1234, 5678), 0);
	ev = wait_file(getpid(), "chown", p2);
	assert_non_null(ev);
	assert_int_equal(jpi(ev, "file.owner_uid"), 1234);
	assert_int_equal(jpi(ev, "file.owner_gid"), 5678);
	json_decref(ev);
	assert_int_equal(link("../moved.txt", "hard.txt"), 0);
	ev = wait_file(getpid(), "link", p2);
	assert_non_null(ev);
	sp(p, sizeof(p), "%s/hard.txt", sub);
	assert_string_equal(jps(ev, "file.new_path"), p);
	json_decref(ev);
	assert_int_equal(symlink("../some/target", "sym"), 0);
	sp(p, sizeof(p), "%s/sym", sub);
	ev = wait_file(getpid(), "symlink", p);
	assert_non_null(ev);
	assert_string_equal(jps(ev, "file.target"), "../some/target");
	json_decref(ev);
	assert_int_equal(unlinkat(dfd, "hard.txt", 0), 0);
	sp(p, sizeof(p), "%s/hard.txt", sub);
	ev = wait_file(getpid(), "unlink", p);
	assert_non_null(ev);
	assert_int_equal(jpi(ev, "file.result"), 0);
	json_decref(ev);
	/* a failed unlink carries its errno */
	assert_int_equal(unlink("no-such-file"), -1);
	sp(p, sizeof(p), "%s/no-such-file", sub);
	ev = wait_file(getpid(), "unlink", p);
	assert_non_null(ev);
	assert_int_equal(jpi(ev, "file.result"), -ENOENT);
	json_decref(ev);
	close(dfd);
	assert_int_equal(chdir("/"), 0);
}

static void test_file_prefix_filter(void **state)
{
	char outside[] = "/tmp/vigil-itest-outside-XXXXXX", p[PATH_MAX + 32], xo[PATH_MAX + 8];
	json_t *all, *ev;
	struct h_match m;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(outside));
	sp(p, sizeof(p), "%s/f.txt", outside);
	fd = open(p, O_WRONLY | O_CREAT, 0644);
	close(fd);
	unlink(p);
	rmdir(outside);
	/* exec-only prefix: a plain file is not reported, an executable one is */
	sp(xo, sizeof(xo), "%s/xo", H.scratch);
	assert_int_equal(mkdir(xo, 0755), 0);
	sp(p, sizeof(p), "%s/plain.txt", xo);
	close(open(p, O_WRONLY | O_CREAT, 0644));
	sp(p, sizeof(p), "%s/tool", xo);
	close(open(p, O_WRONLY | O_CREAT, 0755));
	ev = wait_file(getpid(), "create", p); /* the marker: later than the others */
	assert_non_null(ev);
	assert_string_equal(jps(ev, "file.mode"), "0755");
	json_decref(ev);
	m = (struct h_match){ "file", getpid(), NULL, NULL, NULL, NULL };
	all = h_all(h_match_pred, &m);
	for (size_t i = 0; i < json_array_size(all); i++) {
		const char *path = jps(json_array_get(all, i), "file.path");

		assert_null(strstr(path, "vigil-itest-outside"));
		assert_null(strstr(path, "plain.txt"));
	}
	json_decref(all);
}

/* ---- network ------------------------------------------------------------------- */

/* A network event of pid with this op on local address addr. */
static json_t *wait_local_net(pid_t pid, const char *op, const char *addr)
{
	struct h_match m = { "network", pid, "network.op", op, "network.local_ip", addr };

	return h_wait(h_match_pred, &m, 5000);
}

static void tcp_roundtrip(int family, const char *addr)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	int lfd, cfd, afd, one = 1;
	unsigned short port, cport;
	json_t *ev;
	pid_t pid;

	lfd = socket(family, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (void *)&ss;

		s4->sin_family = AF_INET;
		inet_pton(AF_INET, addr, &s4->sin_addr);
		sl = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (void *)&ss;

		s6->sin6_family = AF_INET6;
		inet_pton(AF_INET6, addr, &s6->sin6_addr);
		sl = sizeof(*s6);
	}
	assert_int_equal(bind(lfd, (void *)&ss, sl), 0);
	assert_int_equal(listen(lfd, 4), 0);
	assert_int_equal(getsockname(lfd, (void *)&ss, &sl), 0);
	port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
				       : ((struct sockaddr_in6 *)&ss)->sin6_port);

	pid = fork();
	if (pid == 0) {
		cfd = socket(family, SOCK_STREAM, 0);
		_exit(connect(cfd, (void *)&ss, sl) == 0 ? 0 : 1);
	}
	afd = accept(lfd, NULL, NULL);
	assert_true(afd >= 0);
	assert_int_equal(WEXITSTATUS(wait_child(pid)), 0);

	ev = h_wait_match("network", pid, "network.op", "connect");
	assert_non_null(ev);
	assert_string_equal(jps(ev, "network.protocol"), "tcp");
	assert_string_equal(jps(ev, "network.family"), family == AF_INET ? "ipv4" : "ipv6");
	assert_string_equal(jps(ev, "network.direction"), "outbound");
	assert_string_equal(jps(ev, "network.remote_ip"), addr);
	assert_string_equal(jps(ev, "network.local_ip"), addr);
	assert_int_equal(jpi(ev, "network.remote_port"), port);
	assert_int_equal(jpi(ev, "network.result"), 0);
	cport = (unsigned short)jpi(ev, "network.local_port");
	assert_true(cport > 0);
	json_decref(ev);

	ev = wait_local_net(getpid(), "accept", addr);
	assert_non_null(ev);
	assert_string_equal(jps(ev, "network.direction"), "inbound");
	assert_int_equal(jpi(ev, "network.local_port"), port);
	assert_int_equal(jpi(ev, "network.remote_port"), cport);
	assert_string_equal(jps(ev, "network.remote_ip"), addr);
	json_decref(ev);
	ev = wait_local_net(getpid(), "listen", addr);
	assert_non_null(ev);
	assert_int_equal(jpi(ev, "network.local_port"), port);
	json_decref(ev);
	ev = wait_local_net(getpid(), "bind", addr);
	assert_non_null(ev);
	assert_int_equal(jpi(ev, "network.result"), 0);
	json_decref(ev);
	close(afd);
	close(lfd);
}

static void test_tcp_ipv4(void **state)
{
	(void)state;
	tcp_roundtrip(AF_INET, "127.0.0.1");
}

static void test_tcp_ipv6(void **state)
{
	(void)state;
	tcp_roundtrip(AF_INET6, "::1");
}

/* Non-blocking connect to a closed port: reported once, with the final result. */
static void test_tcp_nonblocking_refused(void **state)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	json_t *ev, *all;
	struct h_match m;
	int lfd, fd;
	socklen_t sl = sizeof(sa);
	pid_t pid;

	(void)state;
	/* find a free port, then close it */
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	bind(lfd, (void *)&sa, sizeof(sa));
	getsockname(lfd, (void *)&sa, &sl);
	close(lfd);
	pid = fork();
	if (pid == 0) {
		fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (connect(fd, (void *)&sa, sizeof(sa)) == 0 || errno != EINPROGRESS)
			_exit(2);
		h_sleep_ms(200);
		_exit(0);
	}
	assert_int_equal(WEXITSTATUS(wait_child(pid)), 0);
	ev = h_wait_match("network", pid, "network.op", "connect");
	assert_non_null(ev);
	assert_int_equal(jpi(ev, "network.result"), -ECONNREFUSED);
	assert_int_equal(jpi(ev, "network.remote_port"), ntohs(sa.sin_port));
	json_decref(ev);
	m = (struct h_match){ "network", pid, "network.op", "connect", NULL, NULL };
	all = h_all(h_match_pred, &m);
	assert_int_equal(json_array_size(all), 1);
	json_decref(all);
}

static void test_udp_first_send(void **state)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(53) };
	json_t *ev, *all;
	struct h_match m;
	pid_t pid;

	(void)state;
	inet_pton(AF_INET, "127.0.0.53", &sa.sin_addr);
	pid = fork();
	if (pid == 0) {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);

		for (int i = 0; i < 5; i++)
			sendto(fd, "q", 1, 0, (void *)&sa, sizeof(sa));
		_exit(0);
	}
	wait_child(pid);
	ev = h_wait_match("network", pid, "network.op", "udp_send");
	assert_non_null(ev);
	assert_string_equal(jps(ev, "network.protocol"), "udp");
	assert_string_equal(jps(ev, "network.remote_ip"), "127.0.0.53");
	assert_int_equal(jpi(ev, "network.remote_port"), 53);
	json_decref(ev);
	h_sleep_ms(200);
	m = (struct h_match){ "network", pid, "network.op", "udp_send", NULL, NULL };
	all = h_all(h_match_pred, &m);
	assert_int_equal(json_array_size(all), 1); /* deduplicated per destination */
	json_decref(all);
}

/* ---- integrity ------------------------------------------------------------------ */

static void test_setresuid(void **state)
{
	json_t *ev;
	pid_t pid;

	(void)state;
	pid = fork();
	if (pid == 0) {
		if (setuid(0) != 0) /* a no-op: must not be reported */
			_exit(3);
		_exit(setresuid(65534, 65534, 65534) == 0 ? 0 : 1);
	}
	assert_int_equal(WEXITSTATUS(wait_child(pid)), 0);
	ev = h_wait_match("cred_change", pid, "cred.call", "setresuid");
	assert_non_null(ev);
	assert_int_equal(jpi(ev, "cred.old.uid"), 0);
	assert_int_equal(jpi(ev, "cred.new.uid"), 65534);
	assert_int_equal(jpi(ev, "cred.new.euid"), 65534);
	assert_int_equal(jpi(ev, "cred.new.suid"), 65534);
	assert_int_equal(jpi(ev, "process.uid"), 65534);
	json_decref(ev);
	assert_null(h_wait_match("cred_change", pid, "cred.call", "setuid"));
	ev = h_wait_match("exit", pid, NULL, NULL);
	assert_non_null(ev);
	assert_int_equal(jpi(ev, "process.uid"), 65534);
	json_decref(ev);
}

static void test_ptrace_attach(void **state)
{
	json_t *ev;
	pid_t target, tracer;

	(void)state;
	target = fork();
	if (target == 0) {
		pause();
		_exit(0);
	}
	tracer = fork();
	if (tracer == 0) {
		if (ptrace(PTRACE_SEIZE, target, 0, 0) != 0)
			_exit(1);
		ptrace(PTRACE_DETACH, target, 0, 0);
		_exit(0);
	}
	assert_int_equal(WEXITSTATUS(wait_child(tracer)), 0);
	kill(target, SIGKILL);
	wait_child(target);
	ev = h_wait_match("integrity", tracer, "integrity.op", "ptrace");
	assert_non_null(ev);
	assert_string_equal(jps(ev, "integrity.request"), "seize");
	assert_int_equal(jpi(ev, "integrity.target_pid"), target);
	assert_int_equal(jpi(ev, "integrity.result"), 0);
	json_decref(ev);
}

static void test_namespaces_and_mount(void **state)
{
	char mnt[PATH_MAX + 8];
	json_t *ev;
	pid_t pid;

	(void)state;
	sp(mnt, sizeof(mnt), "%s/mnt", H.scratch);
	assert_int_equal(mkdir(mnt, 0755), 0);
	pid = fork();
	if (pid == 0) {
		if (unshare(CLONE_NEWNS | CLONE_NEWUTS) != 0)
			_exit(1);
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
			_exit(2);
		if (mount("vgtmp", mnt, "tmpfs", 0, "size=1m") != 0)
			_exit(3);
		_exit(umount2(mnt, 0) == 0 ? 0 : 4);
	}
	assert_int_equal(WEXITSTATUS(wait_child(pid)), 0);
	ev = h_wait_match("integrity", pid, "integrity.op", "unshare");
	assert_non_null(ev);
	assert_string_equal(jps(ev, "integrity.flags"), "0x4020000");
	json_decref(ev);
	ev = h_wait_match("integrity", pid, "integrity.fstype", "tmpfs");
	assert_non_null(ev);
	assert_string_equal(jps(ev, "integrity.op"), "mount");
	assert_string_equal(jps(ev, "integrity.source"), "vgtmp");
	assert_string_equal(jps(ev, "integrity.target"), mnt);
	json_decref(ev);
	ev = h_wait_match("integrity", pid, "integrity.op", "umount");
	assert_non_null(ev);
	assert_string_equal(jps(ev, "integrity.target"), mnt);
	json_decref(ev);
}

static void test_bpf_prog_load(void **state)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;
	json_t *ev;
	int fd;

	(void)state;
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insns = (unsigned long)insns;
	attr.insn_cnt = 2;
	attr.license = (unsigned long)"GPL";
	strcpy(attr.prog_name, "vgtest_prog");
	fd = syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	assert_true(fd >= 0);
	close(fd);
	ev = h_wait_match("integrity", getpid(), "integrity.prog_name", "vgtest_prog");
	assert_non_null(ev);
	assert_string_equal(jps(ev, "integrity.op"), "bpf_prog_load");
	assert_int_equal(jpi(ev, "integrity.prog_type"), BPF_PROG_TYPE_SOCKET_FILTER);
	assert_int_equal(jpi(ev, "integrity.insn_count"), 2);
	json_decref(ev);
}

/* A module load attempt is reported even when the kernel refuses it. */
static void test_module_load_attempt(void **state)
{
	json_t *ev;
	long r;
	int fd;

	(void)state;
	if (access("/sys/kernel/tracing/events/syscalls/sys_enter_finit_module", F_OK) != 0) {
		/* CONFIG_MODULES=n: the kernel cannot load modules at all. */
		skip_reason("kernel built without module support: no finit_module tracepoint");
	}
	fd = open("/dev/null", O_RDONLY);
	r = syscall(SYS_finit_module, fd, "vgparam=1", 0);
	assert_true(r < 0);
	close(fd);
	ev = h_wait_match("integrity", getpid(), "integrity.params", "vgparam=1");
	assert_non_null(ev);
	assert_string_equal(jps(ev, "integrity.op"), "module_load");
	assert_string_equal(jps(ev, "integrity.path"), "/dev/null");
	assert_true(jpi(ev, "integrity.result") < 0);
	json_decref(ev);
}

static void test_every_line_is_valid_json_and_sequenced(void **state)
{
	struct h_match any = { "exec", -1, NULL, NULL, NULL, NULL };
	json_t *all;

	(void)state;
	/* h_all aborts on an invalid line; also check the common fields. */
	all = h_all(h_match_pred, &any);
	assert_true(json_array_size(all) > 0);
	for (size_t i = 0; i < json_array_size(all); i++) {
		json_t *ev = json_array_get(all, i);

		assert_true(jpi(ev, "seq") > 0);
		assert_non_null(strstr(jps(ev, "time"), "Z"));
		assert_true(jpi(ev, "process.pid") > 0);
	}
	json_decref(all);
}

/* The digest is computed off the event path: a later exec of the same file carries it. */
static void test_exe_sha256(void **state)
{
	char *const args[] = { "vg_actor", "exit", "0", NULL };
	char want[65];
	json_t *ev = NULL;
	int fd;

	(void)state;
	fd = open(actor, O_RDONLY);
	assert_int_equal(exeid_sha256_fd(fd, 1 << 30, want), 0);
	close(fd);
	for (int i = 0; i < 20 && !ev; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			execv(actor, args);
			_exit(98);
		}
		wait_child(pid);
		ev = h_wait_match("exec", pid, "exec.sha256", want);
		if (!ev)
			h_sleep_ms(100);
	}
	assert_non_null(ev);
	json_decref(ev);
}

/* vigilctl status shows the live attach plan and counters from the status file. */
static void test_vigilctl_status(void **state)
{
	char cmd[PATH_MAX * 3], out[4096] = "";
	const char *ctl = vigilctl;
	FILE *p;
	size_t n;

	(void)state;
	h_sleep_ms(1200); /* the status file is rewritten every second */
	snprintf(cmd, sizeof(cmd), "%s --run-dir %s/run status 2>&1", ctl, H.out);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	assert_int_equal(pclose(p), 0);
	assert_non_null(strstr(out, "attach plan: process=raw_tracepoint"));
	assert_non_null(strstr(out, "ringbuf_drops"));
	snprintf(cmd, sizeof(cmd), "%s --run-dir %s/run status --json", ctl, H.out);
	p = popen(cmd, "r");
	assert_non_null(p);
	{
		json_error_t err;
		json_t *j = json_loadf(p, 0, &err);

		assert_non_null(j);
		assert_int_equal(jpi(j, "pid"), H.vigild);
		assert_true(jpi(j, "kernel.events") > 0);
		json_decref(j);
	}
	assert_int_equal(pclose(p), 0);
}

/* Without root, vigild says what is missing and how to fix it, and exits 1. */
static void test_not_root_is_explained(void **state)
{
	char out[2048] = "";
	int fds[2], st;
	ssize_t n, got = 0;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], 2);
		close(fds[0]);
		if (setgid(65534) != 0 || setuid(65534) != 0)
			_exit(97);
		execl(vigild_path, "vigild", "--plan", (char *)NULL);
		_exit(98);
	}
	close(fds[1]);
	while ((n = read(fds[0], out + got, sizeof(out) - 1 - got)) > 0)
		got += n;
	out[got] = '\0';
	close(fds[0]);
	waitpid(pid, &st, 0);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 1);
	assert_non_null(strstr(out, "vigild must run as root"));
	assert_non_null(strstr(out, "CAP_BPF"));
}

/* Where cgroup v2 is mounted (the default hierarchy BPF reads), or "" if nowhere. */
static void cgroup2_mount(char *out, size_t len)
{
	char dev[256], dir[PATH_MAX], type[64];
	FILE *f = fopen("/proc/mounts", "r");

	out[0] = '\0';
	while (f && fscanf(f, "%255s %4095s %63s %*[^\n]\n", dev, dir, type) == 3)
		if (strcmp(type, "cgroup2") == 0) {
			snprintf(out, len, "%s", dir);
			break;
		}
	if (f)
		fclose(f);
}

/* A process in a container runtime's cgroup gets that container's id. */
static void test_container_id_from_cgroup(void **state)
{
	static const char id[] = "4f2b9c1de07a44c3b8e6f1a29d5c7e08b3a6f4d2c1e09b87a65f4e3d2c1b0a99";
	char *const args[] = { "vg_actor", "exit", "0", NULL };
	char root[PATH_MAX], cg[PATH_MAX + 128], procs[PATH_MAX + 160], name[128];
	int go[2];
	json_t *ev;
	pid_t pid;

	(void)state;
	cgroup2_mount(root, sizeof(root));
	snprintf(name, sizeof(name), "docker-%s.scope", id);
	snprintf(cg, sizeof(cg), "%s/%s", root, name);
	if (!root[0] || (mkdir(cg, 0755) != 0 && errno != EEXIST))
		skip_reason("no writable cgroup v2 hierarchy to create a container cgroup in");
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
	assert_int_equal(pipe(go), 0);
	pid = fork();
	if (pid == 0) {
		char c;

		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(96);
		execv(actor, args);
		_exit(98);
	}
	close(go[0]);
	{
		FILE *f = fopen(procs, "w");
		int moved = f && fprintf(f, "%d\n", pid) > 0;

		if (f && fclose(f) != 0)
			moved = 0;
		if (write(go[1], "x", 1) != 1)
			moved = 0;
		close(go[1]);
		wait_child(pid);
		if (!moved) {
			rmdir(cg);
			skip_reason("cannot move a process into a cgroup v2 group here");
		}
	}
	ev = h_wait_match("exec", pid, NULL, NULL);
	rmdir(cg);
	assert_non_null(ev);
	assert_string_equal(jps(ev, "exec.cgroup"), name);
	assert_string_equal(jps(ev, "process.container_id"), id);
	json_decref(ev);
}

/* Processes that predate the sensor (seeded from /proc) still give ancestry. */
static void test_seeded_ancestry(void **state)
{
	char *const args[] = { "vg_actor", "exit", "0", NULL };
	char self[PATH_MAX];
	json_t *ev, *parent;
	pid_t pid;

	(void)state;
	assert_true(realpath("/proc/self/exe", self) != NULL);
	pid = fork();
	if (pid == 0) {
		execv(actor, args);
		_exit(98);
	}
	wait_child(pid);
	ev = h_wait_match("exec", pid, NULL, NULL);
	assert_non_null(ev);
	parent = json_array_get(jp(ev, "exec.ancestry"), 0);
	/* this test process started before vigild: known only through /proc */
	assert_int_equal(jpi(parent, "pid"), getpid());
	assert_string_equal(jps(parent, "exe"), self);
	assert_non_null(strstr(jps(parent, "command_line"), "itest_capture"));
	assert_true(json_array_size(jp(ev, "exec.ancestry")) >= 2);
	json_decref(ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_fields),
		cmocka_unit_test(test_argv_truncated),
		cmocka_unit_test(test_fork_and_exit_codes),
		cmocka_unit_test(test_exit_of_multithreaded_process_once),
		cmocka_unit_test(test_script_exec),
		cmocka_unit_test(test_memfd_exec),
		cmocka_unit_test(test_file_relative_and_dirfd),
		cmocka_unit_test(test_file_prefix_filter),
		cmocka_unit_test(test_tcp_ipv4),
		cmocka_unit_test(test_tcp_ipv6),
		cmocka_unit_test(test_tcp_nonblocking_refused),
		cmocka_unit_test(test_udp_first_send),
		cmocka_unit_test(test_setresuid),
		cmocka_unit_test(test_ptrace_attach),
		cmocka_unit_test(test_namespaces_and_mount),
		cmocka_unit_test(test_bpf_prog_load),
		cmocka_unit_test(test_module_load_attempt),
		cmocka_unit_test(test_not_root_is_explained),
		cmocka_unit_test(test_exe_sha256),
		cmocka_unit_test(test_container_id_from_cgroup),
		cmocka_unit_test(test_seeded_ancestry),
		cmocka_unit_test(test_vigilctl_status),
		cmocka_unit_test(test_every_line_is_valid_json_and_sequenced),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
