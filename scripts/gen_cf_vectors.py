#!/usr/bin/env python3
"""Generates tests/data/cf_vectors.tsv: codici fiscali with the verdict of python-stdnum,
used as an oracle by tests/cf_vectors.rs. Run: pip install python-stdnum==2.2 && python3 scripts/gen_cf_vectors.py

Personal codes use days 01-28 (and 41-68) so that stdnum's calendar check and ours agree;
numeric codes are judged by the Luhn check digit only (what docs/DOMAIN.md asks for)."""
import random
import string
from stdnum import luhn
from stdnum.it import codicefiscale

OMOCODIA = "LMNPQRSTUV"
DIGIT_POS = [6, 7, 9, 10, 12, 13, 14]
rng = random.Random(20261126)
rows = []
for _ in range(3000):
    letters = lambda n: "".join(rng.choice(string.ascii_uppercase) for _ in range(n))
    day = rng.randint(1, 28) + rng.choice([0, 40])
    body = list(letters(6) + f"{rng.randint(0, 99):02d}" + rng.choice("ABCDEHLMPRST")
                + f"{day:02d}" + letters(1) + f"{rng.randint(0, 999):03d}")
    for pos in DIGIT_POS:
        if rng.random() < 0.2:
            body[pos] = OMOCODIA[int(body[pos])]
    first15 = "".join(body)
    check = codicefiscale.calc_check_digit(first15)
    if rng.random() < 0.3:
        check = rng.choice(string.ascii_uppercase)
    code = first15 + check
    rows.append((code, codicefiscale.is_valid(code)))
for _ in range(1000):
    code = "".join(rng.choice(string.digits) for _ in range(11))
    rows.append((code, luhn.is_valid(code)))
with open("tests/data/cf_vectors.tsv", "w") as f:
    f.write("code\tvalid\n")
    for code, ok in rows:
        f.write(f"{code}\t{1 if ok else 0}\n")
print(len(rows), "vectors,", sum(ok for _, ok in rows), "valid")
