#!/usr/bin/env bash
# Runs every suite against the sanitizer build and ends with one line: "N passed, N failed".
# Suites: Check unit tests, libFuzzer targets (bounded time), the Python API tests (boto3 + AWS CLI),
# the JS SDK tests, the web console in headless Chromium (screenshots in build/test-logs/console-*.png). Each suite's own output is kept in build/test-logs/.
set -u
cd "$(dirname "$0")/.."
logs=build/test-logs
mkdir -p "$logs"
export GLUED_BIN="$PWD/build/asan/glued"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export AWS_ACCESS_KEY_ID=glued-test AWS_SECRET_ACCESS_KEY=glued-test AWS_DEFAULT_REGION=us-east-1
FUZZ_SECONDS="${FUZZ_SECONDS:-20}"
pass=0 fail=0

note() { printf '%-34s %s\n' "$1" "$2"; }

# Check suites print "NN%: Checks: N, Failures: F, Errors: E"
for t in build/asan/tests/test_*; do
  [ -x "$t" ] || continue
  name=$(basename "$t")
  "$t" >"$logs/$name.log" 2>&1
  rc=$?
  line=$(grep -E 'Checks: [0-9]+' "$logs/$name.log" | tail -1)
  n=$(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<<"$line"); f=$(sed -E 's/.*Failures: ([0-9]+).*/\1/' <<<"$line")
  er=$(sed -E 's/.*Errors: ([0-9]+).*/\1/' <<<"$line")
  if [ -z "$line" ]; then n=1; f=1; er=0; fi
  bad=$((f + er)); [ $rc -ne 0 ] && [ $bad -eq 0 ] && bad=1
  pass=$((pass + n - bad)); fail=$((fail + bad))
  note "unit $name" "$((n - bad))/$n passed"
  [ $bad -gt 0 ] && grep -E 'F:|E:|ERROR|runtime error' "$logs/$name.log" | head -20
done

# Fuzz targets: a bounded run each; a crash, leak or timeout fails.
for f in build/fuzz/fuzz_*; do
  [ -x "$f" ] || continue
  name=$(basename "$f")
  corpus="build/fuzz/corpus-$name"; mkdir -p "$corpus"
  seeds="tests/fuzz/seeds/${name#fuzz_}"
  args=("$corpus"); [ -d "$seeds" ] && args+=("$seeds")
  if "$f" -max_total_time="$FUZZ_SECONDS" -timeout=5 -rss_limit_mb=2048 -artifact_prefix="build/fuzz/$name-" "${args[@]}" >"$logs/$name.log" 2>&1; then
    pass=$((pass + 1)); note "fuzz $name" "ok ($(grep -oE 'Done [0-9]+ runs' "$logs/$name.log" | tail -1))"
  else
    fail=$((fail + 1)); note "fuzz $name" "FAILED"; tail -30 "$logs/$name.log"
  fi
done

# Python API tests (boto3, AWS CLI, raw HTTP) against the real binary: once on the embedded SQLite store, once
# on a throwaway PostgreSQL server (tests/pg.sh), each glued of the suite in a database of its own.
api_suite() { # name, log, extra environment...
  local name=$1 log=$2; shift 2
  env "$@" python3 -m unittest discover -s tests/api -t . -p 'test_*.py' >"$log" 2>&1
  local rc=$?
  local n f er bad
  n=$(grep -oE '^Ran [0-9]+ test' "$log" | grep -oE '[0-9]+' | tail -1); n=${n:-0}
  f=$(grep -oE 'failures=[0-9]+' "$log" | grep -oE '[0-9]+' | tail -1); f=${f:-0}
  er=$(grep -oE 'errors=[0-9]+' "$log" | grep -oE '[0-9]+' | tail -1); er=${er:-0}
  bad=$((f + er)); [ $rc -ne 0 ] && [ $bad -eq 0 ] && bad=1
  [ "$n" -eq 0 ] && bad=1
  pass=$((pass + n - (bad > n ? n : bad))); fail=$((fail + bad))
  note "$name" "$((n - (bad > n ? n : bad)))/$n passed"
  [ $bad -gt 0 ] && grep -E '^(FAIL|ERROR):|Error|assert' "$log" | head -40
}
if [ -d tests/api ] && ls tests/api/test_*.py >/dev/null 2>&1; then
  api_suite "api (python, sqlite)" "$logs/api.log"
  pgdir=/tmp/glued-test-pg-$$
  trap 'bash tests/pg.sh stop "$pgdir"' EXIT
  if pgurl=$(bash tests/pg.sh start "$pgdir" 2>"$logs/pg-start.log"); then
    api_suite "api (python, postgresql)" "$logs/api-pg.log" GLUED_TEST_PG="$pgurl"
    cp "$pgdir/server.log" "$logs/postgresql.log" 2>/dev/null
  else
    fail=$((fail + 1)); note "api (python, postgresql)" "FAILED: no PostgreSQL server"; cat "$logs/pg-start.log"
  fi
  bash tests/pg.sh stop "$pgdir"; trap - EXIT
