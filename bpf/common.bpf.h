/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * common.bpf.h - maps and helpers every vigil BPF program uses.
 *
 * Owns: the ring buffer, per-CPU sequence numbers and drop counters, the
 * per-CPU scratch area where variable-length records are assembled, the
 * sensor's self filter and the task context every record starts with.
 *
 * Records of fixed size are reserved in the ring and submitted in place.
 * Records with a variable tail (exec, file, integrity) are assembled in the
 * per-CPU scratch and copied once with bpf_ringbuf_output(), because
 * bpf_ringbuf_reserve() needs a size known to the verifier and reserving the
 * worst case (16 KiB) per exec would waste most of the ring.
 *
 * Wakeups are batched: records are submitted with BPF_RB_NO_WAKEUP unless
 * the unread data passed `wakeup_bytes`; userspace also drains the ring on
 * a short timer (poll_ms), so an idle host causes no wakeups at all.
 */
#ifndef VIGIL_COMMON_BPF_H
#define VIGIL_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "vigil_abi.h"

#ifndef AT_FDCWD
#define AT_FDCWD -100
#endif
#define VG_AF_INET	     2
#define VG_AF_INET6	     10
#define VG_EINPROGRESS	     115
#define VG_ENOTSOCK	     88
#define VG_FMODE_CREATED     0x100000 /* include/linux/fs.h FMODE_CREATED, since 4.19 */
#define VG_SIGNAL_GROUP_EXIT 0x00000004
/* Scratch record buffer: a power of two above VG_REC_MAX so masked offsets stay inside. */
#define VG_REC_BUF 32768

/* Set by the loader before load (rodata). */
const volatile __u32 sensor_tgid = 0;
const volatile __u64 wakeup_bytes = 1 << 20;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20); /* resized by the loader */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VG_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} seqs SEC(".maps");

/*
 * Per-CPU scratch.  rec holds the record being assembled (VG_REC_MAX plus
 * slack so masked offsets stay inside), path is the dentry-walk buffer
 * (names are written backwards ending at VG_PATH_MAX), name holds a user
 * string, pkey the prefix-trie lookup key.
 */
struct vg_scratch {
	__u8 rec[VG_REC_BUF + VG_PATH_MAX];
	char path[2 * VG_PATH_MAX];
	char name[2 * VG_PATH_MAX];
	struct vg_prefix_key pkey;
	/* Path-walk state lives here, not on the stack: the verifier does not
	 * track map contents, so bpf_loop's callback converges in one pass. */
	__u32 trunc; /* set by vg_path_walk when the path was cut */
	__u32 walk_pos;
	__u32 walk_steps;
	__u32 pad;
};

/* One slot per CPU, indexed by CPU id (programs run with migration off).  Not
 * a PERCPU_ARRAY: per-CPU values are capped at 32 KiB.  Sized by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vg_scratch);
} scratch SEC(".maps");

/* Kernel-side path filter, filled by the loader (see vigil_abi.h). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 256);
	__type(key, struct vg_prefix_key);
	__type(value, struct vg_prefix_val);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} prefixes SEC(".maps");

static __always_inline void vg_count(__u32 idx)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &idx);

	if (c)
		(*c)++;
}

static __always_inline struct vg_scratch *vg_scratch(void)
{
	__u32 cpu = bpf_get_smp_processor_id();

	return bpf_map_lookup_elem(&scratch, &cpu);
}

/* Next per-CPU sequence number.  Taken before the ring reserve, so a failed
 * reserve leaves a gap that userspace reports as loss. */
static __always_inline __u64 vg_next_seq(void)
{
	__u32 zero = 0;
	__u64 *s = bpf_map_lookup_elem(&seqs, &zero);

	if (!s)
		return 0;
	*s += 1;
	return *s;
}

/*
 * Set by userspace (mmap'd .bss) before it sleeps long on an idle host; the
 * first record afterwards wakes it at once and clears the flag.  Busy: no
 * wakeup until a quarter of the ring is unread (userspace polls every
 * poll_ms anyway).  So an idle sensor costs nothing and a sparse event is
 * not delayed, while a flood is still read in batches.
 */
