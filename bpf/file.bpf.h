/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * file.bpf.h - file create/write/truncate, unlink, rename, chmod, chown,
 * link and symlink, with absolute paths, filtered in the kernel.
 *
 * Three attach plans for this family, chosen by the loader:
 *  - "tracepoint" (always available): syscall tracepoints.  Opens are
 *    resolved at sys_exit from the returned fd (fully resolved path, and
 *    FMODE_CREATED tells create from open).  Name-based operations are
 *    resolved at sys_exit too, from the arguments saved at sys_enter: the
 *    dirfd's or cwd's walked path joined with the name (userspace folds
 *    '.' and '..', flagged VG_F_RELATIVE), so a name that is gone after
 *    an unlink or rename is still reported, with the syscall's result.
 *  - "lsm" / "fentry": the security_path_* hooks hand us dentries, so no
 *    string joining is needed; the result is not known there
 *    (VG_F_NO_RESULT).  Built always, used where the kernel allows.
 * The prefix filter runs before anything is sent.
 */
#ifndef VIGIL_FILE_BPF_H
#define VIGIL_FILE_BPF_H

#include "common.bpf.h"

#define VG_O_WRONLY	 01
#define VG_O_RDWR	 02
#define VG_O_CREAT	 0100
#define VG_O_TRUNC	 01000
#define VG_AT_REMOVEDIR	 0x200
#define VG_AT_EMPTY_PATH 0x1000

struct vg_open_args {
	__u32 flags;
	__u32 mode;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, struct vg_open_args);
} open_args SEC(".maps");

/* Raw arguments of a name-based call, kept from sys_enter to sys_exit. */
struct vg_file_args {
	__u64 name;  /* user pointer */
	__u64 name2; /* user pointer: rename/link target, symlink contents */
	__s32 dfd;
	__s32 dfd2;
	__u32 op;
	__u32 mode;
	__u32 uid;
	__u32 gid;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, struct vg_file_args);
} file_args SEC(".maps");

/* Start a file record in scratch; returns it with the tail offset in *off. */
static __always_inline struct vg_rec_file *vg_file_begin(struct vg_scratch *s, __u32 op, __u32 *off)
{
	struct vg_rec_file *e = (void *)s->rec;

	__builtin_memset(e, 0, sizeof(*e));
	e->hdr.type = VG_REC_FILE;
	e->op = op;
	e->uid = (__u32)-1;
	e->gid = (__u32)-1;
	vg_fill_task(&e->task, (struct task_struct *)bpf_get_current_task());
	*off = sizeof(*e);
	return e;
}

/*
 * Append the absolute form of a (dirfd, user path) pair.  Absolute names
 * are copied; relative ones are joined to the dirfd's (or cwd's) walked
 * path.  An empty name with AT_EMPTY_PATH-style use resolves to the dirfd.
 */
static __always_inline __u16 vg_append_user_path(struct vg_scratch *s, __u32 *off, int dfd,
						 const char *upath, __u32 *flags)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct dentry *d;
	struct vfsmount *m;
	__u32 start, blen, nlen = 0, o = *off;
	bool trunc = false;
	long n = 0;

	if (o > VG_REC_MAX - 2 * VG_PATH_MAX - 2) { /* no room left in the record */
		*flags |= VG_F_TRUNC_PATH;
		vg_count(VG_CNT_PATH_TRUNC);
		return 0;
	}
	if (upath)
		n = bpf_probe_read_user_str(s->name, VG_PATH_MAX, upath);
	if (n > 1) {
		nlen = (n - 1) & (VG_PATH_MAX - 1);
		if (n >= VG_PATH_MAX)
			*flags |= VG_F_TRUNC_PATH; /* the name itself was cut */
		if (s->name[0] == '/') {
			bpf_probe_read_kernel(&s->rec[o & (VG_REC_BUF - 1)], nlen, s->name);
			*off = o + nlen;
			return nlen;
		}
	} else if (dfd == AT_FDCWD) {
		return 0;
	}
	if (dfd == AT_FDCWD) {
		d = BPF_CORE_READ(task, fs, pwd.dentry);
		m = BPF_CORE_READ(task, fs, pwd.mnt);
	} else {
		struct file *f = vg_fd_file(task, dfd);

		if (!f)
			return 0;
		d = BPF_CORE_READ(f, f_path.dentry);
		m = BPF_CORE_READ(f, f_path.mnt);
	}
	start = vg_path_walk(s, d, m, &trunc); /* counts truncation itself */
	if (trunc || n >= VG_PATH_MAX)
		*flags |= VG_F_TRUNC_PATH;
	blen = (VG_PATH_MAX - start) & (VG_PATH_MAX - 1);
	bpf_probe_read_kernel(&s->rec[o & (VG_REC_BUF - 1)], blen,
			      &s->path[start & (VG_PATH_MAX - 1)]);
	o += blen;
	if (nlen) {
		if (blen > 1) {
			s->rec[o & (VG_REC_BUF - 1)] = '/';
			o++;
		}
		bpf_probe_read_kernel(&s->rec[o & (VG_REC_BUF - 1)], nlen, s->name);
		o += nlen;
		*flags |= VG_F_RELATIVE;
	}
	blen = o - *off;
	*off = o;
	return blen;
}

