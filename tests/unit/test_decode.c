/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_decode.c - unit tests for userspace/decode.c.
 *
 * Records are built by hand from the vigil_abi.h structs plus tail bytes in
 * an 8-byte aligned buffer (the ring buffer's alignment), so every field the
 * kernel writes can be checked where it lands in struct vg_event.  String
 * views must point into the record itself, at the documented tail offsets.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include <cmocka.h>

#include "decode.h"
#include "vigil_abi.h"

#define KDEV(ma, mi) ((uint32_t)(ma) << 20 | (uint32_t)(mi))

/* One record under construction; extra room to place bytes past hdr.len. */
struct rec {
	_Alignas(8) unsigned char b[VG_REC_MAX + 256];
	size_t len; /* bytes written so far: fixed part plus tail */
};

static struct rec R;

static void *rec_start(struct rec *r, uint16_t type, size_t fixed)
{
	struct vg_rec_hdr *h = (struct vg_rec_hdr *)r->b;

	memset(r->b, 0, sizeof(r->b));
	h->type = type;
	h->version = VG_ABI_VERSION;
	h->cpu = 3;
	h->flags = 0;
	h->seq = 0x1122334455667788ull;
	h->ts_ns = 0x0102030405060708ull;
	r->len = fixed;
	return r->b;
}

/* Appends tail bytes and returns their offset in the record. */
static size_t rec_tail(struct rec *r, const void *s, size_t n)
{
	size_t off = r->len;

	memcpy(r->b + off, s, n);
	r->len += n;
	return off;
}

/* Sets hdr.len to what was written. */
static size_t rec_seal(struct rec *r)
{
	((struct vg_rec_hdr *)r->b)->len = (uint32_t)r->len;
	return r->len;
}

static void fill_task(struct vg_task_ctx *t)
{
	t->tid = 1001;
	t->tgid = 1000;
	t->ppid = 999;
	t->tracer_pid = 42;
	t->uid = 11;
	t->gid = 12;
	t->euid = 13;
	t->egid = 14;
	t->loginuid = 4294967295u;
	t->sessionid = 77;
	t->start_ns = 123456789012ull;
	t->parent_start_ns = 12345678901ull;
	t->cgroup_id = 0xdeadbeefcafeull;
	t->pidns = 4026531836u;
	t->mntns = 4026531840u;
	memcpy(t->comm, "abcdefghijklmnop", 16); /* all 16 bytes used: no NUL */
}

static void check_common(const struct vg_event *ev)
{
	const struct vg_proc_ctx *p = &ev->proc;

	assert_int_equal(ev->cpu, 3);
	assert_int_equal(ev->seq, 0x1122334455667788ull);
	assert_int_equal(ev->ts_ns, 0x0102030405060708ull);
	assert_int_equal(p->tid, 1001);
	assert_int_equal(p->pid, 1000);
	assert_int_equal(p->ppid, 999);
	assert_int_equal(p->tracer_pid, 42);
	assert_int_equal(p->uid, 11);
	assert_int_equal(p->gid, 12);
	assert_int_equal(p->euid, 13);
	assert_int_equal(p->egid, 14);
	assert_int_equal(p->loginuid, 4294967295u);
	assert_int_equal(p->sessionid, 77);
	assert_int_equal(p->start_ns, 123456789012ull);
	assert_int_equal(p->parent_start_ns, 12345678901ull);
	assert_int_equal(p->cgroup_id, 0xdeadbeefcafeull);
	assert_int_equal(p->pidns, 4026531836u);
	assert_int_equal(p->mntns, 4026531840u);
	assert_string_equal(p->comm, "abcdefghijklmnop");
}

/* The view must be exactly the n bytes at offset off of the record. */
static void check_view(struct vg_str s, const struct rec *r, size_t off, const char *want, size_t n)
{
	assert_int_equal(s.len, n);
	assert_ptr_equal(s.ptr, (const char *)r->b + off);
	assert_memory_equal(s.ptr, want, n);
}

static struct vg_event decode_ok(const struct rec *r, size_t len)
{
	struct vg_event ev;
	const char *why = NULL;

	memset(&ev, 0xa5, sizeof(ev));
	assert_int_equal(decode_record(r->b, len, &ev, &why), 0);
	assert_null(why);
	return ev;
}

static void check_fail(const struct rec *r, size_t len, int want_err)
{
	struct vg_event ev;
	const char *why = NULL;

	memset(&ev, 0xa5, sizeof(ev));
	assert_int_equal(decode_record(r->b, len, &ev, &why), want_err);
	assert_non_null(why);
	assert_true(strlen(why) > 0);
	/* why is optional */
	assert_int_equal(decode_record(r->b, len, &ev, NULL), want_err);
}

static void test_decode_dev(void **state)
{
	(void)state;
	assert_int_equal(decode_dev(KDEV(8, 1)), makedev(8, 1));
	assert_int_equal(decode_dev(KDEV(0, 0)), 0);
	assert_int_equal(decode_dev(KDEV(259, 0x12345)), makedev(259, 0x12345));
	assert_int_equal(decode_dev(KDEV(0xfff, 0xfffff)), makedev(0xfff, 0xfffff));
	assert_int_equal(major(decode_dev(KDEV(0xfff, 0xfffff))), 0xfff);
	assert_int_equal(minor(decode_dev(KDEV(0xfff, 0xfffff))), 0xfffff);
	assert_int_equal(minor(decode_dev(KDEV(8, 300))), 300);
	assert_int_equal(major(decode_dev(KDEV(8, 300))), 8);
	/* the inverse agrees with glibc's major()/minor() */
	{
		static const uint64_t devs[] = { 0, 0x801, 0xfffff0000000fffULL,
						 0x1234567890abcdefULL };

		for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
			unsigned ma, mi;

			decode_dev_split(devs[i], &ma, &mi);
			assert_int_equal(ma, major(devs[i]));
			assert_int_equal(mi, minor(devs[i]));
		}
	}
}

