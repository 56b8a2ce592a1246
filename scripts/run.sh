#!/usr/bin/env bash
# Builds the release and serves the app at http://127.0.0.1:3000 (LEPTOS_SITE_ADDR to change),
# on the embedded SQLite database ./data/pec-manager.db with demo data (DATABASE_URL to change).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh run
bash scripts/build.sh
source scripts/site.sh
export LEPTOS_SITE_ADDR="${LEPTOS_SITE_ADDR:-127.0.0.1:3000}"
# A demo installation has no certification authorities to trust (PEC_TRUST_DIR): it accepts
# contracts whose signature cannot be verified, and says so on the order page and in the audit
# log. A real installation leaves this unset (the default is 0) and sets PEC_TRUST_DIR.
if [ "${PEC_DEMO_DATA:-1}" != 0 ] && [ -z "${PEC_TRUST_DIR:-}" ]; then
  export PEC_ACCEPT_UNVERIFIED_SIGNATURES="${PEC_ACCEPT_UNVERIFIED_SIGNATURES:-1}"
fi
source scripts/demo_dovecot.sh
echo "pec-manager: http://$LEPTOS_SITE_ADDR"
# Not exec: the demo's Dovecot stops when the server does (the trap in demo_dovecot.sh).
./target/release/pec-manager serve