volatile __u32 vg_consumer_idle;

static __always_inline __u64 vg_wake_flags(void)
{
	if (vg_consumer_idle) {
		vg_consumer_idle = 0;
		return BPF_RB_FORCE_WAKEUP;
	}
	return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes ? BPF_RB_FORCE_WAKEUP
									     : BPF_RB_NO_WAKEUP;
}

static __always_inline void vg_hdr_init(struct vg_rec_hdr *h, __u16 type, __u32 len, __u64 seq)
{
	h->type = type;
	h->version = VG_ABI_VERSION;
	h->len = len;
	h->cpu = bpf_get_smp_processor_id();
	h->seq = seq;
	h->ts_ns = bpf_ktime_get_boot_ns();
}

/* True (and counted) when the current task belongs to the sensor. */
static __always_inline bool vg_is_self(void)
{
	if ((__u32)(bpf_get_current_pid_tgid() >> 32) == sensor_tgid && sensor_tgid) {
		vg_count(VG_CNT_SELF);
		return true;
	}
	return false;
}

/*
 * Send a record: assigns seq/ts/cpu and copies len bytes.  mask is a
 * constant power of two minus one no larger than the memory rec points
 * into; the barrier stops the compiler from handing the helper a copy of
 * len the verifier has not seen bounded.
 */
static __always_inline void vg_output(void *rec, __u32 len, const __u32 mask)
{
	struct vg_rec_hdr *h = rec;

	vg_hdr_init(h, h->type, len, vg_next_seq());
	if (len > VG_REC_MAX || len > mask || len < sizeof(*h)) {
		vg_count(VG_CNT_RB_DROP);
		return;
	}
	asm volatile("" : "+r"(len));
	len &= mask;
	if (bpf_ringbuf_output(&events, rec, len, vg_wake_flags()) != 0)
		vg_count(VG_CNT_RB_DROP);
	else
		vg_count(VG_CNT_EVENTS);
}

/*
 * Fixed-size records: reserve in the ring (sequence taken first, so a full
 * ring leaves a gap and a counted drop), zeroed, header filled.  size must
 * be a constant (sizeof); fill the rest, then vg_submit().
 */
static __always_inline void *vg_reserve(__u16 type, __u32 size)
{
	__u64 seq = vg_next_seq();
	struct vg_rec_hdr *h = bpf_ringbuf_reserve(&events, size, 0);

	if (!h) {
		vg_count(VG_CNT_RB_DROP);
		return NULL;
	}
	__builtin_memset(h, 0, size);
	vg_hdr_init(h, type, size, seq);
	return h;
}

static __always_inline void vg_submit(void *rec)
{
	bpf_ringbuf_submit(rec, vg_wake_flags());
	vg_count(VG_CNT_EVENTS);
}

/* ---- task context ---------------------------------------------------------- */

struct inode___pre67 {
	struct timespec64 i_mtime;
	struct timespec64 i_ctime;
} __attribute__((preserve_access_index));

struct inode___v66 {
	struct timespec64 i_mtime;
	struct timespec64 __i_ctime;
} __attribute__((preserve_access_index));

struct task_struct___pre55 {
	u64 real_start_time;
} __attribute__((preserve_access_index));

static __always_inline __u64 vg_task_start(struct task_struct *t)
{
	struct task_struct *leader = BPF_CORE_READ(t, group_leader);

	/* 5.5 renamed real_start_time to start_boottime (commit cf25e24db61c). */
	if (bpf_core_field_exists(leader->start_boottime))
		return BPF_CORE_READ(leader, start_boottime);
	return BPF_CORE_READ((struct task_struct___pre55 *)leader, real_start_time);
}

