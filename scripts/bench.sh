#!/usr/bin/env bash
# The benchmarks whose numbers README.md records: CSV parse + validate natively (divan), the
# server's 10,000-mailbox order on SQLite, and in Chromium the release WASM's parse + validate
# of a 10,000-row file plus the whole upload until the table shows; then the page latency under
# an unauthenticated flood of the credential endpoints (scripts/bench_flood.py).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh test

step() { printf '\n\033[1;32m==> %s\033[0m\n' "$*"; }

step "native: parse + validate (cargo bench -p pec-domain --bench csv)"
cargo bench -p pec-domain --bench csv
step "server: 10,000-mailbox order on SQLite (cargo bench --bench order)"
cargo bench --bench order --features ssr

step "Ricerca over 100,000 mailboxes on SQLite (cargo bench --bench search)"
cargo bench --bench search --features ssr

step "1,000,000 mailboxes on PostgreSQL and SQLite (scripts/bench_scale.sh)"
bash scripts/bench_scale.sh

step "the mail platform at 1,000,000 mailboxes on PostgreSQL, with Dovecot (scripts/bench_mail.sh)"
bash scripts/bench_mail.sh

step "browser: release WASM"
bash scripts/build.sh test
source scripts/site.sh
db=$(mktemp -d /tmp/pec-bench.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export PEC_DEMO_PASSWORD="password-bench-$$"
DATABASE_URL="sqlite://$db/pec.db?mode=rwc" LEPTOS_SITE_ADDR="127.0.0.1:$port" ./target/release/pec-manager serve >"$db/log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$db"' EXIT
(cd end2end && BASE_URL="http://127.0.0.1:$port" npx playwright test --config bench.config.ts --reporter=line) \
  | grep '^BENCH'

step "unauthenticated flood: /accesso while anonymous clients flood the credential endpoints"
kill $server 2>/dev/null || true
wait $server 2>/dev/null || true
DATABASE_URL="sqlite://$db/flood.db?mode=rwc" LEPTOS_SITE_ADDR="127.0.0.1:$port" PEC_TRUSTED_PROXY=1 ./target/release/pec-manager serve >"$db/log2" 2>&1 &
server=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/accesso" >/dev/null && break; sleep 0.2; done
python3 scripts/bench_flood.py "http://127.0.0.1:$port"
