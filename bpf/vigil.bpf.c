// SPDX-License-Identifier: GPL-2.0-only
/*
 * vigil.bpf.c - the one BPF object vigild loads.
 *
 * Programs are grouped by event family in process.bpf.h, file.bpf.h,
 * net.bpf.h and integrity.bpf.h; they share maps (common.bpf.h), so they
 * live in one object.  Every family's variants are built; the loader turns
 * autoload off for the variants it did not choose (sensor/loader.c).
 */
#include "common.bpf.h"
#include "process.bpf.h"
#include "file.bpf.h"
#include "net.bpf.h"
#include "integrity.bpf.h"

char LICENSE[] SEC("license") = "GPL";
