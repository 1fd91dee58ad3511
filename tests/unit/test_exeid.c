/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_exeid.c - unit tests for userspace/exeid.c: known digests, the cache, LRU
 * eviction, the bounded queue, identity checks and the /proc/<pid>/exe path.
 *
 * Each test works in its own temporary directory.  The worker is made deterministic
 * with exeid_drain() and, where the queue must stay full, exeid_pause().
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "exeid.h"

#define DRAIN_MS 5000

static const char abc_sha256[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
static const char empty_sha256[] =
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
static const char million_a_sha256[] =
	"cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";

struct fixture {
	char dir[64];
	char path[4][128];
};

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static void identity_of(const char *path, struct vg_exe_identity *id)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	memset(id, 0, sizeof(*id));
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	id->size = (uint64_t)st.st_size;
	id->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
	id->ctime_ns = (int64_t)st.st_ctim.tv_sec * 1000000000LL + st.st_ctim.tv_nsec;
	id->mode = st.st_mode;
	id->nlink = (uint32_t)st.st_nlink;
}

static void sha256_of_path(const char *path, char hex[65])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(exeid_sha256_fd(fd, UINT64_MAX, hex), 0);
	close(fd);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char dir[] = "/tmp/test_exeid.XXXXXX";
	int i;

	if (!f || !mkdtemp(dir)) {
		free(f);
		return -1;
	}
	snprintf(f->dir, sizeof(f->dir), "%s", dir);
	for (i = 0; i < 4; i++)
		snprintf(f->path[i], sizeof(f->path[i]), "%s/file%d", dir, i);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int i;

	for (i = 0; i < 4; i++)
		unlink(f->path[i]);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void test_sha256_fd_known_digests(void **state)
{
	struct fixture *f = *state;
	char hex[65];
	char *big;

	write_file(f->path[0], "abc", 3);
	sha256_of_path(f->path[0], hex);
	assert_string_equal(hex, abc_sha256);

	write_file(f->path[1], "", 0);
	sha256_of_path(f->path[1], hex);
	assert_string_equal(hex, empty_sha256);

	/* Spans many 64 KiB reads, the last one partial. */
	big = malloc(1000000);
	assert_non_null(big);
	memset(big, 'a', 1000000);
	write_file(f->path[2], big, 1000000);
	free(big);
	sha256_of_path(f->path[2], hex);
	assert_string_equal(hex, million_a_sha256);
}

