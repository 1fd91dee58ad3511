/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_seqtrack.c - unit tests for userspace/seqtrack.c.
 *
 * Sequences are fed as the ring buffer would deliver them (kernel sequences
 * start at 1 per CPU); loss events are collected from seqtrack_flush() and
 * checked range by range, and every test checks that the counts add up to
 * exactly the sequence numbers that never arrived.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "seqtrack.h"

#define MAX_LOSSES 1024

struct losses {
	size_t n;
	struct vg_ev_loss ev[MAX_LOSSES];
};

static void collect(void *arg, const struct vg_ev_loss *loss)
{
	struct losses *l = arg;

	assert_true(l->n < MAX_LOSSES);
	l->ev[l->n++] = *loss;
}

static size_t flush(struct seqtrack *t, struct losses *l)
{
	size_t n;

	memset(l, 0, sizeof(*l));
	n = seqtrack_flush(t, collect, l);
	assert_int_equal(n, l->n);
	return n;
}

static uint64_t sum_counts(const struct losses *l, int cpu)
{
	uint64_t s = 0;

	for (size_t i = 0; i < l->n; i++) {
		assert_int_equal(l->ev[i].cause, VG_LOSS_RINGBUF_GAP);
		if (cpu < 0 || l->ev[i].cpu == (uint32_t)cpu)
			s += l->ev[i].count;
	}
	return s;
}

static void check_loss(const struct vg_ev_loss *e, uint32_t cpu, uint64_t first, uint64_t last)
{
	assert_int_equal(e->cause, VG_LOSS_RINGBUF_GAP);
	assert_int_equal(e->cpu, cpu);
	assert_int_equal(e->seq_first, first);
	assert_int_equal(e->seq_last, last);
	assert_int_equal(e->count, last - first + 1);
}

/* Finds the loss event of cpu starting at first, or fails. */
static const struct vg_ev_loss *find_loss(const struct losses *l, uint32_t cpu, uint64_t first)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->ev[i].cpu == cpu && l->ev[i].seq_first == first)
			return &l->ev[i];
	fail_msg("no loss event for cpu %u starting at %llu", cpu, (unsigned long long)first);
	return NULL;
}

static struct seqtrack_stats stats_of(const struct seqtrack *t)
{
	struct seqtrack_stats st;

	seqtrack_stats(t, &st);
	return st;
}

static void see(struct seqtrack *t, uint32_t cpu, uint64_t seq)
{
	assert_int_equal(seqtrack_see(t, cpu, seq), 0);
}

static void test_in_order_no_loss(void **state)
{
	struct seqtrack *t = seqtrack_new();
	struct losses l;
	struct seqtrack_stats st;

	(void)state;
	assert_non_null(t);
	for (uint64_t s = 1; s <= 1000; s++)
		see(t, 0, s);
	assert_int_equal(flush(t, &l), 0);
	st = stats_of(t);
	assert_int_equal(st.received, 1000);
	assert_int_equal(st.lost, 0);
	assert_int_equal(st.late, 0);
	assert_int_equal(st.stale, 0);
	assert_int_equal(st.bad_cpu, 0);
	seqtrack_free(t);
	seqtrack_free(NULL);
}

static void test_gap_one_loss_at_flush(void **state)
{
	struct seqtrack *t = seqtrack_new();
	struct losses l;

	(void)state;
	assert_non_null(t);
	see(t, 2, 1);
	see(t, 2, 2);
	see(t, 2, 7); /* 3..6 missing */
	see(t, 2, 8);
	assert_int_equal(stats_of(t).lost, 0); /* nothing settled before flush */
	assert_int_equal(flush(t, &l), 1);
	check_loss(&l.ev[0], 2, 3, 6);
	assert_int_equal(l.ev[0].count, 4);
	assert_int_equal(stats_of(t).lost, 4);
	/* settled: a second flush reports nothing more */
	assert_int_equal(flush(t, &l), 0);
	see(t, 2, 9);
	assert_int_equal(flush(t, &l), 0);
	assert_int_equal(stats_of(t).lost, 4);
	seqtrack_free(t);
}

static void test_first_record_not_one(void **state)
{
	struct seqtrack *t = seqtrack_new();
	struct losses l;

	(void)state;
	assert_non_null(t);
	see(t, 0, 5); /* 1..4 were never delivered */
	assert_int_equal(flush(t, &l), 1);
	check_loss(&l.ev[0], 0, 1, 4);
	seqtrack_free(t);
}

