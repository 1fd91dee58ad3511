// SPDX-License-Identifier: GPL-2.0-only
/*
 * loader.c - probe, choose, load and attach the BPF side.
 *
 * Hook selection never assumes: BPF-LSM and fentry are each tried with a
 * one-program probe object (bpf/probe.bpf.c), and per event family the best
 * variant that loaded is chosen (file: lsm > fentry > tracepoint; the other
 * families use raw tracepoints or syscall tracepoints, which every kernel
 * with BTF has).  Syscall tracepoints this kernel lacks (fchmodat2 before
 * 6.6, the legacy non-at calls on arm64) are skipped and counted rather
 * than failing the load.  If the chosen LSM/fentry variant is then refused
 * by the verifier, the object is reopened with the tracepoint plan.
 *
 * Skeleton lifecycle: open -> set rodata and map sizes -> autoload -> load
 * -> fill the prefix trie -> attach, with one cleanup path (loader_stop).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "config.h"
#include "loader.h"

/* The config module checks prefixes against these limits without the ABI header. */
_Static_assert(CONFIG_PREFIX_MAX == VG_PREFIX_KEY_MAX - 1, "prefix length");
_Static_assert(CONFIG_PREFIX_WILD_PER_KEY == VG_PREFIX_SUFFIXES, "wildcards per key");
_Static_assert(CONFIG_PREFIX_SUFFIX_MAX == VG_PREFIX_SUFFIX_MAX - 1, "suffix length");
#include "vigil.skel.h"
#include "probe.skel.h"

#define BPF_FS_MAGIC_NUM  0xcafe4a11
#define TRACEFS_MAGIC_NUM 0x74726163
#define TRACEFS_DIR	  "/sys/kernel/tracing" /* mounted there by loader_mount_fs() */

#define LOADER_MAX_LINKS 256

struct loader {
	struct vigil_bpf *skel;
	struct bpf_link *links[LOADER_MAX_LINKS];
	size_t nlinks;
	struct loader_plan plan;
};

/* Syscalls whose tracepoint programs belong to the file and network families. */
static const char *const file_name_calls[] = {
	"unlink", "unlinkat", "rmdir",	   "rename",	"renameat", "renameat2", "chmod",
	"fchmod", "fchmodat", "fchmodat2", "chown",	"lchown",   "fchown",	 "fchownat",
	"link",	  "linkat",   "symlink",   "symlinkat", NULL,
};
static const char *const file_open_calls[] = { "open", "openat", "openat2", "creat", NULL };
static const char *const net_calls[] = {
	"connect", "listen", "bind", "accept", "accept4", "sendto", "sendmsg", "sendmmsg", NULL,
};
static const char *const integrity_calls[] = {
	"ptrace", "init_module", "finit_module", "delete_module", "bpf", "memfd_create",
	"mount",  "umount",	 "unshare",	 "setns",	  NULL,
};

/*
 * Exit programs shared by many syscalls (SEC("tracepoint") without a
 * target): one program, verified once, attached to sys_exit_<call> for
 * each call listed.
 */
static const struct shared_exit {
	const char *prog;
	enum loader_family fam;
	const char *const *calls;
} shared_exits[] = {
	{ "vg_file_sys_exit", LOADER_FAM_FILE, file_name_calls },
	{ "vg_open_sys_exit", LOADER_FAM_FILE, file_open_calls },
	{ "vg_integrity_sys_exit", LOADER_FAM_INTEGRITY, integrity_calls },
};

static const struct shared_exit *find_shared_exit(const char *prog)
{
	for (size_t i = 0; i < sizeof(shared_exits) / sizeof(shared_exits[0]); i++)
		if (strcmp(shared_exits[i].prog, prog) == 0)
			return &shared_exits[i];
	return NULL;
}

static bool in_list(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(name, *list) == 0)
			return true;
	return false;
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* libbpf's messages: warnings (verifier logs included) go to stderr. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG || getenv("VIGIL_QUIET_LIBBPF"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int mount_if_missing(const char *dir, const char *type, long magic, char *err, size_t errlen)
{
	struct statfs sfs;

	if (statfs(dir, &sfs) == 0 && (long)sfs.f_type == magic)
		return 0;
	if (mount(type, dir, type, 0, NULL) != 0) {
		int e = errno;

		set_err(err, errlen, "cannot mount %s on %s: %s", type, dir, strerror(e));
		return -e;
	}
	return 0;
}

