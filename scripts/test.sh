#!/usr/bin/env bash
# Runs every test: unit and property tests, integration tests on SQLite and PostgreSQL, then the
# release build driven by Playwright in Chromium, once on SQLite and once on PostgreSQL.
# `test.sh e2e` runs only the release build and Playwright (while working on pages).
set -euo pipefail
cd "$(dirname "$0")/.."
ONLY="${1:-all}"
source scripts/setup.sh test
source scripts/postgres.sh

SERVER_PID=""
DNS_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  [ -n "$DNS_PID" ] && kill "$DNS_PID" 2>/dev/null || true
  pg_stop
}
trap cleanup EXIT

step() { printf '\n\033[1;32m==> %s\033[0m\n' "$*"; }

# CI builds once from scratch: incremental caches would only cost disk.
if [ -n "${CI:-}" ]; then export CARGO_INCREMENTAL=0; fi

pg_start
export PEC_REQUIRE_POSTGRES=1
# Dovecot and Postfix, installed by setup.sh: their tests may not skip (tests/it/mail_platform/).
export PEC_REQUIRE_MAIL_SERVERS=1

if [ "$ONLY" != e2e ]; then
step "format and lints"
cargo fmt --all --check
leptosfmt --check src >/dev/null || { leptosfmt --check src | grep -E "^(❌|[-+])"; echo "view! code is not formatted: run leptosfmt src" >&2; exit 1; }
cargo clippy --workspace --features ssr --tests --benches -- -D warnings
cargo clippy --lib --features hydrate --target wasm32-unknown-unknown -- -D warnings
bash scripts/check_layers.sh

step "unit, property and integration tests (SQLite and PostgreSQL)"
if command -v cargo-nextest >/dev/null; then
  cargo nextest run --workspace --features ssr --no-fail-fast
else
  cargo test --workspace --features ssr --no-fail-fast
fi

step "fuzzing: ${FUZZ_SECONDS:-60} s per target (scripts/fuzz.sh)"
bash scripts/fuzz.sh "${FUZZ_SECONDS:-60}"
fi

step "release build"
start=$(date +%s)
bash scripts/build.sh test
echo "release build: $(( $(date +%s) - start )) s"
source scripts/site.sh
bash scripts/bundle_budget.sh

# "Verifica DNS" asks the tests' own DNS server (end2end/support/fake-dns.mjs), on loopback.
dns_out=$(mktemp /tmp/pec-dns.XXXXXX)
node end2end/support/fake-dns.mjs >"$dns_out" &
DNS_PID=$!
for _ in $(seq 50); do [ -s "$dns_out" ] && break; sleep 0.1; done
PEC_DNS_SERVER=$(head -n 1 "$dns_out")
export PEC_DNS_SERVER
rm -f "$dns_out"

# Signed contracts: a certification authority of the tests' own, trusted by the server, and
# the signers Playwright signs with (openssl cms -sign).
PEC_E2E_PKI=$(mktemp -d /tmp/pec-pki.XXXXXX)
bash end2end/support/pki.sh "$PEC_E2E_PKI"
export PEC_E2E_PKI PEC_TRUST_DIR="$PEC_E2E_PKI/trust"

# The demo operators' password, for the server and for Playwright.
export PEC_DEMO_PASSWORD="password-e2e-$$"

# Starts the release server on a free port against DATABASE_URL, logging everything (debug)
# to $SERVER_LOG; sets BASE_URL.
serve() {
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  SERVER_LOG=$(mktemp /tmp/pec-server-log.XXXXXX)
  # E-mails go to files that the Playwright tests read.
  export PEC_OUTBOX_DIR
  PEC_OUTBOX_DIR=$(mktemp -d /tmp/pec-outbox.XXXXXX)
  LEPTOS_SITE_ADDR="127.0.0.1:$port" RUST_LOG=debug ./target/release/pec-manager serve >"$SERVER_LOG" 2>&1 &
  SERVER_PID=$!
  export BASE_URL="http://127.0.0.1:$port"
}
stop_server() { kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""; }

# Logs must never hold passwords, session cookies or the codici fiscali typed in the tests.
check_log() {
  if grep -nE "$PEC_DEMO_PASSWORD|pec_session=|RSSMRA70A01H501S|CGNNMO80A01H501M|RCLMRA74D15F205V" "$SERVER_LOG"; then
    echo "the server log holds secrets or personal data (lines above)" >&2
    return 1
  fi
  echo "server log: $(wc -l <"$SERVER_LOG") lines at debug level, no secrets or codici fiscali"
  rm -f "$SERVER_LOG"
}

e2e_db=$(mktemp -d /tmp/pec-e2e.XXXXXX)
step "end-to-end tests, SQLite"
DATABASE_URL="sqlite://$e2e_db/pec.db?mode=rwc" serve
(cd end2end && npx playwright test)
stop_server
check_log

step "end-to-end tests, PostgreSQL"
DATABASE_URL=$(pg_new_database pec_e2e) serve
(cd end2end && npx playwright test)
stop_server
check_log
rm -rf "$e2e_db" "$PEC_E2E_PKI"

step "all tests passed"
