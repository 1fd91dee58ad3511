/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * proctable.c - the process table: every event is looked up here once.
 *
 * Because it sits on the hot path, the table is a chained hash on pid (all
 * images of a recycled pid share a bucket, so proctable_find_pid() is one
 * bucket walk too) with a bucket count fixed at creation to at least
 * max_entries, so chains stay short and nothing ever rehashes.  Each entry
 * also sits on one of two intrusive lists: live entries in LRU order, exited
 * entries in exit order.  When the table is full, the oldest exited entry is
 * reclaimed first (its children rarely need it any more), and only when none
 * exists the least recently used live one; both are counted.
 *
 * The only file I/O is proctable_seed(), which reads /proc once at start-up
 * with plain POSIX calls so that the module still compiles elsewhere.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "container.h"
#include "proctable.h"
#include "vigil_abi.h"

#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

#define NS_PER_SEC	  1000000000ull
#define LOGINUID_UNSET	  4294967295u
#define BOOT_PREFIX_LEN	  8
#define MAX_ENTRIES_LIMIT (1ul << 30)
#define SEED_PATH_MAX	  4096
#define SEED_FILE_MAX	  4096
#define SEED_NAME_ROOM	  32 /* room for "/<pid>/loginuid" after the root */
#define DELETED_SUFFIX	  " (deleted)"
#define MEMFD_PREFIX	  "/memfd:"

struct pt_node {
	struct proc_entry e;
	struct pt_node *hnext;
	struct pt_node *prev, *next;
	bool link_pending; /* seeded, parent not linked yet */
};

/* head is the oldest (least recently used, or earliest exit). */
struct pt_list {
	struct pt_node *head, *tail;
};

struct proctable {
	struct pt_node **buckets;
	unsigned int bucket_bits;
	size_t max_entries;
	uint64_t ns_per_tick;
	char boot_prefix[BOOT_PREFIX_LEN + 1];
	struct pt_list live;
	struct pt_list exited;
	struct proctable_stats stats;
};

/* Shared "" for unknown strings, so that a new entry needs no allocation. */
static char empty_str[1];

static size_t bucket_of(const struct proctable *pt, uint32_t pid)
{
	return (uint32_t)(pid * 2654435761u) >> (32 - pt->bucket_bits);
}

static void list_remove(struct pt_list *l, struct pt_node *n)
{
	if (n->prev)
		n->prev->next = n->next;
	else
		l->head = n->next;
	if (n->next)
		n->next->prev = n->prev;
	else
		l->tail = n->prev;
	n->prev = NULL;
	n->next = NULL;
}

static void list_append(struct pt_list *l, struct pt_node *n)
{
	n->next = NULL;
	n->prev = l->tail;
	if (l->tail)
		l->tail->next = n;
	else
		l->head = n;
	l->tail = n;
}

static void touch(struct proctable *pt, struct pt_node *n)
{
	if (n->e.exited || pt->live.tail == n)
		return;
	list_remove(&pt->live, n);
	list_append(&pt->live, n);
}

static struct pt_node *find_node(const struct proctable *pt, uint32_t pid, uint64_t ticks)
{
	struct pt_node *n = pt->buckets[bucket_of(pt, pid)];

	for (; n; n = n->hnext)
		if (n->e.pid == pid && n->e.start_ticks == ticks)
			return n;
	return NULL;
}

static struct pt_node *find_live_pid(const struct proctable *pt, uint32_t pid)
{
	struct pt_node *best = NULL;

	for (struct pt_node *n = pt->buckets[bucket_of(pt, pid)]; n; n = n->hnext) {
		if (n->e.pid != pid || n->e.exited)
			continue;
		if (!best || n->e.start_ticks > best->e.start_ticks)
			best = n;
	}
	return best;
}

static void free_str(char *s)
{
	if (s != empty_str)
		free(s);
}

