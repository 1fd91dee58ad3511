/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pathutil.h - lexical path helpers shared by the event formatter and rules.
 */
#ifndef VIGIL_PATHUTIL_H
#define VIGIL_PATHUTIL_H

#include <stddef.h>

/*
 * Normalize an absolute path lexically: collapse "//", drop "." and resolve
 * ".." against the previous component (never above "/").  When in is
 * relative, base (absolute, may be NULL) is prepended.  Writes at most
 * outlen bytes including the NUL; returns the length, or -ENAMETOOLONG
 * (out then holds a truncated but NUL-terminated path).
 */
int pathutil_normalize(const char *base, size_t base_len, const char *in, size_t in_len, char *out,
		       size_t outlen);

#endif /* VIGIL_PATHUTIL_H */
