-- Dettaglio casella: notes, additional users (multiutenza), associations with other
-- mailboxes, and the SERVIZI EXTRA settings (reception filters, security information,
-- contacts) as JSON.
CREATE TABLE mailbox_notes (
    id         INTEGER PRIMARY KEY,
    mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id),
    at         TEXT NOT NULL,
    username   TEXT NOT NULL,
    text       TEXT NOT NULL
);
CREATE INDEX mailbox_notes_mailbox ON mailbox_notes(mailbox_id, id);

CREATE TABLE mailbox_users (
    id         INTEGER PRIMARY KEY,
    mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id),
    first_name TEXT NOT NULL,
    last_name  TEXT NOT NULL,
    tax_code   TEXT NOT NULL,
    email      TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (mailbox_id, tax_code)
);

CREATE TABLE mailbox_associations (
    mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id),
    other_id   INTEGER NOT NULL REFERENCES mailboxes(id),
    created_at TEXT NOT NULL,
    PRIMARY KEY (mailbox_id, other_id)
);

CREATE TABLE mailbox_settings (
    mailbox_id INTEGER PRIMARY KEY REFERENCES mailboxes(id),
    data       TEXT NOT NULL
);
