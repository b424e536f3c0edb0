# nstopo - network namespace topologies
#
#   make                 build ./nstopo (installs missing build packages)
#   make check           the whole test suite, as CI runs it (see below)
#   make test            unit tests, invalid corpus, integration of one build
#   make test SAN=1      the same, built with ASan + UBSan
#   make memcheck        the example labs applied and destroyed under valgrind
#   make install PREFIX=/usr/local DESTDIR=
#   make deb             the Debian package, in build/deb/ (from a copy of the tree)
#   make demo            bring an example lab up in a sandbox, show it, tear it down
#   make bench           apply/destroy timings against floor and ip scripts
#   make fuzz            run the libFuzzer target (clang)
#   make apply-fuzz      generated labs: validate, apply, status, destroy (root)

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/sbin
MANDIR  ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
UNITDIR ?= $(PREFIX)/lib/systemd/system
DOCDIR  ?= $(PREFIX)/share/doc/nstopo
EXAMPLEDIR ?= $(DOCDIR)/examples
DESTDIR ?=
VERSION := 0.1.0

CC      ?= cc
PKGS    := libnl-3.0 libnl-route-3.0 libcap yaml-0.1
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wvla -Wswitch-enum
ifneq ($(filter true 1 yes,$(CI)),)
WERROR  := -Werror
endif

ifeq ($(SAN),1)
BUILD   := build/san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=all
OPT     := -O1 -g
else
BUILD   := build/rel
OPT     := -O2 -g
endif

# Deferred (=), so pkg-config runs after the dependency check has installed
# what was missing.
DEPS_CFLAGS = $(shell pkg-config --cflags $(PKGS))
DEPS_LIBS   = $(shell pkg-config --libs $(PKGS))
CFLAGS  ?= $(OPT)
ALL_CFLAGS = -std=gnu11 -pthread $(WARN) $(WERROR) $(SANFLAGS) -Iinclude \
             -DNSTOPO_VERSION='"$(VERSION)"' -D_GNU_SOURCE $(DEPS_CFLAGS) \
             $(CFLAGS) -MMD -MP
ALL_LDFLAGS = -pthread $(SANFLAGS) $(LDFLAGS)

