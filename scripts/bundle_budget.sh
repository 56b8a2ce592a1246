#!/usr/bin/env bash
# The bundle's budget, from the built files: the main module that every first visit downloads
# (JS, the split loader and the main WASM, brotli as the server sends them) must not grow past
# MAIN_BUDGET bytes. What each page loads on top of it (its own chunks) is measured in Chromium
# by end2end/tests/budget.spec.ts, which holds the per-page budgets. Run after scripts/build.sh.
#
# Issue 10's goal is 200 kB for the login page. With every page a lazy route the main module
# is almost only the framework (README, "Bundle"), so the budget holds today's size and stops it
# growing while the goal is not met. Raised from 220,000 when issue 11 added four pages (each
# lazy route adds its entry to the split loader and its static HTML to the main module's data:
# 216,149 → 222,078 B).
set -euo pipefail
cd "$(dirname "$0")/.."
MAIN_BUDGET="${MAIN_BUDGET:-235000}"
GOAL=200000
pkg=target/site/pkg
hashes=target/release/hash.txt
[ -f "$hashes" ] || { echo "no $hashes: run scripts/build.sh first" >&2; exit 1; }
hash_of() { sed -n "s/^$1: //p" "$hashes"; }
js="$pkg/pec-manager.$(hash_of js).js"
wasm="$pkg/pec-manager.$(hash_of wasm).wasm"
css="$pkg/pec-manager.$(hash_of css).css"
split_js=$(ls "$pkg"/__wasm_split.*.js)
size() { stat -c %s "$1"; }
sum() { local t=0 f; for f in "$@"; do t=$(( t + $(size "$f") )); done; echo "$t"; }
main=$(( $(size "$js.br") + $(size "$split_js.br") + $(size "$wasm.br") ))
printf 'main module (brotli): JS %d + split loader %d + WASM %d = %d bytes (CSS %d more); raw WASM %d\n' \
  "$(size "$js.br")" "$(size "$split_js.br")" "$(size "$wasm.br")" "$main" "$(size "$css.br")" "$(size "$wasm")"
shopt -s nullglob
routes=("$pkg"/split_*.wasm.br)
shared=("$pkg"/chunk_*.wasm.br)
printf 'lazy chunks (brotli): %d route chunks, %d bytes; %d shared chunks, %d bytes\n' \
  "${#routes[@]}" "$(sum "${routes[@]}")" "${#shared[@]}" "$(sum "${shared[@]}")"
[ "${#routes[@]}" -gt 0 ] || { echo "no route chunks: was the site built with --split?" >&2; exit 1; }
printf 'budget %d bytes; goal %d bytes (%s)\n' "$MAIN_BUDGET" "$GOAL" \
  "$([ "$main" -le "$GOAL" ] && echo met || echo "not met: $(( main - GOAL )) bytes over")"
if [ "$main" -gt "$MAIN_BUDGET" ]; then
  echo "the main module grew past its budget: $main > $MAIN_BUDGET bytes" >&2
  exit 1
fi