int loader_mount_fs(char *err, size_t errlen)
{
	int r;

	r = mount_if_missing(TRACEFS_DIR, "tracefs", TRACEFS_MAGIC_NUM, err, errlen);
	if (r)
		return r;
	return mount_if_missing("/sys/fs/bpf", "bpf", BPF_FS_MAGIC_NUM, err, errlen);
}

/* Load and attach one program of the probe object alone. */
static bool probe_one(const char *prog_name, char *why, size_t whylen)
{
	struct probe_bpf *p = probe_bpf__open();
	struct bpf_program *prog;
	struct bpf_link *link = NULL;
	bool ok = false;
	int r;

	if (!p) {
		snprintf(why, whylen, "open: %s", strerror(errno));
		return false;
	}
	bpf_object__for_each_program(prog, p->obj)
		bpf_program__set_autoload(prog, strcmp(bpf_program__name(prog), prog_name) == 0);
	r = probe_bpf__load(p);
	if (r) {
		snprintf(why, whylen, "load refused: %s", strerror(-r));
		goto out;
	}
	prog = bpf_object__find_program_by_name(p->obj, prog_name);
	link = prog ? bpf_program__attach(prog) : NULL;
	if (!link) {
		snprintf(why, whylen, "attach refused: %s", strerror(errno));
		goto out;
	}
	ok = true;
out:
	bpf_link__destroy(link);
	probe_bpf__destroy(p);
	return ok;
}

static bool tracepoint_exists(const char *sec)
{
	char path[256];
	const char *tp = sec + strlen("tracepoint/");

	snprintf(path, sizeof(path), TRACEFS_DIR "/events/%s", tp);
	return access(path, F_OK) == 0;
}

/*
 * Family and variant of a program from its section name, e.g.
 * "tracepoint/syscalls/sys_enter_openat" -> file/tracepoint.
 */
static void classify(const char *sec, const char *prog, enum loader_family *fam,
		     const char **variant)
{
	const struct shared_exit *se = find_shared_exit(prog);
	const char *call;

	if (se) {
		*fam = se->fam;
		*variant = "tracepoint";
		return;
	}
	if (strncmp(sec, "lsm/", 4) == 0) {
		*fam = LOADER_FAM_FILE;
		*variant = "lsm";
		return;
	}
	if (strncmp(sec, "fentry/", 7) == 0) {
		*fam = LOADER_FAM_FILE;
		*variant = "fentry";
		return;
	}
	if (strncmp(sec, "raw_tracepoint/", 15) == 0) {
		*fam = LOADER_FAM_PROCESS;
		*variant = "raw_tracepoint";
		return;
	}
	*variant = "tracepoint";
	if (strcmp(sec, "tracepoint/sock/inet_sock_set_state") == 0) {
		*fam = LOADER_FAM_NETWORK;
		return;
	}
	call = strrchr(sec, '/');
	call = call ? call + 1 : sec;
	if (strncmp(call, "sys_enter_", 10) == 0)
		call += 10;
	else if (strncmp(call, "sys_exit_", 9) == 0)
		call += 9;
	if (in_list(call, file_name_calls) || in_list(call, file_open_calls))
		*fam = LOADER_FAM_FILE;
	else if (in_list(call, net_calls))
		*fam = LOADER_FAM_NETWORK;
	else
		*fam = LOADER_FAM_INTEGRITY;
}

static bool family_enabled(const struct vigil_config *cfg, enum loader_family fam)
{
	switch (fam) {
	case LOADER_FAM_FILE:
		return cfg->capture_file;
	case LOADER_FAM_NETWORK:
		return cfg->capture_network;
	case LOADER_FAM_INTEGRITY:
		return cfg->capture_integrity;
	default:
		return true;
	}
}

