# okaeri - one plain Makefile.
#
#   make                 build ./okaeri
#   make run             install missing packages, build, load demo data if needed, start
#   make test            install missing packages, unit + CLI tests (sanitized build too)
#   make bench           performance benchmarks, results in bench/results/
#   make lint            clang-format check + cppcheck
#   make SANITIZE=1      ASan+UBSan build in build/san/ (binary build/san/okaeri)
#
# Sources are found by wildcard: a new src/<layer>/<module>.c is built into libokaeri.a, a new
# tests/unit/<layer>/test_<module>.c becomes a cmocka test program.

CC      ?= cc
PKGS    := sqlite3 jansson libzip expat xlsxwriter nlopt libutf8proc libmicrohttpd libsodium libpq libcurl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS_BASE := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter \
               -Wformat=2 -Wvla -fno-strict-aliasing -Isrc $(PKG_CFLAGS)
LDLIBS  := $(PKG_LIBS) -lm -lpthread

ifeq ($(SANITIZE),1)
BUILD   := build/san
CFLAGS  := $(CFLAGS_BASE) -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
           -fno-sanitize-recover=undefined
LDFLAGS := -fsanitize=address,undefined
BIN     := $(BUILD)/okaeri
else
BUILD   := build/rel
CFLAGS  := $(CFLAGS_BASE) -O2 -g
LDFLAGS :=
BIN     := okaeri
endif