static const char ARGV[] = "python3\0-c\0print(1)\0";

static size_t build_exec(struct rec *r, size_t off[6])
{
	struct vg_rec_exec *x = rec_start(r, VG_REC_EXEC, sizeof(*x));

	fill_task(&x->task);
	x->exe_ino = 0x0102030405ull;
	x->exe_size = 987654321ull;
	x->exe_mtime_ns = -1234567890123ll;
	x->exe_ctime_ns = 1700000000123456789ll;
	x->exe_dev = KDEV(8, 1);
	x->exe_mode = 0100755;
	x->exe_nlink = 2;
	x->exe_flags = VG_EXE_SCRIPT | VG_EXE_UNLINKED;
	x->argc = 3;
	x->exe_len = 16;
	x->argv_len = sizeof(ARGV) - 1;
	x->cwd_len = 7;
	x->filename_len = 6;
	x->interp_len = 20;
	x->cgroup_len = 15;
	off[0] = rec_tail(r, "/usr/bin/python3", 16);
	off[1] = rec_tail(r, ARGV, sizeof(ARGV) - 1);
	off[2] = rec_tail(r, "/home/u", 7);
	off[3] = rec_tail(r, "./s.py", 6);
	off[4] = rec_tail(r, "/usr/bin/env python3", 20);
	off[5] = rec_tail(r, "session-1.scope", 15);
	return rec_seal(r);
}

static void test_exec(void **state)
{
	size_t off[6], len;
	struct vg_event ev;

	(void)state;
	len = build_exec(&R, off);
	assert_int_equal(len, sizeof(struct vg_rec_exec) + 16 + 20 + 7 + 6 + 20 + 15);
	R.b[len] = 'Z'; /* bytes after the record are not part of any view */
	ev = decode_ok(&R, len + 1);
	assert_int_equal(ev.kind, VG_EV_EXEC);
	assert_int_equal(ev.flags, 0);
	check_common(&ev);
	assert_int_equal(ev.exec.id.dev, makedev(8, 1));
	assert_int_equal(ev.exec.id.ino, 0x0102030405ull);
	assert_int_equal(ev.exec.id.size, 987654321ull);
	assert_int_equal(ev.exec.id.mtime_ns, -1234567890123ll);
	assert_int_equal(ev.exec.id.ctime_ns, 1700000000123456789ll);
	assert_int_equal(ev.exec.id.mode, 0100755);
	assert_int_equal(ev.exec.id.nlink, 2);
	assert_int_equal(ev.exec.exe_flags, VG_EXE_SCRIPT | VG_EXE_UNLINKED);
	assert_int_equal(ev.exec.argc, 3);
	assert_false(ev.exec.argv_truncated);
	check_view(ev.exec.exe, &R, off[0], "/usr/bin/python3", 16);
	check_view(ev.exec.argv, &R, off[1], ARGV, sizeof(ARGV) - 1);
	check_view(ev.exec.cwd, &R, off[2], "/home/u", 7);
	check_view(ev.exec.filename, &R, off[3], "./s.py", 6);
	check_view(ev.exec.interp, &R, off[4], "/usr/bin/env python3", 20);
	check_view(ev.exec.cgroup, &R, off[5], "session-1.scope", 15);
}

