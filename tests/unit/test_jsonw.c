/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_jsonw.c - unit tests for userspace/jsonw.c.
 *
 * Every document written is parsed back with jansson (an independent JSON
 * parser that also rejects invalid UTF-8), and the values are compared with
 * what was written, byte for byte.
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
#include <jansson.h>

#include "jsonw.h"

static json_t *parse(const struct jsonw *w)
{
	json_error_t err;
	json_t *j;

	assert_false(w->overflow);
	assert_int_equal(strlen(w->buf), w->len);
	j = json_loadb(w->buf, w->len, JSON_ALLOW_NUL | JSON_DECODE_ANY, &err);
	if (!j)
		fail_msg("jansson rejected '%s': %s at %d", w->buf, err.text, err.position);
	return j;
}

/* Writes s (n bytes) as the only element of an array and returns what jansson decodes. */
static void check_string(const char *s, size_t n, const char *want, size_t want_len)
{
	struct jsonw w;
	json_t *j, *v;

	assert_int_equal(jsonw_init(&w, 1 << 16), 0);
	jsonw_arr_open(&w, NULL);
	jsonw_str(&w, NULL, s, n);
	jsonw_arr_close(&w);
	j = parse(&w);
	assert_true(json_is_array(j));
	assert_int_equal(json_array_size(j), 1);
	v = json_array_get(j, 0);
	assert_true(json_is_string(v));
	assert_int_equal(json_string_length(v), want_len);
	assert_memory_equal(json_string_value(v), want, want_len);
	json_decref(j);
	jsonw_free(&w);
}

#define CHECK_SAME(lit)		check_string(lit, sizeof(lit) - 1, lit, sizeof(lit) - 1)
#define CHECK_AS(lit, want_lit) check_string(lit, sizeof(lit) - 1, want_lit, sizeof(want_lit) - 1)

static void test_nested(void **state)
{
	struct jsonw w;
	json_t *j, *o, *a;

	(void)state;
	assert_int_equal(jsonw_init(&w, 4096), 0);
	jsonw_obj_open(&w, NULL);
	jsonw_cstr(&w, "type", "exec");
	jsonw_obj_open(&w, "process");
	jsonw_u64(&w, "pid", 42);
	jsonw_obj_open(&w, "empty");
	jsonw_obj_close(&w);
	jsonw_arr_open(&w, "args");
	jsonw_cstr(&w, NULL, "a");
	jsonw_arr_open(&w, NULL);
	jsonw_arr_close(&w);
	jsonw_obj_open(&w, NULL);
	jsonw_bool(&w, "t", true);
	jsonw_obj_close(&w);
	jsonw_i64(&w, NULL, -5);
	jsonw_arr_close(&w);
	jsonw_obj_close(&w);
	jsonw_bool(&w, "f", false);
	jsonw_null(&w, "n");
	jsonw_cstr(&w, "nullstr", NULL);
	jsonw_str(&w, "nullptr", NULL, 5);
	jsonw_obj_close(&w);
	assert_int_equal(w.depth, 0);

	j = parse(&w);
	assert_string_equal(json_string_value(json_object_get(j, "type")), "exec");
	o = json_object_get(j, "process");
	assert_true(json_is_object(o));
	assert_int_equal(json_integer_value(json_object_get(o, "pid")), 42);
	assert_true(json_is_object(json_object_get(o, "empty")));
	assert_int_equal(json_object_size(json_object_get(o, "empty")), 0);
	a = json_object_get(o, "args");
	assert_int_equal(json_array_size(a), 4);
	assert_string_equal(json_string_value(json_array_get(a, 0)), "a");
	assert_int_equal(json_array_size(json_array_get(a, 1)), 0);
	assert_true(json_is_true(json_object_get(json_array_get(a, 2), "t")));
	assert_int_equal(json_integer_value(json_array_get(a, 3)), -5);
	assert_true(json_is_false(json_object_get(j, "f")));
	assert_true(json_is_null(json_object_get(j, "n")));
	assert_string_equal(json_string_value(json_object_get(j, "nullstr")), "");
	assert_string_equal(json_string_value(json_object_get(j, "nullptr")), "");
	assert_int_equal(json_object_size(j), 6);
	json_decref(j);
	jsonw_free(&w);
	jsonw_free(NULL);
}

