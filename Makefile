# vigil - build, run, test.  See README.md.
#
#   make run            install missing deps, build, run vigild in the foreground
#   make check          install missing deps, build, run every test
#   make check SANITIZE=1   the same under ASan+UBSan (separate build tree)
#   make fuzz           build libFuzzer targets and run each for FUZZ_SECONDS
#   make format-check   clang-format in dry-run mode
#   make bench          benchmarks (bench/README.md)
#   make install        install binaries, default config and systemd unit
#
# Generated files (vmlinux.h, skeletons) go to $(BUILD), never to the tree.

SHELL := /bin/bash
.DEFAULT_GOAL := all

SANITIZE ?= 0
ifeq ($(SANITIZE),1)
BUILD ?= build/san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
BUILD ?= build
SANFLAGS :=
endif

CC ?= cc
CLANG ?= clang
LLVM_STRIP ?= llvm-strip
BPFTOOL ?= $(shell command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
FUZZ_SECONDS ?= 20
PREFIX ?= /usr/local
VIGIL_VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

# Debian packages the build and the tests need (name=a file or command that proves it).
DEPS := clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev libssl-dev \
	libcurl4-openssl-dev libprotobuf-c-dev protobuf-c-compiler libyaml-dev \
	libpcre2-dev libcmocka-dev libjansson-dev pkg-config clang-format \
	libbpf-tools iproute2 procps python3

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 $(WARN) -D_GNU_SOURCE -DVIGIL_VERSION='"$(VIGIL_VERSION)"' \
	-Ibpf/include -Iuserspace -Isensor -isystem $(BUILD) $(SANFLAGS)
LDFLAGS += $(SANFLAGS)
LIBS := -lyaml -lpcre2-8 -lcrypto -lz -lpthread
BPF_LIBS := -lbpf -lelf -lz

LIB_SRCS := $(wildcard userspace/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIB := $(BUILD)/libvigil.a

VIGILD_SRCS := $(filter-out sensor/vigilctl.c,$(wildcard sensor/*.c))
VIGILD_OBJS := $(VIGILD_SRCS:%.c=$(BUILD)/%.o)
VIGILCTL_OBJS := $(BUILD)/sensor/vigilctl.o

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(BPF_SRCS:bpf/%.bpf.c=$(BUILD)/bpf/%.bpf.o)
SKELS := $(BPF_SRCS:bpf/%.bpf.c=$(BUILD)/%.skel.h)

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
ITEST_SRCS := $(wildcard tests/integration/itest_*.c)
ITEST_BINS := $(ITEST_SRCS:tests/integration/%.c=$(BUILD)/tests/%)
ITEST_HELPERS := $(BUILD)/tests/vg_actor
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=build/fuzz/%)
BENCH_SRCS := $(wildcard bench/*.c)
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)

.PHONY: all deps run check unit integration fuzz format format-check bench install clean

all: deps-quiet $(BUILD)/vigild $(BUILD)/vigilctl

# ---- dependencies -----------------------------------------------------------
deps:
	@missing=""; for p in $(DEPS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "vigil: installing missing packages:$$missing"; \
		if [ "$$(id -u)" != 0 ]; then echo "vigil: run as root to install packages" >&2; exit 1; fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

# 'all' checks deps once per tree so plain rebuilds stay fast.
deps-quiet: $(BUILD)/.deps-ok
$(BUILD)/.deps-ok: Makefile
	@mkdir -p $(BUILD)
	@$(MAKE) --no-print-directory deps
	@touch $@

# ---- BPF ---------------------------------------------------------------------
$(BUILD)/vmlinux.h: | $(BUILD)/.deps-ok
	@mkdir -p $(BUILD)
	@test -r $(VMLINUX_BTF) || { echo "vigil: no kernel BTF at $(VMLINUX_BTF); set VMLINUX_BTF=<file> (CONFIG_DEBUG_INFO_BTF=y is needed)" >&2; exit 1; }
	$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@.tmp && mv $@.tmp $@

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.bpf.h) bpf/include/vigil_abi.h $(BUILD)/vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) -O2 -g -target bpf -D__TARGET_ARCH_$(ARCH) -D__VIGIL_BPF__ -Wall -Werror \
		-Wno-unused-function -I$(BUILD) -Ibpf/include -Ibpf -c $< -o $@
	$(LLVM_STRIP) -g $@ 2>/dev/null || true

$(BUILD)/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $*_bpf > $@.tmp && mv $@.tmp $@

# ---- userspace ---------------------------------------------------------------
$(BUILD)/userspace/%.o: userspace/%.c $(wildcard userspace/*.h) bpf/include/vigil_abi.h | $(BUILD)/.deps-ok
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/sensor/%.o: sensor/%.c $(wildcard sensor/*.h) $(wildcard userspace/*.h) bpf/include/vigil_abi.h $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/vigild: $(VIGILD_OBJS) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(VIGILD_OBJS) $(LIB) $(BPF_LIBS) $(LIBS)

$(BUILD)/vigilctl: $(VIGILCTL_OBJS) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(VIGILCTL_OBJS) $(LIB) -ljansson $(LIBS)

# ---- tests -------------------------------------------------------------------
$(BUILD)/tests/test_%: tests/unit/test_%.c $(LIB) $(wildcard tests/unit/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(LIB) -lcmocka -ljansson $(LIBS) $(LDFLAGS)

$(BUILD)/tests/itest_%: tests/integration/itest_%.c $(LIB) $(wildcard tests/integration/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/integration -o $@ $< $(LIB) -lcmocka -ljansson $(LIBS) $(LDFLAGS)

$(BUILD)/tests/vg_actor: tests/integration/vg_actor.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< -lpthread $(LDFLAGS)

unit: $(UNIT_BINS)
	@tests/run_tests.sh unit $(UNIT_BINS)

integration: all $(ITEST_BINS) $(ITEST_HELPERS)
	@VIGILD=$(BUILD)/vigild VIGILCTL=$(BUILD)/vigilctl ACTOR=$(BUILD)/tests/vg_actor \
		tests/run_tests.sh integration $(ITEST_BINS)

check: all $(UNIT_BINS) $(ITEST_BINS) $(ITEST_HELPERS)
	@VIGILD=$(BUILD)/vigild VIGILCTL=$(BUILD)/vigilctl ACTOR=$(BUILD)/tests/vg_actor \
		tests/run_tests.sh all $(UNIT_BINS) $(ITEST_BINS)

# ---- fuzzing (clang libFuzzer + ASan, always its own tree) -------------------
FUZZ_CFLAGS := -std=gnu11 -O1 -g -D_GNU_SOURCE -DVIGIL_VERSION='"$(VIGIL_VERSION)"' \
	-Ibpf/include -Iuserspace -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(LIB_SRCS) $(wildcard userspace/*.h) | $(BUILD)/.deps-ok
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) -o $@ $< $(LIB_SRCS) $(LIBS)

fuzz: $(FUZZ_BINS)
	@tests/run_fuzz.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

# ---- style -------------------------------------------------------------------
FORMAT_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null || find bpf sensor userspace tests bench collector windows-etw -name '*.[ch]')
format:
	clang-format -i $(FORMAT_FILES)
format-check:
	@clang-format --dry-run -Werror $(FORMAT_FILES) && echo "format-check: $(words $(FORMAT_FILES)) files clean"

# ---- run / bench / install ---------------------------------------------------
run: all
	$(BUILD)/vigild

bench: all $(BENCH_BINS)
	@BUILD=$(BUILD) bench/run.sh

$(BUILD)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LIBS) $(LDFLAGS)

install: all
	install -D -m 0755 $(BUILD)/vigild $(DESTDIR)$(PREFIX)/sbin/vigild
	install -D -m 0755 $(BUILD)/vigilctl $(DESTDIR)$(PREFIX)/bin/vigilctl
	install -D -m 0644 packaging/vigild.service $(DESTDIR)/etc/systemd/system/vigild.service
	test -e $(DESTDIR)/etc/vigil/vigil.yaml || install -D -m 0600 packaging/vigil.yaml $(DESTDIR)/etc/vigil/vigil.yaml

clean:
	rm -rf build

# Keep intermediate BPF objects and skeletons.
.SECONDARY:
