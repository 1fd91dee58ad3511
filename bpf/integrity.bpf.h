/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * integrity.bpf.h - credential changes, ptrace, kernel modules, BPF program
 * loads, memfd_create, mount/umount and namespace changes.
 *
 * All are rare, so each is a plain enter/exit pair of syscall tracepoints:
 * enter saves the arguments (and, for set*id/capset, the credentials before
 * the call) per thread; exit reads the strings, adds the result and sends.
 * Credential calls are reported only when they succeeded and changed
 * something, so glibc's per-thread setxid broadcast of a no-op stays quiet.
 */
#ifndef VIGIL_INTEGRITY_BPF_H
#define VIGIL_INTEGRITY_BPF_H

#include "common.bpf.h"

#define VG_PTRACE_POKETEXT  4
#define VG_PTRACE_POKEDATA  5
#define VG_PTRACE_POKEUSER  6
#define VG_PTRACE_SETREGS   13
#define VG_PTRACE_ATTACH    16
#define VG_PTRACE_SETREGSET 0x4205
#define VG_PTRACE_SEIZE	    0x4206
#define VG_BPF_PROG_LOAD    5

struct vg_cred_stash {
	__u32 call;
	__u32 pad;
	struct vg_cred_set old_cred;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct vg_cred_stash);
} cred_stash SEC(".maps");

/* Raw arguments of an integrity syscall, kept from sys_enter to sys_exit. */
struct vg_sys_args {
	__u64 arg0, arg1, arg2;
	__u64 u1, u2, u3; /* user string pointers, 0 when unused */
	__u32 op;
	__s32 fd_for_str2; /* >= 0: str2 is this fd's path instead of u2 */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct vg_sys_args);
} sys_args SEC(".maps");

static __always_inline void vg_read_cred(struct vg_cred_set *c)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	const struct cred *cr = BPF_CORE_READ(t, real_cred);

	c->uid = BPF_CORE_READ(cr, uid.val);
	c->euid = BPF_CORE_READ(cr, euid.val);
	c->suid = BPF_CORE_READ(cr, suid.val);
	c->fsuid = BPF_CORE_READ(cr, fsuid.val);
	c->gid = BPF_CORE_READ(cr, gid.val);
	c->egid = BPF_CORE_READ(cr, egid.val);
	c->sgid = BPF_CORE_READ(cr, sgid.val);
	c->fsgid = BPF_CORE_READ(cr, fsgid.val);
	BPF_CORE_READ_INTO(&c->cap_effective, cr, cap_effective);
	BPF_CORE_READ_INTO(&c->cap_permitted, cr, cap_permitted);
}

static __always_inline int vg_cred_enter(__u32 call)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct vg_cred_stash st = { .call = call };

	if (vg_is_self())
		return 0;
	vg_read_cred(&st.old_cred);
	if (bpf_map_update_elem(&cred_stash, &id, &st, BPF_ANY) != 0)
		vg_count(VG_CNT_STASH_FULL);
	return 0;
}

static __always_inline int vg_cred_exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct vg_cred_stash *st = bpf_map_lookup_elem(&cred_stash, &id);
	struct vg_cred_set now = {};
	struct vg_rec_cred *e;

	if (!st)
		return 0;
	vg_read_cred(&now);
	/* setfsuid/setfsgid return the previous id, not 0: judge them by the change. */
	long ok = (st->call == VG_CRED_SETFSUID || st->call == VG_CRED_SETFSGID) ? 0 : ret;

	if (ok != 0 || (now.uid == st->old_cred.uid && now.euid == st->old_cred.euid &&
			now.suid == st->old_cred.suid && now.fsuid == st->old_cred.fsuid &&
			now.gid == st->old_cred.gid && now.egid == st->old_cred.egid &&
			now.sgid == st->old_cred.sgid && now.fsgid == st->old_cred.fsgid &&
			now.cap_effective == st->old_cred.cap_effective &&
			now.cap_permitted == st->old_cred.cap_permitted)) {
		bpf_map_delete_elem(&cred_stash, &id);
		return 0;
	}
	e = vg_reserve(VG_REC_CRED, sizeof(*e));
	if (!e) {
		bpf_map_delete_elem(&cred_stash, &id);
		return 0;
	}
	vg_fill_task(&e->task, (struct task_struct *)bpf_get_current_task());
	e->call = st->call;
	e->result = ret;
	e->old_cred = st->old_cred;
	e->new_cred = now;
	vg_submit(e);
	bpf_map_delete_elem(&cred_stash, &id);
	return 0;
}

