#!/usr/bin/env bash
# Benchmark the VM test on this machine: cold kernel build (fresh build dir, ccache off),
# incremental build after a verifier.c edit, and boot -> verdict under the chosen accelerator.
# Targets (2 cores, TCG): cold <= 12 min, incremental <= 2 min, boot -> verdict <= 20 s.
# Usage: benches/bench-vm.sh [--no-cold]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
bin=target/release/kfpatch
out=$(mktemp -d)
# The work tree validate uses for the bundled RFC on Debian 7.2 (created on first use).
$bin validate --json="$out/warm.json" >/dev/null 2>&1 || true
tree=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tree"])' "$out/warm.json")
field() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); r=r.get("vmtest", r); print("%.1f s (vmtest ok: %s)" % (r["timings"][sys.argv[2]], r["ok"]))' "$1" "$2"; }
if [ "${1:-}" != "--no-cold" ]; then
  cold_dir=$(mktemp -d "${HOME}/.cache/kfpatch/build/bench-cold.XXXX")
  CCACHE_DISABLE=1 $bin vmtest --tree "$tree" --build-dir "$cold_dir" --json="$out/cold.json" >/dev/null 2>&1 || true
  echo "cold build (no ccache, fresh O=): $(field "$out/cold.json" build_s)   target <= 12 min"
  rm -rf "$cold_dir"
fi
touch "$tree/kernel/bpf/verifier.c"   # a file kfpatch replaced: not shared with the pristine tree
$bin vmtest --tree "$tree" --json="$out/incr.json" >/dev/null 2>&1 || true
echo "incremental build after a verifier.c edit: $(field "$out/incr.json" build_s)   target <= 2 min"
echo "boot -> verdict: $(field "$out/incr.json" boot_to_verdict_s)   target <= 20 s"
rm -rf "$out"
