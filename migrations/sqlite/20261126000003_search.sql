-- "Ricerca" matches prefixes. SQLite's LIKE is case-insensitive and so cannot use these
-- b-trees for it; they serve the exact lookups (holder's codice fiscale, state filter) and
-- keep the two databases' schemas alike. Measured without them: 100,000 mailboxes searched
-- in 15-70 ms (README).
CREATE INDEX mailboxes_tax_code ON mailboxes (tax_code);
CREATE INDEX mailboxes_state ON mailboxes (state);
