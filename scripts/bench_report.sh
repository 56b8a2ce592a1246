#!/usr/bin/env bash
# The Report benchmark at scale: a throw-away PostgreSQL, 1,000,000 mailboxes (BENCH_MAILBOXES
# to change it) stored through the order path, then every report timed. About 5 minutes here.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh test
source scripts/postgres.sh
pg_start
trap pg_stop EXIT
BENCH_DATABASE_URL=$(pg_new_database bench_report) cargo bench --bench report --features ssr
