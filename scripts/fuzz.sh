#!/usr/bin/env bash
# Fuzzes every target in fuzz/ (cargo fuzz, libFuzzer): `fuzz.sh [SECONDS]` runs each for
# SECONDS (default 60, what .ci/run does); `FUZZ_RUNS=10000000 fuzz.sh` runs each that many
# executions instead (the long runs in the README). Starts from fuzz/seeds/<target> and keeps
# what it finds in fuzz/corpus/<target>; a crash fails the script and is saved in
# fuzz/artifacts/<target>/ (reproduce: cargo fuzz run <target> <file>; then make it a unit test).
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
each=${1:-60}
# cargo fuzz's coverage flags on the machine's stable toolchain.
export RUSTC_BOOTSTRAP=1
# No sanitizer: the targets are safe Rust; debug assertions catch overflows.
opts=(--sanitizer none --debug-assertions)
targets=(csv_reader validators signature server_fn_forms)
cargo fuzz build "${opts[@]}"
limit=(-max_total_time="$each")
[ -n "${FUZZ_RUNS:-}" ] && limit=(-runs="$FUZZ_RUNS")
summary=()
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  log=$(mktemp /tmp/pec-fuzz-$t.XXXXXX)
  start=$(date +%s)
  if ! cargo fuzz run "${opts[@]}" "$t" "corpus/$t" "seeds/$t" -- "${limit[@]}" -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "fuzz target $t failed: the input is in fuzz/artifacts/$t/" >&2
    exit 1
  fi
  runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -n 1)
  summary+=("$(printf '%-16s %12s executions in %4d s, corpus %s files' "$t" "${runs:-?}" "$(( $(date +%s) - start ))" "$(ls "corpus/$t" | wc -l)")")
  rm -f "$log"
done
printf '%s\n' "${summary[@]}"
