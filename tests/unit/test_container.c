/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_container.c - unit tests for userspace/container.c: one table of
 * cgroup names that are containers and one of names that merely look close.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "container.h"

#define ID	 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID63	 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde"
#define ID_UPPER "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"

static const char *const containers[] = {
	"docker-" ID ".scope",
	"cri-containerd-" ID ".scope",
	"crio-" ID ".scope",
	"libpod-" ID ".scope",
	ID,
	"/docker/" ID,
	"/kubepods/besteffort/pod1234-5678/" ID,
	"/system.slice/docker-" ID ".scope",
	"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod12.slice/"
	"cri-containerd-" ID ".scope",
	"/machine.slice/libpod-" ID ".scope",
};

static const char *const not_containers[] = {
	"",
	"/",
	"init.scope",
	"/init.scope",
	"user@0.service",
	"/user.slice/user-1000.slice/user@1000.service/app.slice",
	"session-3.scope",
	ID63,
	ID "0",
	ID_UPPER,
	"docker-" ID ".scope.bak",
	"docker-" ID63 ".scope",
	"docker-" ID,
	"podman-" ID ".scope",
	"/docker/" ID "/",
	"/docker/" ID "/init.scope",
	"x" ID,
};

static void test_recognises_runtimes(void **state)
{
	char out[CONTAINER_ID_LEN + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(containers) / sizeof(containers[0]); i++) {
		memset(out, 'Z', sizeof(out));
		if (container_id_from_cgroup(containers[i], strlen(containers[i]), out) != 0)
			fail_msg("not recognised: %s", containers[i]);
		assert_string_equal(out, ID);
	}
}

static void test_rejects_lookalikes(void **state)
{
	char out[CONTAINER_ID_LEN + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(not_containers) / sizeof(not_containers[0]); i++) {
		memset(out, 'Z', sizeof(out));
		if (container_id_from_cgroup(not_containers[i], strlen(not_containers[i]), out) !=
		    -ENOENT)
			fail_msg("wrongly recognised: %s", not_containers[i]);
		assert_string_equal(out, "");
	}
}

/* The name is a view: bytes past len must not be read as part of it. */
static void test_honours_length(void **state)
{
	const char *padded = "docker-" ID ".scope.bak";
	const char *longer = "/docker/" ID "ff";
	char out[CONTAINER_ID_LEN + 1];

	(void)state;
	assert_int_equal(container_id_from_cgroup(padded, strlen(padded) - 4, out), 0);
	assert_string_equal(out, ID);
	assert_int_equal(container_id_from_cgroup(longer, strlen(longer) - 2, out), 0);
	assert_string_equal(out, ID);
	assert_int_equal(container_id_from_cgroup(padded, strlen(padded) - 5, out), -ENOENT);
	assert_int_equal(container_id_from_cgroup(NULL, 0, out), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recognises_runtimes),
		cmocka_unit_test(test_rejects_lookalikes),
		cmocka_unit_test(test_honours_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