/* Does the record's path (or path2 for rename/link) pass the prefix filter? */
static __always_inline bool vg_file_wanted(struct vg_scratch *s, struct vg_rec_file *e)
{
	__u32 f = vg_prefix_flags(s, sizeof(*e), e->path_len);

	if ((e->op == VG_FILE_RENAME || e->op == VG_FILE_LINK) && !(f & VG_PFX_INCLUDE))
		f = vg_prefix_flags(s, sizeof(*e) + e->path_len, e->path2_len);
	if (f & VG_PFX_INCLUDE)
		return true;
	/* Exec-only prefixes (/tmp, /dev/shm): executables being written or made so. */
	if ((f & VG_PFX_EXEC_ONLY) && (e->mode & 0111) &&
	    (e->op == VG_FILE_CHMOD || e->op == VG_FILE_CREATE || e->op == VG_FILE_OPEN_WRITE ||
	     e->op == VG_FILE_TRUNCATE))
		return true;
	vg_count(VG_CNT_FILTERED);
	return false;
}

/*
 * Name-based calls: enter only remembers the arguments; exit resolves and
 * sends.  User strings are read at exit because the kernel has copied them
 * by then, so their pages are resident (a non-sleepable BPF program cannot
 * fault one in); dirfds and the cwd are the same as at entry.
 */
static __always_inline int vg_file_enter(__u32 op, int dfd, const char *name, int dfd2,
					 const char *name2, __u32 mode, __u32 uid, __u32 gid)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct vg_file_args a = {
		.name = (__u64)name,
		.name2 = (__u64)name2,
		.dfd = dfd,
		.dfd2 = dfd2,
		.op = op,
		.mode = mode,
		.uid = uid,
		.gid = gid,
	};

	if (vg_is_self())
		return 0;
	if (bpf_map_update_elem(&file_args, &id, &a, BPF_ANY) != 0)
		vg_count(VG_CNT_STASH_FULL);
	return 0;
}

/* fd-based variants (fchmod, fchown): the path comes from the open file. */
static __always_inline int vg_file_enter_fd(__u32 op, int fd, __u32 mode, __u32 uid, __u32 gid)
{
	return vg_file_enter(op, fd, NULL, 0, NULL, mode, uid, gid);
}

static __always_inline int vg_file_exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct vg_file_args *ap = bpf_map_lookup_elem(&file_args, &id);
	struct vg_file_args a;
	struct vg_scratch *s;
	struct vg_rec_file *e;
	__u32 off;

	if (!ap)
		return 0;
	a = *ap;
	bpf_map_delete_elem(&file_args, &id);
	s = vg_scratch();
	if (!s)
		return 0;
	e = vg_file_begin(s, a.op, &off);
	e->mode = a.mode;
	e->uid = a.uid;
	e->gid = a.gid;
	e->result = ret;
	e->path_len = vg_append_user_path(s, &off, a.dfd, (const char *)a.name, &e->hdr.flags);
	if (!e->path_len)
		return 0;
	if (a.op == VG_FILE_SYMLINK) {
		/* path2 = the target exactly as written (the kernel does not resolve it either). */
		e->path2_len = vg_append_str(s, &off, (const char *)a.name2, VG_PATH_MAX, true);
	} else if (a.name2) {
		e->path2_len =
			vg_append_user_path(s, &off, a.dfd2, (const char *)a.name2, &e->hdr.flags);
	}
	if (!vg_file_wanted(s, e))
		return 0;
	vg_output(e, off, VG_REC_BUF - 1);
	return 0;
}

