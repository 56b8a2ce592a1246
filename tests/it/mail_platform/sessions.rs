//! A suspension cuts the open IMAP sessions at once; a stopped mail server gets the kick later.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suspending_cuts_the_open_sessions_at_once_and_a_stopped_mail_server_gets_the_kick_later() {
    if !dovecot_installed() {
        return;
    }
    for store in common::stores().await {
        let n = std::process::id();
        let names: Vec<String> = (0..12).map(|i| format!("kick{i}x{n}@legalmail.it")).collect();
        let (userids, tokens) = active_mailboxes(&store, &names).await;
        let password = "Segreta-2026!";
        choose_password(&store, &tokens[0], password).await;
        let mut dovecot = Dovecot::start(mail_database(&store).await).await;
        let worker = dovecot.provisioner();
        worker.spawn(store.clone());
        let alfa = common::operator(&store, "alfa").await;
        let ok = |answer: &str| answer.starts_with("a OK");

        // Suspended while logged in: the session is cut within 5 s, a new login refused.
        let mut session = open_session(&dovecot, &names[0], password).await;
        store.change_state(&alfa, &userids[0], Transition::Suspend).await.unwrap();
        worker.wake();
        let cut = cut_within(&mut session, Duration::from_secs(5)).await;
        assert!(
            cut.is_some(),
            "{:?}: the open session was not cut in 5 s: {}",
            store.backend(),
            dovecot.log()
        );
        assert!(!ok(&dovecot.login(&names[0], password).await));
        let page = store.mailbox(alfa.scope(), &userids[0]).await.unwrap().unwrap();
        assert_eq!(page.mail_sync.jobs.due, 0, "the kick is done");
        assert!(synced(&page));
        store.change_state(&alfa, &userids[0], Transition::Reactivate).await.unwrap();
        assert!(ok(&dovecot.login(&names[0], password).await), "reactivated");

        // The mail server is down while an operator suspends (a reseller's mass suspension):
        // every suspension is saved, the kicks wait, with the reason on the mailbox page.
        dovecot.stop();
        for userid in &userids[1..] {
            store.change_state(&alfa, userid, Transition::Suspend).await.unwrap();
        }
        let (done, failed) = dovecot.provisioner().run_due(&store).await.unwrap();
        assert_eq!((done, failed), (0, 11), "{:?}", store.backend());
        let page = store.mailbox(alfa.scope(), &userids[1]).await.unwrap().unwrap();
        assert_eq!(page.state, pec_manager::domain::MailboxState::Sospesa);
        let mut sync = page.mail_sync.clone();
        sync.configured = true;
        assert!(
            sync.line().starts_with(
                "in attesa: 1 operazione, 1 tentativo, ultimo errore: server di posta non raggiungibile"
            ),
            "{}",
            sync.line()
        );
        let health = store.mail_queue_health().await.unwrap();
        assert_eq!((health.due, health.failing), (11, 11));

        // Back up: two server processes' workers share the queue, and each kick is done once.
        dovecot.restart().await;
        store.mail_jobs_due_now().await.unwrap();
        let (one, two) = (dovecot.provisioner(), dovecot.provisioner());
        let (a, b) = tokio::join!(one.run_due(&store), two.run_due(&store));
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!((a.0 + b.0, a.1 + b.1), (11, 0), "{:?}: {a:?} {b:?}", store.backend());
        let jobs = store.mail_jobs_for_tests().await.unwrap();
        let kicks: Vec<_> = jobs.iter().filter(|j| names[1..].contains(&j.1)).collect();
        assert_eq!(kicks.len(), 11);
        assert!(kicks.iter().all(|j| j.0 == MailJobKind::Kick && j.2 == 2 && j.3), "{kicks:?}");
        assert_eq!(store.mail_queue_health().await.unwrap().due, 0);

        let log = dovecot.log();
        for bad in ["Fatal:", "Panic:"] {
            assert!(!log.contains(bad), "{:?}: {bad} in dovecot's log:\n{log}", store.backend());
        }
    }
}