static void test_exec_flags_and_large_dev(void **state)
{
	struct vg_rec_exec *x;
	size_t off[6], len;
	struct vg_event ev;

	(void)state;
	len = build_exec(&R, off);
	x = (struct vg_rec_exec *)R.b;
	x->hdr.flags = VG_F_TRUNC_ARGV | VG_F_TRUNC_PATH;
	x->exe_dev = KDEV(0xabc, 0xfedcb);
	ev = decode_ok(&R, len);
	assert_true(ev.exec.argv_truncated);
	assert_int_equal(ev.flags, VG_F_TRUNC_ARGV | VG_F_TRUNC_PATH);
	assert_int_equal(ev.exec.id.dev, makedev(0xabc, 0xfedcb));

	x->hdr.flags = VG_F_TRUNC_PATH; /* other truncation bits do not imply argv */
	ev = decode_ok(&R, len);
	assert_false(ev.exec.argv_truncated);
}

static void test_exec_empty_tail(void **state)
{
	struct vg_rec_exec *x = rec_start(&R, VG_REC_EXEC, sizeof(*x));
	struct vg_event ev;
	size_t len;

	(void)state;
	fill_task(&x->task);
	len = rec_seal(&R);
	ev = decode_ok(&R, len);
	assert_int_equal(ev.kind, VG_EV_EXEC);
	assert_int_equal(ev.exec.exe.len, 0);
	assert_non_null(ev.exec.exe.ptr);
	assert_int_equal(ev.exec.argv.len, 0);
	assert_int_equal(ev.exec.cgroup.len, 0);
}

static void test_fork(void **state)
{
	struct vg_rec_fork *f = rec_start(&R, VG_REC_FORK, sizeof(*f));
	struct vg_event ev;
	size_t len;

	(void)state;
	fill_task(&f->task);
	f->parent_tid = 998;
	f->hdr.flags = VG_F_NO_RESULT;
	len = rec_seal(&R);
	assert_int_equal(len, 136);
	ev = decode_ok(&R, len);
	assert_int_equal(ev.kind, VG_EV_FORK);
	assert_int_equal(ev.flags, VG_F_NO_RESULT);
	check_common(&ev);
}

static struct vg_event decode_exit(int32_t code, uint32_t sig, uint32_t core, int want)
{
	struct vg_rec_exit *x = rec_start(&R, VG_REC_EXIT, sizeof(*x));
	struct vg_event ev;
	size_t len;

	fill_task(&x->task);
	x->exit_code = code;
	x->signal = sig;
	x->core_dumped = core;
	len = rec_seal(&R);
	if (want == 0)
		return decode_ok(&R, len);
	check_fail(&R, len, want);
	memset(&ev, 0, sizeof(ev));
	return ev;
}

static void test_exit(void **state)
{
	struct vg_event ev;

	(void)state;
	ev = decode_exit(3, 0, 0, 0);
	assert_int_equal(ev.kind, VG_EV_EXIT);
	check_common(&ev);
	assert_int_equal(ev.exit.exit_code, 3);
	assert_int_equal(ev.exit.signal, 0);
	assert_false(ev.exit.core_dumped);

	ev = decode_exit(-1, 11, 0x80, 0);
	assert_int_equal(ev.exit.exit_code, -1);
	assert_int_equal(ev.exit.signal, 11);
	assert_true(ev.exit.core_dumped);

	ev = decode_exit(0, 64, 0, 0); /* SIGRTMAX is valid */
	assert_int_equal(ev.exit.signal, 64);

	decode_exit(0, 65, 0, -EINVAL);
	decode_exit(0, UINT32_MAX, 0, -EINVAL);
}

