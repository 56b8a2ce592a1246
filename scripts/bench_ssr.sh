#!/usr/bin/env bash
# SSR throughput: the release server (with the bench-only bare route, in its own target dir)
# on a fresh SQLite database, or on a throw-away PostgreSQL with BENCH_SSR_DATABASE=postgres;
# an operator logged in and an order of 20 mailboxes booked through the wizard's form posts;
# then `wrk -t1 -c50` on loopback against Attività recenti and Dettaglio ordine (with the
# session), the login page, and the bare axum route answering as many bytes as Attività recenti.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh test
command -v wrk >/dev/null || { sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo; $sudo apt-get install -y -qq wrk; }
export CARGO_TARGET_DIR=target/bench-ssr
cargo build --release --no-default-features --features ssr,bench-route --bin pec-manager
bin=$CARGO_TARGET_DIR/release/pec-manager
seconds=${BENCH_SSR_SECONDS:-10}

dir=$(mktemp -d /tmp/pec-bench-ssr.XXXXXX)
url="sqlite://$dir/pec.db?mode=rwc"
if [ "${BENCH_SSR_DATABASE:-sqlite}" = postgres ]; then
  source scripts/postgres.sh
  pg_start
  url=$(pg_new_database bench_ssr)
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
# Pages as `make run` serves them (hashed bundle names), without the bundle itself.
LEPTOS_OUTPUT_NAME=pec-manager LEPTOS_SITE_ROOT=target/site LEPTOS_ENV=PROD \
  PEC_DEMO_PASSWORD=password-bench DATABASE_URL="$url" LEPTOS_SITE_ADDR="127.0.0.1:$port" RUST_LOG=warn \
  "$bin" serve >"$dir/log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; [ -n "${PG_DIR:-}" ] && pg_stop; rm -rf "$dir"' EXIT
for _ in $(seq 100); do curl -sf "$base/accesso" >/dev/null && break; sleep 0.2; done

h=(-H "Origin: $base" -H "Accept: text/html")
cookie=$(curl -s -o /dev/null -D - "${h[@]}" --data "username=operatore&password=password-bench&next=%2F" "$base/api/accedi" \
  | grep -i '^set-cookie: pec_session' | sed 's/^[Ss]et-[Cc]ookie: //; s/;.*//')
c=(-H "Cookie: $cookie")
draft=$(curl -s -o /dev/null -D - "${h[@]}" "${c[@]}" -H "Referer: $base/richiesta" \
  --data "draft=&azione=avanti&customer_name=Benchmark&customer_kind=IMPRESA&legal_rep_cf=RCLMRA74D15F205V&contact_email=&offer=CONSIP&consent=on" \
  "$base/api/richiesta/salva-dati" | grep -i '^location:' | sed -E 's#.*/richiesta/([0-9a-f]+)/caselle.*#\1#' | tr -d '\r')
form="draft=$draft&azione=avanti&expiry_year=2027&customer_po="
for i in $(seq 0 19); do
  form="$form&mailboxes[$i][address]=ssr$$x$i%40legalmail.it&mailboxes[$i][description]=&mailboxes[$i][password_email]=titolare%40example.it&mailboxes[$i][first_name]=Mario&mailboxes[$i][last_name]=Rossi&mailboxes[$i][tax_code]=RSSMRA70A01H501S&mailboxes[$i][nickname]="
done
curl -s -o /dev/null "${h[@]}" "${c[@]}" -H "Referer: $base/richiesta/$draft/caselle" -g --data "$form" "$base/api/richiesta/salva-caselle"
curl -s -o /dev/null "${h[@]}" "${c[@]}" -H "Referer: $base/richiesta/$draft/verifica" --data "draft=$draft&azione=conferma" "$base/api/richiesta/conferma"
order=$(curl -s "${c[@]}" "$base/richiesta/$draft/riepilogo" | grep -oE 'order-number[^>]*>[0-9]{8}' | grep -oE '[0-9]{8}$' | head -n 1)
[ -n "$order" ] || { echo "the benchmark's order was not booked" >&2; exit 1; }
size=$(curl -s "${c[@]}" -o /dev/null -w '%{size_download}' "$base/recenti")

run() {
  local what=$1; shift
  local out
  out=$(wrk -t1 -c50 -d"${seconds}s" --latency "$@")
  if echo "$out" | grep -q "Non-2xx"; then echo "$out" >&2; echo "$what: answers other than 200" >&2; exit 1; fi
  printf '%-44s %10s req/s  p50 %8s  p99 %8s\n' "$what" \
    "$(echo "$out" | awk '/Requests\/sec/ {print $2}')" \
    "$(echo "$out" | awk '$1 == "50%" {print $2}')" "$(echo "$out" | awk '$1 == "99%" {print $2}')"
}
echo "wrk -t1 -c50 -d${seconds}s on loopback, $(nproc) cores, ${BENCH_SSR_DATABASE:-sqlite}:"
run "bare axum route ($size B)" "$base/bench/bare?bytes=$size"
run "Attività recenti ($size B, session)" -H "Cookie: $cookie" "$base/recenti"
run "Dettaglio ordine (20 mailboxes, session)" -H "Cookie: $cookie" "$base/ordini/$order"
run "login page (no session)" "$base/accesso"
