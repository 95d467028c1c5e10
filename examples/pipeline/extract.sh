#!/bin/sh
# Step 1: "extract" some rows into the shared scratch directory given as --out.
while [ $# -gt 0 ]; do case "$1" in --out) out="$2"; shift;; esac; shift; done
mkdir -p "$out"
printf 'id,amount\n1,10\n2,32\n3,0\n' > "$out/rows.csv"
echo "extracted 3 rows into $out/rows.csv"
