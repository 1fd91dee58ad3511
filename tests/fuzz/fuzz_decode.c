/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz_decode.c - libFuzzer target for the ring-buffer decoder
 * (userspace/decode.c), the kernel/user trust boundary, and for what consumes
 * its output: every accepted record has each byte of each string view read
 * (so ASan sees an overread of the input), is formatted by event_json_write()
 * and accounted by seqtrack.  Rejections must carry a reason and one of the
 * documented error codes.  Seeds: tests/fuzz/corpus/decode.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "decode.h"
#include "event_json.h"
#include "jsonw.h"
#include "seqtrack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct jsonw writer;
static struct seqtrack *tracker;
static volatile uint64_t sink;

static void on_loss(void *arg, const struct vg_ev_loss *loss)
{
	(void)arg;
	sink += loss->count;
}

/* Reads every byte of the view and checks it lies inside the input. */
static void touch(struct vg_str s, const uint8_t *data, size_t size)
{
	const uint8_t *p = (const uint8_t *)s.ptr;
	uint64_t sum = 0;

	if (s.len == 0)
		return;
	if (!p || p < data || p + s.len > data + size)
		__builtin_trap();
	for (uint32_t i = 0; i < s.len; i++)
		sum += p[i];
	sink += sum;
}

static void touch_all(const struct vg_event *ev, const uint8_t *data, size_t size)
{
	switch (ev->kind) {
	case VG_EV_EXEC:
		touch(ev->exec.exe, data, size);
		touch(ev->exec.argv, data, size);
		touch(ev->exec.cwd, data, size);
		touch(ev->exec.filename, data, size);
		touch(ev->exec.interp, data, size);
		touch(ev->exec.cgroup, data, size);
		break;
	case VG_EV_FILE:
		touch(ev->file.path, data, size);
		touch(ev->file.path2, data, size);
		break;
	case VG_EV_SYS:
		touch(ev->sys.str1, data, size);
		touch(ev->sys.str2, data, size);
		touch(ev->sys.str3, data, size);
		break;
	case VG_EV_FORK:
	case VG_EV_EXIT:
	case VG_EV_NET:
	case VG_EV_CRED:
		break;
	default:
		__builtin_trap(); /* decode never produces another kind */
	}
	if (memchr(ev->proc.comm, '\0', sizeof(ev->proc.comm)) == NULL)
		__builtin_trap();
}

/* The document must be NUL-terminated at len and hold no raw control byte. */
static void check_json(const struct jsonw *w)
{
	if (w->buf[w->len] != '\0' || strlen(w->buf) != w->len)
		__builtin_trap();
	for (size_t i = 0; i < w->len; i++)
		if ((unsigned char)w->buf[i] < 0x20)
			__builtin_trap();
	if (w->len < 2 || w->buf[0] != '{' || w->buf[w->len - 1] != '}')
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct event_json_ctx ctx;
	struct vg_event ev;
	const char *why = NULL;
	int r;

	/* A worst-case record (VG_REC_MAX bytes, all escaped 6x) fits in 1 MiB. */
	if (!writer.buf && jsonw_init(&writer, 1 << 20))
		return 0;
	if (!tracker && !(tracker = seqtrack_new()))
		return 0;

	r = decode_record(data, size, &ev, &why);
	if (r) {
		if (!why || (r != -EINVAL && r != -EPROTO && r != -EOPNOTSUPP))
			__builtin_trap();
		return 0;
	}
	touch_all(&ev, data, size);

	memset(&ctx, 0, sizeof(ctx));
	if (event_json_write(&writer, &ev, &ctx) != 0 || writer.overflow)
		__builtin_trap();
	check_json(&writer);

	r = seqtrack_see(tracker, ev.cpu, ev.seq);
	if (r != 0 && !(r == -ERANGE && ev.cpu >= SEQTRACK_MAX_CPUS))
		__builtin_trap();
	seqtrack_flush(tracker, on_loss, NULL);
	return 0;
}
