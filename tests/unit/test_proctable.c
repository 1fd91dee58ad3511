/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_proctable.c - unit tests for userspace/proctable.c.
 *
 * Events are built by hand; seeding reads the fake tree under
 * tests/fixtures/proc (run from the repository root) and, once, the real
 * /proc to prove the tick/ns key matches the running kernel.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "proctable.h"
#include "vigil_abi.h"

#define BOOT_ID	     "0123456789abcdef-rest"
#define FIXTURE_PROC "tests/fixtures/proc"
#define HEX64	     "3f4a9c1b2d7e8f603f4a9c1b2d7e8f603f4a9c1b2d7e8f603f4a9c1b2d7e8f60"

static struct vg_str view(const char *s, size_t len)
{
	struct vg_str v = { .ptr = s, .len = (uint32_t)len };

	return v;
}

static struct vg_str cview(const char *s)
{
	return view(s, s ? strlen(s) : 0);
}

static struct vg_event mk_event(enum vg_event_kind kind, uint32_t pid, uint64_t start_ns,
				uint32_t ppid, uint64_t parent_start_ns, uint64_t ts_ns)
{
	struct vg_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.ts_ns = ts_ns;
	ev.proc.tid = pid;
	ev.proc.pid = pid;
	ev.proc.ppid = ppid;
	ev.proc.start_ns = start_ns;
	ev.proc.parent_start_ns = parent_start_ns;
	ev.proc.uid = 1000;
	ev.proc.gid = 1000;
	ev.proc.euid = 1000;
	ev.proc.egid = 1000;
	ev.proc.loginuid = 1000;
	ev.proc.cgroup_id = 4242;
	snprintf(ev.proc.comm, sizeof(ev.proc.comm), "p%u", pid);
	return ev;
}

static const struct proc_entry *do_fork(struct proctable *pt, uint32_t pid, uint64_t start_ns,
					uint32_t ppid, uint64_t parent_start_ns)
{
	struct vg_event ev = mk_event(VG_EV_FORK, pid, start_ns, ppid, parent_start_ns, start_ns);

	return proctable_on_fork(pt, &ev);
}

static const struct proc_entry *do_exec(struct proctable *pt, uint32_t pid, uint64_t start_ns,
					uint32_t ppid, uint64_t parent_start_ns, uint64_t ts_ns,
					const char *exe, const char *argv, size_t argv_len)
{
	struct vg_event ev = mk_event(VG_EV_EXEC, pid, start_ns, ppid, parent_start_ns, ts_ns);

	ev.exec.exe = cview(exe);
	ev.exec.argv = view(argv, argv_len);
	ev.exec.cwd = cview("/work");
	ev.exec.cgroup = cview("system.slice/sshd.service");
	return proctable_on_exec(pt, &ev);
}

static void do_exit(struct proctable *pt, uint32_t pid, uint64_t start_ns)
{
	struct vg_event ev = mk_event(VG_EV_EXIT, pid, start_ns, 0, 0, start_ns + 1);

	proctable_on_exit(pt, &ev);
}

static struct proctable_stats stats_of(const struct proctable *pt)
{
	struct proctable_stats st;

	proctable_stats(pt, &st);
	return st;
}

