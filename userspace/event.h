/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * event.h - struct vg_event, the normalized event every collector produces.
 *
 * The Linux ring-buffer decoder (decode.c) and the Windows ETW decoders fill
 * it; proctable, rules, allowlist and the sinks read it.  It holds no OS
 * types.  Strings are views (struct vg_str): pointer plus length, not
 * NUL-terminated, valid only while the record they point into is alive (for
 * the ring buffer: during the callback).  Copy what you keep.
 */
#ifndef VIGIL_EVENT_H
#define VIGIL_EVENT_H

#include <stdbool.h>
#include <stdint.h>

struct vg_str {
	const char *ptr;
	uint32_t len;
};

enum vg_event_kind {
	VG_EV_NONE = 0,
	VG_EV_EXEC,
	VG_EV_FORK,
	VG_EV_EXIT,
	VG_EV_FILE,
	VG_EV_NET,
	VG_EV_CRED,
	VG_EV_SYS,
	VG_EV_LOSS,
	VG_EV_KIND_MAX,
};

/* Who did it.  Same meaning as struct vg_task_ctx in vigil_abi.h. */
struct vg_proc_ctx {
	uint32_t tid;
	uint32_t pid; /* thread group id */
	uint32_t ppid;
	uint32_t tracer_pid;
	uint32_t uid, gid, euid, egid;
	uint32_t loginuid;
	uint32_t sessionid;
	uint64_t start_ns; /* CLOCK_BOOTTIME ns of the process start */
	uint64_t parent_start_ns;
	uint64_t cgroup_id;
	uint32_t pidns, mntns;
	char comm[17]; /* NUL-terminated */
};

struct vg_exe_identity {
	uint64_t dev; /* userspace dev_t (makedev) */
	uint64_t ino;
	uint64_t size;
	int64_t mtime_ns;
	int64_t ctime_ns;
	uint32_t mode;
	uint32_t nlink;
};

struct vg_ev_exec {
	struct vg_exe_identity id;
	uint32_t exe_flags; /* VG_EXE_* from vigil_abi.h */
	uint32_t argc;
	struct vg_str exe;	/* absolute, resolved */
	struct vg_str argv;	/* NUL separated */
	struct vg_str cwd;	/* absolute */
	struct vg_str filename; /* as passed to execve (script path for #!) */
	struct vg_str interp;	/* #! interpreter as written, empty otherwise */
	struct vg_str cgroup;	/* cgroup leaf name */
	bool argv_truncated;
};

struct vg_ev_exit {
	int32_t exit_code;
	uint32_t signal;
	bool core_dumped;
};

struct vg_ev_file {
	uint32_t op; /* enum vg_file_op */
	int32_t result;
	uint32_t open_flags;
	uint32_t mode;
	uint32_t uid, gid;
	uint64_t dev, ino;
	struct vg_str path;
	struct vg_str path2;
};

struct vg_ev_net {
	uint32_t op; /* enum vg_net_op */
	int32_t result;
	uint16_t family; /* 4 or 6 (IP version, not AF_*) */
	uint16_t protocol;
	uint16_t sport, dport;
	uint8_t saddr[16], daddr[16];
};

struct vg_cred_values {
	uint32_t uid, euid, suid, fsuid;
	uint32_t gid, egid, sgid, fsgid;
	uint64_t cap_effective, cap_permitted;
};

struct vg_ev_cred {
	uint32_t call; /* enum vg_cred_call */
	int32_t result;
	struct vg_cred_values old_cred, new_cred;
};

struct vg_ev_sys {
	uint32_t op; /* enum vg_sys_op */
	int32_t result;
	uint64_t arg0, arg1, arg2;
	struct vg_str str1, str2, str3;
};

/* Causes of loss (vg_ev_loss.cause).  Never renumber. */
enum vg_loss_cause {
	VG_LOSS_RINGBUF_GAP = 1,     /* sequence gap seen by userspace */
	VG_LOSS_USERSPACE_QUEUE = 2, /* reserved for the upstream spool; not emitted yet */
	VG_LOSS_DECODE = 3,	     /* malformed records rejected by the decoder */
	VG_LOSS_RINGBUF_TAIL = 4,    /* kernel drops after the last record seen on a CPU */
};

struct vg_ev_loss {
	uint32_t cause;
	uint32_t cpu;
	uint64_t count;
	uint64_t seq_first; /* first missing sequence number */
	uint64_t seq_last;  /* last missing sequence number */
};

struct vg_event {
	enum vg_event_kind kind;
	uint32_t flags; /* VG_F_* from vigil_abi.h */
	uint32_t cpu;
	uint64_t seq;
	uint64_t ts_ns; /* CLOCK_BOOTTIME ns */
	struct vg_proc_ctx proc;
	union {
		struct vg_ev_exec exec;
		struct vg_ev_exit exit;
		struct vg_ev_file file;
		struct vg_ev_net net;
		struct vg_ev_cred cred;
		struct vg_ev_sys sys;
		struct vg_ev_loss loss;
	};
};

/* Stable lower-case names used in JSON output and rules. */
const char *event_kind_name(enum vg_event_kind kind);
const char *event_file_op_name(uint32_t op);
const char *event_net_op_name(uint32_t op);
const char *event_cred_call_name(uint32_t call);
const char *event_sys_op_name(uint32_t op);
const char *event_loss_cause_name(uint32_t cause);

/* Returns true when the view equals the NUL-terminated string s. */
bool vg_str_eq(struct vg_str s, const char *lit);

#endif /* VIGIL_EVENT_H */
