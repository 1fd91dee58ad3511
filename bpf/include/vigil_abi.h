/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * vigil_abi.h - the one contract between the BPF programs and userspace.
 *
 * Every record that crosses the ring buffer is defined here: fixed-width
 * fields, explicit padding, a common header.  Variable-length strings (paths,
 * argv, names) follow the fixed part in a bounded tail, in the order the
 * record documents, each with an explicit length; they are NOT
 * NUL-terminated.  Userspace validates every length before use
 * (userspace/decode.c) and pins the sizes with _Static_assert.
 *
 * Rules: never renumber an enum value (retire it instead); bump
 * VG_ABI_VERSION when a record's layout changes.
 */
#ifndef VIGIL_ABI_H
#define VIGIL_ABI_H

#if defined(__VIGIL_BPF__)
/* vmlinux.h provides __u8 .. __u64 on the kernel side. */
#elif defined(__linux__)
#include <linux/types.h>
#else
/* Portable builds (the Windows collector) decode the same records. */
#include <stdint.h>
typedef uint8_t __u8;
typedef uint16_t __u16;
typedef uint32_t __u32;
typedef int32_t __s32;
typedef unsigned long long __u64;
typedef long long __s64;
#endif

#define VG_ABI_VERSION 1

/* Bounds on the variable tail (bytes).  Documented in README "Event bounds". */
#define VG_PATH_MAX   4096  /* one resolved path */
#define VG_ARGV_MAX   4096  /* argv, NUL separated, truncated beyond */
#define VG_NAME_MAX   256   /* short strings: cgroup leaf, memfd name, fstype */
#define VG_PATH_DEPTH 48    /* path components walked before giving up */
#define VG_REC_MAX    20480 /* largest record, header and tail included */

/* Record types (vg_rec_hdr.type).  Never renumber. */
enum vg_rec_type {
	VG_REC_EXEC = 1,
	VG_REC_FORK = 2,
	VG_REC_EXIT = 3,
	VG_REC_FILE = 4,
	VG_REC_NET = 5,
	VG_REC_CRED = 6,
	VG_REC_SYS = 7, /* integrity syscalls: ptrace, modules, bpf, memfd, mount, ns */
	VG_REC_TYPE_MAX = 8,
};

/* vg_rec_hdr.flags bits (any record). */
#define VG_F_TRUNC_PATH (1u << 0) /* a path hit VG_PATH_MAX or VG_PATH_DEPTH */
#define VG_F_TRUNC_ARGV (1u << 1) /* argv longer than VG_ARGV_MAX */
/* bit 2 retired (was a separate flag for path2): VG_F_TRUNC_PATH covers both paths */
#define VG_F_NO_RESULT (1u << 3) /* syscall result unknown (stash full) */
#define VG_F_RELATIVE  (1u << 4) /* path was relative: userspace normalizes '.'/'..' */

/* Common header: 32 bytes. */
struct vg_rec_hdr {
	__u16 type;
	__u16 version;
	__u32 len;   /* total record length in bytes, header included */
	__u32 cpu;   /* CPU that produced the record; seq is per CPU */
	__u32 flags; /* VG_F_* */
	__u64 seq;   /* per-CPU sequence: a gap means records were lost */
	__u64 ts_ns; /* CLOCK_BOOTTIME nanoseconds */
};

/* Who did it: 96 bytes, filled from current (or the new child for fork). */
struct vg_task_ctx {
	__u32 tid;
	__u32 tgid;
	__u32 ppid;	  /* real_parent->tgid, as getppid(2) */
	__u32 tracer_pid; /* parent->tgid when it differs from real_parent (ptrace), else 0 */
	__u32 uid;
	__u32 gid;
	__u32 euid;
	__u32 egid;
	__u32 loginuid;	       /* audit login uid, 4294967295 when unset */
	__u32 sessionid;       /* audit session id */
	__u64 start_ns;	       /* group leader start_boottime */
	__u64 parent_start_ns; /* real_parent group leader start_boottime */
	__u64 cgroup_id;       /* cgroup v2 id of the default hierarchy */
	__u32 pidns;	       /* pid namespace inode */
	__u32 mntns;	       /* mount namespace inode */
	char comm[16];
	__u32 pad0;
	__u32 pad1;
};

/* exe_flags bits */
#define VG_EXE_MEMFD	(1u << 0) /* executable is a memfd */
#define VG_EXE_UNLINKED (1u << 1) /* executable has no links left (deleted) */
#define VG_EXE_SCRIPT	(1u << 2) /* started through #! (filename is the script) */

