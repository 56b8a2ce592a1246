#!/usr/bin/env bash
# Installs what pec-manager needs on a fresh Debian machine with Rust and Node, skipping what
# is already there. `setup.sh run` for serving the app, `setup.sh test` adds the test tools.
# Sourced by run.sh and test.sh; safe to run again.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

MODE="${1:-run}"
CARGO_LEPTOS_VERSION=0.3.10   # 0.3.11 needs a newer rustc
WASM_BINDGEN_VERSION=0.2.130  # must equal the wasm-bindgen pin in Cargo.toml

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

apt_missing=()
# The demo's mail server (scripts/demo_dovecot.sh) and the mail platform's tests.
for p in dovecot-core dovecot-imapd dovecot-lmtpd dovecot-pgsql dovecot-sqlite; do
  dpkg -s "$p" >/dev/null 2>&1 || apt_missing+=("$p")
done
if [ "$MODE" = test ]; then
  command -v chromium >/dev/null || apt_missing+=(chromium)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || apt_missing+=(postgresql)
  command -v brotli >/dev/null || apt_missing+=(brotli)
  # Signs the contracts of the signature tests (openssl cms -sign) and makes their CA.
  command -v openssl >/dev/null || apt_missing+=(openssl)
  # Runs the README's API examples (tests/it/api_readme.rs).
  command -v curl >/dev/null || apt_missing+=(curl)
  # The mail platform's tests also run Postfix's postmap reading the platform's database
  # (tests/it/mail_platform/).
  for p in postfix postfix-pgsql postfix-sqlite; do
    dpkg -s "$p" >/dev/null 2>&1 || apt_missing+=("$p")
  done
fi
if [ ${#apt_missing[@]} -gt 0 ]; then
  log "apt: ${apt_missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt_missing[@]}"
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "rustup target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  log "cargo-leptos $CARGO_LEPTOS_VERSION (about 12 minutes, once per machine)"
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  log "wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

CARGO_FUZZ_VERSION=0.13.2
if [ "$MODE" = test ] && ! cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
  log "cargo-fuzz $CARGO_FUZZ_VERSION (the fuzz targets in fuzz/, about 1 minute once)"
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi

LEPTOSFMT_VERSION=0.1.33
if [ "$MODE" = test ] && ! leptosfmt --version 2>/dev/null | grep -q "$LEPTOSFMT_VERSION"; then
  log "leptosfmt $LEPTOSFMT_VERSION (formatter of view! macros, about 4 minutes once)"
  cargo install leptosfmt --version "$LEPTOSFMT_VERSION" --locked
fi

# npm's binaryen gives the wasm-opt for release builds (Debian's 108 breaks the bundle);
# @playwright/test drives Debian's Chromium.
if [ ! -x end2end/node_modules/.bin/wasm-opt ] || [ ! -x end2end/node_modules/.bin/playwright ] \
   || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
  log "npm packages (end2end/)"
  (cd end2end && npm ci --no-audit --no-fund --loglevel=error)
fi
export PATH="$PWD/end2end/node_modules/.bin:$PATH"
