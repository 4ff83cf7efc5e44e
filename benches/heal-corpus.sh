#!/usr/bin/env bash
# How well kfpatch heals damaged mails of real kernel changes (benches/heal_corpus.rs).
# Usage: benches/heal-corpus.sh [OLD NEW] [--forms a,b] [--shapes x,y] [--limit N] [--json FILE]
#                               [--dump DIR] [--verbose]
# Without OLD NEW: linux-source 6.1 -> 6.12 and 6.12 -> 7.2 from ${KFPATCH_TREES:-~/.cache/kfpatch/trees},
# waiting (up to KFPATCH_TREE_WAIT seconds, default 3600) for a `kfpatch tree fetch` still unpacking them.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -ge 2 ] && [ "${1#-}" = "$1" ] && [ "${2#-}" = "$2" ]; then
  trees=("$1" "$2")
  shift 2
else
  cache="${KFPATCH_TREES:-$HOME/.cache/kfpatch/trees}"
  trees=("$cache/linux-source-6.1" "$cache/linux-source-6.12" "$cache/linux-source-6.12" "$cache/linux-source-7.2")
  deadline=$((SECONDS + ${KFPATCH_TREE_WAIT:-3600}))
  for t in "$cache"/linux-source-{6.1,6.12,7.2}; do
    # `kfpatch tree fetch` writes this marker once the tree is complete.
    until [ -f "$t/.kfpatch-source" ]; do
      if [ "$SECONDS" -ge "$deadline" ]; then
        echo "heal-corpus: $t is still not unpacked; run \`kfpatch tree fetch 6.1 6.12 7.2\`" >&2
        exit 1
      fi
      echo "heal-corpus: waiting for $t to be unpacked" >&2
      sleep 30
    done
  done
fi
exec cargo bench --bench heal_corpus -- "${trees[@]}" "$@"