#define VG_ARG(ctx, i) ((ctx)->args[i])

SEC("tracepoint/syscalls/sys_enter_unlink")
int vg_enter_unlink(struct trace_event_raw_sys_enter *ctx)
{
	return vg_file_enter(VG_FILE_UNLINK, AT_FDCWD, (const char *)VG_ARG(ctx, 0), 0, NULL, 0, -1,
			     -1);
}

SEC("tracepoint/syscalls/sys_enter_unlinkat")
int vg_enter_unlinkat(struct trace_event_raw_sys_enter *ctx)
{
	__u32 op = (VG_ARG(ctx, 2) & VG_AT_REMOVEDIR) ? VG_FILE_RMDIR : VG_FILE_UNLINK;

	return vg_file_enter(op, VG_ARG(ctx, 0), (const char *)VG_ARG(ctx, 1), 0, NULL, 0, -1, -1);
}

SEC("tracepoint/syscalls/sys_enter_rmdir")
int vg_enter_rmdir(struct trace_event_raw_sys_enter *ctx)
{
	return vg_file_enter(VG_FILE_RMDIR, AT_FDCWD, (const char *)VG_ARG(ctx, 0), 0, NULL, 0, -1,
			     -1);
}

SEC("tracepoint/syscalls/sys_enter_rename")
int vg_enter_rename(struct trace_event_raw_sys_enter *ctx)
{
	return vg_file_enter(VG_FILE_RENAME, AT_FDCWD, (const char *)VG_ARG(ctx, 0), AT_FDCWD,
			     (const char *)VG_ARG(ctx, 1), 0, -1, -1);
}

SEC("tracepoint/syscalls/sys_enter_renameat")
int vg_enter_renameat(struct trace_event_raw_sys_enter *ctx)
{
	return vg_file_enter(VG_FILE_RENAME, VG_ARG(ctx, 0), (const char *)VG_ARG(ctx, 1),
			     VG_ARG(ctx, 2), (const char *)VG_ARG(ctx, 3), 0, -1, -1);
}

SEC("tracepoint/syscalls/sys_enter_renameat2")
int vg_enter_renameat2(struct trace_event_raw_sys_enter *ctx)
{
	return vg_file_enter(VG_FILE_RENAME, VG_ARG(ctx, 0), (const char *)VG_ARG(ctx, 1),
			     VG_ARG(ctx, 2), (const char *)VG_ARG(ctx, 3), 0, -1, -1);
}

SEC("tracepoint/syscalls/sys_enter_chmod")
int vg_enter_chmod(struct trace_event_raw_sys_enter *ctx)
{
	return vg_file_enter(VG_FILE_CHMOD, AT_FDCWD, (const char *)VG_ARG(ctx, 0), 0, NULL,
			     VG_ARG(ctx, 1), -1, -1);
}

SEC("tracepoint/syscalls/sys_enter_fchmod")
int vg_enter_fchmod(struct trace_event_raw_sys_enter *ctx)
{
	return vg_file_enter_fd(VG_FILE_CHMOD, VG_ARG(ctx, 0), VG_ARG(ctx, 1), -1, -1);
}

SEC("tracepoint/syscalls/sys_enter_fchmodat")
int vg_enter_fchmodat(struct trace_event_raw_sys_enter *ctx)
{
	return vg_file_enter(VG_FILE_CHMOD, VG_ARG(ctx, 0), (const char *)VG_ARG(ctx, 1), 0, NULL,
			     VG_ARG(ctx, 2), -1, -1);
}

