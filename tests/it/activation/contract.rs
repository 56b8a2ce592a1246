//! The signed contract activates the order; each holder sets a password once, through a link
//! that lasts as long as the settings say.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_signed_contract_activates_and_each_holder_sets_a_password_once() {
    for store in common::stores().await {
        let n = std::process::id();
        let number =
            booked_order(&store, &[&format!("uno{n}@legalmail.it"), &format!("due{n}@legalmail.it")]).await;
        let alfa = common::operator(&store, "alfa").await;
        let beta = common::operator(&store, "beta").await;
        let link = mail::link_mail("http://pec.example");
        let today = Date { year: 2026, month: 11, day: 26 };

        // Another organisation's operator cannot, and nothing changes.
        assert!(matches!(
            store.fulfil_order(&beta, &number, &pdf(), today, &link, &[]).await,
            Err(FulfilError::NotFound)
        ));
        let order = store.order(alfa.scope(), &number).await.unwrap().unwrap();
        assert_eq!((order.state.code(), order.contract), ("PRENOTATO", false));

        assert_eq!(store.fulfil_order(&alfa, &number, &pdf(), today, &link, &[]).await.unwrap(), 2);
        let order = store.order(alfa.scope(), &number).await.unwrap().unwrap();
        assert_eq!((order.state.code(), order.contract), ("EVASO", true));
        let m = store.mailbox(alfa.scope(), &order.mailboxes[0].userid).await.unwrap().unwrap();
        assert_eq!(m.state.code(), "ATTIVA");
        assert_eq!(m.activated_at, "2026-11-26");
        assert_eq!(m.expires_at, format!("{}-11-26", order.expiry_year));
        // Services from the offer (Consip: 6 GB, SMS, phishing protection).
        assert_eq!((m.services.disk_gb, m.services.sms, m.services.shadow_pec), (6, true, false));
        assert!(!m.has_password);
        let (_, _, signed) = store.signed_contract(alfa.scope(), &number).await.unwrap().unwrap();
        assert_eq!(signed, pdf().data);
        // Once only.
        assert!(matches!(
            store.fulfil_order(&alfa, &number, &pdf(), today, &link, &[]).await,
            Err(FulfilError::NotBooked(s)) if s == "EVASO"
        ));

        // Queued in the same transaction; a failing mail server loses nothing.
        assert_eq!(store.mail_counts().await.unwrap(), (2, 0));
        let (down, _) = fake_smtp(true).await;
        assert_eq!(smtp(down).deliver_due(&store).await.unwrap(), (0, 2));
        assert_eq!(store.mail_counts().await.unwrap(), (2, 0));
        assert_eq!(smtp(down).deliver_due(&store).await.unwrap(), (0, 0), "waiting before a retry");
        store.mail_due_now().await.unwrap();
        let (up, got) = fake_smtp(false).await;
        assert_eq!(smtp(up).deliver_due(&store).await.unwrap(), (2, 0));
        assert_eq!(store.mail_counts().await.unwrap(), (2, 2));
        let messages = got.lock().unwrap().clone();
        assert_eq!(messages.len(), 2);
        assert!(messages[0].contains("http://pec.example/attiva?token="), "{}", messages[0]);

        // The link works once.
        let token = token_in(&messages[0]);
        let target = store.link_target(&token).await.unwrap().expect("link works");
        assert_eq!(target.userid, order.mailboxes[0].userid);
        assert!(store.set_mailbox_password(&token, "$argon2id$hash").await.unwrap());
        assert!(store.link_target(&token).await.unwrap().is_none());
        assert!(!store.set_mailbox_password(&token, "$argon2id$other").await.unwrap());
        assert!(store.mailbox(alfa.scope(), &target.userid).await.unwrap().unwrap().has_password);
        assert!(store.link_target("00").await.unwrap().is_none());

        // Re-sending: a new link, the old unused one stops working; not for other organisations.
        let second = token_in(&messages[1]);
        let userid = store.link_target(&second).await.unwrap().unwrap().userid;
        assert!(!store.resend_link(&beta, &userid, &link).await.unwrap());
        assert!(store.resend_link(&alfa, &userid, &link).await.unwrap());
        assert!(store.link_target(&second).await.unwrap().is_none());
        let dir = std::env::temp_dir().join(format!("pec-outbox-test-{n}-{}", number));
        let files = mail::Mailer::new(mail::Transport::Directory(dir.clone()), "noreply@example.it").unwrap();
        assert_eq!(files.deliver_due(&store).await.unwrap(), (1, 0));
        let eml = std::fs::read_dir(&dir).unwrap().next().unwrap().unwrap().path();
        let text = std::fs::read_to_string(&eml).unwrap();
        assert!(store.link_target(&token_in(&text)).await.unwrap().is_some(), "{text}");
        let _ = std::fs::remove_dir_all(dir);

        // Housekeeping forgets used links and sent e-mails once old, never what is pending.
        assert_eq!(store.purge(30).await.unwrap(), 0, "nothing is old yet");
        store.raw_execute("UPDATE activation_links SET created_at = '2000-01-01 00:00:00'").await.unwrap();
        store
            .raw_execute("UPDATE outbox SET sent_at = '2000-01-01 00:00:00' WHERE sent_at IS NOT NULL")
            .await
            .unwrap();
        let removed = store.purge(30).await.unwrap();
        assert!(removed >= 2 + 3, "used or replaced links and the 3 sent e-mails: {removed}");
        assert_eq!(store.mail_counts().await.unwrap().1, 0);
        // The link sent again is unused and unexpired: it still works.
        assert!(store.link_target(&token_in(&text)).await.unwrap().is_some());

        // State changes: only what the lifecycle table allows, recorded with before and after.
        use pec_manager::domain::lifecycle::{RevocationReason, Transition};
        use pec_manager::store::TransitionError;
        let userid = order.mailboxes[0].userid.clone();
        assert!(matches!(
            store.change_state(&beta, &userid, Transition::Suspend).await,
            Err(TransitionError::NotFound)
        ));
        assert_eq!(store.change_state(&alfa, &userid, Transition::Suspend).await.unwrap().code(), "SOSPESA");
        let revoke = Transition::Revoke(RevocationReason::CustomerRequest);
        assert_eq!(store.change_state(&alfa, &userid, revoke).await.unwrap().code(), "REVOCATA");
        let e = store.change_state(&alfa, &userid, Transition::Reactivate).await.unwrap_err();
        assert_eq!(
            e.to_string(),
            "Operazione non consentita: una casella REVOCATA non ammette la riattivazione"
        );
        assert_eq!(store.mailbox(alfa.scope(), &userid).await.unwrap().unwrap().state.code(), "REVOCATA");
        let filter =
            pec_manager::domain::audit::AuditFilter { object: userid.to_string(), ..Default::default() };
        let history = store.audit_entries(alfa.scope(), &filter, 1, 50).await.unwrap().items;
        let changes: Vec<_> = history.iter().filter(|e| e.action == "CAMBIO_STATO").collect();
        assert_eq!(changes.len(), 2);
        assert!(changes[0].after.contains("REVOCATA") && changes[0].after.contains("richiesta del cliente"));
        assert!(changes[0].before.contains("SOSPESA"));
    }
}

