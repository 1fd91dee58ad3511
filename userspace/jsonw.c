// SPDX-License-Identifier: GPL-2.0-only
/*
 * jsonw.c - streaming JSON writer (see jsonw.h for why it is hand-written).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"

int jsonw_init(struct jsonw *w, size_t max)
{
	memset(w, 0, sizeof(*w));
	w->cap = max < 4096 ? max : 4096;
	w->max = max;
	w->buf = malloc(w->cap);
	if (!w->buf)
		return -ENOMEM;
	w->first[0] = true;
	return 0;
}

void jsonw_free(struct jsonw *w)
{
	if (!w)
		return;
	free(w->buf);
	memset(w, 0, sizeof(*w));
}

void jsonw_reset(struct jsonw *w)
{
	w->len = 0;
	w->overflow = false;
	w->depth = 0;
	w->first[0] = true;
}

static bool reserve(struct jsonw *w, size_t n)
{
	size_t want = w->len + n + 1;
	char *nb;
	size_t ncap;

	if (w->overflow)
		return false;
	if (want <= w->cap)
		return true;
	if (want > w->max) {
		w->overflow = true;
		return false;
	}
	ncap = w->cap * 2;
	while (ncap < want)
		ncap *= 2;
	if (ncap > w->max)
		ncap = w->max;
	nb = realloc(w->buf, ncap);
	if (!nb) {
		w->overflow = true;
		return false;
	}
	w->buf = nb;
	w->cap = ncap;
	return true;
}

static inline void put(struct jsonw *w, const char *s, size_t n)
{
	if (w->overflow || (w->len + n >= w->cap && !reserve(w, n)))
		return; /* overflow is sticky: the document is invalid */
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static inline void putc1(struct jsonw *w, char c)
{
	if (w->overflow || (w->len + 1 >= w->cap && !reserve(w, 1)))
		return;
	w->buf[w->len++] = c;
	w->buf[w->len] = '\0';
}

/* Length of a valid UTF-8 sequence at s (n bytes left), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

static void put_escaped(struct jsonw *w, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, run = 0;

	putc1(w, '"');
	while (i < n) {
		unsigned char c = s[i];
		char esc[8];
		size_t ulen;

		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			run++;
			i++;
			continue;
		}
		put(w, (const char *)s + i - run, run);
		run = 0;
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			put(w, esc, 2);
			i++;
		} else if (c < 0x20) {
			const char *short_esc = c == '\n'   ? "\\n"
						: c == '\t' ? "\\t"
						: c == '\r' ? "\\r"
							    : NULL;

			if (short_esc) {
				put(w, short_esc, 2);
			} else {
				memcpy(esc, "\\u00", 4);
				esc[4] = hex[c >> 4];
				esc[5] = hex[c & 15];
				put(w, esc, 6);
			}
			i++;
		} else if ((ulen = utf8_len(s + i, n - i)) != 0) {
			put(w, (const char *)s + i, ulen);
			i += ulen;
		} else {
			memcpy(esc, "\\\\x", 3);
			esc[3] = hex[c >> 4];
			esc[4] = hex[c & 15];
			put(w, esc, 5);
			i++;
		}
	}
	put(w, (const char *)s + i - run, run);
	putc1(w, '"');
}

/* Keys are trusted literals (no escaping needed): written as they are. */
static void key(struct jsonw *w, const char *k)
{
	if (!w->first[w->depth])
		putc1(w, ',');
	w->first[w->depth] = false;
	if (k) {
		putc1(w, '"');
		put(w, k, strlen(k));
		put(w, "\":", 2);
	}
}

static void open_(struct jsonw *w, const char *k, char c)
{
	key(w, k);
	putc1(w, c);
	if (w->depth + 1 >= JSONW_MAX_DEPTH) {
		w->overflow = true;
		return;
	}
	w->depth++;
	w->first[w->depth] = true;
}

static void close_(struct jsonw *w, char c)
{
	putc1(w, c);
	if (w->depth > 0)
		w->depth--;
}

void jsonw_obj_open(struct jsonw *w, const char *k)
{
	open_(w, k, '{');
}

void jsonw_obj_close(struct jsonw *w)
{
	close_(w, '}');
}

void jsonw_arr_open(struct jsonw *w, const char *k)
{
	open_(w, k, '[');
}

void jsonw_arr_close(struct jsonw *w)
{
	close_(w, ']');
}

void jsonw_str(struct jsonw *w, const char *k, const char *s, size_t len)
{
	key(w, k);
	put_escaped(w, s ? s : "", s ? len : 0);
}

void jsonw_cstr(struct jsonw *w, const char *k, const char *s)
{
	jsonw_str(w, k, s, s ? strlen(s) : 0);
}

/* Decimal digits of v into the end of b; returns the first digit. */
static char *u64_digits(uint64_t v, char *end)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

void jsonw_u64(struct jsonw *w, const char *k, uint64_t v)
{
	char b[24];
	char *p = u64_digits(v, b + sizeof(b));

	key(w, k);
	put(w, p, (size_t)(b + sizeof(b) - p));
}

void jsonw_i64(struct jsonw *w, const char *k, int64_t v)
{
	char b[24];
	char *p = u64_digits(v < 0 ? 0 - (uint64_t)v : (uint64_t)v, b + sizeof(b));

	if (v < 0)
		*--p = '-';
	key(w, k);
	put(w, p, (size_t)(b + sizeof(b) - p));
}

void jsonw_bool(struct jsonw *w, const char *k, bool v)
{
	key(w, k);
	put(w, v ? "true" : "false", v ? 4 : 5);
}

void jsonw_null(struct jsonw *w, const char *k)
{
	key(w, k);
	put(w, "null", 4);
}