/* Turn autoload on exactly for the chosen variant of each enabled family. */
static void apply_plan(struct loader *l, const struct vigil_config *cfg)
{
	struct bpf_program *prog;

	l->plan.programs_skipped = 0;
	bpf_object__for_each_program(prog, l->skel->obj)
	{
		const char *sec = bpf_program__section_name(prog);
		const char *variant;
		enum loader_family fam;
		bool on;

		classify(sec, bpf_program__name(prog), &fam, &variant);
		on = family_enabled(cfg, fam) && strcmp(variant, l->plan.variant[fam]) == 0;
		if (on && strncmp(sec, "tracepoint/", 11) == 0 && !tracepoint_exists(sec)) {
			on = false;
			l->plan.programs_skipped++;
		}
		bpf_program__set_autoload(prog, on);
	}
}

/*
 * Add one configured prefix to the trie.  "/home/STAR/.ssh/" is stored under
 * the key "/home/" as suffix ".ssh/" with its own flags; a plain prefix with
 * the same key keeps its flags in val.flags, so the two never overwrite
 * each other whatever their order or lists.
 */
static int add_prefix(int map_fd, const char *pfx, __u32 flags)
{
	struct vg_prefix_key key = { 0 };
	struct vg_prefix_val val = { 0 };
	const char *star = strchr(pfx, '*');
	size_t klen = star ? (size_t)(star - pfx) : strlen(pfx);

	if (klen == 0 || klen > VG_PREFIX_KEY_MAX)
		return -EINVAL;
	memcpy(key.data, pfx, klen);
	key.prefixlen = klen * 8;
	if (bpf_map_lookup_elem(map_fd, &key, &val) != 0)
		memset(&val, 0, sizeof(val));
	if (star) {
		const char *suffix = star + 1;

		if (*suffix == '/')
			suffix++;
		if (val.nsuffix >= VG_PREFIX_SUFFIXES || strlen(suffix) >= VG_PREFIX_SUFFIX_MAX)
			return -E2BIG;
		strncpy(val.suffix[val.nsuffix], suffix, VG_PREFIX_SUFFIX_MAX - 1);
		val.suffix_flags[val.nsuffix] = (__u8)flags;
		val.nsuffix++;
		val.flags |= VG_PFX_WILD;
	} else {
		val.flags = (val.flags & VG_PFX_WILD) | flags;
	}
	val.plen = klen;
	return bpf_map_update_elem(map_fd, &key, &val, BPF_ANY) ? -errno : 0;
}

static int fill_prefixes(struct loader *l, const struct vigil_config *cfg, char *err, size_t errlen)
{
	int fd = bpf_map__fd(l->skel->maps.prefixes);
	struct {
		char **list;
		size_t n;
		__u32 flags;
	} sets[] = {
		{ cfg->exec_only_prefixes, cfg->n_exec_only_prefixes, VG_PFX_EXEC_ONLY },
		{ cfg->file_prefixes, cfg->n_file_prefixes, VG_PFX_INCLUDE },
		{ cfg->exclude_prefixes, cfg->n_exclude_prefixes, VG_PFX_EXCLUDE },
	};

	for (size_t s = 0; s < sizeof(sets) / sizeof(sets[0]); s++) {
		for (size_t i = 0; i < sets[s].n; i++) {
			int r = add_prefix(fd, sets[s].list[i], sets[s].flags);

			if (r) {
				set_err(err, errlen, "capture prefix \"%s\": %s", sets[s].list[i],
					strerror(-r));
				return r;
			}
		}
	}
	return 0;
}