static size_t build_file(uint32_t op, const char *p, const char *p2, size_t off[2])
{
	struct vg_rec_file *f = rec_start(&R, VG_REC_FILE, sizeof(*f));

	fill_task(&f->task);
	f->op = op;
	f->result = -13;
	f->open_flags = 01101;
	f->mode = 0644;
	f->uid = 4294967295u;
	f->gid = 50;
	f->ino = 0xabcdef12345ull;
	f->dev = KDEV(253, 2);
	f->path_len = (uint16_t)strlen(p);
	f->path2_len = (uint16_t)strlen(p2);
	off[0] = rec_tail(&R, p, strlen(p));
	off[1] = rec_tail(&R, p2, strlen(p2));
	return rec_seal(&R);
}

static void test_file_each_op(void **state)
{
	(void)state;
	for (uint32_t op = VG_FILE_CREATE; op <= VG_FILE_MKDIR; op++) {
		size_t off[2], len;
		struct vg_event ev;
		const char *p2 =
			(op == VG_FILE_RENAME || op == VG_FILE_LINK || op == VG_FILE_SYMLINK)
				? "/tmp/new name"
				: "";

		len = build_file(op, "/etc/shadow", p2, off);
		ev = decode_ok(&R, len);
		assert_int_equal(ev.kind, VG_EV_FILE);
		check_common(&ev);
		assert_int_equal(ev.file.op, op);
		assert_int_equal(ev.file.result, -13);
		assert_int_equal(ev.file.open_flags, 01101);
		assert_int_equal(ev.file.mode, 0644);
		assert_int_equal(ev.file.uid, 4294967295u);
		assert_int_equal(ev.file.gid, 50);
		assert_int_equal(ev.file.ino, 0xabcdef12345ull);
		assert_int_equal(ev.file.dev, makedev(253, 2));
		check_view(ev.file.path, &R, off[0], "/etc/shadow", 11);
		check_view(ev.file.path2, &R, off[1], p2, strlen(p2));
	}
}

static void test_file_dev_zero_and_bad_op(void **state)
{
	size_t off[2], len;
	struct vg_event ev;

	(void)state;
	len = build_file(VG_FILE_UNLINK, "/x", "", off);
	((struct vg_rec_file *)R.b)->dev = 0;
	ev = decode_ok(&R, len);
	assert_int_equal(ev.file.dev, 0);

	len = build_file(0, "/x", "", off);
	check_fail(&R, len, -EINVAL);
	len = build_file(VG_FILE_MKDIR + 1, "/x", "", off);
	check_fail(&R, len, -EINVAL);
}

static size_t build_net(uint32_t op, uint16_t family)
{
	struct vg_rec_net *n = rec_start(&R, VG_REC_NET, sizeof(*n));

	fill_task(&n->task);
	n->op = op;
	n->result = -111;
	n->family = family;
	n->protocol = 6;
	n->sport = 54321;
	n->dport = 443;
	for (int i = 0; i < 16; i++) {
		n->saddr[i] = (uint8_t)(0x10 + i);
		n->daddr[i] = (uint8_t)(0xf0 - i);
	}
	return rec_seal(&R);
}

static void test_net(void **state)
{
	uint8_t sa[16], da[16];
	struct vg_event ev;

	(void)state;
	for (int i = 0; i < 16; i++) {
		sa[i] = (uint8_t)(0x10 + i);
		da[i] = (uint8_t)(0xf0 - i);
	}
	ev = decode_ok(&R, build_net(VG_NET_CONNECT, 2));
	assert_int_equal(ev.kind, VG_EV_NET);
	check_common(&ev);
	assert_int_equal(ev.net.op, VG_NET_CONNECT);
	assert_int_equal(ev.net.result, -111);
	assert_int_equal(ev.net.family, 4);
	assert_int_equal(ev.net.protocol, 6);
	assert_int_equal(ev.net.sport, 54321);
	assert_int_equal(ev.net.dport, 443);
	assert_memory_equal(ev.net.saddr, sa, 16);
	assert_memory_equal(ev.net.daddr, da, 16);

	ev = decode_ok(&R, build_net(VG_NET_UDP_SEND, 10));
	assert_int_equal(ev.net.op, VG_NET_UDP_SEND);
	assert_int_equal(ev.net.family, 6);
	assert_memory_equal(ev.net.saddr, sa, 16);
	assert_memory_equal(ev.net.daddr, da, 16);

	for (uint32_t op = VG_NET_CONNECT; op <= VG_NET_UDP_SEND; op++) {
		ev = decode_ok(&R, build_net(op, 10));
		assert_int_equal(ev.net.op, op);
	}
}

