/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * config.c - defaults and the YAML loader for struct vigil_config.
 *
 * Every key is one row of cfg_keys[]: section, key, type, where it lives in the struct,
 * its accepted range and the parser that checks it.  Adding a key means adding a field,
 * a default in config_defaults() and a row here; the walk, duplicate detection, copying
 * and freeing all follow from the table.
 *
 * The file is a trust boundary (it has a libFuzzer target): libyaml builds the document,
 * and every scalar is checked for type, length and range before anything is copied.
 * The text is applied to a deep copy of the caller's config, which replaces it only
 * when the whole file is valid, so a bad reload never leaves a half-applied config.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "config.h"

#define KIB		 1024ULL
#define MIB		 (1024ULL * KIB)
#define GIB		 (1024ULL * MIB)
#define PATH_LEN_MAX	 4095 /* bytes of a configured path */
#define RUN_DIR_LEN_MAX	 80   /* leaves room for a socket name in sun_path[108] */
#define CONFIG_FILE_MAX	 (1024 * 1024)
#define DESCRIBE_MAX	 40 /* bytes of a bad value quoted in a message */
#define ARRAY_SIZE(a)	 (sizeof(a) / sizeof((a)[0]))
#define FIELD(c, off, T) ((T *)(void *)((char *)(c) + (off)))
#define CFG_OFF(field)	 offsetof(struct vigil_config, field)

enum cfg_type {
	CFG_BOOL,   /* bool */
	CFG_U32,    /* uint32_t */
	CFG_U64,    /* uint64_t */
	CFG_STRING, /* char *, owned, may be NULL */
	CFG_LIST,   /* char **, owned, with a size_t count at count_offset */
};

struct parse_ctx;
struct cfg_key;

typedef int (*cfg_parser)(struct parse_ctx *p, const struct cfg_key *k, yaml_node_t *n);

/*
 * One configuration key.  For integers min/max bound the value; for strings they bound
 * the length in bytes; lists use their own limits (CONFIG_PREFIX_*).
 */
struct cfg_key {
	const char *section;
	const char *key;
	enum cfg_type type;
	size_t offset;
	size_t count_offset;
	uint64_t min, max;
	cfg_parser parse;
};

struct parse_ctx {
	const char *name;
	char *err;
	size_t errlen;
	yaml_document_t *doc;
	struct vigil_config *cfg; /* the copy being filled */
};

static int parse_bool(struct parse_ctx *p, const struct cfg_key *k, yaml_node_t *n);
static int parse_u32(struct parse_ctx *p, const struct cfg_key *k, yaml_node_t *n);
static int parse_u32_pow2(struct parse_ctx *p, const struct cfg_key *k, yaml_node_t *n);
static int parse_u64(struct parse_ctx *p, const struct cfg_key *k, yaml_node_t *n);
static int parse_path(struct parse_ctx *p, const struct cfg_key *k, yaml_node_t *n);
static int parse_optional_path(struct parse_ctx *p, const struct cfg_key *k, yaml_node_t *n);
static int parse_prefix_list(struct parse_ctx *p, const struct cfg_key *k, yaml_node_t *n);

static const char *const cfg_sections[] = { "capture", "process", "output" };

