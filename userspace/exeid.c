/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * exeid.c - SHA-256 of executables: an LRU cache keyed by file identity, a bounded queue
 * and one hashing worker thread.
 *
 * The event thread must never wait for disk, so a miss only records the identity in a
 * queue; the worker opens "/proc/<pid>/exe" (or the path), checks with fstat() that the
 * open file still has the identity the kernel reported, hashes it and publishes the
 * digest.  A digest is only ever cached under the identity it was checked against, so a
 * file rewritten after the exec is never reported with the old file's hash.
 *
 * One mutex guards the cache, the pending set, the queue and the counters.  The event
 * thread holds it for a hash probe and a queue push; the worker holds it to pop a job and
 * to publish a result.  open, fstat and reading happen outside it.  All storage is
 * allocated in exeid_new(): cache nodes live in one array linked by index (bucket chains
 * and the LRU list); pending identities (queued or being hashed) live in a second table
 * with one node per queue slot plus one for the job in the worker's hands, so a push
 * never allocates except the path copy, which is made before the lock is taken.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "exeid.h"

#define NIL	   UINT32_MAX
#define READ_CHUNK (64 * 1024)
#define SHA256_LEN 32
#define MAX_SLOTS  (UINT32_MAX / 4)
#define NEED_PUSH  2 /* lookup_locked(): a miss that may be queued */

struct idkey {
	uint64_t dev, ino, size;
	int64_t mtime_ns, ctime_ns;
};

struct cache_node {
	struct idkey key;
	uint32_t chain;	       /* next node in the same bucket */
	uint32_t newer, older; /* LRU neighbours */
	char hex[EXEID_HEX_LEN + 1];
};

struct pending_node {
	struct idkey key;
	uint32_t chain; /* next node in the same bucket, or in the free list */
};

struct job {
	struct idkey key;
	uint32_t pid;
	char *path; /* owned, may be NULL */
};

enum job_outcome {
	JOB_HASHED,
	JOB_TOO_BIG,
	JOB_MISMATCH,
	JOB_ERROR,
};

struct exeid {
	pthread_mutex_t lock;
	pthread_cond_t work; /* a job is queued, the worker is unpaused, or stopping */
	pthread_cond_t idle; /* the queue is empty and the worker idle */
	pthread_t worker;
	bool sync_ready, worker_started;
	uint64_t max_file_bytes;
	uint64_t seed;

	struct cache_node *cache;
	uint32_t *cache_buckets;
	uint32_t cache_mask, cache_cap, cache_used;
	uint32_t lru_newest, lru_oldest;

	struct pending_node *pending;
	uint32_t *pending_buckets;
	uint32_t pending_mask, pending_free;

	struct job *queue;
	uint32_t queue_cap, queue_head, queue_count;

	bool busy, paused, stopping;
	struct exeid_stats stats;
};

static uint32_t pow2_at_least(uint64_t n)
{
	uint64_t p = 1;

	while (p < n)
		p <<= 1;
	return (uint32_t)p;
}

static uint64_t mix64(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 29);
}

static uint32_t key_hash(const struct exeid *x, const struct idkey *k)
{
	uint64_t h = x->seed;

	h = mix64(h, k->dev);
	h = mix64(h, k->ino);
	h = mix64(h, k->size);
	h = mix64(h, (uint64_t)k->mtime_ns);
	h = mix64(h, (uint64_t)k->ctime_ns);
	return (uint32_t)(h ^ (h >> 32));
}

static bool key_eq(const struct idkey *a, const struct idkey *b)
{
	return a->ino == b->ino && a->dev == b->dev && a->size == b->size &&
	       a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns;
}

static int64_t timespec_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

static bool stat_matches(const struct stat *st, const struct idkey *k)
{
	return (uint64_t)st->st_dev == k->dev && (uint64_t)st->st_ino == k->ino &&
	       (uint64_t)st->st_size == k->size && timespec_ns(&st->st_mtim) == k->mtime_ns &&
	       timespec_ns(&st->st_ctim) == k->ctime_ns;
}

