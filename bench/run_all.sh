#!/usr/bin/env bash
# `make bench`: builds the bench-only programs, runs every benchmark under bench/ (each prints its figures) and
# writes bench/RESULTS.md. Takes about 6-8 minutes on a 2-CPU machine. Needs build/glued (make builds it first),
# wrk and sqlite3's headers (make deps), Python 3, and moto in that Python for the comparison with moto.
# BENCH_ONLY="api engine" runs a subset (RESULTS.md then holds only those).
set -uo pipefail
cd "$(dirname "$0")/.."
B=bench/.build
mkdir -p "$B"

command -v wrk >/dev/null || { echo "bench: wrk is missing (make deps installs it)" >&2; exit 1; }
[ -x build/glued ] || { echo "bench: build/glued is missing (make build/glued)" >&2; exit 1; }
cc -O2 -Wall -Wextra -o "$B/floor" bench/floor.c $(pkg-config --cflags --libs libmicrohttpd) -lpthread || exit 1
cc -O2 -Wall -Wextra -o "$B/stamp" bench/stamp.c || exit 1
cc -O2 -Wall -Wextra -static -o "$B/stampx" bench/stamp.c || exit 1
cc -O2 -Wall -Wextra -o "$B/bare" bench/bare.c || exit 1
cc -O2 -Wall -Wextra -o "$B/sqlite_commit" bench/sqlite_commit.c $(pkg-config --cflags --libs sqlite3) || exit 1
cc -O2 -Wall -Wextra -shared -fPIC -o "$B/nosync.so" bench/nosync.c || exit 1
cc -O2 -Wall -Wextra -Isrc -D_GNU_SOURCE -o "$B/spawn" bench/spawn.c src/engine/spawn.c $(pkg-config --cflags --libs libuv libmicrohttpd jansson sqlite3 libcrypto) -Wl,--no-as-needed $(pkg-config --libs libmicrohttpd jansson sqlite3 libcrypto) -lpthread || exit 1
python3 -c 'import moto.server' 2>/dev/null ||
  echo "bench: moto is not installed in $(command -v python3): the moto columns will be empty" >&2

export BENCH_RESULTS="$B/results.jsonl"
: >"$BENCH_RESULTS"
start=$(date +%s)
for b in ${BENCH_ONLY:-api durability engine cheap events scale graph console catalog cluster sweep}; do
  sync # the writes a section left to the kernel are on disk before the next one measures its own
  if ! python3 "bench/$b.py"; then
    echo "bench: bench/$b.py failed" >&2
    printf '{"section": "failed", "key": "bench/%s.py", "value": 1, "unit": "", "note": ""}\n' "$b" >>"$BENCH_RESULTS"
  fi
done 2>&1 | tee "$B/last-run.log"
python3 bench/report.py "$BENCH_RESULTS" "$(($(date +%s) - start))" >bench/RESULTS.md
echo
echo "bench: wrote bench/RESULTS.md in $(($(date +%s) - start)) s"
