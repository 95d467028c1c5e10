#!/bin/sh
# A generic job for glued's engine tests (tests/api/test_engine_*.py), run by glued as `/bin/sh job.sh args...`.
# Options come as `--key value` pairs (as glued passes them); unknown ones (--JOB_NAME, --WORKFLOW_RUN_ID, ...)
# are ignored:
#   --out FILE        write $0 and every argument to FILE, each followed by a NUL byte
#   --started FILE    when the job starts, write "<shell pid> <sleep pid>" to FILE (atomically)
#   --counter FILE    count executions of this job in FILE
#   --fail-times N    with --counter: exit 1 (with a message on stderr) while the count is at most N
#   --stdout TEXT     print TEXT on stdout
#   --stderr TEXT     print TEXT on stderr
#   --sleep S         sleep S seconds in a child process (a stop must end the whole process group)
#   --spam N          write N lines of 100 characters to stdout and to stderr (then --stdout/--stderr text)
#   --stderr-raw FMT  printf FMT (escapes like \377 become raw bytes) to stderr, after --stderr
#   --ignore-term 1   ignore SIGTERM (the job and its sleeping child), so only a KILL ends it
#   --kill-self SIG   end by sending SIG to itself instead of exiting
#   --exit N          exit with status N at the end
out= started= counter= fail_times=0 outtext= errtext= sleep_s= code=0 spam= errraw= ignore_term= kill_self=

parse() {
    while [ $# -ge 2 ]; do
        case "$1" in
        --out) out=$2 ;;
        --started) started=$2 ;;
        --counter) counter=$2 ;;
        --fail-times) fail_times=$2 ;;
        --stdout) outtext=$2 ;;
        --stderr) errtext=$2 ;;
        --sleep) sleep_s=$2 ;;
        --exit) code=$2 ;;
        --spam) spam=$2 ;;
        --stderr-raw) errraw=$2 ;;
        --ignore-term) ignore_term=$2 ;;
        --kill-self) kill_self=$2 ;;
        *) ;;
        esac
        shift 2
    done
}
parse "$@"

if [ -n "$out" ]; then
    { printf '%s\0' "$0"; printf '%s\0' "$@"; } >"$out.tmp" && mv "$out.tmp" "$out"
fi
if [ -n "$counter" ]; then
    n=$(cat "$counter" 2>/dev/null || echo 0)
    n=$((n + 1))
    echo "$n" >"$counter"
    if [ "$n" -le "$fail_times" ]; then
        echo "attempt $n of the counter job" >&2
        echo "failing on purpose: attempt $n" >&2
        exit 1
    fi
fi
[ -n "$ignore_term" ] && trap '' TERM
if [ -n "$spam" ]; then
    line=$(printf '%0100d' 0 | tr 0 x)
    i=0
    while [ "$i" -lt "$spam" ]; do
        printf '%s\n' "$line"
        printf '%s\n' "$line" >&2
        i=$((i + 1))
    done
fi
[ -n "$outtext" ] && printf '%s\n' "$outtext"
[ -n "$errtext" ] && printf '%s\n' "$errtext" >&2
# shellcheck disable=SC2059
[ -n "$errraw" ] && printf "$errraw" >&2
if [ -n "$sleep_s" ]; then
    sleep "$sleep_s" &
    child=$!
    if [ -n "$started" ]; then
        echo "$$ $child" >"$started.tmp" && mv "$started.tmp" "$started"
    fi
    wait "$child"
elif [ -n "$started" ]; then
    echo "$$" >"$started.tmp" && mv "$started.tmp" "$started"
fi
[ -n "$kill_self" ] && kill -s "$kill_self" $$
exit "$code"
