#!/usr/bin/env python3
"""Writes a CSV file of N valid mailboxes as Excel (Italian locale) saves it: UTF-8 with BOM,
`;`, CRLF. Usage: python3 scripts/gen_csv.py 10000 > caselle-10000.csv
The rows are the same as the ones benches/csv.rs generates."""
import sys

rows = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
out = sys.stdout.buffer
out.write(b"\xef\xbb\xbf")
out.write("Nome casella;Descrizione;Email gestione password;Nome;Cognome;Codice fiscale;Nickname\r\n".encode())
for i in range(rows):
    out.write(
        f"casella.{i:05d}@testcert.legalmail.it;Casella numero {i};gestione.{i}@example.it;"
        f"Mario;Rossi;RSSMRA70A01H501S;nick.{i:05d}\r\n".encode()
    )