static void test_fork_exec_exit_flow(void **state)
{
	struct proctable *pt = proctable_new(64, 100, BOOT_ID);
	struct vg_event ev = mk_event(VG_EV_EXEC, 10, 1000000000ull, 1, 0, 5000000000ull);
	const struct proc_entry *parent, *child;
	char parent_exec_id[48];
	struct proctable_stats st;

	(void)state;
	assert_non_null(pt);
	ev.exec.exe = cview("/bin/bash");
	ev.exec.argv = view("bash\0-l\0", 8);
	ev.exec.cwd = cview("/root");
	ev.exec.cgroup = cview("/system.slice/docker-" HEX64 ".scope");
	ev.exec.id.ino = 77;
	ev.exec.id.dev = 8;
	ev.exec.exe_flags = VG_EXE_SCRIPT;
	ev.proc.euid = 0;
	parent = proctable_on_exec(pt, &ev);
	assert_non_null(parent);
	assert_string_equal(parent->exec_id, "01234567-10-5000000000");
	assert_string_equal(parent->exe, "/bin/bash");
	assert_string_equal(parent->cmdline, "bash -l");
	assert_string_equal(parent->cwd, "/root");
	assert_string_equal(parent->container_id, HEX64);
	assert_string_equal(parent->comm, "p10");
	assert_int_equal(parent->start_ticks, 100);
	assert_int_equal(parent->euid, 0);
	assert_int_equal(parent->exe_id.ino, 77);
	assert_int_equal(parent->exe_flags, VG_EXE_SCRIPT);
	assert_int_equal(parent->exec_ts_ns, 5000000000ull);
	assert_int_equal(parent->cgroup_id, 4242);
	snprintf(parent_exec_id, sizeof(parent_exec_id), "%s", parent->exec_id);

	child = do_fork(pt, 11, 6000000000ull, 10, 1000000000ull);
	assert_non_null(child);
	assert_int_equal(child->pid, 11);
	assert_int_equal(child->ppid, 10);
	assert_int_equal(child->parent_start_ticks, 100);
	assert_string_equal(child->exec_id, "01234567-11-6000000000");
	assert_string_equal(child->parent_exec_id, parent_exec_id);
	assert_string_equal(child->exe, "/bin/bash");
	assert_string_equal(child->cmdline, "bash -l");
	assert_string_equal(child->cwd, "/root");
	assert_string_equal(child->container_id, HEX64);
	assert_int_equal(child->exe_id.ino, 77);
	assert_int_equal(child->exe_flags, VG_EXE_SCRIPT);
	assert_false(child->exited);

	child = do_exec(pt, 11, 6000000000ull, 10, 1000000000ull, 7000000000ull, "/usr/bin/id",
			"id\0-u\0", 6);
	assert_non_null(child);
	assert_string_equal(child->exec_id, "01234567-11-7000000000");
	assert_string_equal(child->parent_exec_id, parent_exec_id);
	assert_string_equal(child->exe, "/usr/bin/id");
	assert_string_equal(child->cmdline, "id -u");
	assert_string_equal(child->cwd, "/work");
	assert_string_equal(child->container_id, "");
	assert_int_equal(child->exe_flags, 0);

	do_exit(pt, 11, 6000000000ull);
	child = proctable_lookup(pt, 11, 6000000000ull);
	assert_non_null(child);
	assert_true(child->exited);
	assert_null(proctable_find_pid(pt, 11));
	assert_ptr_equal(proctable_find_pid(pt, 10), proctable_lookup(pt, 10, 1000000000ull));

	st = stats_of(pt);
	assert_int_equal(st.entries, 2);
	assert_int_equal(st.inserts, 2);
	assert_int_equal(st.exits, 1);
	assert_int_equal(st.evictions, 0);
	proctable_free(pt);
}

static void test_exec_without_fork(void **state)
{
	struct proctable *pt = proctable_new(64, 100, BOOT_ID);
	const struct proc_entry *e, *parent;

	(void)state;
	e = do_exec(pt, 20, 2500000000ull, 10, 1000000000ull, 3000000000ull, "/bin/ls", "ls\0", 3);
	assert_non_null(e);
	assert_int_equal(e->ppid, 10);
	assert_int_equal(e->parent_start_ticks, 100);
	assert_int_equal(e->start_ticks, 250);
	assert_int_equal(e->start_ns, 2500000000ull);
	assert_string_equal(e->parent_exec_id, "");
	assert_string_equal(e->exec_id, "01234567-20-3000000000");
	assert_int_equal(stats_of(pt).inserts, 1);

	parent = do_exec(pt, 10, 1000000000ull, 1, 0, 1500000000ull, "/bin/sh", "sh\0", 3);
	assert_non_null(parent);
	e = do_exec(pt, 21, 2600000000ull, 10, 1000000000ull, 3100000000ull, "/bin/ls", "ls\0", 3);
	assert_non_null(e);
	assert_string_equal(e->parent_exec_id, "01234567-10-1500000000");
	assert_int_equal(stats_of(pt).inserts, 3);
	proctable_free(pt);
}

