/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * exeid.h - SHA-256 of executables, cached by file identity, hashed off the event path.
 *
 * The event thread asks exeid_lookup() for the digest of an exec's file identity
 * (dev, ino, size, mtime, ctime).  A cached digest comes back at once; otherwise the
 * identity is queued for one worker thread, which opens the file, checks that it still
 * is the same file, hashes it and caches the result.  The caller never waits for I/O.
 */
#ifndef VIGIL_EXEID_H
#define VIGIL_EXEID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

#define EXEID_HEX_LEN 64 /* lowercase hex digits of a SHA-256, without the NUL */

struct exeid;

/* Counters since exeid_new(); a snapshot is taken under the lock by exeid_stats(). */
struct exeid_stats {
	uint64_t hits;		    /* lookups answered from the cache */
	uint64_t misses;	    /* lookups not in the cache */
	uint64_t queued;	    /* identities put on the queue */
	uint64_t queue_full;	    /* misses dropped because the queue was full */
	uint64_t pending_dup;	    /* misses for an identity already queued or being hashed */
	uint64_t hashed;	    /* digests computed and cached */
	uint64_t errors;	    /* no candidate file could be opened, or a read failed */
	uint64_t identity_mismatch; /* files opened, but none matched the identity */
	uint64_t too_big;	    /* matching file larger than max_file_bytes, not hashed */
	uint64_t evictions;	    /* cache entries dropped by LRU */
	uint64_t bytes;		    /* bytes hashed */
};

/*
 * Creates the cache (cache_entries digests, LRU), the queue (queue_len identities) and
 * starts one worker thread.  Files larger than max_file_bytes are never hashed.
 * Returns NULL with errno set: EINVAL when cache_entries or queue_len is 0 or above
 * UINT32_MAX / 4, ENOMEM, or the pthread_create() error.  Free with exeid_free().
 */
struct exeid *exeid_new(size_t cache_entries, size_t queue_len, uint64_t max_file_bytes);

/* Stops and joins the worker, drops queued work and frees everything.  Accepts NULL. */
void exeid_free(struct exeid *x);

/*
 * Never blocks on I/O.  Returns 1 and writes 64 lowercase hex digits and a NUL into hex
 * when the digest of *id is cached; 0 when the identity was queued for hashing (or is
 * already queued or being hashed); -ENOSPC when the queue is full (counted in
 * queue_full); -ENOMEM when the path could not be copied; -EINVAL for a NULL x, id or
 * hex, a zero identity (ino == 0), or neither a pid nor a path.  The worker opens
 * "/proc/<pid>/exe" first (pid 0 skips it), which works for deleted files, memfd and
 * other mount namespaces, then path (NULL or "" skips it), and hashes the first one
 * whose dev, ino, size, mtime and ctime equal *id.  path is copied; the caller keeps
 * ownership.  Identities that fail (mismatch, error, too big) are not remembered: a
 * later lookup queues them again.
 */
int exeid_lookup(struct exeid *x, const struct vg_exe_identity *id, uint32_t pid, const char *path,
		 char hex[65]);

/*
 * Blocks until the queue is empty and the worker idle, or timeout_ms milliseconds pass
 * (a negative timeout waits forever).  Returns 0, or -ETIMEDOUT (also while paused with
 * work queued).  For tests and shutdown.
 */
int exeid_drain(struct exeid *x, int timeout_ms);

/*
 * Test hook: while paused, the worker takes no new job from the queue (it finishes the
 * one it holds).  Unpausing wakes it.
 */
void exeid_pause(struct exeid *x, bool paused);

/* Copies the counters into *out (all zero for a NULL x). */
void exeid_stats(struct exeid *x, struct exeid_stats *out);

/*
 * Hashes the open file descriptor fd from its current offset to end of file, reading
 * 64 KiB at a time, and writes the SHA-256 as 64 lowercase hex digits and a NUL into hex.
 * Returns 0, -EINVAL for a negative fd or NULL hex, -EFBIG when more than max_bytes
 * could be read, -errno of a failed read(), or -ENOMEM / -EIO when OpenSSL fails.
 * The caller owns and closes fd; hex is untouched on error.
 */
int exeid_sha256_fd(int fd, uint64_t max_bytes, char hex[65]);

#endif /* VIGIL_EXEID_H */
