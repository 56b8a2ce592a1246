#!/usr/bin/env bash
# A certification authority of the end-to-end tests' own, and two signers with Italian
# qualified-certificate subjects (serialNumber TINIT-<codice fiscale>), made with Debian's
# openssl in folder $1:
#   trust/ca.pem          the authority, for the server's PEC_TRUST_DIR
#   rep.pem, rep.key      Mario Rossi, TINIT-RCLMRA74D15F205V (the tests' legal representative)
#   other.pem, other.key  Giovanni Bianchi, TINIT-BNCGVN80A01H501U
# Playwright signs the downloaded contract with `openssl cms -sign` (end2end/tests/helpers.ts).
set -euo pipefail
dir=$1
mkdir -p "$dir/trust"
cd "$dir"
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out trust/ca.pem -days 3650 \
  -subj "/C=IT/O=Prova CA/CN=CA Prova Qualificata" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
cat >leaf.ext <<'EXT'
basicConstraints=CA:FALSE
keyUsage=critical,nonRepudiation
EXT
signer() {
  local name=$1 subject=$2
  openssl req -new -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.csr" -subj "$subject" 2>/dev/null
  openssl x509 -req -in "$name.csr" -CA trust/ca.pem -CAkey ca.key -CAserial ca.srl -CAcreateserial -days 730 \
    -extfile leaf.ext -out "$name.pem" 2>/dev/null
  rm -f "$name.csr"
}
signer rep "/C=IT/CN=Mario Rossi/serialNumber=TINIT-RCLMRA74D15F205V"
signer other "/C=IT/CN=Giovanni Bianchi/serialNumber=TINIT-BNCGVN80A01H501U"
