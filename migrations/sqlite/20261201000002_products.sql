-- Products with their own term ("Gestione scadenze prodotti"): one of each kind per mailbox,
-- while its services ask for it (CESSATO when switched off, kept for the record).
CREATE TABLE products (
    id          INTEGER PRIMARY KEY,
    mailbox_id  INTEGER NOT NULL REFERENCES mailboxes(id),
    kind        TEXT NOT NULL,
    price_code  TEXT NOT NULL,
    quantity    INTEGER NOT NULL,
    starts_at   TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    state       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (mailbox_id, kind)
);
CREATE INDEX products_expiry ON products(expires_at);

-- A renewed product is a line of its renewal order, unique per product and the end it
-- extended: the same renewal asked twice at once is done once.
CREATE TABLE product_renewals (
    id          INTEGER PRIMARY KEY,
    order_id    INTEGER NOT NULL REFERENCES orders(id),
    product_id  INTEGER NOT NULL REFERENCES products(id),
    from_expiry TEXT NOT NULL,
    to_expiry   TEXT NOT NULL,
    from_state  TEXT NOT NULL,
    UNIQUE (product_id, from_expiry)
);
CREATE INDEX product_renewals_order ON product_renewals(order_id);
