#!/usr/bin/env bash
# The scale benchmark (benches/scale.rs): 1,000,000 mailboxes (BENCH_MAILBOXES to change it)
# stored through the order path, then availability, Ricerca, Gestione scadenze, Report,
# Attività recenti and a 10,000-mailbox order timed at that size: on a throw-away PostgreSQL,
# then on SQLite (BENCH_SCALE_DATABASES="postgres" or "sqlite" for one of them).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh test
for db in ${BENCH_SCALE_DATABASES:-postgres sqlite}; do
  printf '\n\033[1;32m==> scale: %s\033[0m\n' "$db"
  if [ "$db" = postgres ]; then
    source scripts/postgres.sh
    pg_start
    trap pg_stop EXIT
    BENCH_DATABASE_URL=$(pg_new_database bench_scale) cargo bench --bench scale --features ssr
    pg_stop
  else
    cargo bench --bench scale --features ssr
  fi
done