static void replace_str(char **dst, char *src)
{
	free_str(*dst);
	*dst = src;
}

static char *dup_bytes(const char *s, size_t len)
{
	char *d;

	if (!len)
		return empty_str;
	d = malloc(len + 1);
	if (!d)
		return NULL;
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

static char *dup_view(struct vg_str v)
{
	return dup_bytes(v.ptr, v.ptr ? v.len : 0);
}

/* NUL-separated argv to one line: drop one trailing NUL, NULs become spaces. */
static char *join_argv(const char *argv, size_t len)
{
	char *s;

	if (!argv)
		len = 0;
	if (len && argv[len - 1] == '\0')
		len--;
	if (len > PROCTABLE_CMDLINE_MAX - 1)
		len = PROCTABLE_CMDLINE_MAX - 1;
	s = dup_bytes(argv, len);
	if (s && s != empty_str)
		for (size_t i = 0; i < len; i++)
			if (s[i] == '\0')
				s[i] = ' ';
	return s;
}

static void copy_comm(char dst[17], const char *src, size_t len)
{
	if (len > 16)
		len = 16;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

static void set_exec_id(const struct proctable *pt, struct proc_entry *e, uint64_t ts_ns)
{
	snprintf(e->exec_id, sizeof(e->exec_id), "%s-%u-%llu", pt->boot_prefix, e->pid,
		 (unsigned long long)ts_ns);
	e->exec_ts_ns = ts_ns;
}

static void set_creds(struct proc_entry *e, const struct vg_proc_ctx *p)
{
	e->uid = p->uid;
	e->gid = p->gid;
	e->euid = p->euid;
	e->egid = p->egid;
	e->loginuid = p->loginuid;
	copy_comm(e->comm, p->comm, strnlen(p->comm, sizeof(p->comm)));
}

static void hash_unlink(struct proctable *pt, struct pt_node *n)
{
	struct pt_node **pp = &pt->buckets[bucket_of(pt, n->e.pid)];

	while (*pp && *pp != n)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = n->hnext;
}

static void node_destroy(struct pt_node *n)
{
	free_str(n->e.exe);
	free_str(n->e.cmdline);
	free_str(n->e.cwd);
	free(n);
}

static void evict_one(struct proctable *pt)
{
	struct pt_node *victim = pt->exited.head;

	if (victim) {
		list_remove(&pt->exited, victim);
	} else {
		victim = pt->live.head;
		if (!victim)
			return;
		list_remove(&pt->live, victim);
		pt->stats.evictions_live++;
	}
	hash_unlink(pt, victim);
	node_destroy(victim);
	pt->stats.evictions++;
	pt->stats.entries--;
}

/* Makes room first, so no node looked up after this call can be freed by it. */
static struct pt_node *node_create(struct proctable *pt, uint32_t pid, uint64_t ticks,
				   uint64_t start_ns)
{
	struct pt_node *n;
	size_t b;

	while (pt->stats.entries >= pt->max_entries)
		evict_one(pt);
	n = calloc(1, sizeof(*n));
	if (!n) {
		pt->stats.alloc_failures++;
		return NULL;
	}
	n->e.pid = pid;
	n->e.start_ticks = ticks;
	n->e.start_ns = start_ns;
	n->e.loginuid = LOGINUID_UNSET;
	n->e.exe = empty_str;
	n->e.cmdline = empty_str;
	n->e.cwd = empty_str;
	b = bucket_of(pt, pid);
	n->hnext = pt->buckets[b];
	pt->buckets[b] = n;
	list_append(&pt->live, n);
	pt->stats.entries++;
	pt->stats.inserts++;
	return n;
}

struct proctable *proctable_new(size_t max_entries, unsigned clk_tck, const char *boot_id)
{
	struct proctable *pt;
	unsigned int bits = 4;

	if (!max_entries || max_entries > MAX_ENTRIES_LIMIT || !clk_tck || clk_tck > NS_PER_SEC)
		return NULL;
	while (((size_t)1 << bits) < max_entries)
		bits++;
	pt = calloc(1, sizeof(*pt));
	if (!pt)
		return NULL;
	pt->buckets = calloc((size_t)1 << bits, sizeof(*pt->buckets));
	if (!pt->buckets) {
		free(pt);
		return NULL;
	}
	pt->bucket_bits = bits;
	pt->max_entries = max_entries;
	pt->ns_per_tick = NS_PER_SEC / clk_tck;
	if (boot_id)
		snprintf(pt->boot_prefix, sizeof(pt->boot_prefix), "%.8s", boot_id);
	return pt;
}

void proctable_free(struct proctable *pt)
{
	struct pt_list *lists[2];

	if (!pt)
		return;
	lists[0] = &pt->live;
	lists[1] = &pt->exited;
	for (int i = 0; i < 2; i++) {
		struct pt_node *n = lists[i]->head;

		while (n) {
			struct pt_node *next = n->next;

			node_destroy(n);
			n = next;
		}
	}
	free(pt->buckets);
	free(pt);
}

uint64_t proctable_ticks(const struct proctable *pt, uint64_t start_ns)
{
	return start_ns / pt->ns_per_tick;
}

static void link_parent_exec_id(struct proctable *pt, struct pt_node *n)
{
	struct pt_node *parent = find_node(pt, n->e.ppid, n->e.parent_start_ticks);

	if (!parent || parent == n)
		return;
	memcpy(n->e.parent_exec_id, parent->e.exec_id, sizeof(n->e.parent_exec_id));
	touch(pt, parent);
}

const struct proc_entry *proctable_on_exec(struct proctable *pt, const struct vg_event *ev)
{
	const struct vg_ev_exec *x;
	struct pt_node *n;
	char *exe, *cmdline, *cwd;
	uint64_t ticks;

	if (!pt || !ev || ev->kind != VG_EV_EXEC)
		return NULL;
	x = &ev->exec;
	exe = dup_view(x->exe);
	cmdline = join_argv(x->argv.ptr, x->argv.len);
	cwd = dup_view(x->cwd);
	if (!exe || !cmdline || !cwd)
		goto nomem;
	ticks = proctable_ticks(pt, ev->proc.start_ns);
	n = find_node(pt, ev->proc.pid, ticks);
	if (n) {
		touch(pt, n);
	} else {
		n = node_create(pt, ev->proc.pid, ticks, ev->proc.start_ns);
		if (!n)
			goto nomem;
		n->e.ppid = ev->proc.ppid;
		n->e.parent_start_ticks = proctable_ticks(pt, ev->proc.parent_start_ns);
	}
	replace_str(&n->e.exe, exe);
	replace_str(&n->e.cmdline, cmdline);
	replace_str(&n->e.cwd, cwd);
	set_creds(&n->e, &ev->proc);
	n->e.exe_id = x->id;
	n->e.exe_flags = x->exe_flags;
	n->e.cgroup_id = ev->proc.cgroup_id;
	container_id_from_cgroup(x->cgroup.ptr, x->cgroup.len, n->e.container_id);
	set_exec_id(pt, &n->e, ev->ts_ns);
	link_parent_exec_id(pt, n);
	return &n->e;
nomem:
	if (exe)
		free_str(exe);
	if (cmdline)
		free_str(cmdline);
	if (cwd)
		free_str(cwd);
	pt->stats.alloc_failures++;
	return NULL;
}

/* Copies the image fields a forked child shares with its parent. */
static void inherit_image(struct proctable *pt, struct proc_entry *child,
			  const struct proc_entry *parent)
{
	char *exe = dup_bytes(parent->exe, strlen(parent->exe));
	char *cmdline = dup_bytes(parent->cmdline, strlen(parent->cmdline));
	char *cwd = dup_bytes(parent->cwd, strlen(parent->cwd));

	if (!exe || !cmdline || !cwd) {
		pt->stats.alloc_failures++;
		if (exe)
			free_str(exe);
		if (cmdline)
			free_str(cmdline);
		if (cwd)
			free_str(cwd);
	} else {
		replace_str(&child->exe, exe);
		replace_str(&child->cmdline, cmdline);
		replace_str(&child->cwd, cwd);
	}
	child->exe_id = parent->exe_id;
	child->exe_flags = parent->exe_flags;
	memcpy(child->container_id, parent->container_id, sizeof(child->container_id));
	if (!child->cgroup_id)
		child->cgroup_id = parent->cgroup_id;
	memcpy(child->parent_exec_id, parent->exec_id, sizeof(child->parent_exec_id));
}

const struct proc_entry *proctable_on_fork(struct proctable *pt, const struct vg_event *ev)
{
	struct pt_node *n, *parent;
	uint64_t ticks;

	if (!pt || !ev || ev->kind != VG_EV_FORK)
		return NULL;
	ticks = proctable_ticks(pt, ev->proc.start_ns);
	n = find_node(pt, ev->proc.pid, ticks);
	if (n) {
		touch(pt, n);
		return &n->e;
	}
	n = node_create(pt, ev->proc.pid, ticks, ev->proc.start_ns);
	if (!n)
		return NULL;
	n->e.ppid = ev->proc.ppid;
	n->e.parent_start_ticks = proctable_ticks(pt, ev->proc.parent_start_ns);
	set_creds(&n->e, &ev->proc);
	n->e.cgroup_id = ev->proc.cgroup_id;
	set_exec_id(pt, &n->e, ev->ts_ns);
	parent = find_node(pt, n->e.ppid, n->e.parent_start_ticks);
	if (parent && parent != n) {
		inherit_image(pt, &n->e, &parent->e);
		touch(pt, parent);
	}
	return &n->e;
}

void proctable_on_exit(struct proctable *pt, const struct vg_event *ev)
{
	struct pt_node *n;

	if (!pt || !ev)
		return;
	n = find_node(pt, ev->proc.pid, proctable_ticks(pt, ev->proc.start_ns));
	if (!n || n->e.exited)
		return;
	list_remove(&pt->live, n);
	n->e.exited = true;
	list_append(&pt->exited, n);
	pt->stats.exits++;
}

const struct proc_entry *proctable_lookup(struct proctable *pt, uint32_t pid, uint64_t start_ns)
{
	struct pt_node *n;

	pt->stats.lookups++;
	n = find_node(pt, pid, proctable_ticks(pt, start_ns));
	if (!n) {
		pt->stats.misses++;
		return NULL;
	}
	touch(pt, n);
	return &n->e;
}

const struct proc_entry *proctable_find_pid(struct proctable *pt, uint32_t pid)
{
	struct pt_node *n;

	pt->stats.lookups++;
	n = find_live_pid(pt, pid);
	if (!n) {
		pt->stats.misses++;
		return NULL;
	}
	touch(pt, n);
	return &n->e;
}

size_t proctable_ancestry(struct proctable *pt, const struct proc_entry *e,
			  const struct proc_entry **out, size_t max)
{
	const struct proc_entry *cur = e;
	size_t count = 0;

	if (!pt || !e)
		return 0;
	while (count < max) {
		struct pt_node *p = find_node(pt, cur->ppid, cur->parent_start_ticks);

		if (!p || &p->e == e)
			break;
		for (size_t i = 0; i < count; i++)
			if (out[i] == &p->e)
				return count;
		touch(pt, p);
		out[count++] = &p->e;
		cur = &p->e;
	}
	return count;
}

void proctable_stats(const struct proctable *pt, struct proctable_stats *out)
{
	*out = pt->stats;
}

/* ---- seeding from /proc ------------------------------------------------- */

/* Reads up to cap - 1 bytes and NUL-terminates.  Returns the length or -errno. */
static ssize_t read_small_file(const char *path, char *buf, size_t cap)
{
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (len < cap - 1) {
		ssize_t r = read(fd, buf + len, cap - 1 - len);

		if (r < 0) {
			int err = errno;

			if (err == EINTR)
				continue;
			close(fd);
			return -err;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	return (ssize_t)len;
}

static ssize_t read_link(const char *path, char *buf, size_t cap)
{
	ssize_t r = readlink(path, buf, cap - 1);

	if (r < 0)
		return -errno;
	buf[r] = '\0';
	return r;
}

static bool has_suffix(const char *s, size_t len, const char *suffix)
{
	size_t slen = strlen(suffix);

	return len >= slen && memcmp(s + len - slen, suffix, slen) == 0;
}

/* "pid (comm) S ppid ... starttime(22) ...": comm may hold spaces and ')'. */
static int parse_stat(const char *buf, char comm[17], uint32_t *ppid, uint64_t *ticks)
{
	const char *lp = strchr(buf, '(');
	const char *rp = strrchr(buf, ')');
	const char *p;
	bool have_ppid = false, have_ticks = false;

	if (!lp || !rp || rp < lp)
		return -EINVAL;
	copy_comm(comm, lp + 1, (size_t)(rp - lp - 1));
	p = rp + 1;
	for (int field = 3; field <= 22; field++) {
		char *end;

		while (*p == ' ')
			p++;
		if (!*p)
			return -EINVAL;
		if (field == 4) {
			*ppid = (uint32_t)strtoul(p, &end, 10);
			have_ppid = end != p;
		} else if (field == 22) {
			*ticks = strtoull(p, &end, 10);
			have_ticks = end != p;
		}
		while (*p && *p != ' ')
			p++;
	}
	return have_ppid && have_ticks ? 0 : -EINVAL;
}

/* "Uid:\treal\teffective\tsaved\tfs" */
static void parse_status_ids(const char *buf, const char *key, uint32_t *real, uint32_t *eff)
{
	size_t klen = strlen(key);
	const char *line = buf;

	while (line && *line) {
		if (strncmp(line, key, klen) == 0) {
			char *end;

			*real = (uint32_t)strtoul(line + klen, &end, 10);
			*eff = (uint32_t)strtoul(end, NULL, 10);
			return;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
}

/* The cgroup v2 line is "0::/path". */
static void parse_cgroup(const char *buf, char container_id[65])
{
	const char *line = buf;

	while (line && *line) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);

		if (len >= 3 && memcmp(line, "0::", 3) == 0) {
			container_id_from_cgroup(line + 3, len - 3, container_id);
			return;
		}
		line = eol ? eol + 1 : NULL;
	}
}

/* Returns 1 when an entry was added, 0 when skipped, -ENOMEM. */
static int seed_one(struct proctable *pt, const char *root, uint32_t pid, char *path, char *buf)
{
	struct pt_node *n;
	struct proc_entry *e;
	char comm[17];
	uint32_t ppid = 0;
	uint64_t ticks = 0;
	ssize_t len;
	char *s;

/* proctable_seed() checked that root leaves room for "/<pid>/<name>". */
#define SEED_PATH(name) snprintf(path, SEED_PATH_MAX, "%s/%u/%s", root, pid, name)
	SEED_PATH("stat");
	if (read_small_file(path, buf, SEED_FILE_MAX) < 0)
		return 0;
	if (parse_stat(buf, comm, &ppid, &ticks) < 0)
		return 0;
	if (find_node(pt, pid, ticks))
		return 0;
	n = node_create(pt, pid, ticks, ticks * pt->ns_per_tick);
	if (!n)
		return -ENOMEM;
	e = &n->e;
	e->ppid = ppid;
	memcpy(e->comm, comm, sizeof(e->comm));
	e->seeded = true;
	n->link_pending = true;
	set_exec_id(pt, e, e->start_ns);

	SEED_PATH("status");
	if (read_small_file(path, buf, SEED_FILE_MAX) > 0) {
		parse_status_ids(buf, "Uid:", &e->uid, &e->euid);
		parse_status_ids(buf, "Gid:", &e->gid, &e->egid);
	}
	SEED_PATH("loginuid");
	if (read_small_file(path, buf, SEED_FILE_MAX) > 0)
		e->loginuid = (uint32_t)strtoul(buf, NULL, 10);
	SEED_PATH("cgroup");
	if (read_small_file(path, buf, SEED_FILE_MAX) > 0)
		parse_cgroup(buf, e->container_id);
	SEED_PATH("cmdline");
	len = read_small_file(path, buf, SEED_FILE_MAX + 1);
	if (len > 0) {
		s = join_argv(buf, (size_t)len);
		if (!s)
			return -ENOMEM;
		replace_str(&e->cmdline, s);
	}
	SEED_PATH("cwd");
	len = read_link(path, buf, SEED_FILE_MAX + 1);
	if (len > 0) {
		s = dup_bytes(buf, (size_t)len);
		if (!s)
			return -ENOMEM;
		replace_str(&e->cwd, s);
	}
	SEED_PATH("exe");
	len = read_link(path, buf, SEED_FILE_MAX + 1);
	if (len > 0) {
		if (has_suffix(buf, (size_t)len, DELETED_SUFFIX)) {
			len -= (ssize_t)strlen(DELETED_SUFFIX);
			e->exe_flags |= VG_EXE_UNLINKED;
		}
		if (strncmp(buf, MEMFD_PREFIX, strlen(MEMFD_PREFIX)) == 0)
			e->exe_flags |= VG_EXE_MEMFD;
		s = dup_bytes(buf, (size_t)len);
		if (!s)
			return -ENOMEM;
		replace_str(&e->exe, s);
	}
#undef SEED_PATH
	pt->stats.seeded++;
	return 1;
}

static bool is_pid_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static void link_seeded_parents(struct proctable *pt)
{
	for (struct pt_node *n = pt->live.head; n; n = n->next) {
		struct pt_node *parent;

		if (!n->link_pending)
			continue;
		n->link_pending = false;
		parent = find_live_pid(pt, n->e.ppid);
		if (!parent || parent == n || parent->e.start_ticks > n->e.start_ticks)
			continue;
		n->e.parent_start_ticks = parent->e.start_ticks;
		memcpy(n->e.parent_exec_id, parent->e.exec_id, sizeof(n->e.parent_exec_id));
	}
}

int proctable_seed(struct proctable *pt, const char *proc_root)
{
	char *path = NULL, *buf = NULL;
	struct dirent *de;
	int added = 0, ret = 0;
	DIR *dir;

	if (!pt || !proc_root)
		return -EINVAL;
	if (strlen(proc_root) > SEED_PATH_MAX - SEED_NAME_ROOM)
		return -ENAMETOOLONG;
	dir = opendir(proc_root);
	if (!dir)
		return -errno;
	path = malloc(SEED_PATH_MAX);
	buf = malloc(SEED_FILE_MAX + 1);
	if (!path || !buf) {
		ret = -ENOMEM;
		goto out;
	}
	while ((de = readdir(dir))) {
		unsigned long pid;

		if (!is_pid_name(de->d_name))
			continue;
		pid = strtoul(de->d_name, NULL, 10);
		if (pid > UINT32_MAX)
			continue;
		ret = seed_one(pt, proc_root, (uint32_t)pid, path, buf);
		if (ret < 0) {
			pt->stats.alloc_failures++;
			break;
		}
		added += ret;
	}
	link_seeded_parents(pt);
	if (ret >= 0)
		ret = added;
out:
	free(path);
	free(buf);
	closedir(dir);
	return ret;
}
