-- Dovecot's password lookup (`pec-manager mail-config dovecot`): each login that may log in, and
-- as one JSON object its password and the mailbox it opens, read through Dovecot's dict process.
-- Dovecot counts a dict passdb as blocking and verifies its passwords in the auth-worker
-- processes, one per core; an SQL passdb on PostgreSQL (an asynchronous driver) is verified in
-- Dovecot's single auth process, so argon2 on one core bounded the logins a second. Who may log
-- in stays the rule of mail_accounts.
--
-- Dovecot's dict sends each lookup as a new statement, which PostgreSQL plans every time: over
-- mail_accounts that took 0.3-0.5 ms (p99 3.5 ms at 1,000,000 mailboxes). So the view lists the
-- logins (two index scans, cheap to plan) and asks a function, which keeps its plan per
-- connection, for the rest.
CREATE FUNCTION mail_passdb_fields(wanted TEXT) RETURNS TEXT
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT CAST(json_build_object('user', a.mailbox, 'password', a.password) AS TEXT)
            FROM mail_accounts a WHERE a.login = wanted AND a.may_login = 1);
END
$$;
CREATE VIEW mail_passdb AS
SELECT l.login, f.fields
FROM (SELECT address AS login FROM mailboxes UNION ALL SELECT login FROM mailbox_users) l
CROSS JOIN LATERAL (SELECT mail_passdb_fields(l.login) AS fields) f
WHERE f.fields IS NOT NULL;

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
