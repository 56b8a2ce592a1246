#!/usr/bin/env bash
# The mail platform's benchmark (benches/mail_platform.rs): 1,000,000 mailboxes
# (BENCH_MAILBOXES to change it) on a throw-away PostgreSQL read by a real Dovecot: its
# lookups, IMAP logins from 50 clients next to argon2 alone, 10,000 kicks through the queue.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh test
source scripts/postgres.sh
pg_start
trap pg_stop EXIT
BENCH_DATABASE_URL=$(pg_new_database bench_mail) cargo bench --bench mail_platform --features ssr