fi

# The pytest example (examples/pytest): one glued per session, a reset per test through each path. It runs
# under pytest when python3 can import it; a python3 that is not Debian's (pyenv's, say) reaches Debian's
# python3-pytest through Debian's dist-packages, appended after its own packages; else under unittest.
if [ -d examples/pytest ]; then
  ex_log="$logs/example-pytest.log"
  debian_pytest='import sys; sys.path.append("/usr/lib/python3/dist-packages"); import pytest'
  if python3 -c 'import pytest' 2>/dev/null; then
    ex_how=pytest; python3 -m pytest -q -p no:cacheprovider examples/pytest >"$ex_log" 2>&1
  elif python3 -c "$debian_pytest" 2>/dev/null; then
    ex_how="pytest (Debian's)"
    python3 -c "$debian_pytest; sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', 'examples/pytest']))" \
      >"$ex_log" 2>&1
  else
    ex_how=unittest; python3 -m unittest discover -s examples/pytest -t examples/pytest >"$ex_log" 2>&1
  fi
  rc=$?
  if [ "$ex_how" = unittest ]; then
    n=$(grep -oE '^Ran [0-9]+ test' "$ex_log" | grep -oE '[0-9]+' | tail -1); n=${n:-0}
    f=$(grep -oE '(failures|errors)=[0-9]+' "$ex_log" | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}'); f=${f:-0}
    ok=$((n - f))
  else
    ok=$(tail -1 "$ex_log" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+'); ok=${ok:-0}
    f=$(tail -1 "$ex_log" | grep -oE '[0-9]+ (failed|error|errors)' | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}')
    f=${f:-0}
  fi
  [ $rc -ne 0 ] && [ "$f" -eq 0 ] && f=1
  [ "$ok" -eq 0 ] && [ "$f" -eq 0 ] && f=1
  pass=$((pass + ok)); fail=$((fail + f))
  note "example (examples/pytest)" "$ok passed, $f failed, with $ex_how"
  [ "$f" -gt 0 ] && tail -40 "$ex_log"
fi

# JS SDK tests.
if [ -f tests/js/package.json ]; then
  (cd tests/js && node --test) >"$logs/js.log" 2>&1
  rc=$?
  n=$(grep -E '^# pass' "$logs/js.log" | grep -oE '[0-9]+' | tail -1); n=${n:-0}
  f=$(grep -E '^# fail' "$logs/js.log" | grep -oE '[0-9]+' | tail -1); f=${f:-0}
  [ $rc -ne 0 ] && [ "$f" -eq 0 ] && f=1
  [ "$n" -eq 0 ] && [ "$f" -eq 0 ] && f=1
  pass=$((pass + n)); fail=$((fail + f))
  note "js (@aws-sdk/client-glue)" "$n passed, $f failed"
  [ "$f" -gt 0 ] && grep -E 'not ok|Error|expected|actual' "$logs/js.log" | head -40
fi

# The web console in Debian's headless Chromium, driven by playwright-core.
if [ -f tests/browser/package.json ]; then
  (cd tests/browser && node --test) >"$logs/browser.log" 2>&1
  rc=$?
  n=$(grep -E '^# pass' "$logs/browser.log" | grep -oE '[0-9]+' | tail -1); n=${n:-0}
  f=$(grep -E '^# fail' "$logs/browser.log" | grep -oE '[0-9]+' | tail -1); f=${f:-0}
  [ $rc -ne 0 ] && [ "$f" -eq 0 ] && f=1
  [ "$n" -eq 0 ] && [ "$f" -eq 0 ] && f=1
  pass=$((pass + n)); fail=$((fail + f))
  note "browser (console, chromium)" "$n passed, $f failed"
  [ "$f" -gt 0 ] && grep -E 'not ok|Error|expected|actual' "$logs/browser.log" | head -40
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