static void test_net_bad(void **state)
{
	(void)state;
	check_fail(&R, build_net(VG_NET_CONNECT, 1), -EINVAL); /* AF_UNIX */
	check_fail(&R, build_net(VG_NET_CONNECT, 0), -EINVAL);
	check_fail(&R, build_net(VG_NET_CONNECT, 4), -EINVAL); /* IP version, not AF_* */
	check_fail(&R, build_net(0, 2), -EINVAL);
	check_fail(&R, build_net(VG_NET_UDP_SEND + 1, 2), -EINVAL);
}

static void fill_cred(struct vg_cred_set *c, uint32_t base)
{
	c->uid = base + 1;
	c->euid = base + 2;
	c->suid = base + 3;
	c->fsuid = base + 4;
	c->gid = base + 5;
	c->egid = base + 6;
	c->sgid = base + 7;
	c->fsgid = base + 8;
	c->cap_effective = 0x1ffffffffffull + base;
	c->cap_permitted = 0x3ffffffffffull + base;
}

static void check_cred(const struct vg_cred_values *c, uint32_t base)
{
	assert_int_equal(c->uid, base + 1);
	assert_int_equal(c->euid, base + 2);
	assert_int_equal(c->suid, base + 3);
	assert_int_equal(c->fsuid, base + 4);
	assert_int_equal(c->gid, base + 5);
	assert_int_equal(c->egid, base + 6);
	assert_int_equal(c->sgid, base + 7);
	assert_int_equal(c->fsgid, base + 8);
	assert_int_equal(c->cap_effective, 0x1ffffffffffull + base);
	assert_int_equal(c->cap_permitted, 0x3ffffffffffull + base);
}

static size_t build_cred(uint32_t call)
{
	struct vg_rec_cred *c = rec_start(&R, VG_REC_CRED, sizeof(*c));

	fill_task(&c->task);
	c->call = call;
	c->result = 0;
	fill_cred(&c->old_cred, 1000);
	fill_cred(&c->new_cred, 0);
	return rec_seal(&R);
}

static void test_cred(void **state)
{
	struct vg_event ev;

	(void)state;
	ev = decode_ok(&R, build_cred(VG_CRED_SETRESUID));
	assert_int_equal(ev.kind, VG_EV_CRED);
	check_common(&ev);
	assert_int_equal(ev.cred.call, VG_CRED_SETRESUID);
	assert_int_equal(ev.cred.result, 0);
	check_cred(&ev.cred.old_cred, 1000);
	check_cred(&ev.cred.new_cred, 0);
	ev = decode_ok(&R, build_cred(VG_CRED_CAPSET));
	assert_int_equal(ev.cred.call, VG_CRED_CAPSET);
	check_fail(&R, build_cred(0), -EINVAL);
	check_fail(&R, build_cred(VG_CRED_CAPSET + 1), -EINVAL);
}

static size_t build_sys(uint32_t op, const char *s1, const char *s2, const char *s3, size_t off[3])
{
	struct vg_rec_sys *s = rec_start(&R, VG_REC_SYS, sizeof(*s));

	fill_task(&s->task);
	s->op = op;
	s->result = -1;
	s->arg0 = 0xffffffffffffffffull;
	s->arg1 = 1234;
	s->arg2 = 0x7fff00001000ull;
	s->str1_len = (uint16_t)strlen(s1);
	s->str2_len = (uint16_t)strlen(s2);
	s->str3_len = (uint16_t)strlen(s3);
	off[0] = rec_tail(&R, s1, strlen(s1));
	off[1] = rec_tail(&R, s2, strlen(s2));
	off[2] = rec_tail(&R, s3, strlen(s3));
	return rec_seal(&R);
}

