/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * seqtrack.h - per-CPU sequence tracking: gaps become loss events.
 */
#ifndef VIGIL_SEQTRACK_H
#define VIGIL_SEQTRACK_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

#define SEQTRACK_MAX_CPUS 4096
#define SEQTRACK_PENDING  64 /* open gaps per CPU before the oldest is settled early */

struct seqtrack;

struct seqtrack_stats {
	uint64_t received;
	uint64_t lost;	  /* sum of the counts of emitted loss events */
	uint64_t late;	  /* records that filled a gap before it was settled */
	uint64_t stale;	  /* records older than a settled gap (already reported lost) */
	uint64_t bad_cpu; /* records naming a CPU >= SEQTRACK_MAX_CPUS */
};

/* Returns NULL on allocation failure. */
struct seqtrack *seqtrack_new(void);
void seqtrack_free(struct seqtrack *t);

/*
 * Account one record.  Returns 0, or -ERANGE when cpu is out of range (the
 * record should be treated as malformed).
 */
int seqtrack_see(struct seqtrack *t, uint32_t cpu, uint64_t seq);

/*
 * Settle open gaps: call after each drained batch, when records reordered
 * by nested BPF programs have had their chance to arrive.  Calls cb once
 * per missing range with a filled VG_LOSS_RINGBUF_GAP loss; returns the
 * number of loss events.
 */
size_t seqtrack_flush(struct seqtrack *t, void (*cb)(void *arg, const struct vg_ev_loss *loss),
		      void *arg);

void seqtrack_stats(const struct seqtrack *t, struct seqtrack_stats *out);

#endif /* VIGIL_SEQTRACK_H */