/*
 * Exec.  Tail, in order: exe path (exe_len), argv (argv_len, NUL separated),
 * cwd (cwd_len), filename as passed to execve (filename_len), interpreter
 * named by #! (interp_len), cgroup leaf name (cgroup_len).
 */
struct vg_rec_exec {
	struct vg_rec_hdr hdr;
	struct vg_task_ctx task;
	__u64 exe_ino;
	__u64 exe_size;
	__s64 exe_mtime_ns;
	__s64 exe_ctime_ns;
	__u32 exe_dev; /* kernel dev_t: major << 20 | minor */
	__u32 exe_mode;
	__u32 exe_nlink;
	__u32 exe_flags;
	__u32 argc;
	__u16 exe_len;
	__u16 argv_len;
	__u16 cwd_len;
	__u16 filename_len;
	__u16 interp_len;
	__u16 cgroup_len;
};

/* Fork of a new process (threads are not reported).  task is the child. */
struct vg_rec_fork {
	struct vg_rec_hdr hdr;
	struct vg_task_ctx task;
	__u32 parent_tid; /* the thread that called fork/clone */
	__u32 pad;
};

/* Exit of a whole thread group. */
struct vg_rec_exit {
	struct vg_rec_hdr hdr;
	struct vg_task_ctx task;
	__s32 exit_code; /* status for exit(3), valid when signal == 0 */
	__u32 signal;	 /* terminating signal, 0 when exited normally */
	__u32 core_dumped;
	__u32 pad;
};

/* File operations (vg_rec_file.op).  Never renumber. */
enum vg_file_op {
	VG_FILE_CREATE = 1,	/* open(O_CREAT) that created the file */
	VG_FILE_OPEN_WRITE = 2, /* open for write of an existing file */
	VG_FILE_TRUNCATE = 3,	/* open(O_TRUNC) of an existing file */
	VG_FILE_UNLINK = 4,
	VG_FILE_RENAME = 5,  /* path = old, path2 = new */
	VG_FILE_CHMOD = 6,   /* mode = new mode */
	VG_FILE_CHOWN = 7,   /* uid/gid = new owner, 4294967295 = unchanged */
	VG_FILE_LINK = 8,    /* path = existing, path2 = new link */
	VG_FILE_SYMLINK = 9, /* path = new link, path2 = target as written */
	VG_FILE_RMDIR = 10,
	VG_FILE_MKDIR = 11, /* reserved: no program reports mkdir yet */
};

/* Tail: path (path_len), path2 (path2_len). */
struct vg_rec_file {
	struct vg_rec_hdr hdr;
	struct vg_task_ctx task;
	__u32 op;
	__s32 result; /* syscall return value, negative errno on failure */
	__u32 open_flags;
	__u32 mode;
	__u32 uid;
	__u32 gid;
	__u64 ino; /* inode when known (open), else 0 */
	__u32 dev;
	__u16 path_len;
	__u16 path2_len;
};

/* Network operations (vg_rec_net.op).  Never renumber. */
enum vg_net_op {
	VG_NET_CONNECT = 1, /* outbound TCP/UDP connect; result is the final outcome */
	VG_NET_ACCEPT = 2,  /* inbound TCP connection accepted */
	VG_NET_LISTEN = 3,
	VG_NET_BIND = 4,
	VG_NET_UDP_SEND = 5, /* first datagram from a process to a destination */
};

struct vg_rec_net {
	struct vg_rec_hdr hdr;
	struct vg_task_ctx task;
	__u32 op;
	__s32 result;
	__u16 family;	/* AF_INET or AF_INET6 */
	__u16 protocol; /* IPPROTO_TCP or IPPROTO_UDP */
	__u16 sport;	/* host byte order */
	__u16 dport;	/* host byte order */
	__u8 saddr[16]; /* IPv4 in the first 4 bytes */
	__u8 daddr[16];
};

/* Credential-changing syscalls (vg_rec_cred.call).  Never renumber. */
enum vg_cred_call {
	VG_CRED_SETUID = 1,
	VG_CRED_SETGID = 2,
	VG_CRED_SETREUID = 3,
	VG_CRED_SETREGID = 4,
	VG_CRED_SETRESUID = 5,
	VG_CRED_SETRESGID = 6,
	VG_CRED_SETFSUID = 7,
	VG_CRED_SETFSGID = 8,
	VG_CRED_CAPSET = 9,
};

