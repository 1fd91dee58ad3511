// SPDX-License-Identifier: GPL-2.0-only
/*
 * decode.c - turn vigil_abi.h records into struct vg_event.
 *
 * The kernel side is trusted to be ours but not to be bug-free, and the
 * fuzz target feeds this arbitrary bytes, so nothing is read before its
 * bounds are known: the header length must fit the buffer, the fixed part
 * must fit the header length, and the declared tail lengths must add up to
 * no more than what remains.  Strings are returned as views, not copied.
 */
#include <errno.h>
#include <string.h>

#include "decode.h"
#include "vigil_abi.h"

_Static_assert(sizeof(struct vg_rec_hdr) == 32, "vg_rec_hdr layout");
_Static_assert(sizeof(struct vg_task_ctx) == 96, "vg_task_ctx layout");
_Static_assert(sizeof(struct vg_rec_exec) == 192, "vg_rec_exec layout");
_Static_assert(sizeof(struct vg_rec_fork) == 136, "vg_rec_fork layout");
_Static_assert(sizeof(struct vg_rec_exit) == 144, "vg_rec_exit layout");
_Static_assert(sizeof(struct vg_rec_file) == 168, "vg_rec_file layout");
_Static_assert(sizeof(struct vg_rec_net) == 176, "vg_rec_net layout");
_Static_assert(sizeof(struct vg_rec_cred) == 232, "vg_rec_cred layout");
_Static_assert(sizeof(struct vg_rec_sys) == 168, "vg_rec_sys layout");
_Static_assert(sizeof(struct vg_prefix_key) == 260, "vg_prefix_key layout");

uint64_t decode_dev(uint32_t kdev)
{
	uint64_t major = kdev >> 20, minor = kdev & 0xfffff;

	return ((major & 0xfffff000ULL) << 32) | ((major & 0xfffULL) << 8) |
	       ((minor & 0xffffff00ULL) << 12) | (minor & 0xffULL);
}

void decode_dev_split(uint64_t dev, unsigned *major, unsigned *minor)
{
	*major = (unsigned)(((dev >> 32) & 0xfffff000) | ((dev >> 8) & 0xfff));
	*minor = (unsigned)(((dev >> 12) & 0xffffff00) | (dev & 0xff));
}

/* Cursor over the tail: hands out consecutive views, failing on overrun. */
struct tail {
	const char *p;
	size_t left;
	bool bad;
};

static struct vg_str take(struct tail *t, size_t n)
{
	struct vg_str s = { "", 0 };

	if (n > t->left) {
		t->bad = true;
		return s;
	}
	s.ptr = t->p;
	s.len = (uint32_t)n;
	t->p += n;
	t->left -= n;
	return s;
}

static void copy_task(struct vg_proc_ctx *p, const struct vg_task_ctx *t)
{
	p->tid = t->tid;
	p->pid = t->tgid;
	p->ppid = t->ppid;
	p->tracer_pid = t->tracer_pid;
	p->uid = t->uid;
	p->gid = t->gid;
	p->euid = t->euid;
	p->egid = t->egid;
	p->loginuid = t->loginuid;
	p->sessionid = t->sessionid;
	p->start_ns = t->start_ns;
	p->parent_start_ns = t->parent_start_ns;
	p->cgroup_id = t->cgroup_id;
	p->pidns = t->pidns;
	p->mntns = t->mntns;
	memcpy(p->comm, t->comm, sizeof(t->comm));
	p->comm[16] = '\0';
}

static int fail(const char **why, const char *msg, int err)
{
	if (why)
		*why = msg;
	return err;
}

static const size_t fixed_size[VG_REC_TYPE_MAX] = {
	[VG_REC_EXEC] = sizeof(struct vg_rec_exec), [VG_REC_FORK] = sizeof(struct vg_rec_fork),
	[VG_REC_EXIT] = sizeof(struct vg_rec_exit), [VG_REC_FILE] = sizeof(struct vg_rec_file),
	[VG_REC_NET] = sizeof(struct vg_rec_net),   [VG_REC_CRED] = sizeof(struct vg_rec_cred),
	[VG_REC_SYS] = sizeof(struct vg_rec_sys),
};

static void copy_cred(struct vg_cred_values *d, const struct vg_cred_set *s)
{
	d->uid = s->uid;
	d->euid = s->euid;
	d->suid = s->suid;
	d->fsuid = s->fsuid;
	d->gid = s->gid;
	d->egid = s->egid;
	d->sgid = s->sgid;
	d->fsgid = s->fsgid;
	d->cap_effective = s->cap_effective;
	d->cap_permitted = s->cap_permitted;
}

