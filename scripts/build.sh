#!/usr/bin/env bash
# Builds exactly what `make run`, the tests and the benchmarks serve: the release server and
# the site (WASM, JS, CSS with hashed names, precompressed) in target/site.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh "${1:-run}"
# --split: each lazy route (src/app.rs) becomes its own WASM chunk, loaded when first shown.
cargo leptos build --release --precompress --split