static __always_inline __u32 vg_task_pidns(struct task_struct *t)
{
	struct pid *pid = BPF_CORE_READ(t, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	struct upid up = {};

	bpf_core_read(&up, sizeof(up), &pid->numbers[level & 31]);
	return BPF_CORE_READ(up.ns, ns.inum);
}

static __always_inline void vg_fill_task(struct vg_task_ctx *c, struct task_struct *t)
{
	struct task_struct *rp = BPF_CORE_READ(t, real_parent);
	struct task_struct *p = BPF_CORE_READ(t, parent);
	const struct cred *cr = BPF_CORE_READ(t, cred);
	__u32 ptgid;

	c->tid = BPF_CORE_READ(t, pid);
	c->tgid = BPF_CORE_READ(t, tgid);
	c->ppid = BPF_CORE_READ(rp, tgid);
	ptgid = BPF_CORE_READ(p, tgid);
	c->tracer_pid = ptgid != c->ppid ? ptgid : 0;
	c->uid = BPF_CORE_READ(cr, uid.val);
	c->gid = BPF_CORE_READ(cr, gid.val);
	c->euid = BPF_CORE_READ(cr, euid.val);
	c->egid = BPF_CORE_READ(cr, egid.val);
	if (bpf_core_field_exists(t->loginuid)) {
		c->loginuid = BPF_CORE_READ(t, loginuid.val);
		c->sessionid = BPF_CORE_READ(t, sessionid);
	} else {
		c->loginuid = (__u32)-1;
		c->sessionid = (__u32)-1;
	}
	c->start_ns = vg_task_start(t);
	c->parent_start_ns = vg_task_start(rp);
	c->cgroup_id = BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id);
	c->pidns = vg_task_pidns(t);
	c->mntns = BPF_CORE_READ(t, nsproxy, mnt_ns, ns.inum);
	bpf_probe_read_kernel_str(c->comm, sizeof(c->comm), &t->comm);
}

static __always_inline void vg_inode_times(struct inode *ino, __s64 *mtime, __s64 *ctime)
{
	/* 6.7 split the timestamps into _sec/_nsec fields (commit 3aa63a569c64);
	 * 6.6 renamed i_ctime to __i_ctime. */
	if (bpf_core_field_exists(ino->i_mtime_sec)) {
		*mtime = BPF_CORE_READ(ino, i_mtime_sec) * 1000000000LL +
			 BPF_CORE_READ(ino, i_mtime_nsec);
		/* 6.13 multigrain timestamps keep I_CTIME_QUERIED in bit 31 of
		 * i_ctime_nsec (commit 4e40eff0b573); stat() masks it, so do we. */
		*ctime = BPF_CORE_READ(ino, i_ctime_sec) * 1000000000LL +
			 (BPF_CORE_READ(ino, i_ctime_nsec) & ~(1u << 31));
	} else if (bpf_core_field_exists(((struct inode___v66 *)ino)->__i_ctime)) {
		struct inode___v66 *o = (void *)ino;

		*mtime = BPF_CORE_READ(o, i_mtime.tv_sec) * 1000000000LL +
			 BPF_CORE_READ(o, i_mtime.tv_nsec);
		*ctime = BPF_CORE_READ(o, __i_ctime.tv_sec) * 1000000000LL +
			 BPF_CORE_READ(o, __i_ctime.tv_nsec);
	} else {
		struct inode___pre67 *o = (void *)ino;

		*mtime = BPF_CORE_READ(o, i_mtime.tv_sec) * 1000000000LL +
			 BPF_CORE_READ(o, i_mtime.tv_nsec);
		*ctime = BPF_CORE_READ(o, i_ctime.tv_sec) * 1000000000LL +
			 BPF_CORE_READ(o, i_ctime.tv_nsec);
	}
}

/* ---- paths --------------------------------------------------------------- */

/*
 * Walk dentry -> root, crossing mounts, writing "/a/b/c" so that it ends at
 * s->path[VG_PATH_MAX].  Stops at the task's root so a chrooted or
 * containerized process sees its own paths.  Returns the start offset;
 * s->trunc is set when depth or length ran out (the result is then the
 * tail of the path, still starting with '/').
 *
 * One step per bpf_loop() iteration (kernel 5.17+): the verifier checks the
 * callback once, where an open-coded loop of VG_PATH_DEPTH steps exceeds
 * its 1M-instruction budget.  The step's context holds only scalars and
 * kernel pointers; it looks the scratch slot up itself.
 */
struct vg_walk {
	struct dentry *dentry;
	struct vfsmount *vfsmnt;
	struct mount *mnt;
	struct dentry *root_dentry;
	struct vfsmount *root_mnt;
};

