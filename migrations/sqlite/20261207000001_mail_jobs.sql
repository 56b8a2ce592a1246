-- What the mail server says each mailbox holds: Dovecot's quota_clone plugin writes it (through
-- its dict-sql driver, as the mail servers' role), after every delivery, expunge and
-- recalculation. The platform reads it for "Spazio disco (usato …)"; "import-disk-usage" stays
-- for providers whose mail platform is something else.
CREATE TABLE mail_usage (
    login    TEXT PRIMARY KEY,
    bytes    INTEGER NOT NULL DEFAULT 0,
    messages INTEGER NOT NULL DEFAULT 0
);

-- What must be pushed to the mail platform (issue 24): written in the transaction of the change
-- that causes it, claimed with a lease (lease = the claiming worker's token, next_attempt_at =
-- when the lease ends), retried with back-off, done once whatever the number of processes.
--   kind  KICK (cut the open sessions), PURGE (remove the mail of a revoked mailbox, due after
--         the retention period), RECALC (count the used space again);
--   login the address the mail server knows the mailbox by, as it was when the job was queued.
CREATE TABLE mail_jobs (
    id              INTEGER PRIMARY KEY,
    mailbox_id      INTEGER NOT NULL REFERENCES mailboxes(id),
    kind            TEXT NOT NULL CHECK (kind IN ('KICK', 'PURGE', 'RECALC')),
    login           TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    lease           TEXT,
    done_at         TEXT,
    last_error      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX mail_jobs_pending ON mail_jobs(done_at, next_attempt_at);
CREATE INDEX mail_jobs_mailbox ON mail_jobs(mailbox_id, done_at);
CREATE INDEX mail_jobs_lease ON mail_jobs(lease);

-- Multiutenza: each additional user of a mailbox logs in to it with credentials of their own,
-- chosen through a single-use link as the holder's are (activation_links.user_id says whose).
ALTER TABLE mailbox_users ADD COLUMN password_hash TEXT;
-- The user's login (mail_platform::extra_user_login), kept by the store so that a mail server's
-- lookup finds it by index.
ALTER TABLE mailbox_users ADD COLUMN login TEXT;
CREATE UNIQUE INDEX mailbox_users_login ON mailbox_users(login);
ALTER TABLE activation_links ADD COLUMN user_id INTEGER REFERENCES mailbox_users(id);

-- The view of 20261206000001, with the additional users: one row per login. An additional
-- user's login is the mailbox's local part, '+u' and the user's number, at its domain
-- (mailbox names have no '+', so it is nobody else's); it opens the mailbox named in
-- 'mailbox' (Dovecot's passdb answers that as the user), and receives nothing of its own.
-- Both branches are found by a unique index on the login.
DROP VIEW mail_accounts;
CREATE VIEW mail_accounts AS
SELECT m.address AS login,
       m.address AS mailbox,
       m.domain AS domain,
       m.userid AS userid,
       '{ARGON2ID}' || m.password_hash AS password,
       CASE WHEN m.state = 'ATTIVA' AND m.password_hash IS NOT NULL AND m.expires_at >= date('now')
            THEN 1 ELSE 0 END AS may_login,
       CASE WHEN m.state IN ('ATTIVA', 'SOSPESA', 'SCADUTA') AND m.expires_at >= date('now', '-' || g.days || ' days')
            THEN 1 ELSE 0 END AS may_receive,
       m.disk_gb AS quota_gb,
       '*:storage=' || m.disk_gb || 'G' AS quota_rule
FROM mailboxes m
CROSS JOIN (
    SELECT COALESCE((SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'renewal_grace_days'), 30) AS days
) g
UNION ALL
SELECT u.login AS login,
       m.address AS mailbox,
       m.domain AS domain,
       m.userid AS userid,
       '{ARGON2ID}' || u.password_hash AS password,
       CASE WHEN m.state = 'ATTIVA' AND u.password_hash IS NOT NULL AND m.expires_at >= date('now')
            THEN 1 ELSE 0 END AS may_login,
       0 AS may_receive,
       m.disk_gb AS quota_gb,
       '*:storage=' || m.disk_gb || 'G' AS quota_rule
FROM mailbox_users u
JOIN mailboxes m ON m.id = u.mailbox_id;