/* ---- cache (caller holds the lock) ---------------------------------------------------- */

static uint32_t cache_find(const struct exeid *x, const struct idkey *k)
{
	uint32_t i = x->cache_buckets[key_hash(x, k) & x->cache_mask];

	while (i != NIL && !key_eq(&x->cache[i].key, k))
		i = x->cache[i].chain;
	return i;
}

static void lru_unlink(struct exeid *x, uint32_t i)
{
	struct cache_node *n = &x->cache[i];

	if (n->newer != NIL)
		x->cache[n->newer].older = n->older;
	else
		x->lru_newest = n->older;
	if (n->older != NIL)
		x->cache[n->older].newer = n->newer;
	else
		x->lru_oldest = n->newer;
}

static void lru_push_newest(struct exeid *x, uint32_t i)
{
	struct cache_node *n = &x->cache[i];

	n->newer = NIL;
	n->older = x->lru_newest;
	if (x->lru_newest != NIL)
		x->cache[x->lru_newest].newer = i;
	x->lru_newest = i;
	if (x->lru_oldest == NIL)
		x->lru_oldest = i;
}

static uint32_t cache_evict_oldest(struct exeid *x)
{
	uint32_t i = x->lru_oldest;
	uint32_t *link = &x->cache_buckets[key_hash(x, &x->cache[i].key) & x->cache_mask];

	while (*link != i)
		link = &x->cache[*link].chain;
	*link = x->cache[i].chain;
	lru_unlink(x, i);
	x->stats.evictions++;
	return i;
}

static void cache_insert(struct exeid *x, const struct idkey *k, const char *hex)
{
	uint32_t i = cache_find(x, k);
	uint32_t b;

	if (i != NIL) {
		lru_unlink(x, i);
	} else {
		i = x->cache_used < x->cache_cap ? x->cache_used++ : cache_evict_oldest(x);
		b = key_hash(x, k) & x->cache_mask;
		x->cache[i].key = *k;
		x->cache[i].chain = x->cache_buckets[b];
		x->cache_buckets[b] = i;
	}
	memcpy(x->cache[i].hex, hex, sizeof(x->cache[i].hex));
	lru_push_newest(x, i);
}

/* ---- pending set (caller holds the lock) ---------------------------------------------- */

static bool pending_has(const struct exeid *x, const struct idkey *k)
{
	uint32_t i = x->pending_buckets[key_hash(x, k) & x->pending_mask];

	while (i != NIL && !key_eq(&x->pending[i].key, k))
		i = x->pending[i].chain;
	return i != NIL;
}

/* Never fails: there is one node per queue slot plus one for the worker's job. */
static void pending_add(struct exeid *x, const struct idkey *k)
{
	uint32_t i = x->pending_free;
	uint32_t b = key_hash(x, k) & x->pending_mask;

	x->pending_free = x->pending[i].chain;
	x->pending[i].key = *k;
	x->pending[i].chain = x->pending_buckets[b];
	x->pending_buckets[b] = i;
}

static void pending_remove(struct exeid *x, const struct idkey *k)
{
	uint32_t *link = &x->pending_buckets[key_hash(x, k) & x->pending_mask];
	uint32_t i;

	while (*link != NIL && !key_eq(&x->pending[*link].key, k))
		link = &x->pending[*link].chain;
	if (*link == NIL)
		return;
	i = *link;
	*link = x->pending[i].chain;
	x->pending[i].chain = x->pending_free;
	x->pending_free = i;
}

/* ---- worker --------------------------------------------------------------------------- */