static void test_fork_of_known_child_keeps_it(void **state)
{
	struct proctable *pt = proctable_new(8, 100, BOOT_ID);
	const struct proc_entry *e;

	(void)state;
	e = do_exec(pt, 30, 1000000000ull, 1, 0, 1100000000ull, "/bin/true", "true\0", 5);
	assert_non_null(e);
	assert_ptr_equal(do_fork(pt, 30, 1000000000ull, 1, 0), e);
	assert_string_equal(e->exe, "/bin/true");
	assert_string_equal(e->exec_id, "01234567-30-1100000000");
	assert_int_equal(stats_of(pt).inserts, 1);
	proctable_free(pt);
}

static void test_ancestry_three_levels(void **state)
{
	struct proctable *pt = proctable_new(64, 100, BOOT_ID);
	const struct proc_entry *a, *b, *c, *d, *out[8];

	(void)state;
	a = do_exec(pt, 100, 1000000000ull, 1, 0, 1000000000ull, "/sbin/init", "init\0", 5);
	b = do_fork(pt, 200, 2000000000ull, 100, 1000000000ull);
	c = do_fork(pt, 300, 3000000000ull, 200, 2000000000ull);
	d = do_fork(pt, 400, 4000000000ull, 300, 3000000000ull);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_non_null(d);
	assert_int_equal(proctable_ancestry(pt, d, out, 8), 3);
	assert_ptr_equal(out[0], c);
	assert_ptr_equal(out[1], b);
	assert_ptr_equal(out[2], a);
	assert_int_equal(proctable_ancestry(pt, d, out, 2), 2);
	assert_ptr_equal(out[0], c);
	assert_ptr_equal(out[1], b);
	assert_int_equal(proctable_ancestry(pt, a, out, 8), 0);

	/* An exited ancestor still counts; one that is gone ends the chain. */
	do_exit(pt, 200, 2000000000ull);
	assert_int_equal(proctable_ancestry(pt, d, out, 8), 3);
	assert_ptr_equal(out[1], b);
	assert_true(out[1]->exited);
	proctable_free(pt);
}

static void test_ancestry_cycle(void **state)
{
	struct proctable *pt = proctable_new(64, 100, BOOT_ID);
	const struct proc_entry *x, *y, *z, *self, *out[8];

	(void)state;
	x = do_fork(pt, 50, 5000000000ull, 51, 5100000000ull);
	y = do_fork(pt, 51, 5100000000ull, 50, 5000000000ull);
	z = do_fork(pt, 60, 6000000000ull, 50, 5000000000ull);
	self = do_fork(pt, 70, 7000000000ull, 70, 7000000000ull);
	assert_non_null(x);
	assert_non_null(y);
	assert_non_null(z);
	assert_non_null(self);
	assert_int_equal(proctable_ancestry(pt, x, out, 8), 1);
	assert_ptr_equal(out[0], y);
	assert_int_equal(proctable_ancestry(pt, z, out, 8), 2);
	assert_ptr_equal(out[0], x);
	assert_ptr_equal(out[1], y);
	assert_int_equal(proctable_ancestry(pt, self, out, 8), 0);
	proctable_free(pt);
}