SEC("tracepoint/syscalls/sys_enter_fchmodat2")
int vg_enter_fchmodat2(struct trace_event_raw_sys_enter *ctx)
{
	return vg_file_enter(VG_FILE_CHMOD, VG_ARG(ctx, 0), (const char *)VG_ARG(ctx, 1), 0, NULL,
			     VG_ARG(ctx, 2), -1, -1);
}

SEC("tracepoint/syscalls/sys_enter_chown")
int vg_enter_chown(struct trace_event_raw_sys_enter *ctx)
{
	return vg_file_enter(VG_FILE_CHOWN, AT_FDCWD, (const char *)VG_ARG(ctx, 0), 0, NULL, 0,
			     VG_ARG(ctx, 1), VG_ARG(ctx, 2));
}

SEC("tracepoint/syscalls/sys_enter_lchown")
int vg_enter_lchown(struct trace_event_raw_sys_enter *ctx)
{
	return vg_file_enter(VG_FILE_CHOWN, AT_FDCWD, (const char *)VG_ARG(ctx, 0), 0, NULL, 0,
			     VG_ARG(ctx, 1), VG_ARG(ctx, 2));
}

SEC("tracepoint/syscalls/sys_enter_fchown")
int vg_enter_fchown(struct trace_event_raw_sys_enter *ctx)
{
	return vg_file_enter_fd(VG_FILE_CHOWN, VG_ARG(ctx, 0), 0, VG_ARG(ctx, 1), VG_ARG(ctx, 2));
}

SEC("tracepoint/syscalls/sys_enter_fchownat")
int vg_enter_fchownat(struct trace_event_raw_sys_enter *ctx)
{
	return vg_file_enter(VG_FILE_CHOWN, VG_ARG(ctx, 0), (const char *)VG_ARG(ctx, 1), 0, NULL,
			     0, VG_ARG(ctx, 2), VG_ARG(ctx, 3));
}

SEC("tracepoint/syscalls/sys_enter_link")
int vg_enter_link(struct trace_event_raw_sys_enter *ctx)
{
	return vg_file_enter(VG_FILE_LINK, AT_FDCWD, (const char *)VG_ARG(ctx, 0), AT_FDCWD,
			     (const char *)VG_ARG(ctx, 1), 0, -1, -1);
}

SEC("tracepoint/syscalls/sys_enter_linkat")
int vg_enter_linkat(struct trace_event_raw_sys_enter *ctx)
{
	return vg_file_enter(VG_FILE_LINK, VG_ARG(ctx, 0), (const char *)VG_ARG(ctx, 1),
			     VG_ARG(ctx, 2), (const char *)VG_ARG(ctx, 3), 0, -1, -1);
}

/* symlink(target, linkpath): path = the new link, path2 = the target text. */
SEC("tracepoint/syscalls/sys_enter_symlink")
int vg_enter_symlink(struct trace_event_raw_sys_enter *ctx)
{
	return vg_file_enter(VG_FILE_SYMLINK, AT_FDCWD, (const char *)VG_ARG(ctx, 1), 0,
			     (const char *)VG_ARG(ctx, 0), 0, -1, -1);
}

SEC("tracepoint/syscalls/sys_enter_symlinkat")
int vg_enter_symlinkat(struct trace_event_raw_sys_enter *ctx)
{
	return vg_file_enter(VG_FILE_SYMLINK, VG_ARG(ctx, 1), (const char *)VG_ARG(ctx, 2), 0,
			     (const char *)VG_ARG(ctx, 0), 0, -1, -1);
}

/*
 * One exit program for all name-based calls: the loader attaches it to each
 * sys_exit_<call> tracepoint (loader.c, shared_exits).  They share the
 * context layout, and one program is verified once instead of 18 times.
 */
SEC("tracepoint")
int vg_file_sys_exit(struct trace_event_raw_sys_exit *ctx)
{
	return vg_file_exit(ctx->ret);
}

/* ---- opens: remember write intent at enter, resolve the fd at exit ------------ */

static __always_inline int vg_open_enter(__u32 flags, __u32 mode)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct vg_open_args a = { .flags = flags, .mode = mode };

	if (!(flags & (VG_O_WRONLY | VG_O_RDWR | VG_O_CREAT | VG_O_TRUNC)))
		return 0;
	if (vg_is_self())
		return 0;
	if (bpf_map_update_elem(&open_args, &id, &a, BPF_ANY) != 0)
		vg_count(VG_CNT_STASH_FULL);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_open")