/* Returns an fd whose fstat matches k, -ESTALE for another file, or -errno. */
static int open_matching(const char *path, const struct idkey *k)
{
	struct stat st;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	if (!S_ISREG(st.st_mode) || !stat_matches(&st, k)) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

static bool fd_still_matches(int fd, const struct idkey *k)
{
	struct stat st;

	return fstat(fd, &st) == 0 && stat_matches(&st, k);
}

static enum job_outcome hash_job(const struct exeid *x, const struct job *job, char *hex)
{
	char proc_path[32];
	const char *candidates[2];
	enum job_outcome out;
	bool saw_other_file = false;
	int n = 0, i, fd = -1, err;

	if (job->key.size > x->max_file_bytes)
		return JOB_TOO_BIG;
	if (job->pid) {
		snprintf(proc_path, sizeof(proc_path), "/proc/%u/exe", job->pid);
		candidates[n++] = proc_path;
	}
	if (job->path)
		candidates[n++] = job->path;
	for (i = 0; i < n && fd < 0; i++) {
		fd = open_matching(candidates[i], &job->key);
		if (fd == -ESTALE)
			saw_other_file = true;
	}
	if (fd < 0)
		return saw_other_file ? JOB_MISMATCH : JOB_ERROR;

	err = exeid_sha256_fd(fd, x->max_file_bytes, hex);
	if (err == -EFBIG)
		out = JOB_TOO_BIG;
	else if (err < 0)
		out = JOB_ERROR;
	else if (!fd_still_matches(fd, &job->key))
		out = JOB_MISMATCH; /* changed while we read it: the digest may mix versions */
	else
		out = JOB_HASHED;
	close(fd);
	return out;
}

static void account_locked(struct exeid *x, const struct job *job, enum job_outcome out,
			   const char *hex)
{
	switch (out) {
	case JOB_HASHED:
		x->stats.hashed++;
		x->stats.bytes += job->key.size;
		cache_insert(x, &job->key, hex);
		break;
	case JOB_TOO_BIG:
		x->stats.too_big++;
		break;
	case JOB_MISMATCH:
		x->stats.identity_mismatch++;
		break;
	case JOB_ERROR:
		x->stats.errors++;
		break;
	}
}

static void *worker_main(void *arg)
{
	struct exeid *x = arg;
	char hex[EXEID_HEX_LEN + 1];
	enum job_outcome out;
	struct job job;

	pthread_mutex_lock(&x->lock);
	for (;;) {
		while (!x->stopping && (x->paused || x->queue_count == 0))
			pthread_cond_wait(&x->work, &x->lock);
		if (x->stopping)
			break;
		job = x->queue[x->queue_head];
		x->queue[x->queue_head].path = NULL;
		x->queue_head = (x->queue_head + 1) % x->queue_cap;
		x->queue_count--;
		x->busy = true;
		pthread_mutex_unlock(&x->lock);

		out = hash_job(x, &job, hex);
		free(job.path);

		pthread_mutex_lock(&x->lock);
		account_locked(x, &job, out, hex);
		pending_remove(x, &job.key);
		x->busy = false;
		if (x->queue_count == 0)
			pthread_cond_broadcast(&x->idle);
	}
	pthread_mutex_unlock(&x->lock);
	return NULL;
}

/* ---- public --------------------------------------------------------------------------- */

static int init_sync(struct exeid *x)
{
	pthread_condattr_t attr;
	int err;

	err = pthread_condattr_init(&attr);
	if (err)
		return err;
	err = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (!err)
		err = pthread_cond_init(&x->idle, &attr);
	pthread_condattr_destroy(&attr);
	if (err)
		return err;
	err = pthread_cond_init(&x->work, NULL);
	if (err) {
		pthread_cond_destroy(&x->idle);
		return err;
	}
	err = pthread_mutex_init(&x->lock, NULL);
	if (err) {
		pthread_cond_destroy(&x->work);
		pthread_cond_destroy(&x->idle);
		return err;
	}
	x->sync_ready = true;
	return 0;
}

struct exeid *exeid_new(size_t cache_entries, size_t queue_len, uint64_t max_file_bytes)
{
	struct timespec now;
	struct exeid *x;
	uint32_t nbuckets, i;
	int err;

	if (cache_entries == 0 || queue_len == 0 || cache_entries > MAX_SLOTS ||
	    queue_len > MAX_SLOTS) {
		errno = EINVAL;
		return NULL;
	}
	x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->max_file_bytes = max_file_bytes;
	clock_gettime(CLOCK_MONOTONIC, &now);
	x->seed = mix64((uint64_t)(uintptr_t)x, (uint64_t)timespec_ns(&now));
	x->cache_cap = (uint32_t)cache_entries;
	x->queue_cap = (uint32_t)queue_len;
	x->lru_newest = x->lru_oldest = NIL;

	err = ENOMEM;
	nbuckets = pow2_at_least((uint64_t)x->cache_cap * 2);
	x->cache_mask = nbuckets - 1;
	x->cache = calloc(x->cache_cap, sizeof(*x->cache));
	x->cache_buckets = malloc((size_t)nbuckets * sizeof(*x->cache_buckets));
	nbuckets = pow2_at_least(((uint64_t)x->queue_cap + 1) * 2);
	x->pending_mask = nbuckets - 1;
	x->pending = calloc((size_t)x->queue_cap + 1, sizeof(*x->pending));
	x->pending_buckets = malloc((size_t)nbuckets * sizeof(*x->pending_buckets));
	x->queue = calloc(x->queue_cap, sizeof(*x->queue));
	if (!x->cache || !x->cache_buckets || !x->pending || !x->pending_buckets || !x->queue)
		goto fail;
	memset(x->cache_buckets, 0xff, ((size_t)x->cache_mask + 1) * sizeof(*x->cache_buckets));
	memset(x->pending_buckets, 0xff,
	       ((size_t)x->pending_mask + 1) * sizeof(*x->pending_buckets));
	for (i = 0; i < x->queue_cap + 1; i++)
		x->pending[i].chain = i < x->queue_cap ? i + 1 : NIL;
	x->pending_free = 0;

	err = init_sync(x);
	if (err)
		goto fail;
	err = pthread_create(&x->worker, NULL, worker_main, x);
	if (err)
		goto fail;
	x->worker_started = true;
	return x;
fail:
	exeid_free(x);
	errno = err;
	return NULL;
}

void exeid_free(struct exeid *x)
{
	uint32_t i;

	if (!x)
		return;
	if (x->worker_started) {
		pthread_mutex_lock(&x->lock);
		x->stopping = true;
		pthread_cond_broadcast(&x->work);
		pthread_mutex_unlock(&x->lock);
		pthread_join(x->worker, NULL);
	}
	for (i = 0; x->queue && i < x->queue_count; i++)
		free(x->queue[(x->queue_head + i) % x->queue_cap].path);
	if (x->sync_ready) {
		pthread_mutex_destroy(&x->lock);
		pthread_cond_destroy(&x->work);
		pthread_cond_destroy(&x->idle);
	}
	free(x->queue);
	free(x->pending_buckets);
	free(x->pending);
	free(x->cache_buckets);
	free(x->cache);
	free(x);
}

/*
 * One probe under the lock: 1 on a hit (hex written), 0 when already pending, -ENOSPC
 * when the queue is full, NEED_PUSH otherwise.  Hits and misses are counted only on the
 * first probe of a lookup.
 */
static int lookup_locked(struct exeid *x, const struct idkey *k, char *hex, bool first)
{
	uint32_t i = cache_find(x, k);

	if (i != NIL) {
		lru_unlink(x, i);
		lru_push_newest(x, i);
		memcpy(hex, x->cache[i].hex, sizeof(x->cache[i].hex));
		if (first)
			x->stats.hits++;
		return 1;
	}
	if (first)
		x->stats.misses++;
	if (pending_has(x, k)) {
		x->stats.pending_dup++;
		return 0;
	}
	if (x->queue_count == x->queue_cap) {
		x->stats.queue_full++;
		return -ENOSPC;
	}
	return NEED_PUSH;
}

static void push_locked(struct exeid *x, const struct idkey *k, uint32_t pid, char *path)
{
	struct job *job = &x->queue[(x->queue_head + x->queue_count) % x->queue_cap];

	job->key = *k;
	job->pid = pid;
	job->path = path;
	x->queue_count++;
	pending_add(x, k);
	x->stats.queued++;
	pthread_cond_signal(&x->work);
}

int exeid_lookup(struct exeid *x, const struct vg_exe_identity *id, uint32_t pid, const char *path,
		 char hex[65])
{
	bool has_path = path && path[0];
	struct idkey k;
	char *copy;
	int ret;

	if (!x || !id || !hex || id->ino == 0 || (!pid && !has_path))
		return -EINVAL;
	k = (struct idkey){ id->dev, id->ino, id->size, id->mtime_ns, id->ctime_ns };

	pthread_mutex_lock(&x->lock);
	ret = lookup_locked(x, &k, hex, true);
	if (ret == NEED_PUSH && !has_path) {
		push_locked(x, &k, pid, NULL);
		ret = 0;
	}
	pthread_mutex_unlock(&x->lock);
	if (ret != NEED_PUSH)
		return ret;

	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	pthread_mutex_lock(&x->lock);
	ret = lookup_locked(x, &k, hex, false);
	if (ret == NEED_PUSH) {
		push_locked(x, &k, pid, copy);
		copy = NULL;
		ret = 0;
	}
	pthread_mutex_unlock(&x->lock);
	free(copy);
	return ret;
}

int exeid_drain(struct exeid *x, int timeout_ms)
{
	struct timespec deadline;
	int rc = 0, ret = 0;

	if (!x)
		return -EINVAL;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	if (timeout_ms > 0) {
		deadline.tv_sec += timeout_ms / 1000;
		deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
		if (deadline.tv_nsec >= 1000000000L) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000L;
		}
	}
	pthread_mutex_lock(&x->lock);
	while (x->queue_count || x->busy) {
		if (rc == ETIMEDOUT) {
			ret = -ETIMEDOUT;
			break;
		}
		if (timeout_ms < 0)
			pthread_cond_wait(&x->idle, &x->lock);
		else
			rc = pthread_cond_timedwait(&x->idle, &x->lock, &deadline);
	}
	pthread_mutex_unlock(&x->lock);
	return ret;
}

