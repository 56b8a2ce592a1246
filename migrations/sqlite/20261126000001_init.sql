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

-- The provider (FORNITORE, sees everything) and its resellers (RIVENDITORE, see their own data).
CREATE TABLE organisations (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE operators (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    username        TEXT NOT NULL UNIQUE,
    display_name    TEXT NOT NULL,
    role            TEXT NOT NULL,
    -- argon2id PHC string; never the password.
    password_hash   TEXT NOT NULL,
    active          INTEGER NOT NULL DEFAULT 1,
    failed_logins   INTEGER NOT NULL DEFAULT 0,
    locked_until    TEXT,
    created_at      TEXT NOT NULL
);

-- Sessions live in the database so that several server processes share them. Only a hash of
-- the cookie's token is stored.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    operator_id  INTEGER NOT NULL REFERENCES operators(id),
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    -- Idle expiry, moved forward while the session is used, never past max_expires_at.
    expires_at     TEXT NOT NULL,
    max_expires_at TEXT NOT NULL
);
CREATE INDEX sessions_operator ON sessions(operator_id);

CREATE TABLE domains (
    id              INTEGER PRIMARY KEY,
    -- Domains of the provider may be used by every organisation, a reseller's only by it.
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    name            TEXT NOT NULL UNIQUE,
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
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    name            TEXT NOT NULL,
    name_key        TEXT NOT NULL,
    kind          TEXT NOT NULL,
    legal_rep_cf  TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    UNIQUE (organisation_id, name_key)
);

CREATE TABLE orders (
    id            INTEGER PRIMARY KEY,
    number        TEXT NOT NULL UNIQUE,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    operator_id   INTEGER NOT NULL REFERENCES operators(id),
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
    created_at    TEXT NOT NULL
);
CREATE INDEX orders_created ON orders(created_at);
CREATE INDEX orders_organisation ON orders(organisation_id, id);

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
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    order_id   INTEGER REFERENCES orders(id),
    mailbox_id INTEGER REFERENCES mailboxes(id),
    summary    TEXT NOT NULL
);
CREATE INDEX activity_at ON activity(at);

-- The wizard's state between requests, exactly as typed (JSON), so that nothing is lost.
CREATE TABLE drafts (
    id         TEXT PRIMARY KEY,
    data       TEXT NOT NULL,
    operator_id INTEGER NOT NULL REFERENCES operators(id),
    order_id   INTEGER REFERENCES orders(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Who changed what, when: append-only (the triggers refuse updates and deletes).
CREATE TABLE audit_log (
    id              INTEGER PRIMARY KEY,
    at              TEXT NOT NULL,
    operator_id     INTEGER REFERENCES operators(id),
    organisation_id INTEGER REFERENCES organisations(id),
    username        TEXT NOT NULL,
    action          TEXT NOT NULL,
    object_type     TEXT NOT NULL,
    object_id       TEXT NOT NULL,
    before_data     TEXT NOT NULL,
    after_data      TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_organisation ON audit_log(organisation_id, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

INSERT INTO settings (key, value) VALUES ('userid_prefix', 'PEC');
INSERT INTO counters (name, value) VALUES ('order_number', 0), ('userid', 0);
