#!/usr/bin/env bash
# Benchmark: `kfpatch check` on a whole tree (including the tree-wide BTF_ID_FLAGS scan) against
# `git grep --no-index -n 'define KF_'` on the same tree, warm cache. Target: check <= half.
# Usage: benches/check-vs-grep.sh [VERSION]   (default 7.2; the tree is fetched if needed)
set -euo pipefail
cd "$(dirname "$0")/.."
version=${1:-7.2}
cargo build --release -q
bin=target/release/kfpatch
tree=$($bin tree fetch "$version" | tail -n1)
best() { # best of 5 wall-clock runs, in seconds
  local best=999
  for _ in 1 2 3 4 5; do
    local t0 t1
    t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N)
    best=$(echo "if ($t1 - $t0 < $best) $t1 - $t0 else $best" | bc -l)
  done
  printf '%.3f' "$best"
}
"$bin" check --tree "$tree" >/dev/null  # warm the page cache
(cd "$tree" && git grep --no-index -n 'define KF_' >/dev/null)
check=$(best "$bin" check --tree "$tree")
grep=$(cd "$tree" && best git grep --no-index -n 'define KF_')
ratio=$(echo "$check / $grep" | bc -l)
printf 'linux-source-%s: kfpatch check %ss, git grep %ss, ratio %.2f (target <= 0.50)\n' "$version" "$check" "$grep" "$ratio"