static const struct cfg_key cfg_keys[] = {
	{ "capture", "ring_buffer_bytes", CFG_U32, CFG_OFF(ring_buffer_bytes), 0, 64 * KIB, GIB,
	  parse_u32_pow2 },
	{ "capture", "poll_ms", CFG_U32, CFG_OFF(poll_ms), 0, 1, 1000, parse_u32 },
	{ "capture", "file", CFG_BOOL, CFG_OFF(capture_file), 0, 0, 1, parse_bool },
	{ "capture", "network", CFG_BOOL, CFG_OFF(capture_network), 0, 0, 1, parse_bool },
	{ "capture", "integrity", CFG_BOOL, CFG_OFF(capture_integrity), 0, 0, 1, parse_bool },
	{ "capture", "file_prefixes", CFG_LIST, CFG_OFF(file_prefixes), CFG_OFF(n_file_prefixes), 0,
	  0, parse_prefix_list },
	{ "capture", "exec_only_prefixes", CFG_LIST, CFG_OFF(exec_only_prefixes),
	  CFG_OFF(n_exec_only_prefixes), 0, 0, parse_prefix_list },
	{ "capture", "exclude_prefixes", CFG_LIST, CFG_OFF(exclude_prefixes),
	  CFG_OFF(n_exclude_prefixes), 0, 0, parse_prefix_list },
	{ "process", "table_size", CFG_U32, CFG_OFF(proctable_max), 0, 1024, 4194304, parse_u32 },
	{ "process", "hash_cache", CFG_U32, CFG_OFF(exeid_cache), 0, 64, 1048576, parse_u32 },
	{ "process", "hash_queue", CFG_U32, CFG_OFF(exeid_queue), 0, 16, 65536, parse_u32 },
	{ "process", "hash_max_file_bytes", CFG_U64, CFG_OFF(exeid_max_file_bytes), 0, MIB,
	  64 * GIB, parse_u64 },
	{ "output", "events_path", CFG_STRING, CFG_OFF(events_path), 0, 1, PATH_LEN_MAX,
	  parse_optional_path },
	{ "output", "state_dir", CFG_STRING, CFG_OFF(state_dir), 0, 1, PATH_LEN_MAX, parse_path },
	{ "output", "run_dir", CFG_STRING, CFG_OFF(run_dir), 0, 1, RUN_DIR_LEN_MAX, parse_path },
};

#define NKEYS ARRAY_SIZE(cfg_keys)

static const char *const default_file_prefixes[] = {
	"/etc/",
	"/bin/",
	"/sbin/",
	"/usr/bin/",
	"/usr/sbin/",
	"/usr/lib/",
	"/usr/local/bin/",
	"/usr/local/sbin/",
	"/usr/local/lib/",
	"/lib/",
	"/lib32/",
	"/lib64/",
	"/libx32/",
	"/boot/",
	"/root/",
	"/var/spool/cron/",
	"/var/spool/anacron/",
	"/home/*/.ssh/",
	"/home/*/.config/systemd/",
	"/home/*/.config/autostart/",
	"/home/*/.bashrc",
	"/home/*/.bash_profile",
	"/home/*/.profile",
	"/home/*/.zshrc",
	"/home/*/.bash_logout",
};

static const char *const default_exec_only_prefixes[] = {
	"/tmp/",
	"/dev/shm/",
	"/var/tmp/",
	"/run/user/",
};

/* ---- owned strings -------------------------------------------------------------------- */

static void free_list(char **v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

/* Copies n strings into a new array (never NULL on success, even for n == 0). */
static char **dup_list(const char *const *src, size_t n)
{
	char **v = calloc(n ? n : 1, sizeof(*v));
	size_t i;

	if (!v)
		return NULL;
	for (i = 0; i < n; i++) {
		v[i] = strdup(src[i]);
		if (!v[i]) {
			free_list(v, i);
			return NULL;
		}
	}
	return v;
}

/* Zeroes every pointer and count in c without freeing (c holds borrowed pointers). */
static void forget_owned(struct vigil_config *c)
{
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		if (cfg_keys[i].type == CFG_STRING) {
			*FIELD(c, cfg_keys[i].offset, char *) = NULL;
		} else if (cfg_keys[i].type == CFG_LIST) {
			*FIELD(c, cfg_keys[i].offset, char **) = NULL;
			*FIELD(c, cfg_keys[i].count_offset, size_t) = 0;
		}
	}
}

static int config_copy(struct vigil_config *dst, const struct vigil_config *src)
{
	const struct cfg_key *k;
	size_t i, n;
	char *s;

	*dst = *src;
	forget_owned(dst);
	for (i = 0; i < NKEYS; i++) {
		k = &cfg_keys[i];
		if (k->type == CFG_STRING) {
			s = *FIELD(src, k->offset, char *);
			if (s && !(*FIELD(dst, k->offset, char *) = strdup(s)))
				goto nomem;
		} else if (k->type == CFG_LIST) {
			n = *FIELD(src, k->count_offset, size_t);
			*FIELD(dst, k->offset, char **) =
				dup_list((const char *const *)*FIELD(src, k->offset, char **), n);
			if (!*FIELD(dst, k->offset, char **))
				goto nomem;
			*FIELD(dst, k->count_offset, size_t) = n;
		}
	}
	return 0;
nomem:
	config_free(dst);
	return -ENOMEM;
}

