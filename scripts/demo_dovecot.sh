#!/usr/bin/env bash
# Sourced by run.sh: the demo's mail server (issue 24). A Dovecot on loopback ports serves the
# demo mailboxes from the platform's SQLite file (the view mail_accounts, nothing copied), so a
# newcomer can activate a mailbox and log in over IMAP with the password chosen through the
# link (README, "Mail platform (Dovecot)"). Without Dovecot, or without root to start it, the
# platform runs without a mail platform and says so ("Piattaforma di posta: non configurata").
# Ports: PEC_DEMO_IMAP_PORT (1143), PEC_DEMO_LMTP_PORT (1024), PEC_DEMO_DOVEADM_PORT (8080).

demo_dovecot() {
  local dir="$PWD/data/dovecot" db="data/pec-manager.db"
  if [ -n "${PEC_MAIL_PLATFORM:-}" ] || [ "${PEC_DEMO_MAIL:-1}" = 0 ]; then
    return 0
  fi
  case "${DATABASE_URL:-sqlite://$db}" in
    sqlite://data/pec-manager.db*) ;;
    *) echo "pec-manager: Dovecot di prova solo sul database SQLite della demo"; return 0 ;;
  esac
  if ! command -v dovecot >/dev/null || [ "$(id -u)" != 0 ]; then
    echo "pec-manager: nessun Dovecot di prova (servono il pacchetto dovecot-core e l'utente root):"
    echo "             la piattaforma funziona, le caselle non sono raggiungibili via IMAP"
    return 0
  fi
  # The mail configuration names the database file's owner, so the file must exist; an empty
  # file is an empty SQLite database, which the server migrates when it starts.
  mkdir -p data && touch "$db"
  ./target/release/pec-manager mail-config dovecot --cartella "$dir" \
    --porta-imap "${PEC_DEMO_IMAP_PORT:-1143}" --porta-lmtp "${PEC_DEMO_LMTP_PORT:-1024}" \
    --porta-doveadm "${PEC_DEMO_DOVEADM_PORT:-8080}" >/dev/null
  if [ -f "$dir/run/master.pid" ]; then
    kill "$(cat "$dir/run/master.pid")" 2>/dev/null || true
    sleep 1
  fi
  if ! dovecot -c "$dir/dovecot.conf"; then
    echo "pec-manager: Dovecot di prova non avviato (vedi $dir/dovecot.log): la piattaforma funziona senza"
    return 0
  fi
  # Stopped with the server.
  trap 'kill "$(cat "'"$dir"'/run/master.pid" 2>/dev/null)" 2>/dev/null || true' EXIT
  set -a
  # shellcheck disable=SC1091
  source "$dir/pec-manager.env"
  set +a
  echo "pec-manager: Dovecot di prova su IMAP 127.0.0.1:${PEC_DEMO_IMAP_PORT:-1143} (utente: l'indirizzo PEC, password: quella scelta dal collegamento)"
}
demo_dovecot
