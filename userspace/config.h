/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * config.h - struct vigil_config and its YAML loader.
 *
 * One file (/etc/vigil/vigil.yaml, documented in packaging/vigil.yaml) with three
 * sections: capture, process, output.  config_defaults() is the only place defaults
 * live; vigild runs on them when there is no file at all.  The loader is table-driven:
 * each key has one parser that checks type and range, and every error names the file,
 * the 1-based line and the key.
 */
#ifndef VIGIL_CONFIG_H
#define VIGIL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Limits of a path prefix, set by the kernel-side filter (VG_PREFIX_* in vigil_abi.h,
 * which userspace/ cannot include because it pulls in <linux/types.h>).
 */
#define CONFIG_PREFIX_MAX	   255 /* bytes of a whole prefix */
#define CONFIG_PREFIX_WILD_PER_KEY 8   /* '*' patterns sharing the part before '*' */
#define CONFIG_PREFIX_SUFFIX_MAX   23  /* bytes after the '*' (from the '/' that follows it) */

struct vigil_config {
	/* capture */
	uint32_t ring_buffer_bytes; /* default 8 MiB; power of two, 64 KiB .. 1 GiB */
	uint32_t poll_ms; /* default 50; 1..1000: max delay before userspace reads the ring */
	char **file_prefixes;
	size_t n_file_prefixes; /* include prefixes */
	char **exec_only_prefixes;
	size_t n_exec_only_prefixes; /* report only executable files */
	char **exclude_prefixes;
	size_t n_exclude_prefixes;
	bool capture_file, capture_network, capture_integrity; /* default true */
	/* process model */
	uint32_t proctable_max;	       /* default 65536, 1024 .. 4194304 */
	uint32_t exeid_cache;	       /* default 8192 */
	uint32_t exeid_queue;	       /* default 1024 */
	uint64_t exeid_max_file_bytes; /* default 512 MiB */
	/* output */
	char *events_path; /* default NULL = stdout when --events */
	char *state_dir;   /* default /var/lib/vigil */
	char *run_dir;	   /* default /run/vigil (control socket, status file) */
};

/*
 * Overwrites *c with the built-in defaults without freeing what it held (call
 * config_free() first on a loaded config).  Returns 0, or -ENOMEM, in which case *c is
 * left zeroed and owns nothing.
 */
int config_defaults(struct vigil_config *c);

/* Frees every string *c owns and leaves it zeroed.  Accepts NULL. */
void config_free(struct vigil_config *c);

/*
 * Parses the YAML text buf[0..len) into *c.  Keys absent from the text keep the value
 * they had in *c, so call config_defaults() first; a list given in the text replaces the
 * whole list.  name is used in messages only.  Returns 0, -EINVAL with
 * "NAME:LINE: KEY: message" (1-based line, dotted key such as capture.poll_ms) written
 * into err, or -ENOMEM.  Unknown keys, duplicate keys, wrong types and out-of-range
 * values are errors.  On error *c is unchanged (the text is parsed into a copy that
 * replaces *c only on success).  err may be NULL when errlen is 0.
 */
int config_load_buffer(struct vigil_config *c, const char *name, const char *buf, size_t len,
		       char *err, size_t errlen);

/*
 * Reads the file at path and parses it as config_load_buffer() does.  Returns -ENOENT
 * (with a message) when the file does not exist, another -errno when it cannot be read,
 * -EFBIG when it is larger than 1 MiB, or what config_load_buffer() returns.
 */
int config_load_file(struct vigil_config *c, const char *path, char *err, size_t errlen);

#endif /* VIGIL_CONFIG_H */
