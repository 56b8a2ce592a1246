-- After the order: signed contract, activation (dates, services from the offer), the links
-- with which holders set their password, and the durable queue of e-mails.
ALTER TABLE mailboxes ADD COLUMN activated_at TEXT;
ALTER TABLE mailboxes ADD COLUMN expires_at TEXT;
ALTER TABLE mailboxes ADD COLUMN revocation_reason TEXT;
ALTER TABLE mailboxes ADD COLUMN password_hash TEXT;
ALTER TABLE mailboxes ADD COLUMN disk_gb INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mailboxes ADD COLUMN disk_used_mb INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mailboxes ADD COLUMN sms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mailboxes ADD COLUMN security_archive INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mailboxes ADD COLUMN legal_preservation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mailboxes ADD COLUMN shadow_pec INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mailboxes ADD COLUMN push_imap INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mailboxes ADD COLUMN phishing_protection INTEGER NOT NULL DEFAULT 0;

CREATE TABLE contracts (
    order_id    INTEGER PRIMARY KEY REFERENCES orders(id),
    file_name   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    data        BLOB NOT NULL,
    uploaded_at TEXT NOT NULL,
    operator_id INTEGER NOT NULL REFERENCES operators(id)
);

-- Only the SHA-256 of a link's token is kept; a link works once, until it expires.
CREATE TABLE activation_links (
    token_hash TEXT PRIMARY KEY,
    mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);
CREATE INDEX activation_links_mailbox ON activation_links(mailbox_id);

-- Written in the transaction of the change that causes it, sent after the commit, retried.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    sent_at         TEXT,
    last_error      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_pending ON outbox(sent_at, next_attempt_at);
