// SPDX-License-Identifier: GPL-2.0-only
/*
 * event_json.c - format struct vg_event (plus what proctable knows) as the
 * JSON object of the event stream.
 *
 * Layout: common fields (type, time, seq...), "process" (the actor), then
 * one object named after the kind ("exec", "file", "network", ...).  Paths
 * the kernel joined from a relative name are folded here (pathutil), so
 * every path in the output is absolute.  Addresses are printed with
 * inet_ntop-style text, written by hand because userspace/ stays portable.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "decode.h"
#include "event_json.h"
#include "pathutil.h"
#include "vigil_abi.h"

#define PATH_BUF 8192

/*
 * The date part changes once a second; formatting it with gmtime_r and
 * snprintf for every event cost more than the rest of the event.  Cached
 * per thread: the prefix "YYYY-MM-DDTHH:MM:SS." of the last second seen.
 */
static _Thread_local struct {
	int64_t sec;
	bool valid;
	char prefix[32];
	size_t len;
} time_cache;

void event_json_time(int64_t real_ns, char *buf, size_t len)
{
	int64_t sec = real_ns / 1000000000LL;
	long nsec = (long)(real_ns % 1000000000LL);
	char out[48];
	size_t o;

	if (nsec < 0) {
		nsec += 1000000000L;
		sec--;
	}
	if (!time_cache.valid || time_cache.sec != sec) {
		time_t t = (time_t)sec;
		struct tm tm;
		int n;

		gmtime_r(&t, &tm);
		n = snprintf(time_cache.prefix, sizeof(time_cache.prefix),
			     "%04d-%02d-%02dT%02d:%02d:%02d.", tm.tm_year + 1900, tm.tm_mon + 1,
			     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		time_cache.len = n > 0 && (size_t)n < sizeof(time_cache.prefix) ? (size_t)n : 0;
		time_cache.sec = sec;
		time_cache.valid = true;
	}
	memcpy(out, time_cache.prefix, time_cache.len);
	o = time_cache.len;
	for (int i = 8; i >= 0; i--) {
		out[o + i] = (char)('0' + nsec % 10);
		nsec /= 10;
	}
	o += 9;
	out[o++] = 'Z';
	out[o] = '\0';
	snprintf(buf, len, "%s", out);
}

static void put_time(struct jsonw *w, const char *key, uint64_t boot_ns, int64_t off)
{
	char b[48];

	/* Unsigned sum: wraps instead of overflowing for absurd kernel values. */
	event_json_time((int64_t)(boot_ns + (uint64_t)off), b, sizeof(b));
	jsonw_cstr(w, key, b);
}

static void put_octal(struct jsonw *w, const char *key, uint32_t mode)
{
	char b[5] = { (char)('0' + ((mode >> 9) & 7)), (char)('0' + ((mode >> 6) & 7)),
		      (char)('0' + ((mode >> 3) & 7)), (char)('0' + (mode & 7)), '\0' };

	jsonw_str(w, key, b, 4);
}

static void put_hex(struct jsonw *w, const char *key, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	char b[20], *p = b + sizeof(b);

	do {
		*--p = digits[v & 15];
		v >>= 4;
	} while (v);
	*--p = 'x';
	*--p = '0';
	jsonw_str(w, key, p, (size_t)(b + sizeof(b) - p));
}

static void put_id(struct jsonw *w, const char *key, uint32_t id)
{
	if (id == UINT32_MAX)
		jsonw_null(w, key);
	else
		jsonw_u64(w, key, id);
}

/* A path from the record, folded when the kernel joined it from a relative name. */
static void put_path(struct jsonw *w, const char *key, struct vg_str p, bool relative)
{
	char buf[PATH_BUF];
	int n;

	if (!relative || p.len == 0) {
		jsonw_str(w, key, p.ptr, p.len);
		return;
	}
	n = pathutil_normalize(NULL, 0, p.ptr, p.len, buf, sizeof(buf));
	jsonw_str(w, key, buf, n < 0 ? strlen(buf) : (size_t)n);
}

static void put_ip(struct jsonw *w, const char *key, const uint8_t *a, unsigned ver)
{
	char b[64];
	size_t o = 0;

	if (ver == 4) {
		snprintf(b, sizeof(b), "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
	} else {
		/* RFC 5952: lower case, longest zero run (>= 2 groups) as "::". */
		uint16_t g[8];
		int best = -1, bestlen = 0;

		for (int i = 0; i < 8; i++)
			g[i] = (uint16_t)(a[2 * i] << 8 | a[2 * i + 1]);
		for (int i = 0; i < 8;) {
			int j = i;

			while (j < 8 && g[j] == 0)
				j++;
			if (j - i > bestlen && j - i >= 2) {
				best = i;
				bestlen = j - i;
			}
			i = j == i ? i + 1 : j;
		}
		if (g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 && g[4] == 0 &&
		    g[5] == 0xffff) {
			snprintf(b, sizeof(b), "::ffff:%u.%u.%u.%u", a[12], a[13], a[14], a[15]);
			jsonw_cstr(w, key, b);
			return;
		}
		for (int i = 0; i < 8; i++) {
			if (i == best) {
				o += snprintf(b + o, sizeof(b) - o, "::");
				i += bestlen - 1;
				continue;
			}
			if (o > 0 && b[o - 1] != ':')
				b[o++] = ':';
			o += snprintf(b + o, sizeof(b) - o, "%x", g[i]);
		}
		b[o] = '\0';
	}
	jsonw_cstr(w, key, b);
}

static void put_process(struct jsonw *w, const struct vg_event *ev, const struct event_json_ctx *c)
{
	const struct vg_proc_ctx *p = &ev->proc;
	const struct proc_entry *e = c->proc;

	jsonw_obj_open(w, "process");
	jsonw_u64(w, "pid", p->pid);
	jsonw_u64(w, "tid", p->tid);
	jsonw_u64(w, "ppid", p->ppid);
	if (p->tracer_pid)
		jsonw_u64(w, "tracer_pid", p->tracer_pid);
	if (e) {
		jsonw_cstr(w, "exec_id", e->exec_id);
		jsonw_cstr(w, "parent_exec_id", e->parent_exec_id);
		jsonw_cstr(w, "exe", e->exe);
		jsonw_cstr(w, "command_line", e->cmdline);
		jsonw_cstr(w, "cwd", e->cwd);
		if (e->container_id[0])
			jsonw_cstr(w, "container_id", e->container_id);
	}
	jsonw_cstr(w, "comm", p->comm);
	put_time(w, "start_time", p->start_ns, c->boot_to_real_ns);
	jsonw_u64(w, "uid", p->uid);
	jsonw_u64(w, "euid", p->euid);
	jsonw_u64(w, "gid", p->gid);
	jsonw_u64(w, "egid", p->egid);
	if (c->user)
		jsonw_cstr(w, "user", c->user);
	put_id(w, "loginuid", p->loginuid);
	put_id(w, "sessionid", p->sessionid);
	jsonw_u64(w, "cgroup_id", p->cgroup_id);
	jsonw_u64(w, "pidns", p->pidns);
	jsonw_u64(w, "mntns", p->mntns);
	jsonw_obj_close(w);
}

static void put_exec(struct jsonw *w, const struct vg_event *ev, const struct event_json_ctx *c)
{
	const struct vg_ev_exec *x = &ev->exec;
	char buf[PATH_BUF];
	char dev[32];
	unsigned dev_major, dev_minor;
	size_t i = 0;

	jsonw_obj_open(w, "exec");
	jsonw_str(w, "exe", x->exe.ptr, x->exe.len);
	jsonw_arr_open(w, "args");
	while (i < x->argv.len) {
		const char *a = x->argv.ptr + i;
		const char *end = memchr(a, '\0', x->argv.len - i);
		size_t n = end ? (size_t)(end - a) : x->argv.len - i;

		jsonw_str(w, NULL, a, n);
		i += n + 1;
	}
	jsonw_arr_close(w);
	jsonw_u64(w, "argc", x->argc);
	jsonw_bool(w, "args_truncated", x->argv_truncated);
	jsonw_str(w, "cwd", x->cwd.ptr, x->cwd.len);
	if (x->exe_flags & VG_EXE_SCRIPT) {
		int n = pathutil_normalize(x->cwd.ptr, x->cwd.len, x->filename.ptr, x->filename.len,
					   buf, sizeof(buf));

		jsonw_obj_open(w, "script");
		jsonw_str(w, "path", buf, n < 0 ? strlen(buf) : (size_t)n);
		jsonw_str(w, "interpreter", x->interp.ptr, x->interp.len);
		jsonw_obj_close(w);
	}
	jsonw_str(w, "filename", x->filename.ptr, x->filename.len);
	jsonw_bool(w, "memfd", (x->exe_flags & VG_EXE_MEMFD) != 0);
	jsonw_bool(w, "unlinked", (x->exe_flags & VG_EXE_UNLINKED) != 0);
	jsonw_bool(w, "path_truncated", (ev->flags & VG_F_TRUNC_PATH) != 0);
	if (c->sha256)
		jsonw_cstr(w, "sha256", c->sha256);
	else
		jsonw_null(w, "sha256");
	jsonw_obj_open(w, "identity");
	decode_dev_split(x->id.dev, &dev_major, &dev_minor);
	snprintf(dev, sizeof(dev), "%u:%u", dev_major, dev_minor);
	jsonw_cstr(w, "dev", dev);
	jsonw_u64(w, "ino", x->id.ino);
	jsonw_u64(w, "size", x->id.size);
	put_time(w, "mtime", (uint64_t)x->id.mtime_ns, 0);
	put_time(w, "ctime", (uint64_t)x->id.ctime_ns, 0);
	put_octal(w, "mode", x->id.mode);
	jsonw_u64(w, "nlink", x->id.nlink);
	jsonw_obj_close(w);
	jsonw_str(w, "cgroup", x->cgroup.ptr, x->cgroup.len);
	jsonw_arr_open(w, "ancestry");
	for (size_t k = 0; k < c->nancestry; k++) {
		const struct proc_entry *a = c->ancestry[k];

		jsonw_obj_open(w, NULL);
		jsonw_u64(w, "pid", a->pid);
		jsonw_cstr(w, "exec_id", a->exec_id);
		jsonw_cstr(w, "exe", a->exe);
		jsonw_cstr(w, "command_line", a->cmdline);
		jsonw_obj_close(w);
	}
	jsonw_arr_close(w);
	jsonw_obj_close(w);
}

static void put_file(struct jsonw *w, const struct vg_event *ev)
{
	const struct vg_ev_file *f = &ev->file;
	bool rel = (ev->flags & VG_F_RELATIVE) != 0;

	jsonw_obj_open(w, "file");
	jsonw_cstr(w, "op", event_file_op_name(f->op));
	put_path(w, "path", f->path, rel);
	if (f->op == VG_FILE_RENAME || f->op == VG_FILE_LINK)
		put_path(w, "new_path", f->path2, rel);
	else if (f->op == VG_FILE_SYMLINK)
		jsonw_str(w, "target", f->path2.ptr, f->path2.len);
	if (ev->flags & VG_F_NO_RESULT)
		jsonw_null(w, "result");
	else
		jsonw_i64(w, "result", f->result);
	if (f->op == VG_FILE_CREATE || f->op == VG_FILE_OPEN_WRITE || f->op == VG_FILE_TRUNCATE) {
		put_hex(w, "flags", f->open_flags);
		jsonw_u64(w, "ino", f->ino);
	}
	if (f->op == VG_FILE_CHMOD || f->op == VG_FILE_CREATE || f->op == VG_FILE_OPEN_WRITE ||
	    f->op == VG_FILE_TRUNCATE)
		put_octal(w, "mode", f->mode);
	if (f->op == VG_FILE_CHOWN) {
		put_id(w, "owner_uid", f->uid);
		put_id(w, "owner_gid", f->gid);
	}
	jsonw_bool(w, "path_truncated", (ev->flags & VG_F_TRUNC_PATH) != 0);
	jsonw_obj_close(w);
}

static const char *proto_name(uint16_t p)
{
	return p == 6 ? "tcp" : p == 17 ? "udp" : "other";
}

static void put_net(struct jsonw *w, const struct vg_event *ev)
{
	const struct vg_ev_net *n = &ev->net;

	jsonw_obj_open(w, "network");
	jsonw_cstr(w, "op", event_net_op_name(n->op));
	jsonw_cstr(w, "protocol", proto_name(n->protocol));
	jsonw_cstr(w, "family", n->family == 4 ? "ipv4" : "ipv6");
	jsonw_cstr(w, "direction",
		   n->op == VG_NET_ACCEPT				   ? "inbound"
		   : (n->op == VG_NET_CONNECT || n->op == VG_NET_UDP_SEND) ? "outbound"
									   : "none");
	put_ip(w, "local_ip", n->saddr, n->family);
	jsonw_u64(w, "local_port", n->sport);
	put_ip(w, "remote_ip", n->daddr, n->family);
	jsonw_u64(w, "remote_port", n->dport);
	if (ev->flags & VG_F_NO_RESULT)
		jsonw_null(w, "result");
	else
		jsonw_i64(w, "result", n->op == VG_NET_ACCEPT ? 0 : n->result);
	jsonw_obj_close(w);
}

static void put_cred_set(struct jsonw *w, const char *key, const struct vg_cred_values *c)
{
	jsonw_obj_open(w, key);
	jsonw_u64(w, "uid", c->uid);
	jsonw_u64(w, "euid", c->euid);
	jsonw_u64(w, "suid", c->suid);
	jsonw_u64(w, "fsuid", c->fsuid);
	jsonw_u64(w, "gid", c->gid);
	jsonw_u64(w, "egid", c->egid);
	jsonw_u64(w, "sgid", c->sgid);
	jsonw_u64(w, "fsgid", c->fsgid);
	put_hex(w, "cap_effective", c->cap_effective);
	put_hex(w, "cap_permitted", c->cap_permitted);
	jsonw_obj_close(w);
}

static void put_cred(struct jsonw *w, const struct vg_event *ev)
{
	jsonw_obj_open(w, "cred");
	jsonw_cstr(w, "call", event_cred_call_name(ev->cred.call));
	jsonw_i64(w, "result", ev->cred.result);
	put_cred_set(w, "old", &ev->cred.old_cred);
	put_cred_set(w, "new", &ev->cred.new_cred);
	jsonw_obj_close(w);
}

static const char *ptrace_request_name(uint64_t r)
{
	switch (r) {
	case 4:
		return "poketext";
	case 5:
		return "pokedata";
	case 6:
		return "pokeuser";
	case 13:
		return "setregs";
	case 16:
		return "attach";
	case 0x4205:
		return "setregset";
	case 0x4206:
		return "seize";
	default:
		return "other";
	}
}

static void put_sys(struct jsonw *w, const struct vg_event *ev)
{
	const struct vg_ev_sys *s = &ev->sys;

	jsonw_obj_open(w, "integrity");
	jsonw_cstr(w, "op", event_sys_op_name(s->op));
	if (ev->flags & VG_F_NO_RESULT)
		jsonw_null(w, "result");
	else
		jsonw_i64(w, "result", s->result);
	switch (s->op) {
	case VG_SYS_PTRACE:
		jsonw_cstr(w, "request", ptrace_request_name(s->arg0));
		jsonw_u64(w, "target_pid", s->arg1);
		break;
	case VG_SYS_INIT_MODULE:
		jsonw_u64(w, "image_bytes", s->arg0);
		jsonw_str(w, "params", s->str1.ptr, s->str1.len);
		break;
	case VG_SYS_FINIT_MODULE:
		jsonw_str(w, "path", s->str2.ptr, s->str2.len);
		jsonw_str(w, "params", s->str1.ptr, s->str1.len);
		put_hex(w, "flags", s->arg1);
		break;
	case VG_SYS_DELETE_MODULE:
		jsonw_str(w, "module", s->str1.ptr, s->str1.len);
		break;
	case VG_SYS_BPF_PROG_LOAD:
		jsonw_u64(w, "prog_type", s->arg0);
		jsonw_u64(w, "insn_count", s->arg1);
		jsonw_str(w, "prog_name", s->str1.ptr, s->str1.len);
		break;
	case VG_SYS_MEMFD_CREATE:
		jsonw_str(w, "name", s->str1.ptr, s->str1.len);
		put_hex(w, "flags", s->arg0);
		break;
	case VG_SYS_MOUNT:
		jsonw_str(w, "source", s->str1.ptr, s->str1.len);
		jsonw_str(w, "target", s->str2.ptr, s->str2.len);
		jsonw_str(w, "fstype", s->str3.ptr, s->str3.len);
		put_hex(w, "flags", s->arg0);
		break;
	case VG_SYS_UMOUNT:
		jsonw_str(w, "target", s->str2.ptr, s->str2.len);
		put_hex(w, "flags", s->arg0);
		break;
	case VG_SYS_UNSHARE:
		put_hex(w, "flags", s->arg0);
		break;
	case VG_SYS_SETNS:
		jsonw_u64(w, "fd", s->arg0);
		put_hex(w, "nstype", s->arg1);
		break;
	}
	jsonw_obj_close(w);
}

int event_json_write(struct jsonw *w, const struct vg_event *ev, const struct event_json_ctx *c)
{
	jsonw_reset(w);
	jsonw_obj_open(w, NULL);
	jsonw_cstr(w, "type", event_kind_name(ev->kind));
	put_time(w, "time", ev->ts_ns, c->boot_to_real_ns);
	jsonw_u64(w, "ts_ns", ev->ts_ns);
	jsonw_u64(w, "cpu", ev->cpu);
	jsonw_u64(w, "seq", ev->seq);
	if (ev->kind == VG_EV_LOSS) {
		jsonw_obj_open(w, "loss");
		jsonw_cstr(w, "cause", event_loss_cause_name(ev->loss.cause));
		jsonw_u64(w, "cpu", ev->loss.cpu);
		jsonw_u64(w, "count", ev->loss.count);
		jsonw_u64(w, "seq_first", ev->loss.seq_first);
		jsonw_u64(w, "seq_last", ev->loss.seq_last);
		jsonw_obj_close(w);
		jsonw_obj_close(w);
		return w->overflow ? -E2BIG : 0;
	}
	put_process(w, ev, c);
	switch (ev->kind) {
	case VG_EV_EXEC:
		put_exec(w, ev, c);
		break;
	case VG_EV_FORK:
		jsonw_obj_open(w, "fork");
		jsonw_u64(w, "parent_pid", ev->proc.ppid);
		if (c->proc)
			jsonw_cstr(w, "parent_exec_id", c->proc->parent_exec_id);
		jsonw_obj_close(w);
		break;
	case VG_EV_EXIT:
		jsonw_obj_open(w, "exit");
		jsonw_i64(w, "code", ev->exit.exit_code);
		jsonw_u64(w, "signal", ev->exit.signal);
		jsonw_bool(w, "core_dumped", ev->exit.core_dumped);
		jsonw_obj_close(w);
		break;
	case VG_EV_FILE:
		put_file(w, ev);
		break;
	case VG_EV_NET:
		put_net(w, ev);
		break;
	case VG_EV_CRED:
		put_cred(w, ev);
		break;
	case VG_EV_SYS:
		put_sys(w, ev);
		break;
	default:
		break;
	}
	jsonw_obj_close(w);
	return w->overflow ? -E2BIG : 0;
}
