/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * container.c - recognise container runtimes' cgroup leaf names.
 *
 * Runs once per exec event, so it is a plain table of prefix/suffix pairs
 * around an exact 64-hex id, with no allocation and no regex.  Anything that
 * does not match exactly (wrong length, upper-case hex, extra suffix) is "not
 * a container": a false container id would mislabel every event of the
 * process, a missing one only loses context.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "container.h"

struct runtime_leaf {
	const char *prefix;
	const char *suffix;
};

static const struct runtime_leaf runtime_leaves[] = {
	{ "docker-", ".scope" }, /* docker, systemd cgroup driver */
	{ "cri-containerd-", ".scope" },
	{ "crio-", ".scope" },
	{ "libpod-", ".scope" }, /* podman */
	{ "", "" },		 /* cgroupfs driver: /docker/<id>, /kubepods/.../<id> */
};

static bool is_lower_hex_id(const char *s)
{
	for (size_t i = 0; i < CONTAINER_ID_LEN; i++) {
		char c = s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return true;
}

int container_id_from_cgroup(const char *name, size_t len, char out[CONTAINER_ID_LEN + 1])
{
	const char *leaf = name;
	size_t leaf_len = len;

	out[0] = '\0';
	if (!name)
		return -ENOENT;
	for (size_t i = len; i > 0; i--) {
		if (name[i - 1] == '/') {
			leaf = name + i;
			leaf_len = len - i;
			break;
		}
	}
	for (size_t r = 0; r < sizeof(runtime_leaves) / sizeof(runtime_leaves[0]); r++) {
		size_t plen = strlen(runtime_leaves[r].prefix);
		size_t slen = strlen(runtime_leaves[r].suffix);
		const char *id = leaf + plen;

		if (leaf_len != plen + CONTAINER_ID_LEN + slen)
			continue;
		if (memcmp(leaf, runtime_leaves[r].prefix, plen) != 0)
			continue;
		if (memcmp(id + CONTAINER_ID_LEN, runtime_leaves[r].suffix, slen) != 0)
			continue;
		if (!is_lower_hex_id(id))
			continue;
		memcpy(out, id, CONTAINER_ID_LEN);
		out[CONTAINER_ID_LEN] = '\0';
		return 0;
	}
	return -ENOENT;
}
