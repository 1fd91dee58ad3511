/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * userdb.c - passwd/group files as two sorted id tables.
 *
 * Each file becomes one array of (id, name offset) sorted by id plus one
 * block of names, so a lookup is a binary search with no allocation, and a
 * reload builds a complete new table before it replaces the old one (a file
 * caught half-written or unreadable never empties a good table).  Reloads
 * are driven by the lookups themselves: at most once per second a lookup
 * stats the file and re-reads it if its mtime, size or inode changed, which
 * covers both in-place edits and the rename that tools like useradd use.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "userdb.h"

#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

#define CHECK_INTERVAL_NS 1000000000ull
#define FILE_SIZE_MAX	  (64u << 20)
#define NAME_LEN_MAX	  255

struct id_name {
	uint32_t id;
	uint32_t name_off; /* into id_table.names; also the line order, used to keep the first */
};

struct file_stamp {
	int64_t mtime_ns;
	int64_t size;
	uint64_t ino;
	uint64_t dev;
};

struct id_table {
	char *path;
	struct id_name *ids;
	size_t count;
	char *names;
	size_t skipped;
	size_t malformed;
	bool have_stamp;
	struct file_stamp stamp;
	uint64_t next_check_ns;
};

struct userdb {
	size_t max_entries;
	struct id_table users;
	struct id_table groups;
	uint64_t reloads;
	uint64_t load_errors;
};

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int stamp_of(const char *path, struct file_stamp *out)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return -errno;
#ifdef _WIN32
	out->mtime_ns = (int64_t)st.st_mtime * 1000000000;
#else
	out->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
#endif
	out->size = (int64_t)st.st_size;
	out->ino = (uint64_t)st.st_ino;
	out->dev = (uint64_t)st.st_dev;
	return 0;
}

static bool stamp_equal(const struct file_stamp *a, const struct file_stamp *b)
{
	return a->mtime_ns == b->mtime_ns && a->size == b->size && a->ino == b->ino &&
	       a->dev == b->dev;
}

/* Reads the whole file; *out is NUL-terminated and owned by the caller. */
static int read_whole_file(const char *path, char **out, size_t *out_len)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap + 1);
	int fd, err = 0;

	if (!buf)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto fail;
	}
	for (;;) {
		ssize_t r;

		if (len == cap) {
			char *bigger;

			if (cap >= FILE_SIZE_MAX) {
				err = -EFBIG;
				goto fail;
			}
			cap *= 2;
			bigger = realloc(buf, cap + 1);
			if (!bigger) {
				err = -ENOMEM;
				goto fail;
			}
			buf = bigger;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			goto fail;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	return err;
}

static bool parse_id(const char *s, size_t len, uint32_t *id)
{
	uint64_t v = 0;

	if (!len || len > 10)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT32_MAX)
		return false;
	*id = (uint32_t)v;
	return true;
}

/*
 * Parses one "name:password:id:..." line into entry, appending the name to
 * names; passwd and group both keep the id in the third field.  Returns false
 * for a malformed line.
 */
static bool parse_line(const char *line, size_t len, struct id_name *entry, char *names,
		       size_t *names_len)
{
	const char *colon1 = memchr(line, ':', len);
	const char *colon2, *colon3, *end = line + len;
	size_t name_len;

	if (!colon1)
		return false;
	colon2 = memchr(colon1 + 1, ':', (size_t)(end - colon1 - 1));
	if (!colon2)
		return false;
	colon3 = memchr(colon2 + 1, ':', (size_t)(end - colon2 - 1));
	if (!colon3)
		colon3 = end;
	name_len = (size_t)(colon1 - line);
	if (!name_len || name_len > NAME_LEN_MAX || memchr(line, '\0', name_len))
		return false;
	if (!parse_id(colon2 + 1, (size_t)(colon3 - colon2 - 1), &entry->id))
		return false;
	entry->name_off = (uint32_t)*names_len;
	memcpy(names + *names_len, line, name_len);
	names[*names_len + name_len] = '\0';
	*names_len += name_len + 1;
	return true;
}

static int cmp_id_name(const void *a, const void *b)
{
	const struct id_name *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->name_off < y->name_off ? -1 : (x->name_off > y->name_off);
}

