#!/usr/bin/env bash
# Verdicts sooner: every figure of issue 14, measured in one run on this machine, each against
# its target. On Debian 7.2 with the bundled RFC applied (validate's work tree), each cold run in
# a fresh build directory with ccache off unless the figure is about ccache:
#   reference  tinyconfig + BPF/BTF/modules/NET/INET/9p (`--guest-root 9p`), tree -> verdict
#   lean       kfpatch's default kernel (initramfs root: no PCI, virtio, 9p, IPv4), tree -> verdict
#              target <= 0.8 x reference
#   runner B   an empty local ccache, the shared redis cache filled by runner A, tree -> verdict
#              target <= 0.3 x lean cold
#   refusal    a verifier.c that does not compile, fresh build dir, until kfpatch exits 1
#              target <= 0.25 x lean cold build
#   increment  after a verifier.c edit (ccache off)         target <= 60 s
#   boot       boot -> verdict under TCG                     target <= 10 s
# Also printed: object files (*.o) and build time of reference and lean.
# Usage: benches/bench-lean.sh        (about 25 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
bin=$PWD/target/release/kfpatch
cache="${KFPATCH_CACHE:-$HOME/.cache/kfpatch}"
out=$(mktemp -d "$cache/bench-lean.XXXX")
trap 'rm -rf "$out"; [ -n "${redis_pid:-}" ] && kill "$redis_pid" 2>/dev/null || true' EXIT
export KFPATCH_NO_PROGRESS=1

json() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); r=r.get("vmtest", r)
for k in sys.argv[2].split("."): r=r[k]
print(r)' "$1" "$2"; }
objects() { find "$1" -name '*.o' | wc -l; }
ratio() { python3 -c 'import sys; a,b,t=map(float,sys.argv[1:]); print("%.2f x (target <= %.2f x) %s" % (a/b, t, "ok" if a/b <= t else "MISSED"))' "$1" "$2" "$3"; }
limit() { python3 -c 'import sys; a,t=map(float,sys.argv[1:]); print("%.1f s (target <= %.0f s) %s" % (a, t, "ok" if a <= t else "MISSED"))' "$1" "$2"; }
seconds() { python3 -c 'import time; print(time.time())'; }

# The series on 7.2, as validate leaves it; the bench works on its own hard-linked copy.
$bin validate --gate-only --json="$out/validate.json" >/dev/null
validated=$(json "$out/validate.json" tree)
tree="$out/trees/linux-source-7.2-bench"
mkdir -p "$out/trees"
cp -al "$validated" "$tree"
# verifier.c gets edited below: a file of its own, not a link into the validated tree.
cp --remove-destination "$validated/kernel/bpf/verifier.c" "$tree/kernel/bpf/verifier.c"

run_vm() { # NAME EXTRA-ARGS... -> $out/NAME.json
  local name=$1; shift
  $bin vmtest --tree "$tree" --json="$out/$name.json" "$@" >"$out/$name.log" 2>&1 || true
  [ "$(json "$out/$name.json" ok)" = True ] || { echo "bench-lean: $name did not pass:"; tail -20 "$out/$name.log"; exit 1; }
}

CCACHE_DISABLE=1 run_vm lean --build-dir "$out/build/lean"
CCACHE_DISABLE=1 run_vm reference --guest-root 9p --build-dir "$out/build/reference"
ref_total=$(json "$out/reference.json" timings.total_s)
lean_total=$(json "$out/lean.json" timings.total_s)
lean_build=$(json "$out/lean.json" timings.build_s)
echo "reference: $(objects "$out/build/reference") objects, build $(json "$out/reference.json" timings.build_s) s, tree -> verdict $ref_total s"
echo "lean:      $(objects "$out/build/lean") objects, build $lean_build s, tree -> verdict $lean_total s"
echo "lean cold / reference cold: $(ratio "$lean_total" "$ref_total" 0.8)"

# Two runners sharing one redis on loopback: each its own cache root (empty ccache), the same
# layout (trees/…, build/…), so ccache's relative paths agree.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --dir "$out" >/dev/null &
redis_pid=$!
until python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),1)' "$port" 2>/dev/null; do sleep 0.2; done
for runner in a b; do
  root="$out/runner-$runner"
  mkdir -p "$root/trees"
  cp -al "$tree" "$root/trees/linux-source-7.2-bench"
  KFPATCH_CACHE=$root $bin vmtest --tree "$root/trees/linux-source-7.2-bench" \
    --cache-url "redis://127.0.0.1:$port" --json="$out/runner-$runner.json" >"$out/runner-$runner.log" 2>&1 || true
  [ "$(json "$out/runner-$runner.json" ok)" = True ] || { echo "bench-lean: runner $runner did not pass"; tail -20 "$out/runner-$runner.log"; exit 1; }
done
b_total=$(json "$out/runner-b.json" timings.total_s)
echo "runner A: tree -> verdict $(json "$out/runner-a.json" timings.total_s) s, $(json "$out/runner-a.json" build.cache.misses) misses"
echo "runner B: tree -> verdict $b_total s, $(json "$out/runner-b.json" build.cache.remote_hits) remote hits of $(json "$out/runner-b.json" build.cache.cacheable)"
echo "second runner / lean cold: $(ratio "$b_total" "$lean_total" 0.3)"

# A verifier.c that does not compile, in a fresh build directory.
broken="$out/trees/linux-source-7.2-broken"
cp -al "$tree" "$broken"
cp --remove-destination "$tree/kernel/bpf/verifier.c" "$broken/kernel/bpf/verifier.c"
echo 'int kfpatch_bench_broken(void) { return undeclared_in_the_bench; }' >>"$broken/kernel/bpf/verifier.c"
start=$(seconds)
if CCACHE_DISABLE=1 $bin vmtest --tree "$broken" --build-dir "$out/build/broken" >"$out/broken.log" 2>&1; then
  echo "bench-lean: the broken tree was not refused"; exit 1
fi
refused=$(python3 -c 'import sys,time; print(time.time()-float(sys.argv[1]))' "$start")
grep -q "compile gate: kernel/bpf/verifier.c:" "$out/broken.log" || { echo "bench-lean: no gate error"; cat "$out/broken.log"; exit 1; }
echo "broken series refused in $(printf %.1f "$refused") s: / lean cold build: $(ratio "$refused" "$lean_build" 0.25)"

# An edit of verifier.c, built again in the lean build directory.
echo '/* bench-lean: an edit */' >>"$tree/kernel/bpf/verifier.c"
CCACHE_DISABLE=1 run_vm increment --build-dir "$out/build/lean"
echo "incremental after a verifier.c edit: $(limit "$(json "$out/increment.json" timings.build_s)" 60)"
echo "boot -> verdict (TCG): $(limit "$(json "$out/increment.json" timings.boot_to_verdict_s)" 10)"
