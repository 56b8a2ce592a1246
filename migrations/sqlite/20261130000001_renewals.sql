-- Renewals: an order is an activation (ATTIVAZIONE) or a renewal (RINNOVO); each renewed mailbox
-- is a line of its renewal order, unique per mailbox and the expiry it extended, so that the
-- same renewal asked twice at once is done once. Tacit renewal per mailbox; the invoice's
-- expiry ("Data scad. fattura") follows renewals.
ALTER TABLE orders ADD COLUMN kind TEXT NOT NULL DEFAULT 'ATTIVAZIONE';
-- The "Rinnova selezionate" request that made a renewal order: the same request sent twice
-- (double click, retry) finds its orders instead of renewing again.
ALTER TABLE orders ADD COLUMN request_key TEXT;
CREATE INDEX orders_request_key ON orders(request_key);
CREATE TABLE renewal_requests (
    request_key TEXT PRIMARY KEY,
    created_at  TEXT NOT NULL
);
ALTER TABLE mailboxes ADD COLUMN tacit_renewal INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mailboxes ADD COLUMN invoice_expires_at TEXT;
UPDATE mailboxes SET invoice_expires_at = expires_at;

CREATE TABLE renewals (
    id          INTEGER PRIMARY KEY,
    order_id    INTEGER NOT NULL REFERENCES orders(id),
    mailbox_id  INTEGER NOT NULL REFERENCES mailboxes(id),
    from_expiry TEXT NOT NULL,
    to_expiry   TEXT NOT NULL,
    from_state  TEXT NOT NULL,
    to_state    TEXT NOT NULL,
    UNIQUE (mailbox_id, from_expiry)
);
CREATE INDEX renewals_order ON renewals(order_id);
-- The expiry lists and the hourly jobs select by date.
CREATE INDEX mailboxes_expiry ON mailboxes(expires_at);

-- Expiry reminders sent: one per mailbox, expiry date and window, whichever process sends it.
CREATE TABLE reminders (
    mailbox_id  INTEGER NOT NULL REFERENCES mailboxes(id),
    expires_at  TEXT NOT NULL,
    window_days INTEGER NOT NULL,
    sent_at     TEXT NOT NULL,
    PRIMARY KEY (mailbox_id, expires_at, window_days)
);
