//! Delivery over LMTP to whom may receive, the disk space the mail server reports, and the
//! purge of the mail on revocation.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dovecot_delivers_to_who_may_receive_and_counts_the_mailbox_s_disk_space() {
    if !dovecot_installed() {
        return;
    }
    for store in common::stores().await {
        let n = std::process::id();
        let names: Vec<String> =
            ["riceve", "sospesa", "revocata"].iter().map(|s| format!("{s}{n}q@legalmail.it")).collect();
        let (userids, tokens) = active_mailboxes(&store, &names).await;
        let password = "Segreta-2026!";
        choose_password(&store, &tokens[0], password).await;
        let alfa = common::operator(&store, "alfa").await;
        store.change_state(&alfa, &userids[1], Transition::Suspend).await.unwrap();
        store.change_state(&alfa, &userids[2], Transition::Revoke(RevocationReason::ALL[0])).await.unwrap();
        let dovecot = Dovecot::start(mail_database(&store).await).await;

        // Delivery over LMTP: the active and the suspended mailbox receive; the revoked one, and
        // an address nobody has, are refused at RCPT, so the sender is told.
        let (rcpt, data) = dovecot.deliver(&names[0]).await;
        assert!(rcpt.starts_with("250") && data.starts_with("250"), "{rcpt} / {data}: {}", dovecot.log());
        let (rcpt, data) = dovecot.deliver(&names[1].to_uppercase()).await;
        assert!(rcpt.starts_with("250") && data.starts_with("250"), "suspended: {rcpt} / {data}");
        for refused in [names[2].clone(), format!("nessuno{n}@legalmail.it")] {
            let (rcpt, _) = dovecot.deliver(&refused).await;
            assert!(rcpt.starts_with('5'), "{refused}: {rcpt}");
        }

        // The quota is the mailbox's disk space, and the delivered message is counted in it.
        let disk_gb = disk_gb(&store, &userids[0]).await;
        let answer = dovecot.quota(&names[0], password).await;
        let line = answer.iter().find(|l| l.starts_with("* QUOTA ")).unwrap_or_else(|| panic!("{answer:?}"));
        let numbers: Vec<i64> = line
            .rsplit_once("STORAGE ")
            .map(|(_, rest)| rest.trim_end_matches(')').split(' ').filter_map(|v| v.parse().ok()).collect())
            .unwrap_or_default();
        assert_eq!(numbers.len(), 2, "{line}");
        assert!(numbers[0] > 0, "the delivered message is counted: {line}");
        assert_eq!(numbers[1], disk_gb * 1024 * 1024, "the limit in KiB: {line}");

        let log = dovecot.log();
        for bad in ["Error:", "Fatal:", "Panic:"] {
            assert!(!log.contains(bad), "{:?}: {bad} in dovecot's log:\n{log}", store.backend());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mailbox_page_shows_the_space_the_mail_server_reports_and_revocation_purges_the_mail() {
    if !dovecot_installed() {
        return;
    }
    for store in common::stores().await {
        let n = std::process::id();
        let name = format!("spazio{n}@legalmail.it");
        let (userids, tokens) = active_mailboxes(&store, std::slice::from_ref(&name)).await;
        let userid = &userids[0];
        let password = "Segreta-2026!";
        choose_password(&store, &tokens[0], password).await;
        let dovecot = Dovecot::start(mail_database(&store).await).await;
        let alfa = common::operator(&store, "alfa").await;
        let used_mb = |store: Store, userid: UserId| async move {
            store.mailbox(Scope::All, &userid).await.unwrap().unwrap().services.disk_used_mb
        };
        assert_eq!(used_mb(store.clone(), userid.clone()).await, 0);

        // 3 MB delivered, one small message APPENDed over IMAP: quota_clone writes the mailbox's
        // bytes into mail_usage, which the page reads.
        let (rcpt, data) = dovecot.deliver_lines(&name, 800).await;
        assert!(rcpt.starts_with("250") && data.starts_with("250"), "{rcpt} / {data}: {}", dovecot.log());
        let mut session = open_session(&dovecot, &name, password).await;
        let message = "Subject: Bozza\r\n\r\nUna bozza.\r\n";
        let append = session
            .say(Some(&format!("b APPEND INBOX {{{}+}}\r\n{message}", message.len())), |l| {
                l.starts_with("b ")
            })
            .await;
        assert!(append.last().is_some_and(|l| l.starts_with("b OK")), "{append:?}");
        session.say(Some("c LOGOUT"), |l| l.starts_with("c ")).await;
        // The dict process writes after the session has ended: wait for both messages.
        let count = format!("SELECT COALESCE(MAX(messages), 0) AS n FROM mail_usage WHERE login = '{name}'");
        let mut messages = 0;
        for _ in 0..100 {
            messages = store.raw_count(&count).await.unwrap();
            if messages == 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(messages, 2, "{:?}: {}", store.backend(), dovecot.log());
        let seen = used_mb(store.clone(), userid.clone()).await;
        assert_eq!(seen, 3, "{:?}: the page reads the used space: {}", store.backend(), dovecot.log());
        let page = store.mailbox(Scope::All, userid).await.unwrap().unwrap();
        assert!(pec_manager::domain::mailbox_admin::disk_line(page.services.disk_gb, seen, "")
            .contains("(usato 0,0 GB)"));

        // "Azz." asks the mail server to count again: the count stays what the mailbox holds.
        store
            .change_mailbox(
                &alfa,
                userid,
                pec_manager::store::MailboxChange::ResetDiskUsage,
                &pec_manager::server::mail::link_mail("http://x"),
            )
            .await
            .unwrap();
        let worker = dovecot.provisioner();
        assert_eq!(worker.run_due(&store).await.unwrap(), (1, 0));
        assert_eq!(used_mb(store.clone(), userid.clone()).await, 3);

        // Revoked: the purge waits for the retention period (Impostazioni), then removes the
        // mail, and the mail server reports the mailbox empty.
        store.change_state(&alfa, userid, Transition::Revoke(RevocationReason::ALL[0])).await.unwrap();
        assert_eq!(worker.run_due(&store).await.unwrap(), (1, 0), "the kick, not yet the purge");
        let page = store.mailbox(Scope::All, userid).await.unwrap().unwrap();
        let retention = Settings::default().mail_retention_days;
        assert_eq!(page.mail_sync.jobs.purge_on, day(retention), "{:?}", page.mail_sync);
        assert_eq!(store.mail_queue_health().await.unwrap().scheduled, 1);
        store.mail_jobs_due_now().await.unwrap();
        assert_eq!(worker.run_due(&store).await.unwrap(), (1, 0));
        assert_eq!(used_mb(store.clone(), userid.clone()).await, 0, "{}", dovecot.log());
        let files = walk(&dovecot.dir.join("mail"));
        assert!(files.iter().all(|f| !f.contains("/cur/") && !f.contains("/new/")), "{files:?}");

        let log = dovecot.log();
        for bad in ["Error:", "Fatal:", "Panic:"] {
            assert!(!log.contains(bad), "{:?}: {bad} in dovecot's log:\n{log}", store.backend());
        }
    }
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path.display().to_string());
        }
    }
    out
}
