// SPDX-License-Identifier: GPL-2.0-only
/*
 * seqtrack.c - turn per-CPU sequence gaps into loss events.
 *
 * The kernel takes a sequence number before reserving ring space, so a
 * failed reserve leaves a hole.  A BPF program interrupted by another on
 * the same CPU (softirq) can also commit out of order, so a hole is only
 * "open" until the batch it appeared in has been drained; a record that
 * arrives for an open hole closes that part of it.  Open holes are
 * settled (reported) by seqtrack_flush().  Per CPU at most SEQTRACK_PENDING
 * holes stay open; beyond that the oldest is settled early.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "seqtrack.h"

struct gap {
	uint64_t first, last; /* inclusive */
};

struct cpu_track {
	uint64_t next; /* next expected sequence; kernel sequences start at 1 */
	uint32_t ngaps;
	struct gap gaps[SEQTRACK_PENDING];
	/* Gaps settled early (too many open): one widened range per CPU, exact count. */
	uint64_t early_count, early_first, early_last;
};

struct seqtrack {
	struct cpu_track *cpus[SEQTRACK_MAX_CPUS]; /* allocated on first sight */
	uint32_t ncpus;				   /* highest CPU seen + 1: bounds the flush loop */
	struct seqtrack_stats st;
};

struct seqtrack *seqtrack_new(void)
{
	return calloc(1, sizeof(struct seqtrack));
}

void seqtrack_free(struct seqtrack *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < SEQTRACK_MAX_CPUS; i++)
		free(t->cpus[i]);
	free(t);
}

static void settle_early(struct seqtrack *t, struct cpu_track *c, struct gap g)
{
	uint64_t n = g.last - g.first + 1;

	t->st.lost += n;
	if (c->early_count == 0 || g.first < c->early_first)
		c->early_first = g.first;
	if (c->early_count == 0 || g.last > c->early_last)
		c->early_last = g.last;
	c->early_count += n;
}

/* A late record: remove seq from an open gap if it is in one. */
static bool fill_gap(struct cpu_track *c, uint64_t seq)
{
	for (uint32_t i = 0; i < c->ngaps; i++) {
		struct gap *g = &c->gaps[i];

		if (seq < g->first || seq > g->last)
			continue;
		if (g->first == g->last) {
			c->gaps[i] = c->gaps[--c->ngaps];
		} else if (seq == g->first) {
			g->first++;
		} else if (seq == g->last) {
			g->last--;
		} else if (c->ngaps < SEQTRACK_PENDING) {
			c->gaps[c->ngaps].first = seq + 1;
			c->gaps[c->ngaps].last = g->last;
			c->ngaps++;
			g->last = seq - 1;
		} else {
			return false; /* no room to split: it stays counted as lost */
		}
		return true;
	}
	return false;
}

int seqtrack_see(struct seqtrack *t, uint32_t cpu, uint64_t seq)
{
	struct cpu_track *c;

	if (cpu >= SEQTRACK_MAX_CPUS) {
		t->st.bad_cpu++;
		return -ERANGE;
	}
	c = t->cpus[cpu];
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c)
			return -ENOMEM;
		c->next = 1;
		t->cpus[cpu] = c;
		if (cpu >= t->ncpus)
			t->ncpus = cpu + 1;
	}
	t->st.received++;
	if (seq == c->next) {
		c->next++;
	} else if (seq > c->next) {
		if (c->ngaps == SEQTRACK_PENDING) {
			settle_early(t, c, c->gaps[0]);
			memmove(&c->gaps[0], &c->gaps[1],
				sizeof(c->gaps[0]) * (SEQTRACK_PENDING - 1));
			c->ngaps--;
		}
		c->gaps[c->ngaps].first = c->next;
		c->gaps[c->ngaps].last = seq - 1;
		c->ngaps++;
		c->next = seq + 1;
	} else if (fill_gap(c, seq)) {
		t->st.late++;
	} else {
		t->st.stale++;
	}
	return 0;
}

size_t seqtrack_flush(struct seqtrack *t, void (*cb)(void *arg, const struct vg_ev_loss *loss),
		      void *arg)
{
	size_t n = 0;

	for (uint32_t cpu = 0; cpu < t->ncpus; cpu++) {
		struct cpu_track *c = t->cpus[cpu];

		if (!c)
			continue;
		if (c->early_count) {
			struct vg_ev_loss l = {
				.cause = VG_LOSS_RINGBUF_GAP,
				.cpu = cpu,
				.count = c->early_count,
				.seq_first = c->early_first,
				.seq_last = c->early_last,
			};

			cb(arg, &l); /* already added to st.lost when settled */
			c->early_count = 0;
			n++;
		}
		for (uint32_t i = 0; i < c->ngaps; i++, n++) {
			struct vg_ev_loss l = {
				.cause = VG_LOSS_RINGBUF_GAP,
				.cpu = cpu,
				.count = c->gaps[i].last - c->gaps[i].first + 1,
				.seq_first = c->gaps[i].first,
				.seq_last = c->gaps[i].last,
			};

			t->st.lost += l.count;
			cb(arg, &l);
		}
		c->ngaps = 0;
	}
	return n;
}

void seqtrack_stats(const struct seqtrack *t, struct seqtrack_stats *out)
{
	*out = t->st;
}