static int decode_inner(const void *data, size_t len, struct vg_event *ev, const char **why)
{
	struct vg_rec_hdr h;
	struct tail t;
	size_t fixed;

	memset(ev, 0, sizeof(*ev));
	if (!data || len < sizeof(h))
		return fail(why, "record shorter than its header", -EINVAL);
	memcpy(&h, data, sizeof(h));
	if (h.version != VG_ABI_VERSION)
		return fail(why, "unknown ABI version", -EPROTO);
	if (h.type == 0 || h.type >= VG_REC_TYPE_MAX)
		return fail(why, "unknown record type", -EOPNOTSUPP);
	if (h.len > len || h.len > VG_REC_MAX)
		return fail(why, "header length exceeds the record", -EINVAL);
	fixed = fixed_size[h.type];
	if (h.len < fixed)
		return fail(why, "record shorter than its fixed part", -EINVAL);

	ev->flags = h.flags;
	ev->cpu = h.cpu;
	ev->seq = h.seq;
	ev->ts_ns = h.ts_ns;
	/* Every record type starts with hdr then task: read the task in place. */
	copy_task(&ev->proc, (const struct vg_task_ctx *)((const char *)data + sizeof(h)));
	t.p = (const char *)data + fixed;
	t.left = h.len - fixed;
	t.bad = false;

	switch (h.type) {
	case VG_REC_EXEC: {
		const struct vg_rec_exec *r = data;

		ev->kind = VG_EV_EXEC;
		ev->exec.id.dev = decode_dev(r->exe_dev);
		ev->exec.id.ino = r->exe_ino;
		ev->exec.id.size = r->exe_size;
		ev->exec.id.mtime_ns = r->exe_mtime_ns;
		ev->exec.id.ctime_ns = r->exe_ctime_ns;
		ev->exec.id.mode = r->exe_mode;
		ev->exec.id.nlink = r->exe_nlink;
		ev->exec.exe_flags = r->exe_flags;
		ev->exec.argc = r->argc;
		ev->exec.argv_truncated = (h.flags & VG_F_TRUNC_ARGV) != 0;
		ev->exec.exe = take(&t, r->exe_len);
		ev->exec.argv = take(&t, r->argv_len);
		ev->exec.cwd = take(&t, r->cwd_len);
		ev->exec.filename = take(&t, r->filename_len);
		ev->exec.interp = take(&t, r->interp_len);
		ev->exec.cgroup = take(&t, r->cgroup_len);
		break;
	}
	case VG_REC_FORK:
		ev->kind = VG_EV_FORK;
		break;
	case VG_REC_EXIT: {
		const struct vg_rec_exit *r = data;

		ev->kind = VG_EV_EXIT;
		ev->exit.exit_code = r->exit_code;
		ev->exit.signal = r->signal;
		ev->exit.core_dumped = r->core_dumped != 0;
		if (r->signal > 64)
			return fail(why, "exit signal out of range", -EINVAL);
		break;
	}
	case VG_REC_FILE: {
		const struct vg_rec_file *r = data;

		ev->kind = VG_EV_FILE;
		if (r->op < VG_FILE_CREATE || r->op > VG_FILE_MKDIR)
			return fail(why, "unknown file operation", -EINVAL);
		ev->file.op = r->op;
		ev->file.result = r->result;
		ev->file.open_flags = r->open_flags;
		ev->file.mode = r->mode;
		ev->file.uid = r->uid;
		ev->file.gid = r->gid;
		ev->file.ino = r->ino;
		ev->file.dev = r->dev ? decode_dev(r->dev) : 0;
		ev->file.path = take(&t, r->path_len);
		ev->file.path2 = take(&t, r->path2_len);
		break;
	}
	case VG_REC_NET: {
		const struct vg_rec_net *r = data;

		ev->kind = VG_EV_NET;
		if (r->op < VG_NET_CONNECT || r->op > VG_NET_UDP_SEND)
			return fail(why, "unknown network operation", -EINVAL);
		if (r->family != 2 && r->family != 10)
			return fail(why, "network family is not AF_INET or AF_INET6", -EINVAL);
		ev->net.op = r->op;
		ev->net.result = r->result;
		ev->net.family = r->family == 2 ? 4 : 6;
		ev->net.protocol = r->protocol;
		ev->net.sport = r->sport;
		ev->net.dport = r->dport;
		memcpy(ev->net.saddr, r->saddr, 16);
		memcpy(ev->net.daddr, r->daddr, 16);
		break;
	}
	case VG_REC_CRED: {
		const struct vg_rec_cred *r = data;

		ev->kind = VG_EV_CRED;
		if (r->call < VG_CRED_SETUID || r->call > VG_CRED_CAPSET)
			return fail(why, "unknown credential call", -EINVAL);
		ev->cred.call = r->call;
		ev->cred.result = r->result;
		copy_cred(&ev->cred.old_cred, &r->old_cred);
		copy_cred(&ev->cred.new_cred, &r->new_cred);
		break;
	}
	case VG_REC_SYS: {
		const struct vg_rec_sys *r = data;

		ev->kind = VG_EV_SYS;
		if (r->op < VG_SYS_PTRACE || r->op > VG_SYS_DELETE_MODULE)
			return fail(why, "unknown integrity operation", -EINVAL);
		ev->sys.op = r->op;
		ev->sys.result = r->result;
		ev->sys.arg0 = r->arg0;
		ev->sys.arg1 = r->arg1;
		ev->sys.arg2 = r->arg2;
		ev->sys.str1 = take(&t, r->str1_len);
		ev->sys.str2 = take(&t, r->str2_len);
		ev->sys.str3 = take(&t, r->str3_len);
		break;
	}
	default:
		return fail(why, "unknown record type", -EOPNOTSUPP);
	}
	if (t.bad) {
		memset(ev, 0, sizeof(*ev));
		return fail(why, "string lengths exceed the record", -EINVAL);
	}
	return 0;
}

int decode_record(const void *data, size_t len, struct vg_event *ev, const char **why)
{
	int r = decode_inner(data, len, ev, why);

	if (r)
		memset(ev, 0, sizeof(*ev)); /* no half-decoded event escapes */
	return r;
}