static void test_ticks_match_seeded_entries(void **state)
{
	struct proctable *pt = proctable_new(64, 100, BOOT_ID);
	const struct proc_entry *seeded, *e;

	(void)state;
	assert_int_equal(proctable_ticks(pt, 123456789012ull), 12345);
	assert_int_equal(proctable_seed(pt, FIXTURE_PROC), 4);
	seeded = proctable_lookup(pt, 1, 123456789012ull);
	assert_non_null(seeded);
	assert_int_equal(seeded->start_ticks, 12345);
	assert_int_equal(seeded->start_ns, 123450000000ull);
	assert_null(proctable_lookup(pt, 1, 123460000000ull));

	e = do_exec(pt, 1, 123456789012ull, 0, 0, 200000000000ull, "/usr/lib/systemd/systemd",
		    "systemd\0", 8);
	assert_ptr_equal(e, seeded);
	assert_true(e->seeded);
	assert_string_equal(e->cmdline, "systemd");
	assert_string_equal(e->exec_id, "01234567-1-200000000000");
	assert_int_equal(stats_of(pt).inserts, 4);

	/* A different clock rate maps the same ns to a different key. */
	proctable_free(pt);
	pt = proctable_new(64, 1000, BOOT_ID);
	assert_int_equal(proctable_ticks(pt, 123456789012ull), 123456);
	proctable_free(pt);
}

static void test_eviction_prefers_exited(void **state)
{
	struct proctable *pt = proctable_new(4, 100, BOOT_ID);
	struct proctable_stats st;

	(void)state;
	for (uint32_t pid = 1; pid <= 4; pid++)
		assert_non_null(do_fork(pt, pid, pid * 1000000000ull, 0, 0));
	do_exit(pt, 2, 2000000000ull);
	do_exit(pt, 3, 3000000000ull);

	assert_non_null(do_fork(pt, 5, 5000000000ull, 0, 0));
	assert_null(proctable_lookup(pt, 2, 2000000000ull));
	assert_non_null(proctable_lookup(pt, 3, 3000000000ull));
	st = stats_of(pt);
	assert_int_equal(st.entries, 4);
	assert_int_equal(st.evictions, 1);
	assert_int_equal(st.evictions_live, 0);

	assert_non_null(do_fork(pt, 6, 6000000000ull, 0, 0));
	assert_null(proctable_lookup(pt, 3, 3000000000ull));
	assert_non_null(proctable_lookup(pt, 1, 1000000000ull));

	/* No exited entry left: the least recently used live one (4) goes. */
	assert_non_null(do_fork(pt, 7, 7000000000ull, 0, 0));
	assert_null(proctable_lookup(pt, 4, 4000000000ull));
	assert_non_null(proctable_lookup(pt, 1, 1000000000ull));
	assert_non_null(proctable_lookup(pt, 5, 5000000000ull));
	st = stats_of(pt);
	assert_int_equal(st.entries, 4);
	assert_int_equal(st.inserts, 7);
	assert_int_equal(st.evictions, 3);
	assert_int_equal(st.evictions_live, 1);
	assert_int_equal(st.exits, 2);
	proctable_free(pt);
}

static void test_eviction_live_lru(void **state)
{
	struct proctable *pt = proctable_new(3, 100, BOOT_ID);
	struct proctable_stats st;

	(void)state;
	for (uint32_t pid = 1; pid <= 3; pid++)
		assert_non_null(do_fork(pt, pid, pid * 1000000000ull, 0, 0));
	assert_non_null(proctable_lookup(pt, 1, 1000000000ull));
	for (uint32_t pid = 4; pid <= 40; pid++) {
		assert_non_null(do_fork(pt, pid, pid * 1000000000ull, 0, 0));
		assert_true(stats_of(pt).entries <= 3);
		if (pid == 4) {
			assert_null(proctable_lookup(pt, 2, 2000000000ull));
			assert_non_null(proctable_lookup(pt, 1, 1000000000ull));
			assert_non_null(proctable_lookup(pt, 3, 3000000000ull));
		}
	}
	st = stats_of(pt);
	assert_int_equal(st.entries, 3);
	assert_int_equal(st.evictions, 37);
	assert_int_equal(st.evictions_live, 37);
	assert_non_null(proctable_lookup(pt, 40, 40000000000ull));
	proctable_free(pt);
}

