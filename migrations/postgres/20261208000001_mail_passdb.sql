-- Dovecot's password lookup (`pec-manager mail-config dovecot`): each login that may log in, and
-- as one JSON object its password and the mailbox it opens, read through Dovecot's dict process.
-- Dovecot counts a dict passdb as blocking and verifies its passwords in the auth-worker
-- processes, one per core; an SQL passdb on PostgreSQL (an asynchronous driver) is verified in
-- Dovecot's single auth process, so argon2 on one core bounded the logins a second. Who may log
-- in stays the rule of mail_accounts.
CREATE VIEW mail_passdb AS
SELECT login, CAST(json_build_object('user', mailbox, 'password', password) AS TEXT) AS fields
FROM mail_accounts
WHERE may_login = 1;

-- A mail role granted mail_accounts before (grant_sql) may read this too, so that its Dovecot,
-- given the new configuration, keeps logging holders in.
DO $$
DECLARE r RECORD;
BEGIN
    FOR r IN SELECT DISTINCT grantee FROM information_schema.role_table_grants
             WHERE table_name = 'mail_accounts' AND privilege_type = 'SELECT'
               AND grantee NOT IN (current_user, 'PUBLIC')
    LOOP
        EXECUTE format('GRANT SELECT ON mail_passdb TO %I', r.grantee);
    END LOOP;
END
$$;

-- mail_password (20261207000001) stays for a Dovecot configured before this: its password_query
-- calls it until `mail-config dovecot` is run again.
