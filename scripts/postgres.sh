#!/usr/bin/env bash
# A throw-away PostgreSQL server for tests, on a free local port, in a temporary directory.
#   source scripts/postgres.sh; pg_start   → exports TEST_POSTGRES_URL
#   pg_stop                               → stops it and removes its files
# PostgreSQL refuses to run as root, so as root it runs as the `postgres` user.

pg_start() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$bin" ] || { echo "PostgreSQL is not installed (scripts/setup.sh test installs it)" >&2; return 1; }
  PG_DIR=$(mktemp -d /tmp/pec-pg.XXXXXX)
  PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  local run=()
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres "$PG_DIR"
    run=(runuser -u postgres --)
  fi
  PG_RUN=("${run[@]}")
  PG_BIN="$bin"
  "${run[@]}" "$bin/initdb" -D "$PG_DIR/data" -A trust -U postgres >"$PG_DIR/initdb.log" 2>&1 \
    || { cat "$PG_DIR/initdb.log" >&2; return 1; }
  "${run[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off" -w start >/dev/null \
    || { cat "$PG_DIR/server.log" >&2; return 1; }
  export TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
  echo "[postgres] started on port $PG_PORT"
}

pg_stop() {
  [ -n "${PG_DIR:-}" ] || return 0
  "${PG_RUN[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
  PG_DIR=""
}

# A fresh database on the running server; prints its URL.
pg_new_database() {
  local name="$1"
  "${PG_RUN[@]}" "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -q -c "CREATE DATABASE $name" postgres >/dev/null
  echo "postgres://postgres@127.0.0.1:$PG_PORT/$name"
}