SRCS    := $(wildcard src/*.c)
LIBSRCS := $(filter-out src/main.c src/cmd_%.c,$(SRCS))
OBJS    := $(SRCS:src/%.c=$(BUILD)/%.o)
LIBOBJS := $(LIBSRCS:src/%.c=$(BUILD)/%.o)
UNIT_SRCS := $(wildcard tests/unit/*_test.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

ifeq ($(V),1)
Q :=
else
Q := @
endif

BIN := nstopo
ifeq ($(SAN),1)
BIN := $(BUILD)/nstopo
endif

all: $(BIN)

# Build dependencies: installed with apt-get when pkg-config lacks them.
$(BUILD)/.deps:
	$(Q)scripts/install-deps.sh build
	$(Q)mkdir -p $(@D) && touch $@

$(BUILD)/%.o: src/%.c | $(BUILD)/.deps
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BIN): $(OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(OBJS) $(DEPS_LIBS)

$(BUILD)/tests/.deps:
	$(Q)scripts/install-deps.sh test
	$(Q)mkdir -p $(@D) && touch $@

$(BUILD)/tests/%.o: tests/unit/%.c | $(BUILD)/.deps $(BUILD)/tests/.deps
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/unit -c -o $@ $<

$(BUILD)/tests/%_test: $(BUILD)/tests/%_test.o $(LIBOBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(DEPS_LIBS) $(shell pkg-config --libs cmocka)

# The relay's driver (tests/relay/): t-relay.sh runs it, RESULTS.md used it.
RELAY_DRIVE := $(BUILD)/tests/relay_drive
$(RELAY_DRIVE): tests/relay/relay_drive.c $(LIBOBJS) | $(BUILD)/.deps
	@echo "  CC      $<"
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIBOBJS) $(DEPS_LIBS)

unit: $(UNIT_BINS)
	$(Q)set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done

# The programs the tests run, built but not run.
test-bins: $(BIN) $(UNIT_BINS) $(RELAY_DRIVE) $(BUILD)/tests/.deps

test: test-bins
	$(Q)tests/run-all.sh "$(BUILD)" "$(abspath $(BIN))"

# The whole suite, what CI runs: `test` on the release build and on an
# ASan+UBSan build, the examples under valgrind, the fuzz regressions and
# FUZZ_SECONDS (60) of fuzzing, and the static analysers.
check:
	$(Q)$(MAKE) --no-print-directory test-bins
	$(Q)$(MAKE) --no-print-directory SAN=1 test-bins
	$(Q)tests/run-all.sh --full

memcheck: $(BIN) $(BUILD)/tests/.deps
	$(Q)tests/memcheck.sh "$(abspath $(BIN))"

EXAMPLES := $(wildcard topologies/*.yaml)
# The units name the binary and the examples where the Debian package has them.
UNIT_SED = sed -e 's|/usr/sbin/nstopo|$(BINDIR)/nstopo|g' \
	       -e 's|/usr/share/doc/nstopo/examples|$(EXAMPLEDIR)|g'

install: $(BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/nstopo
	install -m 0644 man/nstopo.8 $(DESTDIR)$(MANDIR)/man8/nstopo.8
	install -m 0644 man/nstopo.yaml.5 $(DESTDIR)$(MANDIR)/man5/nstopo.yaml.5
	install -d $(DESTDIR)$(BASHCOMPDIR)
	install -m 0644 completion/nstopo.bash $(DESTDIR)$(BASHCOMPDIR)/nstopo
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(EXAMPLEDIR)
	$(UNIT_SED) systemd/nstopo@.service > $(DESTDIR)$(UNITDIR)/nstopo@.service
	$(UNIT_SED) systemd/two-hosts-web.service > $(DESTDIR)$(EXAMPLEDIR)/two-hosts-web.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/nstopo@.service $(DESTDIR)$(EXAMPLEDIR)/two-hosts-web.service
	install -m 0644 $(EXAMPLES) $(DESTDIR)$(EXAMPLEDIR)

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/nstopo $(DESTDIR)$(MANDIR)/man8/nstopo.8 \
	      $(DESTDIR)$(MANDIR)/man5/nstopo.yaml.5 $(DESTDIR)$(BASHCOMPDIR)/nstopo \
	      $(DESTDIR)$(UNITDIR)/nstopo@.service \
	      $(addprefix $(DESTDIR)$(EXAMPLEDIR)/,$(notdir $(EXAMPLES)) two-hosts-web.service)
	rmdir $(DESTDIR)$(EXAMPLEDIR) $(DESTDIR)$(DOCDIR) 2>/dev/null || true

# Debian package, built from a copy of the tree: build/deb/nstopo_*.deb.
deb:
	$(Q)scripts/deb.sh build/deb

demo: $(BIN)
	$(Q)scripts/install-deps.sh run
	$(Q)scripts/demo.sh "$(abspath $(BIN))"

# Speed, against floor and ip scripts, in a sandbox; BIG=1 adds 10,000 nodes.
bench: $(BIN)
	$(Q)BIG=$(BIG) bench/run.sh "$(abspath $(BIN))"

# libFuzzer over parse -> validate -> plan (clang); FUZZ_SECONDS=60 by default.
fuzz:
	$(Q)fuzz/run.sh

# Generated labs validate accepts must apply, be as planned, leave nothing.
apply-fuzz: $(BIN)
	$(Q)fuzz/apply_fuzz.py --nstopo "$(abspath $(BIN))"

# Static analysis: gcc -fanalyzer, cppcheck, clang-tidy; formatting.
lint:
	$(Q)scripts/lint.sh

# Formatting (.clang-format); `make lint` fails on any difference.
format:
	clang-format -i src/*.c include/*.h tests/unit/*.c tests/unit/*.h fuzz/*.c

clean:
	rm -rf build nstopo

.PHONY: all check test test-bins memcheck unit install uninstall deb demo bench fuzz apply-fuzz lint format clean

-include $(OBJS:.o=.d) $(UNIT_BINS:=.d) $(RELAY_DRIVE).d