static long vg_walk_step(__u32 idx, void *arg)
{
	struct vg_walk *w = arg;
	struct vg_scratch *s = vg_scratch();
	/* Copies: CO-RE reads must start from kernel-typed locals, not from w. */
	struct dentry *dentry = w->dentry;
	struct vfsmount *vfsmnt = w->vfsmnt;
	struct mount *mnt = w->mnt;
	struct dentry *mnt_root, *parent;
	struct qstr q;
	__u32 len, off, pos;
	bool last;

	if (!s)
		return 1;
	pos = s->walk_pos;
	s->walk_steps++;
	mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
	parent = BPF_CORE_READ(dentry, d_parent);
	if (dentry == w->root_dentry && vfsmnt == w->root_mnt)
		return 1;
	if (dentry == mnt_root) {
		struct mount *mp = BPF_CORE_READ(mnt, mnt_parent);

		if (mp == mnt)
			return 1; /* root of the mount namespace */
		w->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = mp;
		w->vfsmnt = &mp->mnt;
		return 0;
	}
	/* A dentry that is its own parent but not a mount root is a pseudo
	 * file (memfd, pipe, socket) or disconnected: its name is the path. */
	last = dentry == parent;
	q = BPF_CORE_READ(dentry, d_name);
	len = q.len & 0xff;
	if (pos > VG_PATH_MAX || pos < len + 2) { /* keep pos >= 1 */
		s->trunc = 1;
		return 1;
	}
	off = pos - len - 1;
	bpf_probe_read_kernel(&s->path[(off + 1) & (VG_PATH_MAX - 1)], len, q.name);
	s->path[off & (VG_PATH_MAX - 1)] = '/';
	s->walk_pos = off;
	w->dentry = parent;
	return last ? 1 : 0;
}

static __always_inline __u32 vg_path_walk_raw(struct vg_scratch *s, struct dentry *dentry,
					      struct vfsmount *vfsmnt)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct vg_walk w = {
		.dentry = dentry,
		.vfsmnt = vfsmnt,
		.mnt = container_of(vfsmnt, struct mount, mnt),
		.root_dentry = BPF_CORE_READ(task, fs, root.dentry),
		.root_mnt = BPF_CORE_READ(task, fs, root.mnt),
	};
	__u32 pos;

	s->walk_pos = VG_PATH_MAX;
	s->walk_steps = 0;
	s->trunc = 0;
	bpf_loop(VG_PATH_DEPTH, vg_walk_step, &w, 0);
	if (s->walk_steps >= VG_PATH_DEPTH)
		s->trunc = 1;
	pos = s->walk_pos;
	if (pos >= VG_PATH_MAX) {
		pos = VG_PATH_MAX - 1;
		s->path[pos & (VG_PATH_MAX - 1)] = '/';
	}
	return pos & (VG_PATH_MAX - 1);
}

static __always_inline __u32 vg_path_walk(struct vg_scratch *s, struct dentry *dentry,
					  struct vfsmount *vfsmnt, bool *trunc)
{
	__u32 start = vg_path_walk_raw(s, dentry, vfsmnt);

	if (s->trunc) {
		*trunc = true;
		vg_count(VG_CNT_PATH_TRUNC);
	}
	return start;
}

/* Append the walked path of (dentry, mnt) to rec at *off; returns its length. */
static __always_inline __u16 vg_append_path(struct vg_scratch *s, __u32 *off, struct dentry *d,
					    struct vfsmount *m, bool *trunc)
{
	__u32 start, len;

	if (*off > VG_REC_MAX - VG_PATH_MAX) { /* no room left in the record */
		*trunc = true;
		vg_count(VG_CNT_PATH_TRUNC);
		return 0;
	}
	start = vg_path_walk(s, d, m, trunc);
	len = (VG_PATH_MAX - start) & (VG_PATH_MAX - 1);
	bpf_probe_read_kernel(&s->rec[*off & (VG_REC_BUF - 1)], len,
			      &s->path[start & (VG_PATH_MAX - 1)]);
	*off += len;
	return len;
}

