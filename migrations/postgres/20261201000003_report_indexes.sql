-- Reports count mailboxes by SQL aggregates. A mailbox's domain as a column (computed by the
-- database from the address, never written by the code), and one covering index whose order
-- lets the counts per order, state, offer and domain be read from the index alone
-- (1,000,000 mailboxes: README, "Measurements").
ALTER TABLE mailboxes ADD COLUMN domain TEXT GENERATED ALWAYS AS (split_part(address, '@', 2)) STORED;
CREATE INDEX mailboxes_report ON mailboxes (order_id, state, offer_id, domain, activated_at);