static void test_sys(void **state)
{
	size_t off[3];
	struct vg_event ev;

	(void)state;
	ev = decode_ok(&R, build_sys(VG_SYS_MOUNT, "/dev/sdb1", "/mnt/usb", "vfat", off));
	assert_int_equal(ev.kind, VG_EV_SYS);
	check_common(&ev);
	assert_int_equal(ev.sys.op, VG_SYS_MOUNT);
	assert_int_equal(ev.sys.result, -1);
	assert_int_equal(ev.sys.arg0, 0xffffffffffffffffull);
	assert_int_equal(ev.sys.arg1, 1234);
	assert_int_equal(ev.sys.arg2, 0x7fff00001000ull);
	check_view(ev.sys.str1, &R, off[0], "/dev/sdb1", 9);
	check_view(ev.sys.str2, &R, off[1], "/mnt/usb", 8);
	check_view(ev.sys.str3, &R, off[2], "vfat", 4);

	ev = decode_ok(&R, build_sys(VG_SYS_UMOUNT, "", "/mnt/usb", "", off));
	assert_int_equal(ev.sys.str1.len, 0);
	check_view(ev.sys.str2, &R, off[1], "/mnt/usb", 8);
	assert_int_equal(ev.sys.str3.len, 0);

	for (uint32_t op = VG_SYS_PTRACE; op <= VG_SYS_DELETE_MODULE; op++) {
		ev = decode_ok(&R, build_sys(op, "a", "", "", off));
		assert_int_equal(ev.sys.op, op);
	}
	check_fail(&R, build_sys(0, "", "", "", off), -EINVAL);
	check_fail(&R, build_sys(VG_SYS_DELETE_MODULE + 1, "", "", "", off), -EINVAL);
}

static void test_short_and_null(void **state)
{
	struct vg_event ev;
	const char *why = NULL;
	size_t len;

	(void)state;
	len = build_exec(&R, (size_t[6]){ 0 });
	check_fail(&R, 0, -EINVAL);
	check_fail(&R, sizeof(struct vg_rec_hdr) - 1, -EINVAL);
	memset(&ev, 0xa5, sizeof(ev));
	assert_int_equal(decode_record(NULL, len, &ev, &why), -EINVAL);
	assert_non_null(why);
	assert_int_equal(ev.kind, VG_EV_NONE);
}

static void test_bad_version(void **state)
{
	size_t len;

	(void)state;
	len = build_exec(&R, (size_t[6]){ 0 });
	((struct vg_rec_hdr *)R.b)->version = VG_ABI_VERSION + 1;
	check_fail(&R, len, -EPROTO);
	((struct vg_rec_hdr *)R.b)->version = 0;
	check_fail(&R, len, -EPROTO);
}

static void test_unknown_type(void **state)
{
	static const uint16_t types[] = { 0, VG_REC_TYPE_MAX, VG_REC_TYPE_MAX + 1, 0xffff };
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		len = build_exec(&R, (size_t[6]){ 0 });
		((struct vg_rec_hdr *)R.b)->type = types[i];
		check_fail(&R, len, -EOPNOTSUPP);
	}
}

static void test_header_len_past_buffer(void **state)
{
	struct vg_rec_hdr *h = (struct vg_rec_hdr *)R.b;
	size_t len;

	(void)state;
	len = build_exec(&R, (size_t[6]){ 0 });
	check_fail(&R, len - 1, -EINVAL); /* buffer one byte shorter than hdr.len */
	h->len = VG_REC_MAX + 1;	  /* above the ABI bound even if the buffer is bigger */
	check_fail(&R, sizeof(R.b), -EINVAL);
	h->len = UINT32_MAX;
	check_fail(&R, sizeof(R.b), -EINVAL);
}

static void test_fixed_part_past_header_len(void **state)
{
	static const struct {
		uint16_t type;
		size_t fixed;
	} t[] = {
		{ VG_REC_EXEC, sizeof(struct vg_rec_exec) },
		{ VG_REC_FORK, sizeof(struct vg_rec_fork) },
		{ VG_REC_EXIT, sizeof(struct vg_rec_exit) },
		{ VG_REC_FILE, sizeof(struct vg_rec_file) },
		{ VG_REC_NET, sizeof(struct vg_rec_net) },
		{ VG_REC_CRED, sizeof(struct vg_rec_cred) },
		{ VG_REC_SYS, sizeof(struct vg_rec_sys) },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		rec_start(&R, t[i].type, t[i].fixed);
		R.len = t[i].fixed - 1;
		rec_seal(&R);
		/* the buffer holds the whole fixed part; only hdr.len is short */
		check_fail(&R, t[i].fixed, -EINVAL);
		R.len = sizeof(struct vg_rec_hdr);
		rec_seal(&R);
		check_fail(&R, t[i].fixed, -EINVAL);
	}
}

