# glued build. `make` builds build/glued; `make test` builds a sanitizer build and runs every suite.
# Sources are found by wildcard: a new src/<dir>/<mod>.c joins the build, a new tests/unit/test_<mod>.c
# becomes its own Check binary linked against every module but main.c.

CC       ?= cc
PKGS     := libmicrohttpd jansson sqlite3 libuv libcrypto libpq zlib libcurl
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -Isrc -MMD -MP $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libpq and libcurl are compiled against but not linked: glued loads them when it needs them (util/dynlib.h)
LINKPKGS := $(filter-out libpq libcurl,$(PKGS))
LDLIBS   += $(shell pkg-config --libs $(LINKPKGS) 2>/dev/null) -ldl -lpthread -lm
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

# The console's HTML, CSS and JS are compiled in from a generated table (scripts/embed_assets.sh).
CONSOLE_FILES := $(sort $(wildcard src/server/console/*))
GEN_ASSETS    := build/gen/console_assets.c
SRCS     := $(wildcard src/*.c src/*/*.c) $(GEN_ASSETS)
LIBSRCS  := $(filter-out src/main.c,$(SRCS))
UNITSRCS := $(wildcard tests/unit/test_*.c)

OBJS     := $(SRCS:%.c=build/obj/%.o)
LIBOBJS  := $(LIBSRCS:%.c=build/obj/%.o)
AOBJS    := $(SRCS:%.c=build/asan/obj/%.o)
ALIBOBJS := $(LIBSRCS:%.c=build/asan/obj/%.o)
UNITBINS := $(UNITSRCS:tests/unit/%.c=build/asan/tests/%)
FUZZSRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZBINS := $(FUZZSRCS:tests/fuzz/%.c=build/fuzz/%)

# Installation (make install / make uninstall take PREFIX and DESTDIR; the unit gets the paths filled in).
PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
DATADIR  ?= $(PREFIX)/share
MANDIR   ?= $(DATADIR)/man
UNITDIR  ?= $(PREFIX)/lib/systemd/system
PYDIR    := $(DATADIR)/glued/python
VERSION  := $(shell sed -n 's/^\#define GLUED_VERSION "\(.*\)"/\1/p' src/version.h)
PYFILES  := $(wildcard python/awsglue/*.py)

.PHONY: all deps deps-test run test unit api js fuzz bench clean format man install uninstall
all: build/glued

build/glued: $(OBJS)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(GEN_ASSETS): scripts/embed_assets.sh $(CONSOLE_FILES)
	@mkdir -p $(dir $@)
	sh scripts/embed_assets.sh $@ $(CONSOLE_FILES)

build/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

build/asan/glued: $(AOBJS)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LDLIBS)

build/asan/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -c -o $@ $<

build/asan/tests/%: tests/unit/%.c $(ALIBOBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LDLIBS) $(shell pkg-config --libs check)

# libFuzzer targets: clang only, linked against the library objects rebuilt with clang's sanitizers.
FUZZCC   := clang
build/fuzz/%: tests/fuzz/%.c $(LIBSRCS)
	@mkdir -p $(dir $@)
	$(FUZZCC) -g -O1 -std=c11 -D_GNU_SOURCE -Isrc -fsanitize=fuzzer,address,undefined \
	  $(shell pkg-config --cflags $(PKGS)) -o $@ $^ $(LDLIBS)

deps:
	@bash scripts/deps.sh

deps-test:
	@bash scripts/deps.sh --test

# As root, glued needs --job-user: `make run` runs jobs as JOB_USER (root unless given, e.g. make run JOB_USER=nobody).
JOB_USER ?= root
run: deps build/glued
	./build/glued --listen 127.0.0.1:8080 --data ./var $(if $(filter 0,$(shell id -u)),--job-user $(JOB_USER))

test: deps-test build/glued build/asan/glued $(UNITBINS) $(FUZZBINS)
	@bash tests/run_all.sh

unit: $(UNITBINS)
	@for t in $(UNITBINS); do $$t || exit 1; done

fuzz: $(FUZZBINS)

bench: deps build/glued
	@bash bench/run_all.sh

# The man page is made from the README's sections (the README is the one place options are described).
man: build/glued.8
build/glued.8: README.md scripts/gen_man.py src/version.h
	@mkdir -p build
	python3 scripts/gen_man.py README.md $(VERSION) > $@.tmp && mv $@.tmp $@

install: build/glued build/glued.8
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(PYDIR)/awsglue $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR)
	install -m 755 build/glued $(DESTDIR)$(BINDIR)/glued
	install -m 644 $(PYFILES) $(DESTDIR)$(PYDIR)/awsglue/
	install -m 644 build/glued.8 $(DESTDIR)$(MANDIR)/man8/glued.8
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@PYDIR@|$(PYDIR)|g' dist/glued.service.in > $(DESTDIR)$(UNITDIR)/glued.service
	chmod 644 $(DESTDIR)$(UNITDIR)/glued.service

# Only what install put there (and the bytecode Python wrote of it): a user's own files in $(PYDIR) stay, and so
# do the directories that hold them.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/glued $(DESTDIR)$(MANDIR)/man8/glued.8 $(DESTDIR)$(UNITDIR)/glued.service
	rm -f $(PYFILES:python/%=$(DESTDIR)$(PYDIR)/%)
	rm -f $(foreach m,$(notdir $(basename $(PYFILES))),$(DESTDIR)$(PYDIR)/awsglue/__pycache__/$(m).*.pyc)
	rmdir $(DESTDIR)$(PYDIR)/awsglue/__pycache__ $(DESTDIR)$(PYDIR)/awsglue $(DESTDIR)$(PYDIR) \
	      $(DESTDIR)$(DATADIR)/glued 2>/dev/null || true

format:
	clang-format -i $(filter-out src/model/shapes.c $(GEN_ASSETS),$(SRCS)) $(wildcard src/*/*.h)

clean:
	rm -rf build

-include $(OBJS:.o=.d) $(AOBJS:.o=.d)
