/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz_config.c - libFuzzer target for the config loader (userspace/config.c), a trust
 * boundary: any byte string must parse or fail cleanly, with no leak, and leave the
 * previous config intact on failure.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vigil_config c;
	char err[256];

	if (config_defaults(&c))
		return 0;
	if (config_load_buffer(&c, "fuzz.yaml", (const char *)data, size, err, sizeof(err)) &&
	    (memchr(err, '\0', sizeof(err)) == NULL || c.poll_ms != 50))
		__builtin_trap();
	config_free(&c);
	return 0;
}