static int set_default_list(char ***v, size_t *n, const char *const *src, size_t count)
{
	*v = dup_list(src, count);
	if (!*v)
		return -ENOMEM;
	*n = count;
	return 0;
}

int config_defaults(struct vigil_config *c)
{
	memset(c, 0, sizeof(*c));
	c->ring_buffer_bytes = 8 * MIB;
	c->poll_ms = 50;
	c->capture_file = true;
	c->capture_network = true;
	c->capture_integrity = true;
	c->proctable_max = 65536;
	c->exeid_cache = 8192;
	c->exeid_queue = 1024;
	c->exeid_max_file_bytes = 512 * MIB;
	c->events_path = NULL;
	c->state_dir = strdup("/var/lib/vigil");
	c->run_dir = strdup("/run/vigil");
	if (!c->state_dir || !c->run_dir ||
	    set_default_list(&c->file_prefixes, &c->n_file_prefixes, default_file_prefixes,
			     ARRAY_SIZE(default_file_prefixes)) ||
	    set_default_list(&c->exec_only_prefixes, &c->n_exec_only_prefixes,
			     default_exec_only_prefixes, ARRAY_SIZE(default_exec_only_prefixes)) ||
	    set_default_list(&c->exclude_prefixes, &c->n_exclude_prefixes, NULL, 0)) {
		config_free(c);
		return -ENOMEM;
	}
	return 0;
}

void config_free(struct vigil_config *c)
{
	const struct cfg_key *k;
	size_t i;

	if (!c)
		return;
	for (i = 0; i < NKEYS; i++) {
		k = &cfg_keys[i];
		if (k->type == CFG_STRING)
			free(*FIELD(c, k->offset, char *));
		else if (k->type == CFG_LIST)
			free_list(*FIELD(c, k->offset, char **),
				  *FIELD(c, k->count_offset, size_t));
	}
	memset(c, 0, sizeof(*c));
}

