/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_pathutil.c - unit tests for userspace/pathutil.c.
 *
 * Table-driven: each row is (base, input, expected).  Inputs are passed with
 * explicit lengths and a sentinel after them, as record views are not
 * NUL-terminated.
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

#include "pathutil.h"

struct norm_case {
	const char *base; /* NULL: no base */
	const char *in;
	const char *want;
};

static const struct norm_case cases[] = {
	{ NULL, "/a/./b//c", "/a/b/c" },
	{ NULL, "/a/b/../c", "/a/c" },
	{ NULL, "/../x", "/x" },
	{ NULL, "/..", "/" },
	{ NULL, "/../../..", "/" },
	{ NULL, "/", "/" },
	{ NULL, "", "/" },
	{ NULL, "//", "/" },
	{ NULL, "/.", "/" },
	{ NULL, "/a/b/", "/a/b" },
	{ NULL, "/a/b/.", "/a/b" },
	{ NULL, "/a/b/..", "/a" },
	{ NULL, "/a/b/../", "/a" },
	{ NULL, "/a/b/../..", "/" },
	{ NULL, "/a/b/../../c", "/c" },
	{ NULL, "/a/.../b", "/a/.../b" },
	{ NULL, "/a/..b/c.", "/a/..b/c." },
	{ NULL, "/.hidden/.x", "/.hidden/.x" },
	{ NULL, "/etc/./x/../passwd", "/etc/passwd" },
	{ NULL, "///usr///bin///", "/usr/bin" },
	{ NULL, "rel/x", "/rel/x" },
	{ "/etc", "x/../y", "/etc/y" },
	{ "/etc", "passwd", "/etc/passwd" },
	{ "/etc/", "./passwd", "/etc/passwd" },
	{ "/etc", "../../../root", "/root" },
	{ "/home/u/", "../v/./f", "/home/v/f" },
	{ "/etc", "/abs/../path", "/path" },
	{ "/etc", "/", "/" },
	{ "/etc", "", "/etc" },
	{ "/", "x", "/x" },
	{ "/a/./b/..", "c", "/a/c" },
	{ "", "x", "/x" },
};

static void run_case(const struct norm_case *c)
{
	char in[256], base[256], out[256];
	size_t in_len = strlen(c->in), base_len = c->base ? strlen(c->base) : 0;
	int r;

	/* sentinels: a '/x' after the input must never be read */
	memcpy(in, c->in, in_len);
	memcpy(in + in_len, "/zz", 4);
	if (c->base) {
		memcpy(base, c->base, base_len);
		memcpy(base + base_len, "/yy", 4);
	}
	memset(out, 0x7e, sizeof(out));
	r = pathutil_normalize(c->base ? base : NULL, base_len, in, in_len, out, sizeof(out));
	if (r < 0 || strcmp(out, c->want) != 0)
		fail_msg("normalize(%s, %s) = %d '%s', want '%s'", c->base ? c->base : "NULL",
			 c->in, r, out, c->want);
	assert_int_equal(r, strlen(c->want));
}

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
}

static void test_exact_fit(void **state)
{
	char out[8];
	int r;

	(void)state;
	/* "/abcdef" is 7 bytes plus NUL: exactly 8 */
	memset(out, 0x7e, sizeof(out));
	r = pathutil_normalize(NULL, 0, "/abcdef", 7, out, sizeof(out));
	assert_int_equal(r, 7);
	assert_string_equal(out, "/abcdef");
	/* two components filling exactly */
	r = pathutil_normalize("/abc", 4, "de", 2, out, sizeof(out));
	assert_int_equal(r, 7);
	assert_string_equal(out, "/abc/de");
	/* the minimum buffer holds "/" */
	r = pathutil_normalize(NULL, 0, "/", 1, out, 2);
	assert_int_equal(r, 1);
	assert_string_equal(out, "/");
}

static void test_too_long(void **state)
{
	char out[8];
	int r;

	(void)state;
	memset(out, 0x7e, sizeof(out));
	r = pathutil_normalize(NULL, 0, "/abcdefg", 8, out, sizeof(out));
	assert_int_equal(r, -ENAMETOOLONG);
	assert_non_null(memchr(out, '\0', sizeof(out)));
	assert_string_equal(out, "/");

	memset(out, 0x7e, sizeof(out));
	r = pathutil_normalize(NULL, 0, "/ab/cd/ef", 9, out, sizeof(out));
	assert_int_equal(r, -ENAMETOOLONG);
	assert_string_equal(out, "/ab/cd"); /* truncated at a component, terminated */

	memset(out, 0x7e, sizeof(out));
	r = pathutil_normalize("/abc", 4, "defg", 4, out, sizeof(out));
	assert_int_equal(r, -ENAMETOOLONG);
	assert_string_equal(out, "/abc");

	memset(out, 0x7e, sizeof(out));
	r = pathutil_normalize("/abcdefghij", 11, "x", 1, out, sizeof(out));
	assert_int_equal(r, -ENAMETOOLONG);
	assert_string_equal(out, "/");

	assert_int_equal(pathutil_normalize(NULL, 0, "/", 1, out, 1), -ENAMETOOLONG);
	assert_int_equal(pathutil_normalize(NULL, 0, "/", 1, out, 0), -ENAMETOOLONG);
}

static void test_long_path(void **state)
{
	static char in[5000], out[4097];
	int r;

	(void)state;
	/* 2047 components "/a" = 4094 bytes, then "/b/.." */
	for (int i = 0; i < 2047; i++)
		memcpy(in + 2 * i, "/a", 2);
	memcpy(in + 4094, "/b/..", 5);
	r = pathutil_normalize(NULL, 0, in, 4099, out, sizeof(out));
	assert_int_equal(r, 4094);
	assert_memory_equal(out, in, 4094);
	assert_int_equal(out[4094], '\0');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_exact_fit),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_long_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
