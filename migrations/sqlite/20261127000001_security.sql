-- Failed logins are counted per user name (known or not, so that the answer never tells which
-- names exist) and per source address (so that a stranger cannot keep someone else locked out).
-- One row is claimed atomically per attempt before the password is checked.
CREATE TABLE login_attempts (
    username     TEXT NOT NULL,
    source       TEXT NOT NULL,
    failures     INTEGER NOT NULL,
    locked_until TEXT,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (username, source)
);

-- What a refused form held, kept on the server for its session instead of in the URL (it may
-- hold a codice fiscale or an e-mail address). Goes with the session.
CREATE TABLE form_stash (
    session_hash TEXT NOT NULL REFERENCES sessions(token_hash) ON DELETE CASCADE,
    form         TEXT NOT NULL,
    data         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (session_hash, form)
);

-- A password link is valid only for the address it was sent to.
ALTER TABLE activation_links ADD COLUMN recipient TEXT NOT NULL DEFAULT '';
UPDATE activation_links SET recipient = (SELECT password_email FROM mailboxes WHERE mailboxes.id = activation_links.mailbox_id);
