#!/usr/bin/env bash
# Builds exactly what `make run`, the tests and the benchmarks serve: the release server and
# the site (WASM, JS, CSS with hashed names, precompressed) in target/site.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh "${1:-run}"
# Nothing to do when no input changed since the last build and nothing else rebuilt the
# server since (a `cargo build --release` of other features): cargo-leptos would otherwise run
# wasm-bindgen and wasm-opt again on an unchanged tree (`make run` right after `make test`).
STAMP=target/release/.site-built   # when the last good build started
DONE=target/release/.site-done     # when it ended
inputs=(src crates style public migrations Cargo.toml Cargo.lock scripts/build.sh)
if [ -f "$STAMP" ] && [ -x target/release/pec-manager ] && [ -f target/release/hash.txt ] \
   && [ -f "$DONE" ] && ! [ target/release/pec-manager -nt "$DONE" ] \
   && [ -z "$(find "${inputs[@]}" -newer "$STAMP" -print -quit)" ]; then
  echo "build: target/release and target/site are up to date"
  exit 0
fi
# Stamped as of the start: a file saved while the build runs is newer, and builds next time.
mkdir -p target/release   # a fresh clone has no target yet
touch "$STAMP.next"
# One bundle, of the islands only (src/components/islands.rs): no --split, so wasm-opt runs once.
# Chunks of an older split build would otherwise stay beside the bundle.
rm -f target/site/pkg/split_* target/site/pkg/chunk_* target/site/pkg/__wasm_split*
cargo leptos build --release --precompress
mv "$STAMP.next" "$STAMP"
touch "$DONE"
