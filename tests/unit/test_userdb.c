/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_userdb.c - unit tests for userspace/userdb.c: parsing of the fixture
 * passwd/group files (run from the repository root) and reload of a rewritten
 * temporary file, both forced and by the once-per-second check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "userdb.h"

#define FIXTURE_PASSWD "tests/fixtures/passwd"
#define FIXTURE_GROUP  "tests/fixtures/group"

static struct userdb_stats stats_of(const struct userdb *db)
{
	struct userdb_stats st;

	userdb_stats(db, &st);
	return st;
}

static void write_file(const char *path, const char *text)
{
	char tmp[256];
	FILE *f;

	/* Replace by rename, like useradd: a reader never sees half a file. */
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(rename(tmp, path), 0);
}

static void test_fixture_lookups(void **state)
{
	struct userdb *db = userdb_new(FIXTURE_PASSWD, FIXTURE_GROUP, 100);
	struct userdb_stats st;

	(void)state;
	assert_non_null(db);
	assert_string_equal(userdb_user(db, 0), "root");
	assert_string_equal(userdb_user(db, 1), "daemon");
	assert_string_equal(userdb_user(db, 1000), "alice");
	assert_string_equal(userdb_user(db, 1001), "bob");
	assert_string_equal(userdb_user(db, 65534), "nobody");
	assert_string_equal(userdb_user(db, 4294967295u), "maxuid");
	assert_null(userdb_user(db, 77));
	assert_null(userdb_user(db, 12));
	assert_null(userdb_user(db, 4242));

	assert_string_equal(userdb_group(db, 0), "root");
	assert_string_equal(userdb_group(db, 999), "docker");
	assert_string_equal(userdb_group(db, 1000), "alice");
	assert_string_equal(userdb_group(db, 50), "staff");
	assert_null(userdb_group(db, 1001));

	st = stats_of(db);
	assert_int_equal(st.users, 6);
	assert_int_equal(st.groups, 4);
	assert_int_equal(st.malformed, 5);
	assert_int_equal(st.skipped, 0);
	assert_int_equal(st.reloads, 2);
	assert_int_equal(st.load_errors, 0);
	userdb_free(db);
}

static void test_bounded_entries(void **state)
{
	struct userdb *db = userdb_new(FIXTURE_PASSWD, FIXTURE_GROUP, 2);
	struct userdb_stats st;

	(void)state;
	assert_non_null(db);
	assert_string_equal(userdb_user(db, 0), "root");
	assert_string_equal(userdb_user(db, 1), "daemon");
	assert_null(userdb_user(db, 1000));
	assert_string_equal(userdb_group(db, 999), "docker");
	assert_null(userdb_group(db, 1000));
	st = stats_of(db);
	assert_int_equal(st.users, 2);
	assert_int_equal(st.groups, 2);
	/* Lines past the bound are not parsed: 9 in passwd, 3 in group. */
	assert_int_equal(st.skipped, 12);
	userdb_free(db);
}

static void test_missing_files_and_args(void **state)
{
	struct userdb *db = userdb_new("tests/fixtures/no-such-passwd", NULL, 10);

	(void)state;
	assert_non_null(db);
	assert_null(userdb_user(db, 0));
	assert_null(userdb_group(db, 0));
	assert_int_equal(stats_of(db).load_errors, 1);
	assert_int_equal(stats_of(db).reloads, 0);
	userdb_free(db);
	userdb_free(NULL);
	assert_null(userdb_new(FIXTURE_PASSWD, FIXTURE_GROUP, 0));
	assert_null(userdb_user(NULL, 0));
}

static void test_reload_after_rewrite(void **state)
{
	char dir[] = "/tmp/vigil-userdb-XXXXXX";
	char path[256];
	struct userdb *db;
	const struct timespec wait = { .tv_sec = 1, .tv_nsec = 100000000 };

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/passwd", dir);
	write_file(path, "first:x:1:1::/:/bin/sh\n");
	db = userdb_new(path, NULL, 10);
	assert_non_null(db);
	assert_string_equal(userdb_user(db, 1), "first");

	/* Within the second: the file is not even looked at. */
	write_file(path, "second:x:1:1::/:/bin/sh\nextra:x:2:2::/:/bin/sh\n");
	assert_string_equal(userdb_user(db, 1), "first");
	assert_null(userdb_user(db, 2));

	userdb_invalidate(db);
	assert_string_equal(userdb_user(db, 1), "second");
	assert_string_equal(userdb_user(db, 2), "extra");
	assert_int_equal(stats_of(db).reloads, 2);

	/* Unchanged file: a forced check does not reload. */
	userdb_invalidate(db);
	assert_string_equal(userdb_user(db, 1), "second");
	assert_int_equal(stats_of(db).reloads, 2);

	write_file(path, "third:x:1:1::/:/bin/sh\n");
	nanosleep(&wait, NULL);
	assert_string_equal(userdb_user(db, 1), "third");
	assert_null(userdb_user(db, 2));
	assert_int_equal(stats_of(db).reloads, 3);

	/* A vanished file keeps the last good table. */
	assert_int_equal(unlink(path), 0);
	userdb_invalidate(db);
	assert_string_equal(userdb_user(db, 1), "third");
	assert_int_equal(stats_of(db).load_errors, 1);
	userdb_free(db);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_lookups),
		cmocka_unit_test(test_bounded_entries),
		cmocka_unit_test(test_missing_files_and_args),
		cmocka_unit_test(test_reload_after_rewrite),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