struct vg_cred_set {
	__u32 uid, euid, suid, fsuid;
	__u32 gid, egid, sgid, fsgid;
	__u64 cap_effective;
	__u64 cap_permitted;
};

/* Emitted only when the call succeeded and changed something. */
struct vg_rec_cred {
	struct vg_rec_hdr hdr;
	struct vg_task_ctx task;
	__u32 call;
	__s32 result;
	struct vg_cred_set old_cred;
	struct vg_cred_set new_cred;
};

/* Integrity syscalls (vg_rec_sys.op).  Never renumber. */
enum vg_sys_op {
	VG_SYS_PTRACE = 1,	   /* arg0 request, arg1 target pid, arg2 addr */
	VG_SYS_INIT_MODULE = 2,	   /* arg0 image length; str1 module params */
	VG_SYS_FINIT_MODULE = 3,   /* arg0 fd, arg1 flags; str1 params, str2 file path */
	VG_SYS_BPF_PROG_LOAD = 4,  /* arg0 prog type, arg1 insn count; str1 prog name */
	VG_SYS_MEMFD_CREATE = 5,   /* arg0 flags; str1 name */
	VG_SYS_MOUNT = 6,	   /* arg0 flags; str1 source, str2 target, str3 fstype */
	VG_SYS_UMOUNT = 7,	   /* arg0 flags; str2 target */
	VG_SYS_UNSHARE = 8,	   /* arg0 flags */
	VG_SYS_SETNS = 9,	   /* arg0 fd, arg1 nstype */
	VG_SYS_DELETE_MODULE = 10, /* arg0 flags; str1 module name */
};

/* Tail: str1, str2, str3. */
struct vg_rec_sys {
	struct vg_rec_hdr hdr;
	struct vg_task_ctx task;
	__u32 op;
	__s32 result;
	__u64 arg0;
	__u64 arg1;
	__u64 arg2;
	__u16 str1_len;
	__u16 str2_len;
	__u16 str3_len;
	__u16 pad;
};

/*
 * Kernel-side path filter: an LPM trie keyed by path bytes.  The longest
 * configured prefix that matches decides.  A prefix may hold one '*'
 * component (/home/<star>/.ssh/ in config as "*"): the part before '*' is the trie key and the
 * parts after it are listed in suffix[] of the value.
 */
#define VG_PREFIX_KEY_MAX    256
#define VG_PREFIX_SUFFIXES   8
#define VG_PREFIX_SUFFIX_MAX 24

#define VG_PFX_INCLUDE	 (1u << 0) /* report operations under this prefix */
#define VG_PFX_EXEC_ONLY (1u << 1) /* only executable files (create/write/chmod +x) */
#define VG_PFX_EXCLUDE	 (1u << 2) /* never report under this prefix */
#define VG_PFX_WILD	 (1u << 3) /* one component, then one of suffix[] */

struct vg_prefix_key {
	__u32 prefixlen; /* in bits */
	__u8 data[VG_PREFIX_KEY_MAX];
};

/*
 * flags: the plain prefix with exactly this key (0 if none), plus VG_PFX_WILD
 * when suffix[] is used; each suffix has its own VG_PFX_* in suffix_flags[].
 */
struct vg_prefix_val {
	__u32 flags;
	__u16 plen;    /* bytes of the trie key (the part before '*') */
	__u16 nsuffix; /* entries used in suffix[] */
	char suffix[VG_PREFIX_SUFFIXES][VG_PREFIX_SUFFIX_MAX]; /* NUL padded */
	__u8 suffix_flags[VG_PREFIX_SUFFIXES];
};

/* Per-CPU counters (the `counters` map), indexed by enum vg_counter. */
enum vg_counter {
	VG_CNT_EVENTS = 0,	   /* records submitted */
	VG_CNT_RB_DROP = 1,	   /* ring-buffer reserve/output failures */
	VG_CNT_STASH_FULL = 2,	   /* syscall state not saved: call unreported */
	VG_CNT_PATH_TRUNC = 3,	   /* paths truncated */
	VG_CNT_FILTERED = 4,	   /* file records dropped by the prefix filter */
	VG_CNT_SELF = 5,	   /* events from the sensor itself, dropped */
	VG_CNT_UDP_DEDUP_FULL = 6, /* udp destination cache insert failed */
	VG_CNT_MAX = 8,
};

#endif /* VIGIL_ABI_H */