int vg_enter_open(struct trace_event_raw_sys_enter *ctx)
{
	return vg_open_enter(VG_ARG(ctx, 1), VG_ARG(ctx, 2));
}

SEC("tracepoint/syscalls/sys_enter_openat")
int vg_enter_openat(struct trace_event_raw_sys_enter *ctx)
{
	return vg_open_enter(VG_ARG(ctx, 2), VG_ARG(ctx, 3));
}

SEC("tracepoint/syscalls/sys_enter_openat2")
int vg_enter_openat2(struct trace_event_raw_sys_enter *ctx)
{
	struct open_how how = {};

	if (bpf_probe_read_user(&how, sizeof(how), (void *)VG_ARG(ctx, 2)) != 0)
		return 0;
	return vg_open_enter(how.flags, how.mode);
}

SEC("tracepoint/syscalls/sys_enter_creat")
int vg_enter_creat(struct trace_event_raw_sys_enter *ctx)
{
	return vg_open_enter(VG_O_CREAT | VG_O_WRONLY | VG_O_TRUNC, VG_ARG(ctx, 1));
}

static __always_inline int vg_open_exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct vg_open_args *a = bpf_map_lookup_elem(&open_args, &id);
	struct task_struct *task;
	struct vg_scratch *s;
	struct vg_rec_file *e;
	struct file *f;
	struct inode *ino;
	__u32 flags, off, fmode;
	bool trunc = false;

	if (!a)
		return 0;
	flags = a->flags;
	bpf_map_delete_elem(&open_args, &id);
	if (ret < 0)
		return 0;
	s = vg_scratch();
	if (!s)
		return 0;
	task = (struct task_struct *)bpf_get_current_task();
	f = vg_fd_file(task, ret);
	if (!f)
		return 0;
	fmode = BPF_CORE_READ(f, f_mode);
	e = vg_file_begin(s, VG_FILE_OPEN_WRITE, &off);
	if (fmode & VG_FMODE_CREATED)
		e->op = VG_FILE_CREATE;
	else if (flags & VG_O_TRUNC)
		e->op = VG_FILE_TRUNCATE;
	e->open_flags = flags;
	ino = BPF_CORE_READ(f, f_inode);
	e->mode = BPF_CORE_READ(ino, i_mode);
	e->ino = BPF_CORE_READ(ino, i_ino);
	e->dev = BPF_CORE_READ(ino, i_sb, s_dev);
	e->path_len = vg_append_path(s, &off, BPF_CORE_READ(f, f_path.dentry),
				     BPF_CORE_READ(f, f_path.mnt), &trunc);
	if (trunc)
		e->hdr.flags |= VG_F_TRUNC_PATH;
	if (!vg_file_wanted(s, e))
		return 0;
	e->result = ret;
	vg_output(e, off, VG_REC_BUF - 1);
	return 0;
}

/* Attached by the loader to sys_exit_{open,openat,openat2,creat}. */
SEC("tracepoint")
int vg_open_sys_exit(struct trace_event_raw_sys_exit *ctx)
{
	return vg_open_exit(ctx->ret);
}

/* ---- LSM and fentry variants: same records from the security hooks ----------- */

static __always_inline int vg_file_hook(__u32 op, struct dentry *d, struct vfsmount *m,
					struct dentry *d2, struct vfsmount *m2, __u32 mode,
					__u32 uid, __u32 gid)
{
	struct vg_scratch *s;
	struct vg_rec_file *e;
	bool trunc = false;
	__u32 off;

	if (vg_is_self())
		return 0;
	s = vg_scratch();
	if (!s)
		return 0;
	e = vg_file_begin(s, op, &off);
	e->hdr.flags |= VG_F_NO_RESULT;
	e->mode = mode;
	e->uid = uid;
	e->gid = gid;
	e->path_len = vg_append_path(s, &off, d, m, &trunc);
	if (d2)
		e->path2_len = vg_append_path(s, &off, d2, m2, &trunc);
	if (trunc)
		e->hdr.flags |= VG_F_TRUNC_PATH;
	if (!vg_file_wanted(s, e))
		return 0;
	vg_output(e, off, VG_REC_BUF - 1);
	return 0;
}

