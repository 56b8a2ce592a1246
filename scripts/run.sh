#!/usr/bin/env bash
# Builds the release and serves the app at http://127.0.0.1:3000 (LEPTOS_SITE_ADDR to change),
# on the embedded SQLite database ./data/pec-manager.db with demo data (DATABASE_URL to change).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh run
bash scripts/build.sh
source scripts/site.sh
export LEPTOS_SITE_ADDR="${LEPTOS_SITE_ADDR:-127.0.0.1:3000}"
echo "pec-manager: http://$LEPTOS_SITE_ADDR"
exec ./target/release/pec-manager serve
