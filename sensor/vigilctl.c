// SPDX-License-Identifier: GPL-2.0-only
/*
 * vigilctl.c - the admin and analyst command line.
 *
 * `vigilctl status` reads the status file vigild rewrites every second
 * (RUN_DIR/status.json) and prints the attach plan, health and counters.
 * It needs no privileges beyond reading that file, and a stale file (vigild
 * stopped) is reported as such rather than shown as live.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

static void usage(FILE *to)
{
	fprintf(to, "usage: vigilctl [--run-dir DIR] status [--json]\n");
}

static void print_section(json_t *root, const char *name)
{
	json_t *obj = json_object_get(root, name);
	const char *k;
	json_t *v;

	if (!json_is_object(obj))
		return;
	printf("%s:\n", name);
	json_object_foreach(obj, k, v)
	{
		if (json_is_integer(v))
			printf("  %-16s %lld\n", k, (long long)json_integer_value(v));
	}
}

static int cmd_status(const char *run_dir, bool as_json)
{
	char path[512];
	json_error_t jerr;
	json_t *root;
	long long updated;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/status.json", run_dir);
	root = json_load_file(path, 0, &jerr);
	if (!root) {
		fprintf(stderr, "vigilctl: cannot read %s: %s (is vigild running?)\n", path,
			jerr.text);
		return 1;
	}
	updated = json_integer_value(json_object_get(root, "updated"));
	if (as_json) {
		json_dumpf(root, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		printf("vigild %s, pid %lld\n", json_string_value(json_object_get(root, "version")),
		       (long long)json_integer_value(json_object_get(root, "pid")));
		printf("attach plan: %s\n", json_string_value(json_object_get(root, "plan")));
		print_section(root, "kernel");
		print_section(root, "userspace");
		print_section(root, "proctable");
		print_section(root, "exeid");
	}
	if (time(NULL) - updated > 5) {
		fprintf(stderr, "vigilctl: status is %lld s old: vigild is not running\n",
			(long long)(time(NULL) - updated));
		rc = 3;
	}
	json_decref(root);
	return rc;
}

int main(int argc, char **argv)
{
	const char *run_dir = "/run/vigil";
	int i = 1;

	if (i + 1 < argc && strcmp(argv[i], "--run-dir") == 0) {
		run_dir = argv[i + 1];
		i += 2;
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[i], "status") == 0)
		return cmd_status(run_dir, i + 1 < argc && strcmp(argv[i + 1], "--json") == 0);
	if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
