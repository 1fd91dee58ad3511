/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz_jsonw.c - libFuzzer target for the JSON writer's string escaping
 * (userspace/jsonw.c).  Any byte string written as a value must give valid
 * JSON: checked here with a small strict parser for the one string value
 * (no raw control bytes, only JSON escapes, valid UTF-8), since the fuzz
 * build does not link jansson.  When the input holds no backslash, the
 * decoded value with each "\xHH" turned back into its byte must equal the
 * input (the writer's promise that invalid bytes stay recoverable).  A
 * second, tightly bounded writer exercises the overflow path.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"

#define BIG_MAX ((size_t)1 << 24)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Length of the strictly valid UTF-8 sequence at s, or 0 (RFC 3629 table). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (len > n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/*
 * Parses the JSON string starting at *p (at its opening quote), writing the
 * decoded bytes (code points below 0x80 from \u escapes only) to out.
 * Returns the decoded length and advances *p past the closing quote.
 */
static size_t parse_string(const unsigned char **p, const unsigned char *end, unsigned char *out)
{
	const unsigned char *s = *p;
	size_t o = 0;

	if (s >= end || *s++ != '"')
		__builtin_trap();
	for (;;) {
		size_t n;

		if (s >= end)
			__builtin_trap();
		if (*s == '"')
			break;
		if (*s < 0x20)
			__builtin_trap();
		if (*s == '\\') {
			if (s + 1 >= end)
				__builtin_trap();
			switch (s[1]) {
			case '"':
			case '\\':
			case '/':
				out[o++] = s[1];
				s += 2;
				continue;
			case 'b':
				out[o++] = '\b';
				s += 2;
				continue;
			case 'f':
				out[o++] = '\f';
				s += 2;
				continue;
			case 'n':
				out[o++] = '\n';
				s += 2;
				continue;
			case 'r':
				out[o++] = '\r';
				s += 2;
				continue;
			case 't':
				out[o++] = '\t';
				s += 2;
				continue;
			case 'u': {
				int v = 0;

				if (s + 6 > end)
					__builtin_trap();
				for (int i = 2; i < 6; i++) {
					int h = hexval(s[i]);

					if (h < 0)
						__builtin_trap();
					v = v * 16 + h;
				}
				/* the writer only escapes control bytes this way */
				if (v >= 0x20)
					__builtin_trap();
				out[o++] = (unsigned char)v;
				s += 6;
				continue;
			}
			default:
				__builtin_trap();
			}
		}
		n = utf8_seq(s, (size_t)(end - s));
		if (n == 0)
			__builtin_trap();
		memcpy(out + o, s, n);
		o += n;
		s += n;
	}
	*p = s + 1;
	return o;
}

/* Turns each "\xHH" back into its byte, in place; returns the new length. */
static size_t unhex(unsigned char *s, size_t n)
{
	size_t i = 0, o = 0;

	while (i < n) {
		if (i + 3 < n && s[i] == '\\' && s[i + 1] == 'x' && hexval(s[i + 2]) >= 0 &&
		    hexval(s[i + 3]) >= 0) {
			s[o++] = (unsigned char)(hexval(s[i + 2]) * 16 + hexval(s[i + 3]));
			i += 4;
		} else {
			s[o++] = s[i++];
		}
	}
	return o;
}

static void check_doc(const struct jsonw *w, const uint8_t *data, size_t size)
{
	const unsigned char *p = (const unsigned char *)w->buf, *end = p + w->len;
	unsigned char *dec;
	size_t n;

	if (w->len < 8 || memcmp(p, "{\"v\":", 5) != 0 || end[-1] != '}')
		__builtin_trap();
	p += 5;
	dec = malloc(w->len + 1);
	if (!dec)
		return;
	n = parse_string(&p, end, dec);
	if (p + 1 != end)
		__builtin_trap();
	if (!memchr(data, '\\', size)) {
		n = unhex(dec, n);
		if (n != size || (size && memcmp(dec, data, size) != 0))
			__builtin_trap();
	}
	free(dec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct jsonw big, tight;
	const char *s = (const char *)data;

	/* every input byte takes at most 6 output bytes */
	if (size > (BIG_MAX - 64) / 6)
		return 0;
	if (!big.buf && jsonw_init(&big, BIG_MAX))
		return 0;
	jsonw_reset(&big);
	jsonw_obj_open(&big, NULL);
	jsonw_str(&big, "v", s, size);
	jsonw_obj_close(&big);
	if (big.overflow || big.buf[big.len] != '\0')
		__builtin_trap();
	check_doc(&big, data, size);

	/* bounded: either the whole document fits or overflow is flagged */
	if (!tight.buf && jsonw_init(&tight, 48))
		return 0;
	jsonw_reset(&tight);
	jsonw_obj_open(&tight, NULL);
	jsonw_str(&tight, "v", s, size);
	jsonw_obj_close(&tight);
	if (tight.len >= tight.max || strlen(tight.buf) != tight.len)
		__builtin_trap();
	if (!tight.overflow) {
		if (tight.len != big.len || memcmp(tight.buf, big.buf, big.len) != 0)
			__builtin_trap();
	}
	return 0;
}
