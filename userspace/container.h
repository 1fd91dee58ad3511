/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * container.h - container id from a cgroup name.
 *
 * Container runtimes put each container in a cgroup whose leaf names the
 * container: "docker-<id>.scope", "cri-containerd-<id>.scope",
 * "crio-<id>.scope", "libpod-<id>.scope" (systemd driver) or a bare "<id>"
 * (cgroupfs driver: /docker/<id>, /kubepods/.../<id>).  <id> is always 64
 * lower-case hex digits.
 */
#ifndef VIGIL_CONTAINER_H
#define VIGIL_CONTAINER_H

#include <stddef.h>

#define CONTAINER_ID_LEN 64

/*
 * Extracts the container id from a cgroup path or leaf name.  name holds len
 * bytes and need not be NUL-terminated; only its last '/'-separated component
 * is examined.  On success writes the 64-character lower-case id plus a NUL
 * to out and returns 0.  Returns -ENOENT when the name is not a container's
 * cgroup (out is then set to "").
 */
int container_id_from_cgroup(const char *name, size_t len, char out[CONTAINER_ID_LEN + 1]);

#endif /* VIGIL_CONTAINER_H */
