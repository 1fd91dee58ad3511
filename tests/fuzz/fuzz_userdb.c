// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_userdb.c - the passwd/group parser on arbitrary bytes.
 *
 * The input is split at the first NUL (or in the middle) into a passwd and
 * a group file, written to per-process temporary files, loaded, and looked
 * up for a spread of ids, including ones the input names.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "userdb.h"

static void write_file(const char *path, const uint8_t *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		abort();
	if (len && fwrite(data, 1, len, f) != len)
		abort();
	fclose(f);
}

static char pw[64], gr[64];

static void remove_files(void)
{
	unlink(pw);
	unlink(gr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t split = nul ? (size_t)(nul - data) : size / 2;
	static const uint32_t ids[] = { 0, 1, 2, 100, 1000, 65534, 4294967294u, 4294967295u };
	struct userdb *db;

	if (!pw[0]) {
		snprintf(pw, sizeof(pw), "/tmp/vigil-fuzz-passwd.%d", (int)getpid());
		snprintf(gr, sizeof(gr), "/tmp/vigil-fuzz-group.%d", (int)getpid());
		atexit(remove_files);
	}
	write_file(pw, data, split);
	write_file(gr, data + split + (nul ? 1 : 0), size - split - (nul ? 1 : 0));
	db = userdb_new(pw, gr, 64);
	if (!db)
		abort();
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		const char *u = userdb_user(db, ids[i]);
		const char *g = userdb_group(db, ids[i]);

		if (u && strlen(u) > size)
			abort(); /* a name can only come from the input */
		if (g && strlen(g) > size)
			abort();
	}
	userdb_free(db);
	return 0;
}