#define VG_CRED_PAIR(name, call)                                   \
	SEC("tracepoint/syscalls/sys_enter_" #name)                \
	int vg_enter_##name(struct trace_event_raw_sys_enter *ctx) \
	{                                                          \
		return vg_cred_enter(call);                        \
	}                                                          \
	SEC("tracepoint/syscalls/sys_exit_" #name)                 \
	int vg_exit_##name(struct trace_event_raw_sys_exit *ctx)   \
	{                                                          \
		return vg_cred_exit(ctx->ret);                     \
	}

VG_CRED_PAIR(setuid, VG_CRED_SETUID)
VG_CRED_PAIR(setgid, VG_CRED_SETGID)
VG_CRED_PAIR(setreuid, VG_CRED_SETREUID)
VG_CRED_PAIR(setregid, VG_CRED_SETREGID)
VG_CRED_PAIR(setresuid, VG_CRED_SETRESUID)
VG_CRED_PAIR(setresgid, VG_CRED_SETRESGID)
VG_CRED_PAIR(setfsuid, VG_CRED_SETFSUID)
VG_CRED_PAIR(setfsgid, VG_CRED_SETFSGID)
VG_CRED_PAIR(capset, VG_CRED_CAPSET)

/* ---- generic integrity syscalls -------------------------------------------- */

static __always_inline struct vg_rec_sys *vg_sys_begin(struct vg_scratch *s, __u32 op)
{
	struct vg_rec_sys *e = (void *)s->rec;

	__builtin_memset(e, 0, sizeof(*e));
	e->hdr.type = VG_REC_SYS;
	e->op = op;
	vg_fill_task(&e->task, (struct task_struct *)bpf_get_current_task());
	return e;
}

/*
 * One enter for all: op, three numeric args, up to three user strings (the
 * second may instead be the path of file descriptor fd_for_str2).  Strings
 * are read at exit, when the kernel has already copied them (so their pages
 * are resident) - see file.bpf.h.
 */
static __always_inline int vg_sys_enter(__u32 op, __u64 a0, __u64 a1, __u64 a2, const char *u1,
					const char *u2, const char *u3, int fd_for_str2)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct vg_sys_args a = {
		.arg0 = a0,
		.arg1 = a1,
		.arg2 = a2,
		.u1 = (__u64)u1,
		.u2 = (__u64)u2,
		.u3 = (__u64)u3,
		.op = op,
		.fd_for_str2 = fd_for_str2,
	};

	if (vg_is_self())
		return 0;
	if (bpf_map_update_elem(&sys_args, &id, &a, BPF_ANY) != 0)
		vg_count(VG_CNT_STASH_FULL);
	return 0;
}

static __always_inline int vg_sys_exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct vg_sys_args *ap = bpf_map_lookup_elem(&sys_args, &id);
	struct vg_sys_args a;
	struct vg_scratch *s;
	struct vg_rec_sys *e;
	__u32 off;

	if (!ap)
		return 0;
	a = *ap;
	bpf_map_delete_elem(&sys_args, &id);
	s = vg_scratch();
	if (!s)
		return 0;
	e = vg_sys_begin(s, a.op);
	e->result = ret;
	e->arg0 = a.arg0;
	e->arg1 = a.arg1;
	e->arg2 = a.arg2;
	off = sizeof(*e);
	e->str1_len = vg_append_str(s, &off, (const char *)a.u1, VG_NAME_MAX, true);
	if (a.fd_for_str2 >= 0) {
		struct file *f =
			vg_fd_file((struct task_struct *)bpf_get_current_task(), a.fd_for_str2);
		bool trunc = false;

		if (f)
			e->str2_len = vg_append_path(s, &off, BPF_CORE_READ(f, f_path.dentry),
						     BPF_CORE_READ(f, f_path.mnt), &trunc);
	} else {
		e->str2_len = vg_append_str(s, &off, (const char *)a.u2, VG_PATH_MAX, true);
	}
	e->str3_len = vg_append_str(s, &off, (const char *)a.u3, VG_NAME_MAX, true);
	vg_output(e, off, VG_REC_BUF - 1);
	return 0;
}