/* Append a kernel or user string (at most max-1 bytes, max a power of two). */
static __always_inline __u16 vg_append_str(struct vg_scratch *s, __u32 *off, const void *src,
					   __u32 max, bool user)
{
	__u32 sz = max > VG_PATH_MAX ? VG_PATH_MAX : max;
	long n;

	if (!src)
		return 0;
	if (*off > VG_REC_MAX - VG_PATH_MAX) { /* no room left in the record */
		vg_count(VG_CNT_PATH_TRUNC);
		return 0;
	}
	if (user)
		n = bpf_probe_read_user_str(&s->rec[*off & (VG_REC_BUF - 1)], sz, src);
	else
		n = bpf_probe_read_kernel_str(&s->rec[*off & (VG_REC_BUF - 1)], sz, src);
	if (n <= 1)
		return 0;
	n -= 1; /* drop the NUL */
	*off += n;
	return n;
}

static __always_inline struct file *vg_fd_file(struct task_struct *t, int fd)
{
	struct fdtable *fdt = BPF_CORE_READ(t, files, fdt);
	struct file **arr;
	struct file *f = NULL;

	if (fd < 0 || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	arr = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&f, sizeof(f), &arr[fd]);
	return f;
}

/* ---- prefix filter --------------------------------------------------------- */

/*
 * Decide whether a resolved path (len bytes at src in scratch rec) is of
 * interest.  Returns the VG_PFX_* flags of the longest matching prefix
 * (wildcard suffixes checked), or 0 when nothing matches.
 */
__noinline int vg_prefix_flags_g(struct vg_scratch *s, __u32 src, __u32 len)
{
	struct vg_prefix_val *v;
	__u32 n = len;
	__u32 comp_end, i, k, plain, found;

	if (!s)
		return 0;
	if (n > VG_PREFIX_KEY_MAX)
		n = VG_PREFIX_KEY_MAX;
	/* Keep the clamped value in the register the helper gets. */
	asm volatile("" : "+r"(n));
	n &= (VG_PREFIX_KEY_MAX * 2 - 1);
	if (n > VG_PREFIX_KEY_MAX)
		return 0;
	bpf_probe_read_kernel(s->pkey.data, n, &s->rec[src & (VG_REC_BUF - 1)]);
	s->pkey.prefixlen = n * 8;
	v = bpf_map_lookup_elem(&prefixes, &s->pkey);
	if (!v)
		return 0;
	/* flags of a plain prefix with this exact key, if one was configured */
	plain = (v->flags & VG_PFX_EXCLUDE) ? 0 : (v->flags & ~VG_PFX_WILD);
	if (!(v->flags & VG_PFX_WILD))
		return plain;

	/* Skip the wildcard component: v->plen bytes matched, then up to '/'. */
	comp_end = 0;
	for (i = 0; i < 64; i++) {
		__u32 at = v->plen + i;

		if (at >= n)
			return plain;
		if (s->pkey.data[at & (VG_PREFIX_KEY_MAX - 1)] == '/') {
			comp_end = at + 1;
			break;
		}
	}
	if (!comp_end)
		return plain;
	/* Every matching suffix is considered: an exclusion wins. */
	found = 0;
	for (k = 0; k < VG_PREFIX_SUFFIXES; k++) {
		bool ok = true;

		if (k >= v->nsuffix)
			break;
		for (i = 0; i < VG_PREFIX_SUFFIX_MAX; i++) {
			char c = v->suffix[k][i];

			if (!c)
				break;
			if (comp_end + i >= n ||
			    s->pkey.data[(comp_end + i) & (VG_PREFIX_KEY_MAX - 1)] != c) {
				ok = false;
				break;
			}
		}
		if (!ok)
			continue;
		if (v->suffix_flags[k] & VG_PFX_EXCLUDE)
			return 0;
		if (!found)
			found = v->suffix_flags[k];
	}
	if (found)
		return found;
	return plain;
	return 0;
}

static __always_inline __u32 vg_prefix_flags(struct vg_scratch *s, __u32 src, __u32 len)
{
	return (__u32)vg_prefix_flags_g(s, src, len);
}

#endif /* VIGIL_COMMON_BPF_H */
