//! The view `mail_accounts`: who may log in and who may receive; Postfix's `postmap` reading it.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mail_accounts_view_says_who_may_log_in_and_who_may_receive() {
    // The view's grace, when Impostazioni were never saved, is the platform's default.
    assert_eq!(Settings::default().renewal_grace_days, 30);
    for store in common::stores().await {
        let n = std::process::id();
        let names: Vec<String> = ["senza", "attiva", "sospesa", "scaduta", "grazia", "oltre", "revocata"]
            .iter()
            .map(|s| format!("{s}{n}@legalmail.it"))
            .collect();
        let (userids, tokens) = active_mailboxes(&store, &names).await;
        for token in &tokens[1..] {
            choose_password(&store, token, "Segreta-2026!").await;
        }
        let alfa = common::operator(&store, "alfa").await;
        store.change_state(&alfa, &userids[2], Transition::Suspend).await.unwrap();
        store.change_state(&alfa, &userids[6], Transition::Revoke(RevocationReason::ALL[0])).await.unwrap();
        // Past its expiry date, before the hourly job: no login, mail until the grace ends.
        let expire = |i: usize, days: i64, state: &str| {
            format!(
                "UPDATE mailboxes SET expires_at = '{}', state = '{state}' WHERE userid = '{}'",
                day(days),
                userids[i].as_str()
            )
        };
        store.raw_execute(&expire(3, -1, "ATTIVA")).await.unwrap();
        store.raw_execute(&expire(4, -29, "SCADUTA")).await.unwrap();
        store.raw_execute(&expire(5, -31, "SCADUTA")).await.unwrap();

        let seen: Vec<_> = {
            let mut v = Vec::new();
            for name in &names {
                v.push(account(&store, &name.to_uppercase()).await);
            }
            v
        };
        assert_eq!(
            seen,
            [Some((0, 1)), Some((1, 1)), Some((0, 1)), Some((0, 1)), Some((0, 1)), Some((0, 0)), Some((0, 0))],
            "{:?}: no password / active / suspended / expired yesterday / 29 days past / 31 days past / revoked",
            store.backend()
        );
        // The quota is the mailbox's disk space (its offer's, plus any extra).
        let disk = disk_gb(&store, &userids[1]).await;
        assert!(disk > 0);
        let quota_rule = store
            .raw_count(&format!(
                "SELECT COUNT(*) AS n FROM mail_accounts WHERE login = '{}' AND quota_rule = '*:storage={disk}G'",
                names[1]
            ))
            .await
            .unwrap();
        assert_eq!(quota_rule, 1);
        // The password is the stored hash behind Dovecot's scheme name, nothing else.
        let exact = store
            .raw_count(&format!(
                "SELECT COUNT(*) AS n FROM mail_accounts a JOIN mailboxes m ON m.address = a.login \
                 WHERE a.login = '{}' AND a.password = '{{ARGON2ID}}' || m.password_hash",
                names[1]
            ))
            .await
            .unwrap();
        assert_eq!(exact, 1);
        // A longer grace in Impostazioni keeps the 31-days-past mailbox receiving.
        store.set_setting("renewal_grace_days", "45").await.unwrap();
        assert_eq!(account(&store, &names[5]).await, Some((0, 1)));

        // What each change queued for the mail servers, in its own transaction: the suspended
        // and the revoked mailbox's sessions cut, the revoked one's mail purged later; the
        // hourly job's expiry cuts the sessions of the mailbox past its date.
        let today = pec_manager::server::today();
        assert_eq!(store.expire_due(today).await.unwrap(), 1);
        let jobs: Vec<(MailJobKind, String)> =
            store.mail_jobs_for_tests().await.unwrap().into_iter().map(|j| (j.0, j.1)).collect();
        let of = |i: usize| jobs.iter().filter(|j| j.1 == names[i]).map(|j| j.0).collect::<Vec<_>>();
        assert_eq!(of(2), [MailJobKind::Kick], "suspended");
        assert_eq!(of(6), [MailJobKind::Kick, MailJobKind::Purge], "revoked");
        assert_eq!(of(3), [MailJobKind::Kick], "expired by the hourly job");
        assert!(of(1).is_empty() && of(0).is_empty(), "nothing for the active ones: {jobs:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postfix_finds_in_the_view_the_mailboxes_and_domains_that_may_receive() {
    if !installed("postmap") {
        return;
    }
    for store in common::stores().await {
        let n = std::process::id();
        let names: Vec<String> =
            ["riceve", "sospesa", "revocata"].iter().map(|s| format!("{s}{n}p@legalmail.it")).collect();
        let (userids, _) = active_mailboxes(&store, &names).await;
        let alfa = common::operator(&store, "alfa").await;
        store.change_state(&alfa, &userids[1], Transition::Suspend).await.unwrap();
        store.change_state(&alfa, &userids[2], Transition::Revoke(RevocationReason::ALL[0])).await.unwrap();
        let database = mail_database(&store).await;
        let kind = if matches!(database, MailDatabase::Postgres(_)) { "pgsql" } else { "sqlite" };
        let dir = std::env::temp_dir().join(format!("pec-postfix-{n}-{}", free_port()));
        let setup = DovecotSetup {
            dir: dir.clone(),
            listen: "127.0.0.1".into(),
            imap_port: 1143,
            lmtp_port: 1024,
            doveadm_port: 8080,
            api_key: api_key_for(&dir),
            database,
            mail_user: "dovecot".into(),
            dict_user: "dovecot".into(),
        };
        write_dovecot(&setup).unwrap();
        let main_cf = std::fs::read_to_string(dir.join("postfix-main.cf")).unwrap();
        assert!(main_cf
            .contains(&format!("virtual_mailbox_maps = {kind}:{}/postfix-mailboxes.cf", dir.display())));
        assert!(main_cf.contains("virtual_transport = lmtp:inet:127.0.0.1:1024"));
        // `postmap -q KEY TABLE`: the value found, or `None` (exit status 1, nothing printed).
        let lookup = |key: &str, table: &str| {
            let out = Command::new("postmap")
                .args(["-q", key, &format!("{kind}:{}", dir.join(table).display())])
                .output()
                .unwrap();
            let found = String::from_utf8_lossy(&out.stdout).trim().to_string();
            assert!(
                out.status.success() || found.is_empty(),
                "{key}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let errors = String::from_utf8_lossy(&out.stderr).to_string();
            assert!(!errors.contains("fatal") && !errors.contains("warning"), "{key}: {errors}");
            out.status.success().then_some(found)
        };
        assert_eq!(lookup(&names[0].to_uppercase(), "postfix-mailboxes.cf"), Some(names[0].clone()));
        assert_eq!(lookup(&names[1], "postfix-mailboxes.cf"), Some(names[1].clone()), "suspended");
        assert_eq!(lookup(&names[2], "postfix-mailboxes.cf"), None, "revoked");
        assert_eq!(lookup(&format!("nessuno{n}@legalmail.it"), "postfix-mailboxes.cf"), None);
        assert_eq!(lookup(&format!("{}' OR '1'='1", names[2]), "postfix-mailboxes.cf"), None);
        assert_eq!(lookup("LEGALMAIL.IT", "postfix-domains.cf"), Some("legalmail.it".to_string()));
        assert_eq!(lookup("example.org", "postfix-domains.cf"), None);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
