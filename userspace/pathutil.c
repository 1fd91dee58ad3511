// SPDX-License-Identifier: GPL-2.0-only
/*
 * pathutil.c - lexical normalization of the paths the kernel side joins.
 *
 * The BPF file programs join a walked directory with a user-supplied
 * relative name and cannot fold "." and ".." there; this does it, as
 * realpath would without touching the filesystem (symlinks in the relative
 * part are not followed, by design: the file may no longer exist).
 */
#include <errno.h>
#include <string.h>

#include "pathutil.h"

/* Append one component, handling "." and "..". */
static int push(char *out, size_t outlen, size_t *len, const char *c, size_t n)
{
	if (n == 0 || (n == 1 && c[0] == '.'))
		return 0;
	if (n == 2 && c[0] == '.' && c[1] == '.') {
		while (*len > 1 && out[*len - 1] != '/')
			(*len)--;
		if (*len > 1)
			(*len)--; /* drop the '/' too, unless it is the root */
		out[*len] = '\0';
		return 0;
	}
	if (*len + (*len > 1 ? 1 : 0) + n + 1 > outlen)
		return -ENAMETOOLONG;
	if (*len > 1)
		out[(*len)++] = '/';
	memcpy(out + *len, c, n);
	*len += n;
	out[*len] = '\0';
	return 0;
}

static int push_all(char *out, size_t outlen, size_t *len, const char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t j = i;
		int r;

		while (j < n && p[j] != '/')
			j++;
		r = push(out, outlen, len, p + i, j - i);
		if (r)
			return r;
		i = j + 1;
	}
	return 0;
}

int pathutil_normalize(const char *base, size_t base_len, const char *in, size_t in_len, char *out,
		       size_t outlen)
{
	size_t len = 1;
	int r = 0;

	if (outlen < 2)
		return -ENAMETOOLONG;
	out[0] = '/';
	out[1] = '\0';
	if ((in_len == 0 || in[0] != '/') && base)
		r = push_all(out, outlen, &len, base, base_len);
	if (!r)
		r = push_all(out, outlen, &len, in, in_len);
	return r ? r : (int)len;
}