static void test_escapes(void **state)
{
	char all_ctl[32];

	(void)state;
	CHECK_SAME("plain ascii ~!@#$%^&*()");
	CHECK_SAME("quote\" backslash\\ newline\n tab\t cr\r");
	CHECK_SAME("\x01\x02\x1f\x7f");
	CHECK_SAME("");
	check_string("a\0b", 3, "a\0b", 3); /* NUL is \u0000, not a terminator */
	for (int i = 0; i < 32; i++)
		all_ctl[i] = (char)i;
	check_string(all_ctl, 32, all_ctl, 32);
}

static void test_escape_text(void **state)
{
	struct jsonw w;

	(void)state;
	assert_int_equal(jsonw_init(&w, 256), 0);
	jsonw_str(&w, NULL, "\"\\\n\t\r\x01", 6);
	assert_string_equal(w.buf, "\"\\\"\\\\\\n\\t\\r\\u0001\"");
	jsonw_free(&w);
}

static void test_utf8_kept(void **state)
{
	(void)state;
	CHECK_SAME("caf\xc3\xa9");		/* é */
	CHECK_SAME("\xe6\x97\xa5\xe6\x9c\xac"); /* 日本 */
	CHECK_SAME("\xf0\x9f\x98\x80 grin");	/* U+1F600 */
	/* bounds of the 2- and 3-byte forms, and U+D7FF, U+E000 around the surrogates */
	CHECK_SAME("\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf");
	CHECK_SAME("\xed\x9f\xbf\xee\x80\x80");
	/* U+10000, U+10FFFF */
	CHECK_SAME("\xf0\x90\x80\x80\xf4\x8f\xbf\xbf");
}

static void test_utf8_invalid_as_hex(void **state)
{
	(void)state;
	CHECK_AS("\xff", "\\xff");
	CHECK_AS("a\x80z", "a\\x80z");				       /* lone continuation */
	CHECK_AS("\xc0\xaf", "\\xc0\\xaf");			       /* overlong '/' */
	CHECK_AS("\xe0\x80\xaf", "\\xe0\\x80\\xaf");		       /* overlong 3-byte */
	CHECK_AS("\xed\xa0\x80", "\\xed\\xa0\\x80");		       /* surrogate U+D800 */
	CHECK_AS("\xe6\x97", "\\xe6\\x97");			       /* truncated at the end */
	CHECK_AS("\xe6\x97z\xe6\x97\xa5", "\\xe6\\x97z\xe6\x97\xa5");  /* truncated, then valid */
	CHECK_AS("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");	       /* above U+10FFFF */
	CHECK_AS("\xf0\x8f\xbf\xbf", "\\xf0\\x8f\\xbf\\xbf");	       /* overlong 4-byte */
	CHECK_AS("\xf8\x88\x80\x80\x80", "\\xf8\\x88\\x80\\x80\\x80"); /* 5-byte form */
	CHECK_AS("\xc3", "\\xc3");
	CHECK_AS("\"\xfe\\", "\"\\xfe\\");
}

static void test_numbers(void **state)
{
	struct jsonw w;
	json_t *j;

	(void)state;
	assert_int_equal(jsonw_init(&w, 4096), 0);
	/* jansson holds integers as long long and rejects u64 max: check the text */
	jsonw_arr_open(&w, NULL);
	jsonw_u64(&w, NULL, UINT64_MAX);
	jsonw_u64(&w, NULL, 1ull << 63);
	jsonw_arr_close(&w);
	assert_string_equal(w.buf, "[18446744073709551615,9223372036854775808]");
	assert_true(strtoull(w.buf + 1, NULL, 10) == UINT64_MAX);

	jsonw_reset(&w);
	jsonw_obj_open(&w, NULL);
	jsonw_u64(&w, "zero", 0);
	jsonw_u64(&w, "big", (uint64_t)INT64_MAX);
	jsonw_i64(&w, "i64min", INT64_MIN);
	jsonw_i64(&w, "i64max", INT64_MAX);
	jsonw_i64(&w, "neg", -1);
	jsonw_obj_close(&w);
	j = parse(&w);
	assert_int_equal(json_integer_value(json_object_get(j, "zero")), 0);
	assert_true(json_integer_value(json_object_get(j, "big")) == INT64_MAX);
	assert_true(json_integer_value(json_object_get(j, "i64min")) == INT64_MIN);
	assert_true(json_integer_value(json_object_get(j, "i64max")) == INT64_MAX);
	assert_true(json_integer_value(json_object_get(j, "neg")) == -1);
	json_decref(j);
	jsonw_free(&w);
}

