// SPDX-License-Identifier: GPL-2.0-only
/*
 * probe.bpf.c - minimal programs the loader uses to learn whether this
 * kernel lets us load and attach BPF-LSM and fentry programs.  Each is
 * loaded and attached alone; a refusal (EPERM, EINVAL, ENOTSUPP) selects
 * the tracepoint plan for the families that would have used it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

SEC("lsm/path_unlink")
int BPF_PROG(vg_probe_lsm, const struct path *dir, struct dentry *dentry)
{
	return 0;
}

SEC("fentry/security_path_unlink")
int BPF_PROG(vg_probe_fentry, const struct path *dir, struct dentry *dentry)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
