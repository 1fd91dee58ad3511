/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * userdb.h - uid -> user name and gid -> group name from passwd/group files.
 *
 * The files are parsed here instead of calling getpwuid(3): NSS modules can
 * block on the network, and these lookups run on the event path.  Users that
 * only exist in a directory service therefore have no name (callers print
 * the number).
 */
#ifndef VIGIL_USERDB_H
#define VIGIL_USERDB_H

#include <stddef.h>
#include <stdint.h>

struct userdb;

struct userdb_stats {
	uint64_t users;	      /* uids held now */
	uint64_t groups;      /* gids held now */
	uint64_t skipped;     /* lines past max_entries, not loaded, in the current tables */
	uint64_t malformed;   /* lines ignored as malformed in the current tables */
	uint64_t reloads;     /* successful (re)loads of either file */
	uint64_t load_errors; /* failed (re)loads; the previous table was kept */
};

/*
 * Creates a database over passwd_path and group_path ("/etc/passwd" and
 * "/etc/group" normally; NULL leaves that side empty), each bounded to
 * max_entries ids.  The files are read now and re-read when their mtime,
 * size or inode changes, checked at most once per second on a monotonic
 * clock.  A missing or unreadable file is not an error here: that side stays
 * empty (counted in load_errors) and is retried at the next check.  Returns
 * NULL when max_entries is 0 or memory runs out.  Free with userdb_free().
 */
struct userdb *userdb_new(const char *passwd_path, const char *group_path, size_t max_entries);

/* Frees the database.  Accepts NULL. */
void userdb_free(struct userdb *db);

/*
 * Returns the name of uid (the first line that names it), or NULL if
 * unknown.  The pointer is valid until the next call on db.
 */
const char *userdb_user(struct userdb *db, uint32_t uid);

/* Like userdb_user() for group ids. */
const char *userdb_group(struct userdb *db, uint32_t gid);

/*
 * Makes the next lookup check both files regardless of the once-per-second
 * limit (for a reload signal, and for tests).
 */
void userdb_invalidate(struct userdb *db);

/* Copies the counters to out. */
void userdb_stats(const struct userdb *db, struct userdb_stats *out);

#endif /* VIGIL_USERDB_H */