static void test_cmdline_join_and_truncation(void **state)
{
	struct proctable *pt = proctable_new(8, 100, BOOT_ID);
	const struct proc_entry *e;
	char *big = malloc(5000);

	(void)state;
	assert_non_null(big);
	e = do_exec(pt, 1, 0, 0, 0, 1, "/bin/a", "a\0b c\0\0", 7);
	assert_string_equal(e->cmdline, "a b c ");
	e = do_exec(pt, 1, 0, 0, 0, 2, "/bin/a", "x\0y", 3);
	assert_string_equal(e->cmdline, "x y");
	e = do_exec(pt, 1, 0, 0, 0, 3, "/bin/a", NULL, 0);
	assert_non_null(e->cmdline);
	assert_string_equal(e->cmdline, "");
	assert_string_equal(e->exe, "/bin/a");

	for (size_t i = 0; i < 5000; i++)
		big[i] = (i % 100 == 99) ? '\0' : 'A';
	e = do_exec(pt, 1, 0, 0, 0, 4, "/bin/a", big, 5000);
	assert_int_equal(strlen(e->cmdline), PROCTABLE_CMDLINE_MAX - 1);
	assert_int_equal(e->cmdline[98], 'A');
	assert_int_equal(e->cmdline[99], ' ');
	assert_int_equal(e->cmdline[4094], 'A');
	free(big);
	proctable_free(pt);
}

static void test_seed_fixture(void **state)
{
	struct proctable *pt = proctable_new(64, 100, BOOT_ID);
	const struct proc_entry *init, *evil, *memfd, *orphan, *out[4];

	(void)state;
	assert_int_equal(proctable_seed(pt, FIXTURE_PROC), 4);
	assert_int_equal(stats_of(pt).seeded, 4);
	assert_null(proctable_find_pid(pt, 300));

	init = proctable_find_pid(pt, 1);
	assert_non_null(init);
	assert_true(init->seeded);
	assert_string_equal(init->comm, "systemd");
	assert_string_equal(init->exe, "/usr/lib/systemd/systemd");
	assert_string_equal(init->cmdline, "/sbin/init splash");
	assert_string_equal(init->cwd, "/");
	assert_string_equal(init->container_id, "");
	assert_string_equal(init->exec_id, "01234567-1-123450000000");
	assert_int_equal(init->exec_ts_ns, 123450000000ull);
	assert_int_equal(init->loginuid, 4294967295u);
	assert_int_equal(init->exe_flags, 0);

	evil = proctable_find_pid(pt, 100);
	assert_non_null(evil);
	assert_string_equal(evil->comm, "evil) (x y");
	assert_int_equal(evil->ppid, 1);
	assert_int_equal(evil->start_ticks, 20000);
	assert_int_equal(evil->start_ns, 200000000000ull);
	assert_int_equal(evil->parent_start_ticks, 12345);
	assert_string_equal(evil->parent_exec_id, "01234567-1-123450000000");
	assert_int_equal(evil->uid, 1000);
	assert_int_equal(evil->euid, 0);
	assert_int_equal(evil->gid, 1000);
	assert_int_equal(evil->egid, 1001);
	assert_int_equal(evil->loginuid, 1000);
	assert_string_equal(evil->exe, "/tmp/payload");
	assert_int_equal(evil->exe_flags, VG_EXE_UNLINKED);
	assert_string_equal(evil->cwd, "/tmp");
	assert_string_equal(evil->cmdline, "sh -c id");
	assert_string_equal(evil->container_id, HEX64);

	memfd = proctable_find_pid(pt, 200);
	assert_non_null(memfd);
	assert_string_equal(memfd->exe, "/memfd:x");
	assert_int_equal(memfd->exe_flags, VG_EXE_MEMFD | VG_EXE_UNLINKED);
	assert_string_equal(memfd->cwd, "");
	assert_string_equal(memfd->cmdline, "");
	assert_int_equal(proctable_ancestry(pt, memfd, out, 4), 2);
	assert_ptr_equal(out[0], evil);
	assert_ptr_equal(out[1], init);

	orphan = proctable_find_pid(pt, 400);
	assert_non_null(orphan);
	assert_int_equal(orphan->ppid, 999);
	assert_string_equal(orphan->parent_exec_id, "");
	assert_string_equal(orphan->exe, "");
	assert_int_equal(orphan->uid, 7);
	assert_int_equal(orphan->egid, 8);
	assert_int_equal(proctable_ancestry(pt, orphan, out, 4), 0);

	assert_int_equal(proctable_seed(pt, FIXTURE_PROC), 0);
	assert_int_equal(stats_of(pt).entries, 4);
	assert_int_equal(proctable_seed(pt, "tests/fixtures/no-such-proc"), -ENOENT);
	proctable_free(pt);
}