/* Reads t->path into a new table that replaces t's only once it is complete. */
static int load_table(struct id_table *t, size_t max_entries)
{
	struct id_name *ids = NULL;
	size_t count = 0, names_len = 0, skipped = 0, malformed = 0, len = 0, kept;
	char *text = NULL, *names = NULL;
	const char *line;
	int err;

	err = read_whole_file(t->path, &text, &len);
	if (err)
		return err;
	/* A valid line takes at least 5 bytes ("a::0\n"), so len / 4 + 1 ids suffice. */
	ids = malloc((max_entries < len / 4 + 1 ? max_entries : len / 4 + 1) * sizeof(*ids));
	names = malloc(len + 1);
	if (!ids || !names) {
		err = -ENOMEM;
		goto out;
	}
	for (line = text; line < text + len;) {
		const char *eol = memchr(line, '\n', (size_t)(text + len - line));
		size_t line_len = eol ? (size_t)(eol - line) : (size_t)(text + len - line);

		if (line_len && line[line_len - 1] == '\r')
			line_len--;
		if (line_len && line[0] != '#' && line[0] != '+' && line[0] != '-') {
			if (count == max_entries) {
				skipped++;
			} else if (parse_line(line, line_len, &ids[count], names, &names_len)) {
				count++;
			} else {
				malformed++;
			}
		}
		line = eol ? eol + 1 : text + len;
	}
	qsort(ids, count, sizeof(*ids), cmp_id_name);
	kept = 0;
	for (size_t i = 0; i < count; i++)
		if (!kept || ids[kept - 1].id != ids[i].id)
			ids[kept++] = ids[i];
	free(t->ids);
	free(t->names);
	t->ids = ids;
	t->names = names;
	t->count = kept;
	t->skipped = skipped;
	t->malformed = malformed;
	ids = NULL;
	names = NULL;
out:
	free(ids);
	free(names);
	free(text);
	return err;
}

static void maybe_reload(struct userdb *db, struct id_table *t, bool force)
{
	struct file_stamp now_stamp;
	uint64_t now = monotonic_ns();

	if (!t->path || (!force && now < t->next_check_ns))
		return;
	t->next_check_ns = now + CHECK_INTERVAL_NS;
	if (stamp_of(t->path, &now_stamp) != 0) {
		db->load_errors++;
		t->have_stamp = false;
		return;
	}
	if (t->have_stamp && stamp_equal(&now_stamp, &t->stamp))
		return;
	if (load_table(t, db->max_entries) != 0) {
		db->load_errors++;
		t->have_stamp = false;
		return;
	}
	t->stamp = now_stamp;
	t->have_stamp = true;
	db->reloads++;
}

static const char *table_lookup(struct userdb *db, struct id_table *t, uint32_t id)
{
	size_t lo = 0, hi;

	maybe_reload(db, t, false);
	hi = t->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->ids[mid].id == id)
			return t->names + t->ids[mid].name_off;
		if (t->ids[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void table_free(struct id_table *t)
{
	free(t->path);
	free(t->ids);
	free(t->names);
}

struct userdb *userdb_new(const char *passwd_path, const char *group_path, size_t max_entries)
{
	struct userdb *db;

	if (!max_entries)
		return NULL;
	db = calloc(1, sizeof(*db));
	if (!db)
		return NULL;
	db->max_entries = max_entries;
	if (passwd_path) {
		db->users.path = strdup(passwd_path);
		if (!db->users.path)
			goto fail;
	}
	if (group_path) {
		db->groups.path = strdup(group_path);
		if (!db->groups.path)
			goto fail;
	}
	maybe_reload(db, &db->users, true);
	maybe_reload(db, &db->groups, true);
	return db;
fail:
	userdb_free(db);
	return NULL;
}

void userdb_free(struct userdb *db)
{
	if (!db)
		return;
	table_free(&db->users);
	table_free(&db->groups);
	free(db);
}

const char *userdb_user(struct userdb *db, uint32_t uid)
{
	return db ? table_lookup(db, &db->users, uid) : NULL;
}

const char *userdb_group(struct userdb *db, uint32_t gid)
{
	return db ? table_lookup(db, &db->groups, gid) : NULL;
}

void userdb_invalidate(struct userdb *db)
{
	if (!db)
		return;
	db->users.next_check_ns = 0;
	db->groups.next_check_ns = 0;
}

void userdb_stats(const struct userdb *db, struct userdb_stats *out)
{
	out->users = db->users.count;
	out->groups = db->groups.count;
	out->skipped = db->users.skipped + db->groups.skipped;
	out->malformed = db->users.malformed + db->groups.malformed;
	out->reloads = db->reloads;
	out->load_errors = db->load_errors;
}
