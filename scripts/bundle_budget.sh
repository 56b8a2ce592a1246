#!/usr/bin/env bash
# The bundle's budget, from the built files (issue 25). Pages are rendered on the server; only a
# page with islands loads the bundle: its JS and its WASM, brotli as the server sends them. It
# may not pass ISLANDS_BUDGET bytes; the goal is ISLANDS_GOAL, not met yet (README, "Bundle":
# the wizard's islands alone are 224 kB). A page without islands loads nothing:
# tests/it/islands.rs checks its HTML and end2end/tests/budget.spec.ts what Chromium transfers.
# Run after scripts/build.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
# The budgets (scripts/budgets.json), shared with end2end/tests/budget.spec.ts; no override.
budget() { python3 -c "import json,sys; print(json.load(open('scripts/budgets.json'))[sys.argv[1]])" "$1"; }
ISLANDS_BUDGET=$(budget islands)
ISLANDS_GOAL=$(budget islands_goal)
pkg=target/site/pkg
hashes=target/release/hash.txt
[ -f "$hashes" ] || { echo "no $hashes: run scripts/build.sh first" >&2; exit 1; }
hash_of() { sed -n "s/^$1: //p" "$hashes"; }
js="$pkg/pec-manager.$(hash_of js).js"
wasm="$pkg/pec-manager.$(hash_of wasm).wasm"
css="$pkg/pec-manager.$(hash_of css).css"
size() { stat -c %s "$1"; }
shopt -s nullglob
chunks=("$pkg"/split_*.wasm "$pkg"/chunk_*.wasm "$pkg"/__wasm_split*.js)
[ "${#chunks[@]}" -eq 0 ] || { echo "split chunks in $pkg: the bundle is built whole (no --split)" >&2; exit 1; }
bundle=$(( $(size "$js.br") + $(size "$wasm.br") ))
printf 'bundle of the pages with islands (brotli): JS %d + WASM %d = %d bytes (CSS %d, every page); raw WASM %d\n' \
  "$(size "$js.br")" "$(size "$wasm.br")" "$bundle" "$(size "$css.br")" "$(size "$wasm")"
printf 'budget %d bytes (goal %d: %s); pages without islands: 0 bytes\n' "$ISLANDS_BUDGET" "$ISLANDS_GOAL" \
  "$([ "$bundle" -le "$ISLANDS_GOAL" ] && echo met || echo not met)"
# The one script of pages whose live parts need no island (print, the contract upload).
ENHANCE_BUDGET=$(budget enhanced)
enhance=target/site/enhance.js
[ -f "$enhance.br" ] || { echo "no $enhance.br: run scripts/build.sh first" >&2; exit 1; }
printf 'enhance.js (brotli): %d bytes (budget %d)\n' "$(size "$enhance.br")" "$ENHANCE_BUDGET"
if [ "$(size "$enhance.br")" -gt "$ENHANCE_BUDGET" ]; then
  echo "enhance.js grew past its budget" >&2
  exit 1
fi
if [ "$bundle" -gt "$ISLANDS_BUDGET" ]; then
  echo "the bundle grew past its budget: $bundle > $ISLANDS_BUDGET bytes" >&2
  exit 1
fi