/* One exit program for all of them, attached by the loader (loader.c, shared_exits). */
SEC("tracepoint")
int vg_integrity_sys_exit(struct trace_event_raw_sys_exit *ctx)
{
	return vg_sys_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_ptrace")
int vg_enter_ptrace(struct trace_event_raw_sys_enter *ctx)
{
	long req = ctx->args[0];

	if (req != VG_PTRACE_ATTACH && req != VG_PTRACE_SEIZE && req != VG_PTRACE_POKETEXT &&
	    req != VG_PTRACE_POKEDATA && req != VG_PTRACE_POKEUSER && req != VG_PTRACE_SETREGS &&
	    req != VG_PTRACE_SETREGSET)
		return 0;
	return vg_sys_enter(VG_SYS_PTRACE, req, ctx->args[1], ctx->args[2], NULL, NULL, NULL, -1);
}

SEC("tracepoint/syscalls/sys_enter_init_module")
int vg_enter_init_module(struct trace_event_raw_sys_enter *ctx)
{
	return vg_sys_enter(VG_SYS_INIT_MODULE, ctx->args[1], 0, 0, (const char *)ctx->args[2],
			    NULL, NULL, -1);
}

SEC("tracepoint/syscalls/sys_enter_finit_module")
int vg_enter_finit_module(struct trace_event_raw_sys_enter *ctx)
{
	return vg_sys_enter(VG_SYS_FINIT_MODULE, ctx->args[0], ctx->args[2], 0,
			    (const char *)ctx->args[1], NULL, NULL, ctx->args[0]);
}

SEC("tracepoint/syscalls/sys_enter_delete_module")
int vg_enter_delete_module(struct trace_event_raw_sys_enter *ctx)
{
	return vg_sys_enter(VG_SYS_DELETE_MODULE, ctx->args[1], 0, 0, (const char *)ctx->args[0],
			    NULL, NULL, -1);
}

SEC("tracepoint/syscalls/sys_enter_bpf")
int vg_enter_bpf(struct trace_event_raw_sys_enter *ctx)
{
	union bpf_attr *attr = (union bpf_attr *)ctx->args[1];
	__u32 type = 0, insns = 0;

	if (ctx->args[0] != VG_BPF_PROG_LOAD)
		return 0;
	bpf_probe_read_user(&type, sizeof(type), &attr->prog_type);
	bpf_probe_read_user(&insns, sizeof(insns), &attr->insn_cnt);
	return vg_sys_enter(VG_SYS_BPF_PROG_LOAD, type, insns, 0, attr->prog_name, NULL, NULL, -1);
}

SEC("tracepoint/syscalls/sys_enter_memfd_create")
int vg_enter_memfd_create(struct trace_event_raw_sys_enter *ctx)
{
	return vg_sys_enter(VG_SYS_MEMFD_CREATE, ctx->args[1], 0, 0, (const char *)ctx->args[0],
			    NULL, NULL, -1);
}

SEC("tracepoint/syscalls/sys_enter_mount")
int vg_enter_mount(struct trace_event_raw_sys_enter *ctx)
{
	return vg_sys_enter(VG_SYS_MOUNT, ctx->args[3], 0, 0, (const char *)ctx->args[0],
			    (const char *)ctx->args[1], (const char *)ctx->args[2], -1);
}

SEC("tracepoint/syscalls/sys_enter_umount")
int vg_enter_umount(struct trace_event_raw_sys_enter *ctx)
{
	return vg_sys_enter(VG_SYS_UMOUNT, ctx->args[1], 0, 0, NULL, (const char *)ctx->args[0],
			    NULL, -1);
}

SEC("tracepoint/syscalls/sys_enter_unshare")
int vg_enter_unshare(struct trace_event_raw_sys_enter *ctx)
{
	return vg_sys_enter(VG_SYS_UNSHARE, ctx->args[0], 0, 0, NULL, NULL, NULL, -1);
}

SEC("tracepoint/syscalls/sys_enter_setns")
int vg_enter_setns(struct trace_event_raw_sys_enter *ctx)
{
	return vg_sys_enter(VG_SYS_SETNS, ctx->args[0], ctx->args[1], 0, NULL, NULL, NULL, -1);
}

#endif /* VIGIL_INTEGRITY_BPF_H */
