/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * loader.h - probe the kernel, choose an attach plan per event family,
 * load and attach vigil's BPF object.  The only module that touches libbpf.
 */
#ifndef VIGIL_LOADER_H
#define VIGIL_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigil_abi.h"

struct vigil_config;
struct ring_buffer;

/* Event families and the attach variant chosen for each. */
enum loader_family {
	LOADER_FAM_PROCESS,
	LOADER_FAM_FILE,
	LOADER_FAM_NETWORK,
	LOADER_FAM_INTEGRITY,
	LOADER_FAM_MAX,
};

struct loader_plan {
	const char *variant
		[LOADER_FAM_MAX]; /* "raw_tracepoint", "lsm", "fentry", "tracepoint", "off" */
	bool lsm_ok;		  /* BPF-LSM program loaded and attached in the probe */
	bool fentry_ok;		  /* fentry program loaded and attached in the probe */
	char lsm_why[128];	  /* why not, when refused */
	char fentry_why[128];
	unsigned programs_attached;
	unsigned programs_skipped; /* tracepoints this kernel does not have */
};

struct loader;

/*
 * Probe, open, configure, load and attach.  On failure returns NULL and
 * writes a message that says what failed and what to do into err.
 */
struct loader *loader_start(const struct vigil_config *cfg, char *err, size_t errlen);

/* Detach every program (maps stay readable): nothing new enters the ring. */
void loader_detach(struct loader *l);

/* Stop: detach and free everything.  Accepts NULL. */
void loader_stop(struct loader *l);

const struct loader_plan *loader_plan(const struct loader *l);

/* Writes the plan as one human line ("process=raw_tracepoint file=tracepoint ..."). */
void loader_plan_str(const struct loader_plan *p, char *buf, size_t len);

/*
 * Tell the BPF side the reader is about to sleep long: the next record
 * forces a wakeup (and clears the flag).  idle=false clears it.
 */
void loader_set_consumer_idle(struct loader *l, bool idle);

/* fd of the ring-buffer map (for ring_buffer__new). */
int loader_ringbuf_fd(const struct loader *l);

/* Sums the per-CPU kernel counters (enum vg_counter) into out[VG_CNT_MAX]. */
int loader_counters(const struct loader *l, uint64_t out[VG_CNT_MAX]);

/* Make sure tracefs and bpffs are mounted; returns 0 or -errno with a message. */
int loader_mount_fs(char *err, size_t errlen);

#endif /* VIGIL_LOADER_H */
