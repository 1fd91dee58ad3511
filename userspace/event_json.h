/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * event_json.h - one normalized event as one JSON object (vigild --events).
 * Field names and meanings are documented in README.md, "Event stream".
 */
#ifndef VIGIL_EVENT_JSON_H
#define VIGIL_EVENT_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "jsonw.h"
#include "proctable.h"

#define EVENT_JSON_ANCESTRY_MAX 8

/* What the pipeline knows about the event beyond the record itself. */
struct event_json_ctx {
	const struct proc_entry *proc; /* the acting process, NULL if unknown */
	const struct proc_entry *ancestry[EVENT_JSON_ANCESTRY_MAX]; /* parent first */
	size_t nancestry;
	const char *user;	 /* name of proc uid, NULL if unknown */
	const char *sha256;	 /* exe digest, NULL while pending */
	int64_t boot_to_real_ns; /* CLOCK_REALTIME - CLOCK_BOOTTIME */
};

/*
 * Write ev as one JSON object (no newline) into w, which is reset first.
 * Returns 0, or -E2BIG when the document did not fit w's bound.
 */
int event_json_write(struct jsonw *w, const struct vg_event *ev, const struct event_json_ctx *ctx);

/* RFC 3339 UTC with nanoseconds ("2026-11-28T16:03:00.123456789Z"). */
void event_json_time(int64_t real_ns, char *buf, size_t len);

#endif /* VIGIL_EVENT_JSON_H */
