/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * jsonw.h - a small streaming JSON writer into a growable, bounded buffer.
 *
 * Hand-written because it sits on the per-event path (--events, alert log):
 * building a jansson tree per event and dumping it costs several times
 * more than appending escaped bytes.  Keys are trusted literals; values are
 * escaped.  Bytes that are not valid UTF-8 are written as the five
 * characters \\xHH (an escaped backslash, 'x', two hex digits) so the output
 * is always valid JSON; a literal backslash-x-hex-hex in a name reads the
 * same, a documented ambiguity (README "Event stream").
 */
#ifndef VIGIL_JSONW_H
#define VIGIL_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSONW_MAX_DEPTH 16

struct jsonw {
	char *buf;
	size_t len, cap, max; /* max: hard bound on one document */
	bool overflow;	      /* a write did not fit under max: document is invalid */
	int depth;
	bool first[JSONW_MAX_DEPTH];
};

/* max is the largest document in bytes.  Returns 0 or -ENOMEM. */
int jsonw_init(struct jsonw *w, size_t max);
void jsonw_free(struct jsonw *w);
void jsonw_reset(struct jsonw *w);

/* key is NULL inside arrays and for the top-level value. */
void jsonw_obj_open(struct jsonw *w, const char *key);
void jsonw_obj_close(struct jsonw *w);
void jsonw_arr_open(struct jsonw *w, const char *key);
void jsonw_arr_close(struct jsonw *w);
void jsonw_str(struct jsonw *w, const char *key, const char *s, size_t len);
void jsonw_cstr(struct jsonw *w, const char *key, const char *s);
void jsonw_u64(struct jsonw *w, const char *key, uint64_t v);
void jsonw_i64(struct jsonw *w, const char *key, int64_t v);
void jsonw_bool(struct jsonw *w, const char *key, bool v);
void jsonw_null(struct jsonw *w, const char *key);

#endif /* VIGIL_JSONW_H */