static void test_reorder_fills_gap(void **state)
{
	struct seqtrack *t = seqtrack_new();
	struct losses l;
	struct seqtrack_stats st;

	(void)state;
	assert_non_null(t);
	see(t, 0, 1);
	see(t, 0, 3); /* 2 is late, not lost */
	see(t, 0, 4);
	see(t, 0, 2);
	assert_int_equal(flush(t, &l), 0);
	st = stats_of(t);
	assert_int_equal(st.received, 4);
	assert_int_equal(st.late, 1);
	assert_int_equal(st.lost, 0);
	assert_int_equal(st.stale, 0);

	/* a wider gap closed from both ends */
	see(t, 0, 9); /* 5..8 */
	see(t, 0, 5);
	see(t, 0, 8);
	assert_int_equal(flush(t, &l), 1);
	check_loss(&l.ev[0], 0, 6, 7);
	st = stats_of(t);
	assert_int_equal(st.late, 3);
	assert_int_equal(st.lost, 2);
	seqtrack_free(t);
}

static void test_late_record_splits_gap(void **state)
{
	struct seqtrack *t = seqtrack_new();
	struct losses l;
	const struct vg_ev_loss *a, *b;

	(void)state;
	assert_non_null(t);
	see(t, 1, 1);
	see(t, 1, 11); /* 2..10 */
	see(t, 1, 6);  /* 2..5 and 7..10 */
	see(t, 1, 12);
	assert_int_equal(flush(t, &l), 2);
	a = find_loss(&l, 1, 2);
	b = find_loss(&l, 1, 7);
	check_loss(a, 1, 2, 5);
	check_loss(b, 1, 7, 10);
	assert_int_equal(sum_counts(&l, -1), 8);
	assert_int_equal(stats_of(t).late, 1);
	assert_int_equal(stats_of(t).lost, 8);
	seqtrack_free(t);
}

static void test_duplicate_and_stale(void **state)
{
	struct seqtrack *t = seqtrack_new();
	struct losses l;
	struct seqtrack_stats st;

	(void)state;
	assert_non_null(t);
	see(t, 0, 1);
	see(t, 0, 2);
	see(t, 0, 2); /* duplicate of a received record */
	see(t, 0, 5); /* 3..4 */
	assert_int_equal(flush(t, &l), 1);
	check_loss(&l.ev[0], 0, 3, 4);
	see(t, 0, 3); /* arrives after its gap was reported */
	assert_int_equal(flush(t, &l), 0);
	st = stats_of(t);
	assert_int_equal(st.received, 5);
	assert_int_equal(st.stale, 2);
	assert_int_equal(st.late, 0);
	assert_int_equal(st.lost, 2);
	seqtrack_free(t);
}

static void test_cpus_independent(void **state)
{
	struct seqtrack *t = seqtrack_new();
	struct losses l;

	(void)state;
	assert_non_null(t);
	/* interleaved: cpu 0 complete, cpu 1 loses 3, cpu 7 loses 2..3 and 6 */
	see(t, 0, 1);
	see(t, 1, 1);
	see(t, 7, 1);
	see(t, 1, 2);
	see(t, 0, 2);
	see(t, 7, 4);
	see(t, 1, 4);
	see(t, 0, 3);
	see(t, 7, 5);
	see(t, 7, 7);
	see(t, 0, 4);
	assert_int_equal(flush(t, &l), 3);
	check_loss(find_loss(&l, 1, 3), 1, 3, 3);
	check_loss(find_loss(&l, 7, 2), 7, 2, 3);
	check_loss(find_loss(&l, 7, 6), 7, 6, 6);
	assert_int_equal(sum_counts(&l, 0), 0);
	assert_int_equal(sum_counts(&l, 1), 1);
	assert_int_equal(sum_counts(&l, 7), 3);
	/* the same sequence number on another CPU is not a late record */
	see(t, 3, 3);
	assert_int_equal(stats_of(t).late, 0);
	assert_int_equal(flush(t, &l), 1);
	check_loss(&l.ev[0], 3, 1, 2);
	seqtrack_free(t);
}

static void test_cpu_out_of_range(void **state)
{
	struct seqtrack *t = seqtrack_new();
	struct losses l;
	struct seqtrack_stats st;

	(void)state;
	assert_non_null(t);
	assert_int_equal(seqtrack_see(t, SEQTRACK_MAX_CPUS, 1), -ERANGE);
	assert_int_equal(seqtrack_see(t, UINT32_MAX, 5), -ERANGE);
	see(t, SEQTRACK_MAX_CPUS - 1, 2);
	st = stats_of(t);
	assert_int_equal(st.bad_cpu, 2);
	assert_int_equal(st.received, 1);
	assert_int_equal(flush(t, &l), 1);
	check_loss(&l.ev[0], SEQTRACK_MAX_CPUS - 1, 1, 1);
	seqtrack_free(t);
}

