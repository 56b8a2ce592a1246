-- What a mail server reads of the platform (issue 24): one row a mailbox, computed from the
-- mailboxes as they are, so that there is no second copy of an account's state to drift.
-- Dovecot's passdb and userdb and Postfix's virtual_mailbox_maps query it (`pec-manager
-- mail-config`); the mail servers' own role may read nothing else (a view runs with its
-- owner's rights over the tables beneath it).
--   login        the address, stored lower-case (queries compare with the login lower-cased);
--   domain       its domain (indexed: Postfix asks whether a domain is ours by it);
--   password     Dovecot's {ARGON2ID} scheme reads the PHC string exactly as stored;
--   may_login    ATTIVA, a password chosen, not past its expiry date (today's date, without
--                waiting for the hourly job);
--   may_receive  ATTIVA, SOSPESA or SCADUTA, until the renewal grace period after expiry ends
--                (docs/DOMAIN.md, "The mail platform"); the grace's default is
--                Settings::default().renewal_grace_days, checked by a test;
--   quota_rule   the mailbox's disk space (the offer's plus "Spazio disco aggiuntivo").
-- Dates are UTC 'YYYY-MM-DD' text, as the platform stores them, whatever the session's zone.
CREATE VIEW mail_accounts AS
SELECT m.address AS login,
       m.domain AS domain,
       m.userid AS userid,
       '{ARGON2ID}' || m.password_hash AS password,
       CAST(CASE WHEN m.state = 'ATTIVA' AND m.password_hash IS NOT NULL
                  AND m.expires_at >= to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD')
                 THEN 1 ELSE 0 END AS BIGINT) AS may_login,
       CAST(CASE WHEN m.state IN ('ATTIVA', 'SOSPESA', 'SCADUTA')
                  AND m.expires_at >= to_char(CAST(now() AT TIME ZONE 'UTC' AS DATE) - g.days, 'YYYY-MM-DD')
                 THEN 1 ELSE 0 END AS BIGINT) AS may_receive,
       m.disk_gb AS quota_gb,
       '*:storage=' || m.disk_gb || 'G' AS quota_rule
FROM mailboxes m
CROSS JOIN (
    SELECT COALESCE((SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'renewal_grace_days'), 30) AS days
) g;
