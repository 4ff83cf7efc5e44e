#!/usr/bin/env bash
# Benchmark `kfpatch matrix` on this machine (2 cores, TCG), against its targets:
#   warm: a second run with nothing changed <= 90 s for all four trees;
#   cold (--cold): all four trees cold <= 1.1 x the sum of their four single-tree runs, each
#   single run cold too (fresh cache: no build dirs, empty ccache; trees are shared).
# Usage: benches/bench-matrix.sh [--cold]
# The cold part builds eight kernels from nothing: budget about an hour.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
bin=$(pwd)/target/release/kfpatch
versions=(6.1 6.12 7.2 7.3)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# Trees come from the usual cache whatever KFPATCH_CACHE says.
export KFPATCH_TREES="${KFPATCH_TREES:-$HOME/.cache/kfpatch/trees}"
"$bin" tree fetch "${versions[@]}" >/dev/null

seconds() { python3 -c 'import time; print(time.time())'; }
elapsed() { python3 -c 'import sys; print("%.0f" % (float(sys.argv[2]) - float(sys.argv[1])))' "$1" "$2"; }
verdicts() { python3 -c 'import json,sys; print(" ".join("%s=%s" % (r["target"].split()[-1], r["verdict"]) for r in map(json.loads, open(sys.argv[1]))))' "$1"; }
ratio() { python3 -c 'import sys; print("%.2f" % (float(sys.argv[1]) / float(sys.argv[2])))' "$1" "$2"; }

if [ "${1:-}" = "--cold" ]; then
  fresh_cache() { rm -rf "$out/cache"; mkdir -p "$out/cache"; }
  sum=0
  for v in "${versions[@]}"; do
    fresh_cache
    t0=$(seconds)
    KFPATCH_CACHE="$out/cache" "$bin" matrix --debian "$v" --json="$out/single-$v.jsonl" >/dev/null 2>&1 || true
    s=$(elapsed "$t0" "$(seconds)")
    sum=$((sum + s))
    echo "cold single $v: ${s} s ($(verdicts "$out/single-$v.jsonl"))"
  done
  fresh_cache
  t0=$(seconds)
  KFPATCH_CACHE="$out/cache" "$bin" matrix --json="$out/cold.jsonl" >/dev/null 2>&1 || true
  cold=$(elapsed "$t0" "$(seconds)")
  echo "cold matrix, four trees: ${cold} s ($(verdicts "$out/cold.jsonl")); sum of singles ${sum} s;" \
    "ratio $(ratio "$cold" "$sum")   target <= 1.10"
  export KFPATCH_CACHE="$out/cache"
fi

# Warm: make sure everything is built once, then time a run with nothing changed.
"$bin" matrix --json="$out/first.jsonl" >/dev/null 2>&1 || true
t0=$(seconds)
"$bin" matrix --json="$out/warm.jsonl" >/dev/null 2>&1 || true
warm=$(elapsed "$t0" "$(seconds)")
echo "warm matrix, nothing changed: ${warm} s ($(verdicts "$out/warm.jsonl"))   target <= 90 s"