/// "Validità link password" (Impostazioni) is read by the transaction that makes the links.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_links_last_as_long_as_the_settings_say() {
    for store in common::stores().await {
        let admin = common::operator(&store, "admin").await;
        let mut form = pec_manager::domain::settings::form_of(&store.settings().await.unwrap());
        form.insert("link_valid_days".into(), "2".into());
        let two_days = pec_manager::domain::settings::check_settings(&form).unwrap();
        store.save_settings(&admin, &two_days).await.unwrap();
        let number = booked_order(&store, &[&format!("validita{}@legalmail.it", std::process::id())]).await;
        let alfa = common::operator(&store, "alfa").await;
        let expiries = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&expiries);
        let link: Box<pec_manager::store::LinkMail> = Box::new(move |l: pec_manager::store::LinkFor<'_>| {
            kept.lock().unwrap().push(l.expires.to_string());
            pec_manager::store::Mail { recipient: String::new(), subject: "link".into(), body: String::new() }
        });
        let before = chrono::Utc::now();
        store
            .fulfil_order(&alfa, &number, &pdf(), Date { year: 2026, month: 11, day: 26 }, &*link, &[])
            .await
            .unwrap();
        let after = chrono::Utc::now();
        let expiries = expiries.lock().unwrap().clone();
        assert_eq!(expiries.len(), 1);
        let day =
            |t: chrono::DateTime<chrono::Utc>| (t + chrono::Duration::days(2)).format("%Y-%m-%d").to_string();
        assert!(
            expiries[0].starts_with(&day(before)) || expiries[0].starts_with(&day(after)),
            "{expiries:?}"
        );
    }
}
