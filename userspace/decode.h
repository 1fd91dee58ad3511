/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * decode.h - ring-buffer record -> struct vg_event.  A trust boundary: every
 * length is checked against the record before anything is read.
 */
#ifndef VIGIL_DECODE_H
#define VIGIL_DECODE_H

#include <stddef.h>

#include "event.h"

/*
 * Decode one record of len bytes.  On success returns 0 and fills *ev with
 * views into data (valid while data is).  On a malformed record returns
 * -EINVAL (bad length or field), -EPROTO (unknown ABI version) or
 * -EOPNOTSUPP (unknown type), and sets *why to a static description.
 */
int decode_record(const void *data, size_t len, struct vg_event *ev, const char **why);

/* Kernel dev_t (major << 20 | minor) to the userspace encoding (glibc makedev). */
uint64_t decode_dev(uint32_t kdev);

/* The inverse: major and minor numbers of a userspace dev_t (glibc major()/minor()). */
void decode_dev_split(uint64_t dev, unsigned *major, unsigned *minor);

#endif /* VIGIL_DECODE_H */
