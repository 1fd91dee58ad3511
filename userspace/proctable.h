/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * proctable.h - the process model: one entry per process image we know of.
 *
 * Entries are keyed by (pid, start_ticks).  BPF events carry the start time
 * as CLOCK_BOOTTIME ns (task->start_boottime); /proc/PID/stat field 22 gives
 * the same clock in clock ticks.  Converting the ns down to ticks makes both
 * sources land on the same key, so processes seeded from /proc at start-up
 * are found again by the first event they produce, and a recycled pid never
 * aliases an older process.
 *
 * Not thread-safe: one thread (the event reader) owns the table.
 */
#ifndef VIGIL_PROCTABLE_H
#define VIGIL_PROCTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

#define PROCTABLE_CMDLINE_MAX 4096 /* bytes of proc_entry.cmdline, NUL included */
#define PROCTABLE_EXEC_ID_MAX 48

struct proctable;

struct proc_entry {
	uint32_t pid;
	uint64_t start_ticks;
	uint64_t start_ns; /* ns since boot (ticks * ns_per_tick when seeded from /proc) */
	uint32_t ppid;	   /* fork parent pid (kept even after reparenting) */
	uint64_t parent_start_ticks;
	char exec_id[PROCTABLE_EXEC_ID_MAX];	    /* unique id of the current image */
	char parent_exec_id[PROCTABLE_EXEC_ID_MAX]; /* fork parent's exec_id, "" if unknown */
	uint32_t uid, gid, euid, egid, loginuid;
	char *exe;     /* absolute path, owned, never NULL ("" if unknown) */
	char *cmdline; /* argv joined with single spaces, < PROCTABLE_CMDLINE_MAX, never NULL */
	char *cwd;     /* owned, never NULL */
	char comm[17];
	struct vg_exe_identity exe_id; /* zero when unknown */
	uint32_t exe_flags;	       /* VG_EXE_* */
	char container_id[65];	       /* "" when not in a container */
	uint64_t cgroup_id;
	uint64_t exec_ts_ns; /* when exec_id was minted: exec, fork, or start (seeded) */
	bool exited;
	bool seeded; /* came from /proc at start */
};

struct proctable_stats {
	uint64_t entries;	 /* entries held now */
	uint64_t inserts;	 /* entries created (fork, exec without fork, seed) */
	uint64_t evictions;	 /* entries dropped to stay within max_entries */
	uint64_t evictions_live; /* ... of which had not exited */
	uint64_t lookups;	 /* proctable_lookup() and proctable_find_pid() calls */
	uint64_t misses;	 /* ... that found nothing */
	uint64_t seeded;	 /* entries created from /proc */
	uint64_t exits;		 /* entries marked exited */
	uint64_t alloc_failures; /* events not recorded for lack of memory */
};

/*
 * Creates an empty table holding at most max_entries processes.  clk_tck is
 * the /proc tick rate (sysconf(_SC_CLK_TCK) on Linux, 100 in practice).
 * boot_id (e.g. /proc/sys/kernel/random/boot_id; NULL means "") prefixes
 * every exec_id; only its first 8 characters are used.  Returns NULL on bad
 * arguments (max_entries or clk_tck 0, clk_tck above 1e9) or no memory.
 * Free with proctable_free().
 */
struct proctable *proctable_new(size_t max_entries, unsigned clk_tck, const char *boot_id);

/* Frees the table and every entry.  Accepts NULL. */
void proctable_free(struct proctable *pt);

/*
 * Adds every process listed in proc_root ("/proc" normally) that the table
 * does not hold yet, then links each new entry to its parent's entry.  A
 * process whose stat file cannot be read (it exited, or access is denied) is
 * skipped; other files that cannot be read (exe and cwd of other users'
 * processes without privilege, kernel threads) leave their fields empty.
 * Returns the number of entries added, or -errno when proc_root cannot be
 * listed (-ENAMETOOLONG for an absurdly long proc_root) or memory ran out
 * (-ENOMEM; the entries added so far stay).
 */
int proctable_seed(struct proctable *pt, const char *proc_root);

/*
 * Records an exec event: finds or creates the entry of (ev->proc.pid,
 * ev->proc.start_ns) and replaces its image fields.  A created entry (the
 * fork was missed) takes its parent from ev->proc.  Returns the entry, or
 * NULL when ev is not VG_EV_EXEC or memory ran out.  Like every returned
 * entry, it stays valid until the next call that adds entries (on_exec,
 * on_fork, seed) or proctable_free().
 */
const struct proc_entry *proctable_on_exec(struct proctable *pt, const struct vg_event *ev);

/*
 * Records a fork event: ev->proc is the child, ev->proc.ppid and
 * parent_start_ns its parent.  The child inherits the parent entry's image
 * (exe, cmdline, cwd, identity, container) and gets a new exec_id.  An entry
 * that already exists is returned unchanged.  Returns NULL when ev is not
 * VG_EV_FORK or memory ran out.
 */
const struct proc_entry *proctable_on_fork(struct proctable *pt, const struct vg_event *ev);

/*
 * Marks the entry of ev->proc exited.  It is kept for its children's
 * ancestry and is the first to be reclaimed when the table is full.
 */
void proctable_on_exit(struct proctable *pt, const struct vg_event *ev);

/* Returns the entry of (pid, start_ns), exited or not, or NULL. */
const struct proc_entry *proctable_lookup(struct proctable *pt, uint32_t pid, uint64_t start_ns);

/*
 * Returns the most recently started entry for pid that has not exited, or
 * NULL.  For callers that only know a pid (from /proc or a socket peer).
 */
const struct proc_entry *proctable_find_pid(struct proctable *pt, uint32_t pid);

/*
 * Fills out[] with up to max ancestors of e, parent first, following
 * (ppid, parent_start_ticks).  Stops at a missing entry or when an entry
 * would repeat (a cycle).  Returns the number stored.
 */
size_t proctable_ancestry(struct proctable *pt, const struct proc_entry *e,
			  const struct proc_entry **out, size_t max);

/* Copies the counters to out. */
void proctable_stats(const struct proctable *pt, struct proctable_stats *out);

/* Converts a CLOCK_BOOTTIME ns start time to /proc clock ticks. */
uint64_t proctable_ticks(const struct proctable *pt, uint64_t start_ns);

#endif /* VIGIL_PROCTABLE_H */
