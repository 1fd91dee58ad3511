// SPDX-License-Identifier: GPL-2.0-only
/*
 * itest_loss.c - losses are counted, never silent.
 *
 * vigild runs with the smallest ring (64 KiB) and is paused with SIGSTOP
 * while a child floods file events under the captured prefix, so the ring
 * must overflow.  After it resumes and stops, the stream must account for
 * every record: the loss records add up to exactly the kernel's drop
 * counter, and what the flooder emitted minus what arrived is covered by
 * them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "harness.h"

#define FLOOD 20000

static bool is_loss(json_t *ev, const void *arg)
{
	(void)arg;
	return strcmp(jps(ev, "type"), "loss") == 0;
}

static void test_overflow_is_accounted(void **state)
{
	struct h_match from_flooder = { "file", 0, NULL, NULL, NULL, NULL };
	unsigned long long drops, records, kevents, lost_field;
	long long lost = 0, received;
	json_t *losses, *got;
	char path[PATH_MAX + 32];
	pid_t pid;

	(void)state;
	if (geteuid() != 0) {
		fprintf(stderr, "[  SKIP    ] itest_loss: needs root to load BPF programs\n");
		skip();
	}
	h_start("  ring_buffer_bytes: 65536\n");
	snprintf(path, sizeof(path), "%s/flood", H.scratch);
	close(open(path, O_WRONLY | O_CREAT, 0644));

	kill(H.vigild, SIGSTOP);
	pid = fork();
	if (pid == 0) {
		for (int i = 0; i < FLOOD; i++)
			close(open(path, O_WRONLY));
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	kill(H.vigild, SIGCONT);
	h_sleep_ms(500);
	h_stop();
	assert_true(WIFEXITED(H.exit_status) && WEXITSTATUS(H.exit_status) == 0);

	drops = h_stopped_value("kernel_drops");
	records = h_stopped_value("records");
	kevents = h_stopped_value("kernel_events");
	lost_field = h_stopped_value("lost");
	losses = h_all(is_loss, NULL);
	for (size_t i = 0; i < json_array_size(losses); i++)
		lost += jpi(json_array_get(losses, i), "loss.count");
	from_flooder.pid = pid;
	got = h_all(h_match_pred, &from_flooder);
	received = (long long)json_array_size(got);
	fprintf(stderr,
		"itest_loss: flooder emitted %d, received %lld; loss records %zu summing %lld; "
		"kernel drops %llu, kernel events %llu, records %llu\n",
		FLOOD, received, json_array_size(losses), lost, drops, kevents, records);

	assert_true(drops > 0);			  /* the ring really overflowed */
	assert_int_equal(lost, (long long)drops); /* every drop is in the stream */
	assert_int_equal(lost_field, drops);
	assert_int_equal(records, kevents); /* everything sent was received */
	/* The flooder's missing events are covered by the counted loss (other
	 * processes may have lost some too while vigild was stopped). */
	assert_true(FLOOD - received > 0);
	assert_true(FLOOD - received <= lost);
	json_decref(losses);
	json_decref(got);
}

static int teardown(void **state)
{
	(void)state;
	return h_cleanup();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_overflow_is_accounted, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
