#!/bin/sh
# A stand-in for spark-submit or a container command (test_scripts.py): glued runs it through a --runner
# template. It writes the arguments it got after the first, NUL-separated, to the file named by the first, and
# its PYTHONPATH to that file with .env added; nothing is interpreted.
out=$1
shift
printf '%s\0' "$@" > "$out.tmp"
printf '%s' "${PYTHONPATH-}" > "$out.env"
mv "$out.tmp" "$out"