static int open_and_load(struct loader *l, const struct vigil_config *cfg, char *err, size_t errlen)
{
	int r;

	l->skel = vigil_bpf__open();
	if (!l->skel) {
		set_err(err, errlen, "cannot open the BPF object: %s", strerror(errno));
		return -errno;
	}
	l->skel->rodata->sensor_tgid = getpid();
	l->skel->rodata->wakeup_bytes = cfg->ring_buffer_bytes / 4;
	r = bpf_map__set_max_entries(l->skel->maps.events, cfg->ring_buffer_bytes);
	if (r) {
		set_err(err, errlen, "ring buffer size %u refused: %s", cfg->ring_buffer_bytes,
			strerror(-r));
		return r;
	}
	r = bpf_map__set_max_entries(l->skel->maps.scratch, libbpf_num_possible_cpus());
	if (r) {
		set_err(err, errlen, "sizing the scratch map failed: %s", strerror(-r));
		return r;
	}
	apply_plan(l, cfg);
	r = vigil_bpf__load(l->skel);
	if (r) {
		set_err(err, errlen,
			"loading the BPF programs failed: %s (the verifier's log, if any, is "
			"printed above; report it with `uname -r`)",
			strerror(-r));
		return r;
	}
	return 0;
}

static int attach_shared(struct loader *l, struct bpf_program *prog, const struct shared_exit *se,
			 char *err, size_t errlen)
{
	for (const char *const *c = se->calls; *c; c++) {
		char sec[96];
		struct bpf_link *link;

		snprintf(sec, sizeof(sec), "tracepoint/syscalls/sys_exit_%s", *c);
		if (!tracepoint_exists(sec)) {
			l->plan.programs_skipped++;
			continue;
		}
		if (l->nlinks == LOADER_MAX_LINKS) {
			set_err(err, errlen, "more than %d programs to attach", LOADER_MAX_LINKS);
			return -E2BIG;
		}
		link = bpf_program__attach_tracepoint(prog, "syscalls",
						      sec + strlen("tracepoint/syscalls/"));
		if (!link) {
			int r = -errno;

			set_err(err, errlen, "attaching %s to %s failed: %s", se->prog, sec,
				strerror(-r));
			return r;
		}
		l->links[l->nlinks++] = link;
		l->plan.programs_attached++;
	}
	return 0;
}

struct loader *loader_start(const struct vigil_config *cfg, char *err, size_t errlen)
{
	struct loader *l;
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	struct bpf_program *prog;
	int r;

	if (geteuid() != 0) {
		set_err(err, errlen,
			"vigild must run as root: loading BPF programs needs CAP_BPF, "
			"CAP_PERFMON and CAP_SYS_ADMIN (try: sudo vigild)");
		return NULL;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		set_err(err, errlen,
			"this kernel exposes no BTF (/sys/kernel/btf/vmlinux is missing): vigil "
			"needs a kernel built with CONFIG_DEBUG_INFO_BTF=y (Debian, Ubuntu, RHEL, "
			"Amazon Linux kernels have it)");
		return NULL;
	}
	if (loader_mount_fs(err, errlen))
		return NULL;
	setrlimit(RLIMIT_MEMLOCK, &rl);
	libbpf_set_print(libbpf_print);

	l = calloc(1, sizeof(*l));
	if (!l) {
		set_err(err, errlen, "out of memory");
		return NULL;
	}

	/* Probe quietly: refusals are expected and explained in the plan. */
	libbpf_set_print(NULL);
	l->plan.lsm_ok = probe_one("vg_probe_lsm", l->plan.lsm_why, sizeof(l->plan.lsm_why));
	l->plan.fentry_ok =
		probe_one("vg_probe_fentry", l->plan.fentry_why, sizeof(l->plan.fentry_why));
	libbpf_set_print(libbpf_print);

	l->plan.variant[LOADER_FAM_PROCESS] = "raw_tracepoint";
	l->plan.variant[LOADER_FAM_FILE] = l->plan.lsm_ok      ? "lsm"
					   : l->plan.fentry_ok ? "fentry"
							       : "tracepoint";
	l->plan.variant[LOADER_FAM_NETWORK] = "tracepoint";
	l->plan.variant[LOADER_FAM_INTEGRITY] = "tracepoint";

	r = open_and_load(l, cfg, err, errlen);
	if (r && strcmp(l->plan.variant[LOADER_FAM_FILE], "tracepoint") != 0) {
		fprintf(stderr,
			"vigild: the %s file programs were refused (%s); using tracepoints\n",
			l->plan.variant[LOADER_FAM_FILE], err);
		vigil_bpf__destroy(l->skel);
		l->skel = NULL;
		l->plan.variant[LOADER_FAM_FILE] = "tracepoint";
		r = open_and_load(l, cfg, err, errlen);
	}
	if (r)
		goto fail;
	for (int f = 0; f < LOADER_FAM_MAX; f++)
		if (!family_enabled(cfg, f))
			l->plan.variant[f] = "off";
	if (fill_prefixes(l, cfg, err, errlen))
		goto fail;

	bpf_object__for_each_program(prog, l->skel->obj)
	{
		const struct shared_exit *se = find_shared_exit(bpf_program__name(prog));
		struct bpf_link *link;

		if (!bpf_program__autoload(prog))
			continue;
		if (se) {
			r = attach_shared(l, prog, se, err, errlen);
			if (r)
				goto fail;
			continue;
		}
		if (l->nlinks == LOADER_MAX_LINKS) {
			set_err(err, errlen, "more than %d programs to attach", LOADER_MAX_LINKS);
			goto fail;
		}
		link = bpf_program__attach(prog);
		if (!link) {
			r = -errno;
			set_err(err, errlen, "attaching %s (%s) failed: %s",
				bpf_program__name(prog), bpf_program__section_name(prog),
				strerror(-r));
			goto fail;
		}
		l->links[l->nlinks++] = link;
		l->plan.programs_attached++;
	}
	return l;
fail:
	loader_stop(l);
	return NULL;
}

static void *destroy_link(void *arg)
{
	bpf_link__destroy(arg);
	return NULL;
}

/*
 * Since 6.13 syscall tracepoints are faultable and every detach waits for an
 * RCU-tasks-trace grace period (~90 ms each, 8 s for all programs one after
 * the other).  Waiters that overlap share a grace period, so links are
 * destroyed from parallel threads; any link a thread could not be created
 * for is destroyed inline.
 */
void loader_detach(struct loader *l)
{
	pthread_t tids[LOADER_MAX_LINKS];
	bool started[LOADER_MAX_LINKS] = { false };

	for (size_t i = 0; i < l->nlinks; i++)
		started[i] = pthread_create(&tids[i], NULL, destroy_link, l->links[i]) == 0;
	for (size_t i = 0; i < l->nlinks; i++) {
		if (started[i])
			pthread_join(tids[i], NULL);
		else
			bpf_link__destroy(l->links[i]);
	}
	l->nlinks = 0;
}

void loader_stop(struct loader *l)
{
	if (!l)
		return;
	loader_detach(l);
	vigil_bpf__destroy(l->skel);
	free(l);
}

const struct loader_plan *loader_plan(const struct loader *l)
{
	return &l->plan;
}

void loader_plan_str(const struct loader_plan *p, char *buf, size_t len)
{
	snprintf(buf, len,
		 "process=%s file=%s network=%s integrity=%s (bpf-lsm: %s, fentry: %s; %u "
		 "attachments, %u absent tracepoints skipped)",
		 p->variant[LOADER_FAM_PROCESS], p->variant[LOADER_FAM_FILE],
		 p->variant[LOADER_FAM_NETWORK], p->variant[LOADER_FAM_INTEGRITY],
		 p->lsm_ok ? "available" : p->lsm_why, p->fentry_ok ? "available" : p->fentry_why,
		 p->programs_attached, p->programs_skipped);
}

void loader_set_consumer_idle(struct loader *l, bool idle)
{
	__atomic_store_n(&l->skel->bss->vg_consumer_idle, idle ? 1 : 0, __ATOMIC_SEQ_CST);
}

int loader_ringbuf_fd(const struct loader *l)
{
	return bpf_map__fd(l->skel->maps.events);
}

int loader_counters(const struct loader *l, uint64_t out[VG_CNT_MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	int fd = bpf_map__fd(l->skel->maps.counters);
	uint64_t *vals;

	if (ncpu <= 0)
		return -EINVAL;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (uint32_t k = 0; k < VG_CNT_MAX; k++) {
		out[k] = 0;
		if (bpf_map_lookup_elem(fd, &k, vals) != 0)
			continue;
		for (int c = 0; c < ncpu; c++)
			out[k] += vals[c];
	}
	free(vals);
	return 0;
}
