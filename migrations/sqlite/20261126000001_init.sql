-- Initial schema (SQLite). Keep in step with migrations/postgres/.
-- Integers are INTEGER here and BIGINT there, so that both decode as i64; booleans are 0/1;
-- timestamps are UTC text 'YYYY-MM-DD HH:MM:SS' written by the application.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);

CREATE TABLE domains (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

CREATE TABLE offers (
    id                  INTEGER PRIMARY KEY,
    code                TEXT NOT NULL UNIQUE,
    name                TEXT NOT NULL,
    disk_gb             INTEGER NOT NULL,
    sms                 INTEGER NOT NULL,
    security_archive    INTEGER NOT NULL,
    legal_preservation  INTEGER NOT NULL,
    shadow_pec          INTEGER NOT NULL,
    push_imap           INTEGER NOT NULL,
    phishing_protection INTEGER NOT NULL
);

CREATE TABLE customers (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    name_key      TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL,
    legal_rep_cf  TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    created_at    TEXT NOT NULL
);

CREATE TABLE orders (
    id            INTEGER PRIMARY KEY,
    number        TEXT NOT NULL UNIQUE,
    customer_id   INTEGER NOT NULL REFERENCES customers(id),
    offer_id      INTEGER NOT NULL REFERENCES offers(id),
    customer_kind TEXT NOT NULL,
    legal_rep_cf  TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    consent       INTEGER NOT NULL,
    contract      INTEGER NOT NULL DEFAULT 0,
    customer_po   TEXT NOT NULL,
    expiry_year   INTEGER NOT NULL,
    state         TEXT NOT NULL,
    operator      TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX orders_created ON orders(created_at);

CREATE TABLE mailboxes (
    id             INTEGER PRIMARY KEY,
    order_id       INTEGER NOT NULL REFERENCES orders(id),
    position       INTEGER NOT NULL,
    userid         TEXT NOT NULL UNIQUE,
    reference      TEXT NOT NULL UNIQUE,
    -- Normalised (lower-case): the database is the final guard of uniqueness.
    address        TEXT NOT NULL UNIQUE,
    description    TEXT NOT NULL,
    password_email TEXT NOT NULL,
    first_name     TEXT NOT NULL,
    last_name      TEXT NOT NULL,
    tax_code       TEXT NOT NULL,
    nickname       TEXT UNIQUE,
    offer_id       INTEGER NOT NULL REFERENCES offers(id),
    state          TEXT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE INDEX mailboxes_order ON mailboxes(order_id, position);

CREATE TABLE activity (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    kind       TEXT NOT NULL,
    order_id   INTEGER REFERENCES orders(id),
    mailbox_id INTEGER REFERENCES mailboxes(id),
    summary    TEXT NOT NULL
);
CREATE INDEX activity_at ON activity(at);

-- The wizard's state between requests, exactly as typed (JSON), so that nothing is lost.
CREATE TABLE drafts (
    id         TEXT PRIMARY KEY,
    data       TEXT NOT NULL,
    order_id   INTEGER REFERENCES orders(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

INSERT INTO settings (key, value) VALUES ('userid_prefix', 'PEC');
INSERT INTO counters (name, value) VALUES ('order_number', 0), ('userid', 0);