SRCS      := $(shell find src -name '*.c' -not -path 'src/cli/main.c' | sort)
OBJS      := $(SRCS:%.c=$(BUILD)/obj/%.o)
MAIN_OBJ  := $(BUILD)/obj/src/cli/main.o
LIB       := $(BUILD)/libokaeri.a
UNIT_SRCS := $(shell find tests/unit -name 'test_*.c' 2>/dev/null | sort)
UNIT_BINS := $(UNIT_SRCS:%.c=$(BUILD)/%)
TEST_SUPPORT := $(wildcard tests/unit/support/*.c)

SHARED_DATA ?= $(abspath ../shared/data)
export OKAERI_SHARED_DATA := $(SHARED_DATA)

# Quiet by default; `make V=1` shows the commands.
ifeq ($(V),1)
Q :=
else
Q := @
endif

.PHONY: all run test test-build bench lint fuzz print-libs clean deps
all: $(BIN)

$(BIN): $(MAIN_OBJ) $(LIB)
	@echo "  LINK $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(LIB): $(OBJS)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC   $<"
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

# --- web assets (issue 8) ---
# The web UI (web/**) and the browser libraries from npm (pinned in package-lock.json) become
# build/gen/assets.c, compiled into the library; node_modules is created by `npm ci` when missing.
WEB_FILES  := $(shell find web -type f 2>/dev/null | sort)
ASSETS_C   := build/gen/assets.c
ASSETS_OBJ := $(BUILD)/obj/gen/assets.o
node_modules/.package-lock.json: package.json package-lock.json
	@echo "  NPM  ci"
	@command -v npm >/dev/null || { echo "npm is missing: apt-get install npm (Debian) and run make again" >&2; exit 1; }
	$(Q)npm ci --no-audit --no-fund --loglevel=error
	$(Q)touch $@
$(ASSETS_C): $(WEB_FILES) node_modules/.package-lock.json scripts/embed-assets
	@mkdir -p $(dir $@)
	@echo "  GEN  $@"
	$(Q)scripts/embed-assets web node_modules $@
$(ASSETS_OBJ): $(ASSETS_C) src/http/assets.h
	@mkdir -p $(dir $@)
	@echo "  CC   $<"
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<
$(LIB): $(ASSETS_OBJ)
# --- end web assets ---

$(BUILD)/tests/unit/%: tests/unit/%.c $(TEST_SUPPORT) $(LIB)
	@mkdir -p $(dir $@)
	@echo "  TEST $@"
	$(Q)$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(TEST_SUPPORT) $(LIB) \
	    $(shell pkg-config --libs cmocka) $(LDLIBS)

# Bench programs: bench/<name>.c linked against the library, built into $(BUILD)/bench/<name>.
BENCH_SRCS := $(wildcard bench/*.c)
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)
$(BUILD)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	@echo "  BIN  $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

# Fuzz targets: tests/fuzz/fuzz_<name>.c. `make test` builds each with a replay driver against the
# sanitized library and replays its seed corpus; `make fuzz` runs libFuzzer (clang) on each.
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%-replay)
FUZZ_SECS ?= 60
$(BUILD)/fuzz/%-replay: tests/fuzz/%.c tests/fuzz/replay.c $(LIB)
	@mkdir -p $(dir $@)
	@echo "  FUZZ $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< tests/fuzz/replay.c $(LIB) $(LDLIBS)

fuzz: deps
	@tests/fuzz/run fuzz $(FUZZ_SECS)

print-libs:
	@echo $(PKG_LIBS) -lm -lpthread

deps:
	@scripts/install-deps

run: deps
	@$(MAKE) --no-print-directory all
	@scripts/run

test: deps
	@# the release unit programs too: tests/pg/run runs the PostgreSQL-aware ones from build/rel
	@$(MAKE) --no-print-directory all test-build
	@$(MAKE) --no-print-directory SANITIZE=1 all test-build
	@tests/run-all build/san ./okaeri

test-build: $(UNIT_BINS) $(BIN) $(FUZZ_BINS)

bench: deps
	@$(MAKE) --no-print-directory all $(BENCH_BINS)
	@bench/run

lint:
	@clang-format --dry-run --Werror $$(find src tests -name '*.[ch]')
	@cppcheck --quiet --error-exitcode=1 --enable=warning,portability --std=c11 \
	    --suppress=missingIncludeSystem --suppressions-list=.cppcheck-suppressions -Isrc src

clean:
	rm -rf build okaeri

# --- hardening (issue 10) ---
# `make valgrind`: every cmocka unit program of the release build under valgrind (memcheck); any
# memory error or definite/indirect leak fails it. Logs in build/valgrind/<test>.log.
# VALGRIND_TESTS narrows the set (a pattern matched against the path, e.g. VALGRIND_TESTS=core/).
VALGRIND_TESTS ?=
VALGRIND_BINS := $(if $(VALGRIND_TESTS),$(foreach t,$(UNIT_BINS),$(if $(findstring \
                 $(VALGRIND_TESTS),$(t)),$(t))),$(UNIT_BINS))
VALGRIND := valgrind --quiet --error-exitcode=99 --leak-check=full \
            --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
            --track-origins=yes --num-callers=30
.PHONY: valgrind
valgrind: deps
	@$(MAKE) --no-print-directory -k SANITIZE= $(VALGRIND_BINS) || true
	@mkdir -p build/valgrind
	@pass=0; fail=0; \
	for t in $(VALGRIND_BINS); do \
	    name=$${t#build/rel/tests/unit/}; log=build/valgrind/$$(echo $$name | tr / -).log; \
	    if [ ! -x $$t ]; then fail=$$((fail + 1)); echo "FAIL valgrind $$name (did not build)"; \
	    elif $(VALGRIND) $$t >$$log 2>&1; then pass=$$((pass + 1)); \
	    else fail=$$((fail + 1)); echo "FAIL valgrind $$name (log: $$log)"; tail -n 40 $$log; fi; \
	done; \
	echo "valgrind: $$pass passed, $$fail failed"; [ $$fail -eq 0 ]
# `make soak`: tests/soak/run for SOAK_SECONDS (default 300) against the release binary: wrk with
# a mixed read/write script plus concurrent If-Match edits; results in build/soak/last.json.
# tests/security/run: the security suite against a live server (about 10 s).
SOAK_SECONDS ?= 300
.PHONY: soak security
soak: deps
	@$(MAKE) --no-print-directory SANITIZE= all
	@SOAK_SECONDS=$(SOAK_SECONDS) tests/soak/run ./okaeri
security: deps
	@$(MAKE) --no-print-directory SANITIZE= all
	@tests/security/run ./okaeri
# --- end hardening ---

-include $(OBJS:.o=.d) $(MAIN_OBJ:.o=.d)