static void test_seed_real_proc(void **state)
{
	long hz = sysconf(_SC_CLK_TCK);
	struct proctable *pt = proctable_new(1 << 16, hz > 0 ? (unsigned)hz : 100, "real");
	char self_exe[PATH_MAX + 1];
	const struct proc_entry *self;
	ssize_t n;

	(void)state;
	n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	assert_true(n > 0);
	self_exe[n] = '\0';
	assert_true(proctable_seed(pt, "/proc") > 0);
	self = proctable_find_pid(pt, (uint32_t)getpid());
	assert_non_null(self);
	assert_string_equal(self->exe, self_exe);
	assert_int_equal(self->ppid, getppid());
	assert_int_equal(self->uid, getuid());
	assert_int_equal(self->euid, geteuid());
	assert_ptr_equal(proctable_lookup(pt, self->pid, self->start_ns), self);
	assert_true(strncmp(self->exec_id, "real-", 5) == 0);
	proctable_free(pt);
}

static void test_find_pid_newest_live(void **state)
{
	struct proctable *pt = proctable_new(8, 100, BOOT_ID);
	const struct proc_entry *old, *young;
	struct proctable_stats st;

	(void)state;
	old = do_fork(pt, 5, 1000000000ull, 0, 0);
	young = do_fork(pt, 5, 9000000000ull, 0, 0);
	assert_non_null(old);
	assert_non_null(young);
	assert_ptr_not_equal(old, young);
	assert_ptr_equal(proctable_find_pid(pt, 5), young);
	do_exit(pt, 5, 9000000000ull);
	assert_ptr_equal(proctable_find_pid(pt, 5), old);
	assert_null(proctable_find_pid(pt, 6));
	st = stats_of(pt);
	assert_int_equal(st.lookups, 3);
	assert_int_equal(st.misses, 1);
	proctable_free(pt);
}

static void test_rejects_bad_input(void **state)
{
	struct proctable *pt = proctable_new(8, 100, NULL);
	struct vg_event ev = mk_event(VG_EV_FILE, 1, 0, 0, 0, 1);
	const struct proc_entry *e;

	(void)state;
	assert_null(proctable_new(0, 100, BOOT_ID));
	assert_null(proctable_new(8, 0, BOOT_ID));
	proctable_free(NULL);
	assert_non_null(pt);
	assert_null(proctable_on_exec(pt, &ev));
	assert_null(proctable_on_fork(pt, &ev));
	assert_int_equal(stats_of(pt).entries, 0);
	e = do_fork(pt, 9, 0, 0, 0);
	assert_string_equal(e->exec_id, "-9-0");
	proctable_free(pt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fork_exec_exit_flow),
		cmocka_unit_test(test_exec_without_fork),
		cmocka_unit_test(test_fork_of_known_child_keeps_it),
		cmocka_unit_test(test_ancestry_three_levels),
		cmocka_unit_test(test_ancestry_cycle),
		cmocka_unit_test(test_ticks_match_seeded_entries),
		cmocka_unit_test(test_eviction_prefers_exited),
		cmocka_unit_test(test_eviction_live_lru),
		cmocka_unit_test(test_cmdline_join_and_truncation),
		cmocka_unit_test(test_seed_fixture),
		cmocka_unit_test(test_seed_real_proc),
		cmocka_unit_test(test_find_pid_newest_live),
		cmocka_unit_test(test_rejects_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