/* Tails are bounded by hdr.len, not by the buffer: bytes past the record do not count. */
static void check_tail_overrun(size_t len)
{
	struct vg_event ev, zero;
	const char *why = NULL;

	memset(&zero, 0, sizeof(zero));
	memset(&ev, 0xa5, sizeof(ev));
	assert_int_equal(decode_record(R.b, len + 64, &ev, &why), -EINVAL);
	assert_non_null(why);
	assert_memory_equal(&ev, &zero, sizeof(ev));
}

static void test_tail_overrun(void **state)
{
	struct vg_rec_exec *x;
	size_t off[3], len;

	(void)state;
	len = build_exec(&R, (size_t[6]){ 0 });
	x = (struct vg_rec_exec *)R.b;
	x->cgroup_len++; /* last string one byte too long */
	check_tail_overrun(len);
	x->cgroup_len--;
	x->exe_len = 0xffff; /* first string alone too long */
	check_tail_overrun(len);

	len = build_file(VG_FILE_RENAME, "/a", "/b", (size_t[2]){ 0 });
	((struct vg_rec_file *)R.b)->path2_len = 2 + 1;
	check_tail_overrun(len);
	len = build_file(VG_FILE_RENAME, "/a", "/b", (size_t[2]){ 0 });
	((struct vg_rec_file *)R.b)->path_len = 0xffff;
	((struct vg_rec_file *)R.b)->path2_len = 0xffff;
	check_tail_overrun(len);

	len = build_sys(VG_SYS_MOUNT, "s", "t", "f", off);
	((struct vg_rec_sys *)R.b)->str3_len = 2;
	check_tail_overrun(len);
}

static void test_tail_exact_and_slack(void **state)
{
	struct vg_rec_file *f;
	struct vg_event ev;
	size_t off[2], len;

	(void)state;
	/* exactly filling the record */
	len = build_file(VG_FILE_RENAME, "/a", "/bb", off);
	ev = decode_ok(&R, len);
	check_view(ev.file.path2, &R, off[1], "/bb", 3);
	/* trailing padding inside hdr.len is allowed */
	len = build_file(VG_FILE_RENAME, "/a", "/bb", off);
	f = (struct vg_rec_file *)R.b;
	f->hdr.len += 5;
	ev = decode_ok(&R, len + 5);
	check_view(ev.file.path, &R, off[0], "/a", 2);
	check_view(ev.file.path2, &R, off[1], "/bb", 3);
}

static void test_max_record(void **state)
{
	struct vg_rec_sys *s = rec_start(&R, VG_REC_SYS, sizeof(*s));
	size_t room = VG_REC_MAX - sizeof(*s);
	struct vg_event ev;

	(void)state;
	fill_task(&s->task);
	s->op = VG_SYS_MOUNT;
	s->str1_len = 0xffff;
	memset(R.b + sizeof(*s), 'm', room);
	R.len = VG_REC_MAX;
	rec_seal(&R);
	check_fail(&R, VG_REC_MAX, -EINVAL);
	s->str1_len = (uint16_t)(room - 2);
	s->str2_len = 1;
	s->str3_len = 1;
	ev = decode_ok(&R, VG_REC_MAX);
	assert_int_equal(ev.sys.str1.len, room - 2);
	assert_ptr_equal(ev.sys.str3.ptr, (const char *)R.b + VG_REC_MAX - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_dev),
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_exec_flags_and_large_dev),
		cmocka_unit_test(test_exec_empty_tail),
		cmocka_unit_test(test_fork),
		cmocka_unit_test(test_exit),
		cmocka_unit_test(test_file_each_op),
		cmocka_unit_test(test_file_dev_zero_and_bad_op),
		cmocka_unit_test(test_net),
		cmocka_unit_test(test_net_bad),
		cmocka_unit_test(test_cred),
		cmocka_unit_test(test_sys),
		cmocka_unit_test(test_short_and_null),
		cmocka_unit_test(test_bad_version),
		cmocka_unit_test(test_unknown_type),
		cmocka_unit_test(test_header_len_past_buffer),
		cmocka_unit_test(test_fixed_part_past_header_len),
		cmocka_unit_test(test_tail_overrun),
		cmocka_unit_test(test_tail_exact_and_slack),
		cmocka_unit_test(test_max_record),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