#define VG_HOOK_PAIR(lsm_name, sec_fn, args, body) \
	SEC("lsm/" #lsm_name)                      \
	int BPF_PROG(vg_lsm_##lsm_name, args)      \
	{                                          \
		body;                              \
		return 0;                          \
	}                                          \
	SEC("fentry/" #sec_fn)                     \
	int BPF_PROG(vg_fentry_##lsm_name, args)   \
	{                                          \
		body;                              \
		return 0;                          \
	}

#define VG_COMMA ,
VG_HOOK_PAIR(path_unlink, security_path_unlink,
	     const struct path *dir VG_COMMA struct dentry *dentry,
	     vg_file_hook(VG_FILE_UNLINK, dentry, BPF_CORE_READ(dir, mnt), NULL, NULL, 0, -1, -1))
VG_HOOK_PAIR(path_rmdir, security_path_rmdir, const struct path *dir VG_COMMA struct dentry *dentry,
	     vg_file_hook(VG_FILE_RMDIR, dentry, BPF_CORE_READ(dir, mnt), NULL, NULL, 0, -1, -1))
VG_HOOK_PAIR(path_rename, security_path_rename,
	     const struct path *old_dir VG_COMMA struct dentry *old_dentry
		     VG_COMMA const struct path *new_dir VG_COMMA struct dentry *new_dentry,
	     vg_file_hook(VG_FILE_RENAME, old_dentry, BPF_CORE_READ(old_dir, mnt), new_dentry,
			  BPF_CORE_READ(new_dir, mnt), 0, -1, -1))
VG_HOOK_PAIR(path_chmod, security_path_chmod, const struct path *path VG_COMMA umode_t mode,
	     vg_file_hook(VG_FILE_CHMOD, BPF_CORE_READ(path, dentry), BPF_CORE_READ(path, mnt),
			  NULL, NULL, mode, -1, -1))
VG_HOOK_PAIR(path_chown, security_path_chown,
	     /* kuid_t/kgid_t arrive by value in one register each */
	     const struct path *path VG_COMMA void *uid VG_COMMA void *gid,
	     vg_file_hook(VG_FILE_CHOWN, BPF_CORE_READ(path, dentry), BPF_CORE_READ(path, mnt),
			  NULL, NULL, 0, (__u32)(unsigned long)uid, (__u32)(unsigned long)gid))
VG_HOOK_PAIR(path_link, security_path_link,
	     struct dentry *old_dentry VG_COMMA const struct path *new_dir
		     VG_COMMA struct dentry *new_dentry,
	     vg_file_hook(VG_FILE_LINK, old_dentry, BPF_CORE_READ(new_dir, mnt), new_dentry,
			  BPF_CORE_READ(new_dir, mnt), 0, -1, -1))
VG_HOOK_PAIR(path_symlink, security_path_symlink,
	     const struct path *dir VG_COMMA struct dentry *dentry VG_COMMA const char *old_name,
	     vg_file_hook(VG_FILE_SYMLINK, dentry, BPF_CORE_READ(dir, mnt), NULL, NULL, 0, -1, -1))
VG_HOOK_PAIR(file_open, security_file_open, struct file *file, {
	__u32 fl = BPF_CORE_READ(file, f_flags);
	__u32 fm = BPF_CORE_READ(file, f_mode);

	if (fl & (VG_O_WRONLY | VG_O_RDWR | VG_O_TRUNC) || (fm & VG_FMODE_CREATED))
		vg_file_hook((fm & VG_FMODE_CREATED) ? VG_FILE_CREATE
			     : (fl & VG_O_TRUNC)     ? VG_FILE_TRUNCATE
						     : VG_FILE_OPEN_WRITE,
			     BPF_CORE_READ(file, f_path.dentry), BPF_CORE_READ(file, f_path.mnt),
			     NULL, NULL, BPF_CORE_READ(file, f_inode, i_mode), -1, -1);
})

#endif /* VIGIL_FILE_BPF_H */
