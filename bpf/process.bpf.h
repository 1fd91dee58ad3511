/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * process.bpf.h - exec, fork and exit.
 *
 * Raw tracepoints, because they hand us the task and linux_binprm pointers
 * (the classic sched tracepoints only give a filename and pids).  Exec reads
 * everything from the new image: exe identity from mm->exe_file (the
 * interpreter for #! scripts, whose own path is bprm->filename), argv from
 * the new stack (mm->arg_start..arg_end), cwd from fs->pwd.
 * Fork reports new processes only (threads share the process); exit
 * reports the thread group once, when its last thread dies.
 */
#ifndef VIGIL_PROCESS_BPF_H
#define VIGIL_PROCESS_BPF_H

#include "common.bpf.h"

SEC("raw_tracepoint/sched_process_exec")
int vg_exec(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *task = (struct task_struct *)ctx->args[0];
	struct linux_binprm *bprm = (struct linux_binprm *)ctx->args[2];
	struct vg_scratch *s;
	struct vg_rec_exec *e;
	struct file *exe;
	struct inode *ino;
	struct mm_struct *mm;
	unsigned long arg_start, arg_end, alen;
	const char *filename, *interp;
	const unsigned char *dname;
	char memfd_tag[7] = {};
	__u32 off = sizeof(*e);
	bool trunc = false;

	if (vg_is_self())
		return 0;
	s = vg_scratch();
	if (!s)
		return 0;
	e = (void *)s->rec;
	__builtin_memset(e, 0, sizeof(*e));
	e->hdr.type = VG_REC_EXEC;
	vg_fill_task(&e->task, task);

	mm = BPF_CORE_READ(task, mm);
	exe = BPF_CORE_READ(mm, exe_file);
	ino = BPF_CORE_READ(exe, f_inode);
	e->exe_ino = BPF_CORE_READ(ino, i_ino);
	e->exe_dev = BPF_CORE_READ(ino, i_sb, s_dev);
	e->exe_size = BPF_CORE_READ(ino, i_size);
	e->exe_mode = BPF_CORE_READ(ino, i_mode);
	e->exe_nlink = BPF_CORE_READ(ino, __i_nlink);
	vg_inode_times(ino, &e->exe_mtime_ns, &e->exe_ctime_ns);
	if (e->exe_nlink == 0)
		e->exe_flags |= VG_EXE_UNLINKED;
	dname = BPF_CORE_READ(exe, f_path.dentry, d_name.name);
	bpf_probe_read_kernel(memfd_tag, 6, dname);
	if (memfd_tag[0] == 'm' && memfd_tag[1] == 'e' && memfd_tag[2] == 'm' &&
	    memfd_tag[3] == 'f' && memfd_tag[4] == 'd' && memfd_tag[5] == ':' && e->exe_nlink == 0)
		e->exe_flags |= VG_EXE_MEMFD;

	/* exe path */
	e->exe_len = vg_append_path(s, &off, BPF_CORE_READ(exe, f_path.dentry),
				    BPF_CORE_READ(exe, f_path.mnt), &trunc);
	if (trunc)
		e->hdr.flags |= VG_F_TRUNC_PATH;

	/* argv from the new image's stack */
	e->argc = BPF_CORE_READ(bprm, argc);
	arg_start = BPF_CORE_READ(mm, arg_start);
	arg_end = BPF_CORE_READ(mm, arg_end);
	alen = arg_end > arg_start ? arg_end - arg_start : 0;
	if (alen >= VG_ARGV_MAX) {
		alen = VG_ARGV_MAX - 1;
		e->hdr.flags |= VG_F_TRUNC_ARGV;
	}
	if (off <= VG_REC_MAX - VG_PATH_MAX) {
		alen &= (VG_ARGV_MAX - 1);
		if (bpf_probe_read_user(&s->rec[off & (VG_REC_BUF - 1)], alen, (void *)arg_start) ==
		    0) {
			e->argv_len = alen;
			off += alen;
		}
	}

	/* cwd */
	trunc = false;
	e->cwd_len = vg_append_path(s, &off, BPF_CORE_READ(task, fs, pwd.dentry),
				    BPF_CORE_READ(task, fs, pwd.mnt), &trunc);

	/* filename as passed; interpreter when started through #! or binfmt_misc */
	filename = BPF_CORE_READ(bprm, filename);
	interp = BPF_CORE_READ(bprm, interp);
	e->filename_len = vg_append_str(s, &off, filename, VG_PATH_MAX, false);
	if (interp && interp != filename) {
		e->exe_flags |= VG_EXE_SCRIPT;
		e->interp_len = vg_append_str(s, &off, interp, VG_PATH_MAX, false);
	}
	e->cgroup_len = vg_append_str(s, &off, BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, name),
				      VG_NAME_MAX, false);
	vg_output(e, off, VG_REC_BUF - 1);
	return 0;
}

SEC("raw_tracepoint/sched_process_fork")
int vg_fork(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *parent = (struct task_struct *)ctx->args[0];
	struct task_struct *child = (struct task_struct *)ctx->args[1];
	struct vg_rec_fork *e;

	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid))
		return 0; /* a thread */
	if (vg_is_self())
		return 0;
	e = vg_reserve(VG_REC_FORK, sizeof(*e));
	if (!e)
		return 0;
	vg_fill_task(&e->task, child);
	e->parent_tid = BPF_CORE_READ(parent, pid);
	vg_submit(e);
	return 0;
}

SEC("raw_tracepoint/sched_process_exit")
int vg_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *task = (struct task_struct *)ctx->args[0];
	struct signal_struct *sig = BPF_CORE_READ(task, signal);
	struct vg_rec_exit *e;
	int code;

	if (BPF_CORE_READ(sig, live.counter) != 0)
		return 0; /* other threads of the group still run */
	if (vg_is_self())
		return 0;
	if (BPF_CORE_READ(sig, flags) & VG_SIGNAL_GROUP_EXIT)
		code = BPF_CORE_READ(sig, group_exit_code);
	else
		code = BPF_CORE_READ(task, exit_code);
	e = vg_reserve(VG_REC_EXIT, sizeof(*e));
	if (!e)
		return 0;
	vg_fill_task(&e->task, task);
	e->signal = code & 0x7f;
	e->core_dumped = (code & 0x80) ? 1 : 0;
	e->exit_code = e->signal ? 0 : (code >> 8) & 0xff;
	vg_submit(e);
	return 0;
}

#endif /* VIGIL_PROCESS_BPF_H */