/* ---- messages ------------------------------------------------------------------------- */

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int fail(struct parse_ctx *p, const yaml_node_t *n, const char *section, const char *key,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Writes "NAME:LINE: SECTION[.KEY]: message" and returns -EINVAL. */
static int fail(struct parse_ctx *p, const yaml_node_t *n, const char *section, const char *key,
		const char *fmt, ...)
{
	va_list ap;
	int used;

	if (!p->err || !p->errlen)
		return -EINVAL;
	used = snprintf(p->err, p->errlen, "%s:%zu: %s%s%s: ", p->name,
			n ? n->start_mark.line + 1 : 1, section, key ? "." : "", key ? key : "");
	if (used < 0 || (size_t)used >= p->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(p->err + used, p->errlen - (size_t)used, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/*
 * Copies at most DESCRIBE_MAX bytes of s into buf (size >= 64) for a message, replacing
 * bytes that are not printable ASCII by '?' and marking a cut with "...".
 */
static const char *printable_bytes(const void *bytes, size_t len, char *buf, size_t size)
{
	const unsigned char *s = bytes;
	size_t i, o = 0;

	for (i = 0; i < len && i < DESCRIBE_MAX && o + 4 < size; i++)
		buf[o++] = (s[i] >= 0x20 && s[i] < 0x7f) ? (char)s[i] : '?';
	snprintf(buf + o, size - o, "%s", i < len ? "..." : "");
	return buf;
}

static const char *printable(const yaml_node_t *n, char *buf, size_t size)
{
	return printable_bytes(n->data.scalar.value, n->data.scalar.length, buf, size);
}

/* Describes a node for messages: a list, a map, "value" or quoted "value". */
static const char *describe(const yaml_node_t *n, char *buf, size_t size)
{
	char text[DESCRIBE_MAX + 4];

	if (n->type == YAML_SEQUENCE_NODE)
		return "a list";
	if (n->type == YAML_MAPPING_NODE)
		return "a map";
	snprintf(buf, size, "%s\"%s\"",
		 n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ? "" : "quoted ",
		 printable(n, text, sizeof(text)));
	return buf;
}

/* ---- scalars -------------------------------------------------------------------------- */

static bool scalar_is(const yaml_node_t *n, const char *word)
{
	size_t len = strlen(word);

	return n->data.scalar.length == len &&
	       strncasecmp((const char *)n->data.scalar.value, word, len) == 0;
}

static bool is_plain_scalar(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

static bool is_null(const yaml_node_t *n)
{
	return is_plain_scalar(n) &&
	       (n->data.scalar.length == 0 || scalar_is(n, "~") || scalar_is(n, "null"));
}

static int parse_bool(struct parse_ctx *p, const struct cfg_key *k, yaml_node_t *n)
{
	bool *field = FIELD(p->cfg, k->offset, bool);
	char buf[64];

	if (is_plain_scalar(n) &&
	    (scalar_is(n, "true") || scalar_is(n, "yes") || scalar_is(n, "on"))) {
		*field = true;
		return 0;
	}
	if (is_plain_scalar(n) &&
	    (scalar_is(n, "false") || scalar_is(n, "no") || scalar_is(n, "off"))) {
		*field = false;
		return 0;
	}
	return fail(p, n, k->section, k->key, "expected true or false (or yes/no, on/off), got %s",
		    describe(n, buf, sizeof(buf)));
}

/* Parses a plain decimal scalar within [k->min, k->max]. */
static int parse_uint(struct parse_ctx *p, const struct cfg_key *k, yaml_node_t *n, uint64_t *out)
{
	const char *s;
	uint64_t v = 0;
	unsigned int d;
	size_t i, len;
	char buf[64];

	if (!is_plain_scalar(n) || n->data.scalar.length == 0)
		goto bad;
	s = (const char *)n->data.scalar.value;
	len = n->data.scalar.length;
	if (len > 1 && s[0] == '0')
		goto bad;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			goto bad;
		d = (unsigned int)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			goto range;
		v = v * 10 + d;
	}
	if (v < k->min || v > k->max)
		goto range;
	*out = v;
	return 0;
bad:
	return fail(p, n, k->section, k->key, "expected a decimal integer in %llu..%llu, got %s",
		    (unsigned long long)k->min, (unsigned long long)k->max,
		    describe(n, buf, sizeof(buf)));
range:
	return fail(p, n, k->section, k->key, "%s is out of range %llu..%llu",
		    describe(n, buf, sizeof(buf)), (unsigned long long)k->min,
		    (unsigned long long)k->max);
}

static int parse_u32(struct parse_ctx *p, const struct cfg_key *k, yaml_node_t *n)
{
	uint64_t v;
	int err = parse_uint(p, k, n, &v);

	if (!err)
		*FIELD(p->cfg, k->offset, uint32_t) = (uint32_t)v;
	return err;
}

static int parse_u32_pow2(struct parse_ctx *p, const struct cfg_key *k, yaml_node_t *n)
{
	uint64_t v;
	char buf[64];
	int err = parse_uint(p, k, n, &v);

	if (err)
		return err;
	if (v & (v - 1))
		return fail(p, n, k->section, k->key,
			    "%s is not a power of two (accepted: powers of two in %llu..%llu)",
			    describe(n, buf, sizeof(buf)), (unsigned long long)k->min,
			    (unsigned long long)k->max);
	*FIELD(p->cfg, k->offset, uint32_t) = (uint32_t)v;
	return 0;
}

static int parse_u64(struct parse_ctx *p, const struct cfg_key *k, yaml_node_t *n)
{
	uint64_t v;
	int err = parse_uint(p, k, n, &v);

	if (!err)
		*FIELD(p->cfg, k->offset, uint64_t) = v;
	return err;
}

static int set_path(struct parse_ctx *p, const struct cfg_key *k, yaml_node_t *n)
{
	char **field = FIELD(p->cfg, k->offset, char *);
	const char *s = (const char *)n->data.scalar.value;
	size_t len = n->data.scalar.length;
	char buf[64];
	char *copy;

	if (len < k->min || len > k->max || s[0] != '/' || memchr(s, '\0', len))
		return fail(p, n, k->section, k->key,
			    "expected an absolute path of at most %llu bytes, got %s",
			    (unsigned long long)k->max, describe(n, buf, sizeof(buf)));
	copy = strndup(s, len);
	if (!copy)
		return -ENOMEM;
	free(*field);
	*field = copy;
	return 0;
}

static int parse_path(struct parse_ctx *p, const struct cfg_key *k, yaml_node_t *n)
{
	char buf[64];

	if (n->type != YAML_SCALAR_NODE || is_null(n))
		return fail(p, n, k->section, k->key,
			    "expected an absolute path of at most %llu bytes, got %s",
			    (unsigned long long)k->max,
			    is_null(n) ? "nothing" : describe(n, buf, sizeof(buf)));
	return set_path(p, k, n);
}

/* Like parse_path(), but null, ~ or nothing at all sets the key to NULL (unset). */
static int parse_optional_path(struct parse_ctx *p, const struct cfg_key *k, yaml_node_t *n)
{
	char **field = FIELD(p->cfg, k->offset, char *);

	if (is_null(n)) {
		free(*field);
		*field = NULL;
		return 0;
	}
	return parse_path(p, k, n);
}

/* ---- prefix lists --------------------------------------------------------------------- */

/*
 * Checks one prefix against the kernel filter's limits.  Returns NULL when valid, else
 * what is wrong.  *star is set to the offset of the '*' or to len when there is none.
 */
static const char *check_prefix(const char *s, size_t len, size_t *star)
{
	const char *first, *second;

	if (len == 0 || s[0] != '/')
		return "a prefix must be an absolute path";
	if (len > CONFIG_PREFIX_MAX)
		return "a prefix must be at most 255 bytes";
	if (memchr(s, '\0', len))
		return "a prefix must not contain a NUL byte";
	first = memchr(s, '*', len);
	*star = first ? (size_t)(first - s) : len;
	if (!first)
		return NULL;
	second = memchr(first + 1, '*', len - *star - 1);
	if (second)
		return "a prefix may contain at most one '*'";
	if (first[-1] != '/' || *star + 1 >= len || first[1] != '/')
		return "'*' must be a whole path component followed by more path, as in "
		       "/home/*/.ssh/";
	if (len - *star - 1 > CONFIG_PREFIX_SUFFIX_MAX)
		return "the part after '*' must be at most 23 bytes";
	return NULL;
}

static int parse_prefix_list(struct parse_ctx *p, const struct cfg_key *k, yaml_node_t *n)
{
	char ***field = FIELD(p->cfg, k->offset, char **);
	size_t *count = FIELD(p->cfg, k->count_offset, size_t);
	yaml_node_item_t *item;
	size_t i, j, nitems = 0, star, same;
	const char *why;
	yaml_node_t *e;
	char **v = NULL;
	char buf[64], head[64];
	int err = 0;

	if (is_null(n)) {
		v = calloc(1, sizeof(*v));
		if (!v)
			return -ENOMEM;
		goto replace;
	}
	if (n->type != YAML_SEQUENCE_NODE)
		return fail(p, n, k->section, k->key,
			    "expected a list of absolute path prefixes, got %s",
			    describe(n, buf, sizeof(buf)));
	nitems = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	v = calloc(nitems ? nitems : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0, item = n->data.sequence.items.start; i < nitems; i++, item++) {
		e = yaml_document_get_node(p->doc, *item);
		if (!e || e->type != YAML_SCALAR_NODE) {
			err = fail(p, e ? e : n, k->section, k->key,
				   "expected a list of absolute path prefixes, got an entry that "
				   "is %s",
				   e ? describe(e, buf, sizeof(buf)) : "missing");
			goto out;
		}
		why = check_prefix((const char *)e->data.scalar.value, e->data.scalar.length,
				   &star);
		if (why) {
			err = fail(p, e, k->section, k->key, "%s: %s",
				   describe(e, buf, sizeof(buf)), why);
			goto out;
		}
		v[i] = strndup((const char *)e->data.scalar.value, e->data.scalar.length);
		if (!v[i]) {
			err = -ENOMEM;
			goto out;
		}
		if (star == e->data.scalar.length)
			continue;
		for (j = 0, same = 1; j < i; j++)
			if (strncmp(v[j], v[i], star + 1) == 0)
				same++;
		if (same > CONFIG_PREFIX_WILD_PER_KEY) {
			err = fail(p, e, k->section, k->key,
				   "%s: at most %d patterns may share the part before '*' (%s)",
				   describe(e, buf, sizeof(buf)), CONFIG_PREFIX_WILD_PER_KEY,
				   printable_bytes(v[i], star, head, sizeof(head)));
			goto out;
		}
	}
replace:
	free_list(*field, *count);
	*field = v;
	*count = nitems;
	return 0;
out:
	free_list(v, nitems);
	return err;
}

/* ---- document walk -------------------------------------------------------------------- */

static bool key_is(const yaml_node_t *n, const char *word)
{
	size_t len = strlen(word);

	return n->data.scalar.length == len && memcmp(n->data.scalar.value, word, len) == 0;
}

static int parse_section(struct parse_ctx *p, const char *section, yaml_node_t *map, bool *seen)
{
	yaml_node_pair_t *pair;
	yaml_node_t *kn, *vn;
	char buf[64];
	size_t i;
	int err;

	if (is_null(map))
		return 0;
	if (map->type != YAML_MAPPING_NODE)
		return fail(p, map, section, NULL, "expected a map of keys, got %s",
			    describe(map, buf, sizeof(buf)));
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		kn = yaml_document_get_node(p->doc, pair->key);
		vn = yaml_document_get_node(p->doc, pair->value);
		if (!kn || !vn || kn->type != YAML_SCALAR_NODE)
			return fail(p, kn ? kn : map, section, NULL, "keys must be plain words");
		for (i = 0; i < NKEYS; i++)
			if (strcmp(cfg_keys[i].section, section) == 0 &&
			    key_is(kn, cfg_keys[i].key))
				break;
		if (i == NKEYS)
			return fail(p, kn, section, printable(kn, buf, sizeof(buf)), "unknown key");
		if (seen[i])
			return fail(p, kn, section, cfg_keys[i].key, "duplicate key");
		seen[i] = true;
		err = cfg_keys[i].parse(p, &cfg_keys[i], vn);
		if (err)
			return err;
	}
	return 0;
}

static int parse_root(struct parse_ctx *p, yaml_node_t *root)
{
	bool seen_section[ARRAY_SIZE(cfg_sections)] = { false };
	bool seen[NKEYS] = { false };
	yaml_node_pair_t *pair;
	yaml_node_t *kn, *vn;
	char buf[64];
	size_t i;
	int err;

	if (is_null(root))
		return 0;
	if (root->type != YAML_MAPPING_NODE)
		return fail(p, root, "(top level)", NULL,
			    "expected a map of sections (capture, process, output), got %s",
			    describe(root, buf, sizeof(buf)));
	for (pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top; pair++) {
		kn = yaml_document_get_node(p->doc, pair->key);
		vn = yaml_document_get_node(p->doc, pair->value);
		if (!kn || !vn || kn->type != YAML_SCALAR_NODE)
			return fail(p, kn ? kn : root, "(top level)", NULL,
				    "keys must be plain words");
		for (i = 0; i < ARRAY_SIZE(cfg_sections); i++)
			if (key_is(kn, cfg_sections[i]))
				break;
		if (i == ARRAY_SIZE(cfg_sections))
			return fail(p, kn, printable(kn, buf, sizeof(buf)), NULL,
				    "unknown key (sections are capture, process, output)");
		if (seen_section[i])
			return fail(p, kn, cfg_sections[i], NULL, "duplicate key");
		seen_section[i] = true;
		err = parse_section(p, cfg_sections[i], vn, seen);
		if (err)
			return err;
	}
	return 0;
}

static int yaml_fail(const yaml_parser_t *parser, const char *name, char *err, size_t errlen)
{
	if (parser->error == YAML_MEMORY_ERROR)
		return -ENOMEM;
	set_err(err, errlen, "%s:%zu: yaml: %s%s%s", name, parser->problem_mark.line + 1,
		parser->problem ? parser->problem : "syntax error", parser->context ? " " : "",
		parser->context ? parser->context : "");
	return -EINVAL;
}

/* Loads the one document of buf into doc; a second document is an error. */
static int load_document(yaml_document_t *doc, const char *name, const char *buf, size_t len,
			 char *err, size_t errlen)
{
	yaml_document_t extra;
	yaml_parser_t parser;
	yaml_node_t *root;
	int ret = 0;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, doc)) {
		ret = yaml_fail(&parser, name, err, errlen);
		goto out;
	}
	if (!yaml_parser_load(&parser, &extra)) {
		ret = yaml_fail(&parser, name, err, errlen);
		yaml_document_delete(doc);
		goto out;
	}
	root = yaml_document_get_root_node(&extra);
	if (root) {
		set_err(err, errlen, "%s:%zu: yaml: only one document is allowed", name,
			root->start_mark.line + 1);
		ret = -EINVAL;
		yaml_document_delete(doc);
	}
	yaml_document_delete(&extra);
out:
	yaml_parser_delete(&parser);
	return ret;
}

int config_load_buffer(struct vigil_config *c, const char *name, const char *buf, size_t len,
		       char *err, size_t errlen)
{
	struct vigil_config tmp;
	struct parse_ctx p;
	yaml_document_t doc;
	yaml_node_t *root;
	int ret;

	if (err && errlen)
		err[0] = '\0';
	if (!name)
		name = "(config)";
	if (!c || (!buf && len)) {
		set_err(err, errlen, "%s: invalid arguments", name);
		return -EINVAL;
	}
	ret = load_document(&doc, name, buf ? buf : "", len, err, errlen);
	if (ret == -ENOMEM)
		set_err(err, errlen, "%s: out of memory", name);
	if (ret)
		return ret;
	ret = config_copy(&tmp, c);
	if (ret)
		goto out;
	p = (struct parse_ctx){
		.name = name, .err = err, .errlen = errlen, .doc = &doc, .cfg = &tmp
	};
	root = yaml_document_get_root_node(&doc);
	ret = root ? parse_root(&p, root) : 0;
	if (ret) {
		config_free(&tmp);
		goto out;
	}
	config_free(c);
	*c = tmp;
out:
	if (ret == -ENOMEM)
		set_err(err, errlen, "%s: out of memory", name);
	yaml_document_delete(&doc);
	return ret;
}

int config_load_file(struct vigil_config *c, const char *path, char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd, ret;

	if (!c || !path) {
		set_err(err, errlen, "config: invalid arguments");
		return -EINVAL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		ret = -errno;
		set_err(err, errlen, "%s: cannot open: %s%s", path, strerror(-ret),
			ret == -ENOENT ? " (vigild runs on built-in defaults without a file)" : "");
		return ret;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		set_err(err, errlen, "%s: cannot stat: %s", path, strerror(-ret));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		set_err(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	buf = malloc(CONFIG_FILE_MAX + 1);
	if (!buf) {
		ret = -ENOMEM;
		set_err(err, errlen, "%s: out of memory", path);
		goto out;
	}
	for (;;) {
		n = read(fd, buf + len, CONFIG_FILE_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			set_err(err, errlen, "%s: cannot read: %s", path, strerror(-ret));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > CONFIG_FILE_MAX) {
			ret = -EFBIG;
			set_err(err, errlen, "%s: larger than %d bytes", path, CONFIG_FILE_MAX);
			goto out;
		}
	}
	ret = config_load_buffer(c, path, buf, len, err, errlen);
out:
	free(buf);
	close(fd);
	return ret;
}