/* More open gaps than SEQTRACK_PENDING on one CPU: the oldest settle early. */
static void test_many_gaps_one_cpu(void **state)
{
	const uint64_t ngaps = SEQTRACK_PENDING + 36;
	struct seqtrack *t = seqtrack_new();
	struct losses l;
	uint64_t missing = 0;

	(void)state;
	assert_non_null(t);
	/* odd sequences arrive; each even one is a gap of one, gap k misses 2k */
	for (uint64_t k = 0; k <= ngaps; k++)
		see(t, 4, 2 * k + 1);
	missing = ngaps;
	/* a late record for a gap settled early is stale, for an open one late */
	see(t, 4, 2);
	see(t, 4, 2 * ngaps);
	missing--;
	assert_int_equal(stats_of(t).stale, 1);
	assert_int_equal(stats_of(t).late, 1);

	/* the 36 settled early fold into one event (exact count, widened range),
	 * the 64 still open (one filled late) are reported one by one */
	assert_int_equal(flush(t, &l), 1 + SEQTRACK_PENDING - 1);
	assert_int_equal(sum_counts(&l, 4), missing);
	assert_int_equal(stats_of(t).lost, missing);
	{
		const struct vg_ev_loss *early = find_loss(&l, 4, 2);

		assert_int_equal(early->count, ngaps - SEQTRACK_PENDING);
		assert_int_equal(early->seq_last, 2 * (ngaps - SEQTRACK_PENDING));
	}
	for (uint64_t k = ngaps - SEQTRACK_PENDING + 1; k < ngaps; k++)
		check_loss(find_loss(&l, 4, 2 * k), 4, 2 * k, 2 * k);
	seqtrack_free(t);
}

/* More early settlements than the settled buffer holds: counts still exact. */
static void test_settled_overflow_counts_exact(void **state)
{
	const uint64_t ngaps = 3 * SEQTRACK_PENDING + 5;
	struct seqtrack *t = seqtrack_new();
	struct losses l;

	(void)state;
	assert_non_null(t);
	for (uint64_t k = 0; k <= ngaps; k++)
		see(t, 0, 3 * k + 1); /* 2 missing after each */
	/* the early-settled gaps fold into one event per CPU, then the open ones */
	assert_int_equal(flush(t, &l), SEQTRACK_PENDING + 1);
	assert_int_equal(sum_counts(&l, -1), 2 * ngaps);
	assert_int_equal(stats_of(t).lost, 2 * ngaps);
	/* the still-open gaps are exact ranges */
	check_loss(find_loss(&l, 0, 3 * (ngaps - 1) + 2), 0, 3 * (ngaps - 1) + 2,
		   3 * (ngaps - 1) + 3);
	assert_int_equal(flush(t, &l), 0);
	seqtrack_free(t);
}

/* Early settlements are attributed to their own CPU, never folded across CPUs. */
static void test_settled_overflow_per_cpu(void **state)
{
	const uint64_t ngaps = SEQTRACK_PENDING * 2;
	struct seqtrack *t = seqtrack_new();
	struct losses l;

	(void)state;
	assert_non_null(t);
	for (uint32_t cpu = 0; cpu < 2; cpu++)
		for (uint64_t k = 0; k <= ngaps; k++)
			see(t, cpu, 2 * k + 1);
	flush(t, &l);
	seqtrack_free(t);
	assert_int_equal(sum_counts(&l, -1), 2 * ngaps);
	assert_int_equal(sum_counts(&l, 0), ngaps);
	assert_int_equal(sum_counts(&l, 1), ngaps);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order_no_loss),
		cmocka_unit_test(test_gap_one_loss_at_flush),
		cmocka_unit_test(test_first_record_not_one),
		cmocka_unit_test(test_reorder_fills_gap),
		cmocka_unit_test(test_late_record_splits_gap),
		cmocka_unit_test(test_duplicate_and_stale),
		cmocka_unit_test(test_cpus_independent),
		cmocka_unit_test(test_cpu_out_of_range),
		cmocka_unit_test(test_many_gaps_one_cpu),
		cmocka_unit_test(test_settled_overflow_counts_exact),
		cmocka_unit_test(test_settled_overflow_per_cpu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
