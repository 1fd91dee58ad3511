/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * event.c - stable names for event kinds and operations.
 *
 * These strings are part of the output contract (JSON "type"/"op" fields and
 * rule matching); they are documented in README.md and never change.
 */
#include <string.h>

#include "event.h"
#include "vigil_abi.h"

const char *event_kind_name(enum vg_event_kind kind)
{
	static const char *const names[VG_EV_KIND_MAX] = {
		[VG_EV_NONE] = "none",	      [VG_EV_EXEC] = "exec",	 [VG_EV_FORK] = "fork",
		[VG_EV_EXIT] = "exit",	      [VG_EV_FILE] = "file",	 [VG_EV_NET] = "network",
		[VG_EV_CRED] = "cred_change", [VG_EV_SYS] = "integrity", [VG_EV_LOSS] = "loss",
	};
	if ((unsigned)kind >= VG_EV_KIND_MAX || !names[kind])
		return "unknown";
	return names[kind];
}

#define NAME_FROM_TABLE(table, idx) \
	(((idx) < sizeof(table) / sizeof((table)[0]) && (table)[idx]) ? (table)[idx] : "unknown")

const char *event_file_op_name(uint32_t op)
{
	static const char *const names[] = {
		[VG_FILE_CREATE] = "create",	 [VG_FILE_OPEN_WRITE] = "open_write",
		[VG_FILE_TRUNCATE] = "truncate", [VG_FILE_UNLINK] = "unlink",
		[VG_FILE_RENAME] = "rename",	 [VG_FILE_CHMOD] = "chmod",
		[VG_FILE_CHOWN] = "chown",	 [VG_FILE_LINK] = "link",
		[VG_FILE_SYMLINK] = "symlink",	 [VG_FILE_RMDIR] = "rmdir",
		[VG_FILE_MKDIR] = "mkdir",
	};
	return NAME_FROM_TABLE(names, op);
}

const char *event_net_op_name(uint32_t op)
{
	static const char *const names[] = {
		[VG_NET_CONNECT] = "connect",	[VG_NET_ACCEPT] = "accept",
		[VG_NET_LISTEN] = "listen",	[VG_NET_BIND] = "bind",
		[VG_NET_UDP_SEND] = "udp_send",
	};
	return NAME_FROM_TABLE(names, op);
}

const char *event_cred_call_name(uint32_t call)
{
	static const char *const names[] = {
		[VG_CRED_SETUID] = "setuid",	   [VG_CRED_SETGID] = "setgid",
		[VG_CRED_SETREUID] = "setreuid",   [VG_CRED_SETREGID] = "setregid",
		[VG_CRED_SETRESUID] = "setresuid", [VG_CRED_SETRESGID] = "setresgid",
		[VG_CRED_SETFSUID] = "setfsuid",   [VG_CRED_SETFSGID] = "setfsgid",
		[VG_CRED_CAPSET] = "capset",
	};
	return NAME_FROM_TABLE(names, call);
}

const char *event_sys_op_name(uint32_t op)
{
	static const char *const names[] = {
		[VG_SYS_PTRACE] = "ptrace",
		[VG_SYS_INIT_MODULE] = "module_load",
		[VG_SYS_FINIT_MODULE] = "module_load",
		[VG_SYS_BPF_PROG_LOAD] = "bpf_prog_load",
		[VG_SYS_MEMFD_CREATE] = "memfd_create",
		[VG_SYS_MOUNT] = "mount",
		[VG_SYS_UMOUNT] = "umount",
		[VG_SYS_UNSHARE] = "unshare",
		[VG_SYS_SETNS] = "setns",
		[VG_SYS_DELETE_MODULE] = "module_unload",
	};
	return NAME_FROM_TABLE(names, op);
}

const char *event_loss_cause_name(uint32_t cause)
{
	static const char *const names[] = {
		[VG_LOSS_RINGBUF_GAP] = "ringbuf_gap",
		[VG_LOSS_USERSPACE_QUEUE] = "userspace_queue",
		[VG_LOSS_DECODE] = "decode_error",
		[VG_LOSS_RINGBUF_TAIL] = "ringbuf_tail",
	};
	return NAME_FROM_TABLE(names, cause);
}

bool vg_str_eq(struct vg_str s, const char *lit)
{
	size_t n = strlen(lit);
	return s.len == n && (n == 0 || memcmp(s.ptr, lit, n) == 0);
}
