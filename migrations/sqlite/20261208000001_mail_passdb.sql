-- Dovecot's password lookup (`pec-manager mail-config dovecot`): each login that may log in, and
-- as one JSON object its password and the mailbox it opens, read through Dovecot's dict process
-- (as on PostgreSQL, where this is what lets Dovecot verify passwords on every core). Who may log
-- in stays the rule of mail_accounts.
CREATE VIEW mail_passdb AS
SELECT login, json_object('user', mailbox, 'password', password) AS fields
FROM mail_accounts
WHERE may_login = 1;
