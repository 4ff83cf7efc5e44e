#!/usr/bin/env bash
# CI: run every fuzz target for a bounded time from the committed seeds (fuzz/corpus/<target>);
# any crash, panic or slow input (over 10 s) fails the run, with the reproducer kept in
# fuzz/artifacts/<target>/. Needs rustup's nightly toolchain (installed beside stable on the
# project's machines; tried with rustup when missing) and installs cargo-fuzz from crates.io.
# FUZZ_SECONDS sets the time per target (default 60). One process per target, one at a time.
# `--build-only` builds the targets and stops (CI builds them while the trees download).
set -euo pipefail
cd "$(dirname "$0")"
seconds="${FUZZ_SECONDS:-60}"
targets=(mail_parser diff_parser heal_locate flag_scanner)
start=$(date +%s)

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  echo "fuzz: no nightly toolchain; trying rustup toolchain install nightly"
  rustup toolchain install nightly --profile minimal || {
    echo "fuzz: FAILED: the fuzzer needs rustup's nightly toolchain (cargo-fuzz's sanitizer flags)"
    exit 1
  }
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

# No AddressSanitizer (nor its leak checker): kfpatch has no unsafe code, so what a fuzzer
# finds here is a panic or a hang, which libFuzzer reports without it; instrumenting every
# dependency for it made the cold build (CI on a fresh machine) minutes longer. `run` must be
# given the same sanitizer, or it rebuilds.
sanitizer=(--sanitizer none)
cargo +nightly fuzz build "${sanitizer[@]}"
echo "fuzz: built after $(( $(date +%s) - start )) s"
[ "${1:-}" = "--build-only" ] && exit 0

# New inputs libFuzzer finds go to a scratch corpus, never into the committed seeds.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
failed=()
for t in "${targets[@]}"; do
  mkdir -p "$scratch/$t"
  echo "fuzz: $t for ${seconds} s"
  # libFuzzer prints a line per new input: keep it in a log, show the summary (or the tail).
  log="$scratch/$t.log"
  if cargo +nightly fuzz run "${sanitizer[@]}" "$t" "$scratch/$t" "corpus/$t" -- \
      -max_total_time="$seconds" -timeout=10 -max_len=8192 -print_final_stats=1 >"$log" 2>&1; then
    grep -E "^(Done [0-9]+ runs|stat::number_of_executed_units)" "$log" | sed "s/^/fuzz: $t: /"
  else
    tail -n 40 "$log"
    failed+=("$t")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]} (reproducers under fuzz/artifacts/)"
  exit 1
fi
echo "fuzz: ${#targets[@]} targets clean in $(( $(date +%s) - start )) s"