static void test_sha256_fd_limit(void **state)
{
	struct fixture *f = *state;
	char hex[65] = "untouched";
	int fd;

	write_file(f->path[0], "abc", 3);
	fd = open(f->path[0], O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(exeid_sha256_fd(fd, 2, hex), -EFBIG);
	assert_string_equal(hex, "untouched");
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(exeid_sha256_fd(fd, 3, hex), 0);
	assert_string_equal(hex, abc_sha256);
	close(fd);
	assert_int_equal(exeid_sha256_fd(-1, 3, hex), -EINVAL);
}

static void test_lookup_queues_then_hits(void **state)
{
	struct fixture *f = *state;
	struct vg_exe_identity id;
	struct exeid_stats st;
	struct exeid *x;
	char hex[65] = "";

	write_file(f->path[0], "abc", 3);
	identity_of(f->path[0], &id);
	x = exeid_new(16, 4, 1 << 20);
	assert_non_null(x);

	assert_int_equal(exeid_lookup(x, &id, 0, f->path[0], hex), 0);
	assert_int_equal(exeid_drain(x, DRAIN_MS), 0);
	assert_int_equal(exeid_lookup(x, &id, 0, f->path[0], hex), 1);
	assert_string_equal(hex, abc_sha256);

	exeid_stats(x, &st);
	assert_int_equal(st.hits, 1);
	assert_int_equal(st.misses, 1);
	assert_int_equal(st.queued, 1);
	assert_int_equal(st.hashed, 1);
	assert_int_equal(st.bytes, 3);
	assert_int_equal(st.errors + st.identity_mismatch + st.too_big + st.evictions, 0);
	exeid_free(x);
}

static void test_identity_mismatch_is_not_cached(void **state)
{
	struct fixture *f = *state;
	struct vg_exe_identity id;
	struct exeid_stats st;
	struct exeid *x;
	char hex[65];

	write_file(f->path[0], "abc", 3);
	identity_of(f->path[0], &id);
	write_file(f->path[0], "abcd", 4); /* same inode, new size and times */
	x = exeid_new(16, 4, 1 << 20);
	assert_non_null(x);

	assert_int_equal(exeid_lookup(x, &id, 0, f->path[0], hex), 0);
	assert_int_equal(exeid_drain(x, DRAIN_MS), 0);
	exeid_stats(x, &st);
	assert_int_equal(st.identity_mismatch, 1);
	assert_int_equal(st.hashed, 0);
	assert_int_equal(st.errors, 0);
	assert_int_equal(exeid_lookup(x, &id, 0, f->path[0], hex), 0);
	exeid_free(x);
}

/* A digest is cached only when all five identity fields match the opened file. */
static void test_each_identity_field_is_checked(void **state)
{
	struct fixture *f = *state;
	struct vg_exe_identity real, id;
	struct exeid_stats st;
	struct exeid *x;
	char hex[65];
	int field;

	write_file(f->path[0], "abc", 3);
	identity_of(f->path[0], &real);
	x = exeid_new(16, 8, 1 << 20);
	assert_non_null(x);
	for (field = 0; field < 5; field++) {
		id = real;
		if (field == 0)
			id.dev++;
		else if (field == 1)
			id.ino++;
		else if (field == 2)
			id.size--;
		else if (field == 3)
			id.mtime_ns++;
		else
			id.ctime_ns++;
		assert_int_equal(exeid_lookup(x, &id, 0, f->path[0], hex), 0);
	}
	assert_int_equal(exeid_drain(x, DRAIN_MS), 0);
	exeid_stats(x, &st);
	assert_int_equal(st.identity_mismatch, 5);
	assert_int_equal(st.hashed, 0);
	exeid_free(x);
}

static void test_missing_file_counts_error(void **state)
{
	struct fixture *f = *state;
	struct vg_exe_identity id;
	struct exeid_stats st;
	struct exeid *x;
	char hex[65];

	write_file(f->path[0], "abc", 3);
	identity_of(f->path[0], &id);
	unlink(f->path[0]);
	x = exeid_new(16, 4, 1 << 20);
	assert_non_null(x);

	assert_int_equal(exeid_lookup(x, &id, 0, f->path[0], hex), 0);
	assert_int_equal(exeid_drain(x, DRAIN_MS), 0);
	exeid_stats(x, &st);
	assert_int_equal(st.errors, 1);
	assert_int_equal(st.identity_mismatch + st.hashed, 0);
	exeid_free(x);
}

static void test_lru_eviction(void **state)
{
	struct fixture *f = *state;
	struct vg_exe_identity id[3];
	struct exeid_stats st;
	struct exeid *x;
	char hex[65];
	int i;

	for (i = 0; i < 3; i++) {
		write_file(f->path[i], "abc", (size_t)i + 1);
		identity_of(f->path[i], &id[i]);
	}
	x = exeid_new(2, 4, 1 << 20);
	assert_non_null(x);

	assert_int_equal(exeid_lookup(x, &id[0], 0, f->path[0], hex), 0);
	assert_int_equal(exeid_lookup(x, &id[1], 0, f->path[1], hex), 0);
	assert_int_equal(exeid_drain(x, DRAIN_MS), 0);
	/* Touch 0 so that 1 becomes the least recently used. */
	assert_int_equal(exeid_lookup(x, &id[0], 0, f->path[0], hex), 1);
	assert_int_equal(exeid_lookup(x, &id[2], 0, f->path[2], hex), 0);
	assert_int_equal(exeid_drain(x, DRAIN_MS), 0);

	exeid_stats(x, &st);
	assert_int_equal(st.evictions, 1);
	assert_int_equal(exeid_lookup(x, &id[0], 0, f->path[0], hex), 1);
	assert_string_equal(hex,
			    "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb");
	assert_int_equal(exeid_lookup(x, &id[2], 0, f->path[2], hex), 1);
	assert_string_equal(hex, abc_sha256);
	assert_int_equal(exeid_lookup(x, &id[1], 0, f->path[1], hex), 0);
	assert_int_equal(exeid_drain(x, DRAIN_MS), 0);
	exeid_stats(x, &st);
	assert_int_equal(st.evictions, 2);
	assert_int_equal(st.hashed, 4);
	exeid_free(x);
}

static void test_queue_full_and_pending_dup(void **state)
{
	struct fixture *f = *state;
	struct vg_exe_identity a, b;
	struct exeid_stats st;
	struct exeid *x;
	char hex[65];

	write_file(f->path[0], "abc", 3);
	write_file(f->path[1], "ab", 2);
	identity_of(f->path[0], &a);
	identity_of(f->path[1], &b);
	x = exeid_new(16, 1, 1 << 20);
	assert_non_null(x);
	exeid_pause(x, true);

	assert_int_equal(exeid_lookup(x, &a, 0, f->path[0], hex), 0);
	assert_int_equal(exeid_lookup(x, &a, 0, f->path[0], hex), 0);
	assert_int_equal(exeid_lookup(x, &b, 0, f->path[1], hex), -ENOSPC);
	assert_int_equal(exeid_drain(x, 20), -ETIMEDOUT);
	exeid_stats(x, &st);
	assert_int_equal(st.queued, 1);
	assert_int_equal(st.pending_dup, 1);
	assert_int_equal(st.queue_full, 1);
	assert_int_equal(st.misses, 3);
	assert_int_equal(st.hashed, 0);

	exeid_pause(x, false);
	assert_int_equal(exeid_drain(x, DRAIN_MS), 0);
	assert_int_equal(exeid_lookup(x, &a, 0, f->path[0], hex), 1);
	assert_string_equal(hex, abc_sha256);
	assert_int_equal(exeid_lookup(x, &b, 0, f->path[1], hex), 0);
	exeid_free(x); /* frees the job still queued */
}

static void test_proc_self_exe_beats_wrong_path(void **state)
{
	struct vg_exe_identity id;
	struct exeid_stats st;
	struct exeid *x;
	char want[65], hex[65];

	(void)state;
	identity_of("/proc/self/exe", &id);
	sha256_of_path("/proc/self/exe", want);
	x = exeid_new(16, 4, UINT64_MAX);
	assert_non_null(x);

	assert_int_equal(exeid_lookup(x, &id, (uint32_t)getpid(), "/nonexistent/wrong", hex), 0);
	assert_int_equal(exeid_drain(x, DRAIN_MS), 0);
	assert_int_equal(exeid_lookup(x, &id, (uint32_t)getpid(), "/nonexistent/wrong", hex), 1);
	assert_string_equal(hex, want);
	exeid_stats(x, &st);
	assert_int_equal(st.hashed, 1);
	assert_int_equal(st.errors + st.identity_mismatch, 0);
	exeid_free(x);
}

static void test_path_fallback_after_proc_mismatch(void **state)
{
	struct fixture *f = *state;
	struct vg_exe_identity id;
	struct exeid_stats st;
	struct exeid *x;
	char hex[65];

	write_file(f->path[0], "abc", 3);
	identity_of(f->path[0], &id);
	x = exeid_new(16, 4, 1 << 20);
	assert_non_null(x);

	/* /proc/<our pid>/exe is the test binary, not this file. */
	assert_int_equal(exeid_lookup(x, &id, (uint32_t)getpid(), f->path[0], hex), 0);
	assert_int_equal(exeid_drain(x, DRAIN_MS), 0);
	assert_int_equal(exeid_lookup(x, &id, (uint32_t)getpid(), f->path[0], hex), 1);
	assert_string_equal(hex, abc_sha256);
	exeid_stats(x, &st);
	assert_int_equal(st.identity_mismatch, 0);
	exeid_free(x);
}

static void test_too_big_is_not_cached(void **state)
{
	struct fixture *f = *state;
	struct vg_exe_identity id;
	struct exeid_stats st;
	struct exeid *x;
	char hex[65];

	write_file(f->path[0], "abc", 3);
	identity_of(f->path[0], &id);
	x = exeid_new(16, 4, 2);
	assert_non_null(x);

	assert_int_equal(exeid_lookup(x, &id, 0, f->path[0], hex), 0);
	assert_int_equal(exeid_drain(x, DRAIN_MS), 0);
	exeid_stats(x, &st);
	assert_int_equal(st.too_big, 1);
	assert_int_equal(st.hashed, 0);
	assert_int_equal(exeid_lookup(x, &id, 0, f->path[0], hex), 0);
	exeid_free(x);
}

static void test_invalid_arguments(void **state)
{
	struct vg_exe_identity zero = { 0 };
	struct vg_exe_identity id = { .dev = 1, .ino = 2 };
	struct exeid_stats st;
	struct exeid *x;
	char hex[65];

	(void)state;
	errno = 0;
	assert_null(exeid_new(0, 4, 1));
	assert_int_equal(errno, EINVAL);
	assert_null(exeid_new(4, 0, 1));
	exeid_free(NULL);

	x = exeid_new(4, 4, 1);
	assert_non_null(x);
	assert_int_equal(exeid_lookup(x, &zero, 1, "/bin/true", hex), -EINVAL);
	assert_int_equal(exeid_lookup(x, &id, 0, NULL, hex), -EINVAL);
	assert_int_equal(exeid_lookup(x, &id, 0, "", hex), -EINVAL);
	assert_int_equal(exeid_lookup(NULL, &id, 1, "/bin/true", hex), -EINVAL);
	exeid_stats(x, &st);
	assert_int_equal(st.misses, 0);
	exeid_free(x);
	exeid_stats(NULL, &st);
	assert_int_equal(st.hits, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sha256_fd_known_digests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sha256_fd_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_queues_then_hits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_identity_mismatch_is_not_cached, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_each_identity_field_is_checked, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_missing_file_counts_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lru_eviction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_full_and_pending_dup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proc_self_exe_beats_wrong_path, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_path_fallback_after_proc_mismatch, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_too_big_is_not_cached, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_arguments, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
