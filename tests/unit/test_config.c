/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_config.c - unit tests for userspace/config.c: defaults, the shipped config file,
 * a complete fixture, and every class of error with its exact "NAME:LINE: KEY: message".
 *
 * Fixtures are read relative to the repository root, where `make` runs the tests.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"

#ifndef FIXTURES
#define FIXTURES "tests/fixtures/config"
#endif
#define PACKAGED_CONFIG "packaging/vigil.yaml"

static void assert_list_equal(char **a, size_t na, char **b, size_t nb)
{
	size_t i;

	assert_int_equal(na, nb);
	for (i = 0; i < na; i++)
		assert_string_equal(a[i], b[i]);
}

static void assert_optional_string_equal(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void assert_config_equal(const struct vigil_config *a, const struct vigil_config *b)
{
	assert_int_equal(a->ring_buffer_bytes, b->ring_buffer_bytes);
	assert_int_equal(a->poll_ms, b->poll_ms);
	assert_list_equal(a->file_prefixes, a->n_file_prefixes, b->file_prefixes,
			  b->n_file_prefixes);
	assert_list_equal(a->exec_only_prefixes, a->n_exec_only_prefixes, b->exec_only_prefixes,
			  b->n_exec_only_prefixes);
	assert_list_equal(a->exclude_prefixes, a->n_exclude_prefixes, b->exclude_prefixes,
			  b->n_exclude_prefixes);
	assert_int_equal(a->capture_file, b->capture_file);
	assert_int_equal(a->capture_network, b->capture_network);
	assert_int_equal(a->capture_integrity, b->capture_integrity);
	assert_int_equal(a->proctable_max, b->proctable_max);
	assert_int_equal(a->exeid_cache, b->exeid_cache);
	assert_int_equal(a->exeid_queue, b->exeid_queue);
	assert_int_equal(a->exeid_max_file_bytes, b->exeid_max_file_bytes);
	assert_optional_string_equal(a->events_path, b->events_path);
	assert_optional_string_equal(a->state_dir, b->state_dir);
	assert_optional_string_equal(a->run_dir, b->run_dir);
}

static int load_text(struct vigil_config *c, const char *text, char *err, size_t errlen)
{
	return config_load_buffer(c, "t.yaml", text, strlen(text), err, errlen);
}

/* Loads text over the defaults, expects -EINVAL with exactly want, and no change. */
static void expect_error(const char *text, const char *want)
{
	struct vigil_config c, d;
	char err[512];

	assert_int_equal(config_defaults(&c), 0);
	assert_int_equal(config_defaults(&d), 0);
	assert_int_equal(load_text(&c, text, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, want);
	assert_config_equal(&c, &d);
	config_free(&c);
	config_free(&d);
}

static void expect_ok(const char *text, struct vigil_config *c)
{
	char err[512] = "";

	assert_int_equal(config_defaults(c), 0);
	if (load_text(c, text, err, sizeof(err)) != 0)
		fail_msg("unexpected error: %s", err);
}

static void test_defaults(void **state)
{
	static const char *const first_files[] = { "/etc/", "/bin/", "/sbin/", "/usr/bin/" };
	struct vigil_config c;
	size_t i;

	(void)state;
	assert_int_equal(config_defaults(&c), 0);
	assert_int_equal(c.ring_buffer_bytes, 8 * 1024 * 1024);
	assert_int_equal(c.poll_ms, 50);
	assert_true(c.capture_file && c.capture_network && c.capture_integrity);
	assert_int_equal(c.proctable_max, 65536);
	assert_int_equal(c.exeid_cache, 8192);
	assert_int_equal(c.exeid_queue, 1024);
	assert_int_equal(c.exeid_max_file_bytes, 512ULL * 1024 * 1024);
	assert_null(c.events_path);
	assert_string_equal(c.state_dir, "/var/lib/vigil");
	assert_string_equal(c.run_dir, "/run/vigil");
	assert_int_equal(c.n_file_prefixes, 25);
	for (i = 0; i < 4; i++)
		assert_string_equal(c.file_prefixes[i], first_files[i]);
	assert_string_equal(c.file_prefixes[17], "/home/*/.ssh/");
	assert_string_equal(c.file_prefixes[24], "/home/*/.bash_logout");
	assert_int_equal(c.n_exec_only_prefixes, 4);
	assert_string_equal(c.exec_only_prefixes[0], "/tmp/");
	assert_string_equal(c.exec_only_prefixes[3], "/run/user/");
	assert_int_equal(c.n_exclude_prefixes, 0);

	config_free(&c);
	assert_null(c.file_prefixes);
	assert_null(c.state_dir);
	assert_int_equal(c.n_file_prefixes, 0);
	config_free(&c);
	config_free(NULL);
}

/* The shipped file names every key with its default: loaded over zeroes it gives the defaults. */
static void test_packaged_file_matches_defaults(void **state)
{
	struct vigil_config c = { 0 }, d;
	char err[512] = "";

	(void)state;
	assert_int_equal(config_defaults(&d), 0);
	c.events_path = strdup("/must/be/reset/by/the/file");
	assert_non_null(c.events_path);
	if (config_load_file(&c, PACKAGED_CONFIG, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_config_equal(&c, &d);
	config_free(&c);
	config_free(&d);
}

static void test_full_fixture(void **state)
{
	struct vigil_config c;
	char err[512] = "";

	(void)state;
	assert_int_equal(config_defaults(&c), 0);
	if (config_load_file(&c, FIXTURES "/full.yaml", err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(c.ring_buffer_bytes, 65536);
	assert_int_equal(c.poll_ms, 1000);
	assert_false(c.capture_file);
	assert_false(c.capture_network);
	assert_false(c.capture_integrity);
	assert_int_equal(c.n_file_prefixes, 3);
	assert_string_equal(c.file_prefixes[0], "/etc/");
	assert_string_equal(c.file_prefixes[1], "/home/*/.ssh/");
	assert_string_equal(c.file_prefixes[2], "/opt/app/");
	assert_int_equal(c.n_exec_only_prefixes, 2);
	assert_string_equal(c.exec_only_prefixes[1], "/dev/shm/");
	assert_int_equal(c.n_exclude_prefixes, 1);
	assert_string_equal(c.exclude_prefixes[0], "/var/log/");
	assert_int_equal(c.proctable_max, 4194304);
	assert_int_equal(c.exeid_cache, 64);
	assert_int_equal(c.exeid_queue, 16);
	assert_int_equal(c.exeid_max_file_bytes, 68719476736ULL);
	assert_string_equal(c.events_path, "/var/log/vigil/events.jsonl");
	assert_string_equal(c.state_dir, "/srv/vigil/state");
	assert_string_equal(c.run_dir, "/srv/vigil/run");
	assert_string_equal(err, "");
	config_free(&c);
}

static void test_empty_documents_keep_values(void **state)
{
	static const char *const texts[] = { "", "# nothing\n", "---\n", "~\n",
					     "capture:\noutput: ~\n" };
	struct vigil_config c, d;
	char err[512];
	size_t i;

	(void)state;
	assert_int_equal(config_defaults(&d), 0);
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		expect_ok(texts[i], &c);
		assert_config_equal(&c, &d);
		config_free(&c);
	}
	assert_int_equal(config_defaults(&c), 0);
	assert_int_equal(config_load_file(&c, FIXTURES "/empty.yaml", err, sizeof(err)), 0);
	assert_config_equal(&c, &d);
	config_free(&c);
	config_free(&d);
}

static void test_partial_file_keeps_other_keys(void **state)
{
	struct vigil_config c, d;

	(void)state;
	assert_int_equal(config_defaults(&d), 0);
	expect_ok("process:\n  hash_queue: 16\ncapture:\n  exclude_prefixes: [/var/cache/]\n", &c);
	assert_int_equal(c.exeid_queue, 16);
	assert_int_equal(c.n_exclude_prefixes, 1);
	assert_string_equal(c.exclude_prefixes[0], "/var/cache/");
	c.exeid_queue = d.exeid_queue;
	config_free(&d);
	assert_int_equal(config_defaults(&d), 0);
	assert_int_equal(c.n_file_prefixes, d.n_file_prefixes);
	assert_int_equal(c.poll_ms, d.poll_ms);
	assert_string_equal(c.state_dir, d.state_dir);
	config_free(&c);
	config_free(&d);
}

static void test_booleans_and_null_path(void **state)
{
	struct vigil_config c;

	(void)state;
	expect_ok("capture:\n  file: off\n  network: No\n  integrity: FALSE\n"
		  "output:\n  events_path: /tmp/ev.jsonl\n",
		  &c);
	assert_false(c.capture_file || c.capture_network || c.capture_integrity);
	assert_string_equal(c.events_path, "/tmp/ev.jsonl");
	assert_int_equal(load_text(&c,
				   "capture: {file: yes, network: on, integrity: true}\n"
				   "output: {events_path: null}\n",
				   NULL, 0),
			 0);
	assert_true(c.capture_file && c.capture_network && c.capture_integrity);
	assert_null(c.events_path);
	config_free(&c);
}

static void test_unknown_keys(void **state)
{
	(void)state;
	expect_error("capture:\n  poll_ms: 10\n  pol_ms: 10\n",
		     "t.yaml:3: capture.pol_ms: unknown key");
	expect_error("# comment\ncaptures:\n  poll_ms: 10\n",
		     "t.yaml:2: captures: unknown key (sections are capture, process, output)");
	expect_error("process:\n  poll_ms: 10\n", "t.yaml:2: process.poll_ms: unknown key");
	expect_error("output:\n  ? [a]\n  : b\n", "t.yaml:2: output: keys must be plain words");
}

static void test_wrong_types(void **state)
{
	(void)state;
	expect_error(
		"capture:\n  poll_ms: [1, 2]\n",
		"t.yaml:2: capture.poll_ms: expected a decimal integer in 1..1000, got a list");
	expect_error("capture:\n  poll_ms: \"50\"\n",
		     "t.yaml:2: capture.poll_ms: expected a decimal integer in 1..1000, got quoted "
		     "\"50\"");
	expect_error(
		"capture:\n  poll_ms: 0x10\n",
		"t.yaml:2: capture.poll_ms: expected a decimal integer in 1..1000, got \"0x10\"");
	expect_error(
		"capture:\n  poll_ms: -1\n",
		"t.yaml:2: capture.poll_ms: expected a decimal integer in 1..1000, got \"-1\"");
	expect_error(
		"capture:\n  poll_ms: 050\n",
		"t.yaml:2: capture.poll_ms: expected a decimal integer in 1..1000, got \"050\"");
	expect_error("capture:\n  file: maybe\n",
		     "t.yaml:2: capture.file: expected true or false (or yes/no, on/off), got "
		     "\"maybe\"");
	expect_error("capture:\n  file_prefixes: /etc/\n",
		     "t.yaml:2: capture.file_prefixes: expected a list of absolute path prefixes, "
		     "got \"/etc/\"");
	expect_error("capture:\n  exclude_prefixes:\n    - [/a/]\n",
		     "t.yaml:3: capture.exclude_prefixes: expected a list of absolute path "
		     "prefixes, got an entry that is a list");
	expect_error("output:\n  state_dir: [/a]\n",
		     "t.yaml:2: output.state_dir: expected an absolute path of at most 4095 bytes, "
		     "got a list");
	expect_error("output:\n  state_dir:\n",
		     "t.yaml:2: output.state_dir: expected an absolute path of at most 4095 bytes, "
		     "got nothing");
	expect_error("process: 5\n", "t.yaml:1: process: expected a map of keys, got \"5\"");
	expect_error(
		"- capture\n",
		"t.yaml:1: (top level): expected a map of sections (capture, process, output), "
		"got a list");
}

static void test_ranges(void **state)
{
	(void)state;
	expect_error("capture:\n  poll_ms: 0\n",
		     "t.yaml:2: capture.poll_ms: \"0\" is out of range 1..1000");
	expect_error("capture:\n  poll_ms: 1001\n",
		     "t.yaml:2: capture.poll_ms: \"1001\" is out of range 1..1000");
	expect_error("capture:\n  poll_ms: 99999999999999999999999\n",
		     "t.yaml:2: capture.poll_ms: \"99999999999999999999999\" is out of range "
		     "1..1000");
	expect_error("\n\nprocess:\n  table_size: 1023\n",
		     "t.yaml:4: process.table_size: \"1023\" is out of range 1024..4194304");
	expect_error("capture:\n  ring_buffer_bytes: 32768\n",
		     "t.yaml:2: capture.ring_buffer_bytes: \"32768\" is out of range "
		     "65536..1073741824");
	expect_error("capture:\n  ring_buffer_bytes: 100000\n",
		     "t.yaml:2: capture.ring_buffer_bytes: \"100000\" is not a power of two "
		     "(accepted: powers of two in 65536..1073741824)");
	expect_error("process:\n  hash_max_file_bytes: 68719476737\n",
		     "t.yaml:2: process.hash_max_file_bytes: \"68719476737\" is out of range "
		     "1048576..68719476736");
	expect_error(
		"output:\n  run_dir: /run/"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
		"t.yaml:2: output.run_dir: expected an absolute path of at most 80 bytes, got "
		"\"/run/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\"");
	expect_error("output:\n  state_dir: var/lib/vigil\n",
		     "t.yaml:2: output.state_dir: expected an absolute path of at most 4095 bytes, "
		     "got \"var/lib/vigil\"");
}

static void test_bad_prefixes(void **state)
{
	char text[1024], want[512], longp[256];

	(void)state;
	expect_error(
		"capture:\n  file_prefixes:\n    - /etc/\n    - etc/\n",
		"t.yaml:4: capture.file_prefixes: \"etc/\": a prefix must be an absolute path");
	expect_error("capture:\n  file_prefixes: [/etc/, /home/*/*/x]\n",
		     "t.yaml:2: capture.file_prefixes: \"/home/*/*/x\": a prefix may contain at "
		     "most one '*'");
	expect_error("capture:\n  exclude_prefixes:\n    - /home/a*/x\n",
		     "t.yaml:3: capture.exclude_prefixes: \"/home/a*/x\": '*' must be a whole path "
		     "component followed by more path, as in /home/*/.ssh/");
	expect_error("capture:\n  exclude_prefixes:\n    - /home/*x/\n",
		     "t.yaml:3: capture.exclude_prefixes: \"/home/*x/\": '*' must be a whole path "
		     "component followed by more path, as in /home/*/.ssh/");
	expect_error("capture:\n  exclude_prefixes:\n    - /home/*\n",
		     "t.yaml:3: capture.exclude_prefixes: \"/home/*\": '*' must be a whole path "
		     "component followed by more path, as in /home/*/.ssh/");
	expect_error(
		"capture:\n  exec_only_prefixes: [\"\"]\n",
		"t.yaml:2: capture.exec_only_prefixes: quoted \"\": a prefix must be an absolute "
		"path");
	/* 23 bytes after '*' are fine, 24 are not. */
	expect_error(
		"capture:\n  file_prefixes:\n    - /home/*/abcdefghijklmnopqrstuv\n"
		"    - /home/*/abcdefghijklmnopqrstuvw\n",
		"t.yaml:4: capture.file_prefixes: \"/home/*/abcdefghijklmnopqrstuvw\": the part "
		"after '*' must be at most 23 bytes");
	/* 255 bytes are fine, 256 are not. */
	memset(longp, 'a', sizeof(longp));
	longp[0] = '/';
	longp[255] = '\0';
	snprintf(text, sizeof(text), "capture:\n  file_prefixes: [%s, %sb]\n", longp, longp);
	snprintf(want, sizeof(want),
		 "t.yaml:2: capture.file_prefixes: \"%.40s...\": a prefix must be at most 255 "
		 "bytes",
		 longp);
	expect_error(text, want);
}

static void test_wildcards_per_key(void **state)
{
	static const char eight[] = "capture:\n  file_prefixes:\n"
				    "    - /home/*/1\n    - /home/*/2\n    - /home/*/3\n"
				    "    - /home/*/4\n    - /home/*/5\n    - /home/*/6\n"
				    "    - /srv/*/1\n    - /home/*/7\n    - /home/*/8\n";
	struct vigil_config c;
	char text[512];

	(void)state;
	expect_ok(eight, &c);
	assert_int_equal(c.n_file_prefixes, 9);
	config_free(&c);
	snprintf(text, sizeof(text), "%s    - /home/*/9\n", eight);
	expect_error(text,
		     "t.yaml:12: capture.file_prefixes: \"/home/*/9\": at most 8 patterns may "
		     "share the part before '*' (/home/)");
}

static void test_duplicates_and_documents(void **state)
{
	(void)state;
	expect_error("capture:\n  poll_ms: 10\n  poll_ms: 20\n",
		     "t.yaml:3: capture.poll_ms: duplicate key");
	expect_error("capture:\n  poll_ms: 10\nprocess: {}\ncapture:\n  file: true\n",
		     "t.yaml:4: capture: duplicate key");
	expect_error("capture: {poll_ms: 10}\n---\ncapture: {poll_ms: 20}\n",
		     "t.yaml:3: yaml: only one document is allowed");
}

static void test_yaml_syntax_error(void **state)
{
	(void)state;
	expect_error(
		"capture:\n  poll_ms: 10\n  file: [true\n",
		"t.yaml:4: yaml: did not find expected ',' or ']' while parsing a flow sequence");
	expect_error("capture:\n  poll_ms: 10\n  file: @true\n",
		     "t.yaml:3: yaml: found character that cannot start any token while scanning "
		     "for the next token");
}

static void test_previous_values_kept_on_error(void **state)
{
	struct vigil_config c, before;
	char **prefixes;
	char err[512];

	(void)state;
	assert_int_equal(config_defaults(&c), 0);
	assert_int_equal(config_load_file(&c, FIXTURES "/full.yaml", err, sizeof(err)), 0);
	assert_int_equal(config_defaults(&before), 0);
	assert_int_equal(config_load_file(&before, FIXTURES "/full.yaml", err, sizeof(err)), 0);
	prefixes = c.file_prefixes;

	/* Valid keys first, then a bad one: nothing of it may stick. */
	assert_int_equal(load_text(&c,
				   "capture:\n  poll_ms: 7\n  file_prefixes: [/x/]\n"
				   "output:\n  state_dir: /new\n  run_dir: relative\n",
				   err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err,
			    "t.yaml:6: output.run_dir: expected an absolute path of at most 80 "
			    "bytes, got \"relative\"");
	assert_ptr_equal(c.file_prefixes, prefixes);
	assert_config_equal(&c, &before);

	/* A file error keeps them too, and names the file and the line. */
	assert_int_equal(config_load_file(&c, FIXTURES "/bad_range.yaml", err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, FIXTURES "/bad_range.yaml:5: capture.poll_ms: \"0\" is out of "
					  "range 1..1000");
	assert_config_equal(&c, &before);
	config_free(&c);
	config_free(&before);
}

static void test_missing_file(void **state)
{
	struct vigil_config c, d;
	char err[512];

	(void)state;
	assert_int_equal(config_defaults(&c), 0);
	assert_int_equal(config_defaults(&d), 0);
	assert_int_equal(config_load_file(&c, FIXTURES "/no-such-file.yaml", err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, FIXTURES "/no-such-file.yaml: cannot open: "));
	assert_config_equal(&c, &d);
	assert_int_equal(config_load_file(&c, FIXTURES, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a regular file"));
	config_free(&c);
	config_free(&d);
}

static void test_small_error_buffers(void **state)
{
	struct vigil_config c;
	char err[8];

	(void)state;
	assert_int_equal(config_defaults(&c), 0);
	memset(err, 'x', sizeof(err));
	assert_int_equal(load_text(&c, "capture:\n  poll_ms: 0\n", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.yaml:");
	assert_int_equal(load_text(&c, "capture:\n  poll_ms: 0\n", NULL, 0), -EINVAL);
	assert_int_equal(load_text(&c, "nope: 1\n", err, 1), -EINVAL);
	assert_string_equal(err, "");
	config_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_packaged_file_matches_defaults),
		cmocka_unit_test(test_full_fixture),
		cmocka_unit_test(test_empty_documents_keep_values),
		cmocka_unit_test(test_partial_file_keeps_other_keys),
		cmocka_unit_test(test_booleans_and_null_path),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_bad_prefixes),
		cmocka_unit_test(test_wildcards_per_key),
		cmocka_unit_test(test_duplicates_and_documents),
		cmocka_unit_test(test_yaml_syntax_error),
		cmocka_unit_test(test_previous_values_kept_on_error),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_small_error_buffers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