void exeid_pause(struct exeid *x, bool paused)
{
	if (!x)
		return;
	pthread_mutex_lock(&x->lock);
	x->paused = paused;
	if (!paused)
		pthread_cond_broadcast(&x->work);
	pthread_mutex_unlock(&x->lock);
}

void exeid_stats(struct exeid *x, struct exeid_stats *out)
{
	if (!out)
		return;
	if (!x) {
		memset(out, 0, sizeof(*out));
		return;
	}
	pthread_mutex_lock(&x->lock);
	*out = x->stats;
	pthread_mutex_unlock(&x->lock);
}

int exeid_sha256_fd(int fd, uint64_t max_bytes, char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	unsigned char *buf = NULL;
	EVP_MD_CTX *ctx = NULL;
	uint64_t total = 0;
	ssize_t n;
	int ret = 0;

	if (fd < 0 || !hex)
		return -EINVAL;
	buf = malloc(READ_CHUNK);
	ctx = EVP_MD_CTX_new();
	if (!buf || !ctx) {
		ret = -ENOMEM;
		goto out;
	}
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		ret = -EIO;
		goto out;
	}
	for (;;) {
		n = read(fd, buf, READ_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		if (n == 0)
			break;
		if ((uint64_t)n > max_bytes - total) {
			ret = -EFBIG;
			goto out;
		}
		total += (uint64_t)n;
		if (EVP_DigestUpdate(ctx, buf, (size_t)n) != 1) {
			ret = -EIO;
			goto out;
		}
	}
	if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != SHA256_LEN) {
		ret = -EIO;
		goto out;
	}
	for (i = 0; i < SHA256_LEN; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 0xf];
	}
	hex[EXEID_HEX_LEN] = '\0';
out:
	EVP_MD_CTX_free(ctx);
	free(buf);
	return ret;
}