static void test_growth(void **state)
{
	struct jsonw w;
	char *big = malloc(100000);
	json_t *j;

	(void)state;
	assert_non_null(big);
	memset(big, 'q', 100000);
	assert_int_equal(jsonw_init(&w, 1 << 20), 0);
	jsonw_obj_open(&w, NULL);
	jsonw_str(&w, "big", big, 100000);
	jsonw_obj_close(&w);
	assert_true(w.cap >= w.len + 1);
	assert_true(w.cap <= w.max);
	j = parse(&w);
	assert_int_equal(json_string_length(json_object_get(j, "big")), 100000);
	json_decref(j);
	jsonw_free(&w);
	free(big);
}

static void test_overflow(void **state)
{
	char big[300];
	struct jsonw w;

	(void)state;
	memset(big, 'x', sizeof(big));
	assert_int_equal(jsonw_init(&w, 128), 0);
	jsonw_obj_open(&w, NULL);
	jsonw_u64(&w, "a", 1);
	assert_false(w.overflow);
	jsonw_str(&w, "s", big, sizeof(big));
	assert_true(w.overflow);
	jsonw_u64(&w, "b", 2); /* later writes are dropped, the flag sticks */
	jsonw_obj_close(&w);
	assert_true(w.overflow);
	assert_true(w.len < 128);
	assert_int_equal(strlen(w.buf), w.len); /* still NUL-terminated */
	assert_null(strstr(w.buf, "\"b\""));

	/* a document of exactly max - 1 bytes (plus NUL) fits; one more does not */
	jsonw_reset(&w);
	assert_false(w.overflow);
	jsonw_str(&w, NULL, big, 125); /* 127 bytes with the quotes */
	assert_false(w.overflow);
	assert_int_equal(w.len, 127);
	jsonw_reset(&w);
	jsonw_str(&w, NULL, big, 126);
	assert_true(w.overflow);

	/* an escape that would cross the bound also overflows */
	jsonw_reset(&w);
	jsonw_str(&w, NULL, big, 120);
	jsonw_str(&w, NULL, "\xff", 1);
	assert_true(w.overflow);
	jsonw_free(&w);
}

static void test_depth_limit(void **state)
{
	struct jsonw w;

	(void)state;
	assert_int_equal(jsonw_init(&w, 4096), 0);
	for (int i = 0; i < JSONW_MAX_DEPTH - 1; i++)
		jsonw_arr_open(&w, NULL);
	assert_false(w.overflow);
	jsonw_arr_open(&w, NULL);
	assert_true(w.overflow);
	jsonw_free(&w);
}

static void test_reset_reuses_buffer(void **state)
{
	struct jsonw w;
	char *buf;
	json_t *j;

	(void)state;
	assert_int_equal(jsonw_init(&w, 4096), 0);
	jsonw_obj_open(&w, NULL);
	jsonw_cstr(&w, "first", "document with some length");
	jsonw_obj_open(&w, "inner");
	/* left open: reset must also forget the depth */
	buf = w.buf;
	jsonw_reset(&w);
	assert_ptr_equal(w.buf, buf);
	assert_int_equal(w.len, 0);
	assert_int_equal(w.depth, 0);
	jsonw_obj_open(&w, NULL);
	jsonw_u64(&w, "second", 2);
	jsonw_obj_close(&w);
	assert_ptr_equal(w.buf, buf);
	assert_string_equal(w.buf, "{\"second\":2}");
	j = parse(&w);
	assert_int_equal(json_integer_value(json_object_get(j, "second")), 2);
	json_decref(j);

	/* overflow is cleared too */
	jsonw_reset(&w);
	for (int i = 0; i < JSONW_MAX_DEPTH; i++)
		jsonw_arr_open(&w, NULL);
	assert_true(w.overflow);
	jsonw_reset(&w);
	assert_false(w.overflow);
	jsonw_u64(&w, NULL, 7);
	assert_string_equal(w.buf, "7");
	jsonw_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_escape_text),
		cmocka_unit_test(test_utf8_kept),
		cmocka_unit_test(test_utf8_invalid_as_hex),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_reset_reuses_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
