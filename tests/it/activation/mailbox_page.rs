//! The mailbox page's small forms, its history, and double submits.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_small_forms_of_the_mailbox_page_save_and_are_recorded() {
    use pec_manager::domain::mailbox_admin::{ExtraSettings, ExtraUser};
    use pec_manager::domain::offers::Services;
    use pec_manager::store::{ChangeError, MailboxChange};
    for store in common::stores().await {
        let n = std::process::id();
        let alfa = common::operator(&store, "alfa").await;
        let beta = common::operator(&store, "beta").await;
        let first =
            booked_order(&store, &[&format!("uno.x{n}@legalmail.it"), &format!("due.x{n}@legalmail.it")])
                .await;
        let second = booked_order(&store, &[&format!("tre.x{n}@legalmail.it")]).await;
        let order = store.order(alfa.scope(), &first).await.unwrap().unwrap();
        let (u1, u2) = (order.mailboxes[0].userid.clone(), order.mailboxes[1].userid.clone());
        let change = |c: MailboxChange| {
            let (store, alfa, u1) = (store.clone(), alfa.clone(), u1.clone());
            async move {
                store.change_mailbox(&alfa, &u1, c, &pec_manager::server::mail::link_mail("http://x")).await
            }
        };

        let services = Services { disk_gb: 12, sms: true, push_imap: true, ..Services::default() };
        change(MailboxChange::Services(services.clone())).await.unwrap();
        assert_eq!(store.mailbox(alfa.scope(), &u1).await.unwrap().unwrap().services, services);
        change(MailboxChange::Offer("PROFESSIONAL".into())).await.unwrap();
        let m = store.mailbox(alfa.scope(), &u1).await.unwrap().unwrap();
        assert_ne!(m.services, services, "the new offer's services");
        assert!(matches!(
            change(MailboxChange::Offer("NESSUNA".into())).await,
            Err(ChangeError::UnknownOffer)
        ));
        change(MailboxChange::Note("Cliente richiamato".into())).await.unwrap();
        let user = ExtraUser {
            id: 0,
            first_name: "Anna".into(),
            last_name: "Verdi".into(),
            tax_code: "QSWTFG44D62R632Z".into(),
            email: "a@b.it".into(),
            ..ExtraUser::default()
        };
        change(MailboxChange::AddUser(user.clone())).await.unwrap();
        assert!(matches!(change(MailboxChange::AddUser(user.clone())).await, Err(ChangeError::Duplicate)));
        change(MailboxChange::Associate(u2.clone())).await.unwrap();
        assert!(matches!(change(MailboxChange::Associate(u2.clone())).await, Err(ChangeError::Duplicate)));
        assert!(matches!(
            change(MailboxChange::Associate(u1.clone())).await,
            Err(ChangeError::UnknownMailbox)
        ));
        let settings =
            ExtraSettings { blocked_senders: vec!["spam@x.it".into()], pec_only: true, ..Default::default() };
        change(MailboxChange::Settings(settings.clone())).await.unwrap();
        assert!(matches!(change(MailboxChange::Move(first.clone())).await, Err(ChangeError::UnknownOrder)));
        change(MailboxChange::Move(second.clone())).await.unwrap();
        assert_eq!(store.mailbox(alfa.scope(), &u1).await.unwrap().unwrap().order_number, second);

        let extras = store.mailbox_extras(alfa.scope(), &u1).await.unwrap().unwrap();
        assert_eq!(extras.notes[0].text, "Cliente richiamato");
        let (id, login) = (extras.users[0].id, extras.users[0].login.clone());
        assert_eq!(extras.users, vec![ExtraUser { id, login: login.clone(), ..user.clone() }]);
        assert!(login.contains(&format!("+u{id}@")), "{login}");
        assert_eq!(extras.associations, vec![u2.clone()]);
        assert_eq!(extras.settings, settings);
        // Both ends see the association.
        assert_eq!(
            store.mailbox_extras(alfa.scope(), &u2).await.unwrap().unwrap().associations,
            vec![u1.clone()]
        );
        // Others see nothing and change nothing.
        assert!(store.mailbox_extras(beta.scope(), &u1).await.unwrap().is_none());
        assert!(matches!(
            store
                .change_mailbox(
                    &beta,
                    &u1,
                    MailboxChange::Note("x".into()),
                    &pec_manager::server::mail::link_mail("http://x")
                )
                .await,
            Err(ChangeError::NotFound)
        ));
        // Removing an additional user and an association; Beta removes nothing of Alfa's.
        let user_id = extras.users[0].id;
        assert!(matches!(
            store
                .change_mailbox(
                    &beta,
                    &u1,
                    MailboxChange::RemoveUser(user_id),
                    &pec_manager::server::mail::link_mail("http://x")
                )
                .await,
            Err(ChangeError::NotFound)
        ));
        // Another mailbox's user id: not this mailbox's, refused.
        assert!(matches!(
            store
                .change_mailbox(
                    &alfa,
                    &u2,
                    MailboxChange::RemoveUser(user_id),
                    &pec_manager::server::mail::link_mail("http://x")
                )
                .await,
            Err(ChangeError::UnknownUser)
        ));
        change(MailboxChange::RemoveUser(user_id)).await.unwrap();
        assert!(matches!(change(MailboxChange::RemoveUser(user_id)).await, Err(ChangeError::UnknownUser)));
        // Removed from the other end: gone from both.
        store
            .change_mailbox(
                &alfa,
                &u2,
                MailboxChange::Dissociate(u1.clone()),
                &pec_manager::server::mail::link_mail("http://x"),
            )
            .await
            .unwrap();
        assert!(matches!(
            change(MailboxChange::Dissociate(u2.clone())).await,
            Err(ChangeError::UnknownMailbox)
        ));
        let extras = store.mailbox_extras(alfa.scope(), &u1).await.unwrap().unwrap();
        assert!(extras.users.is_empty() && extras.associations.is_empty());

        // Disk usage from the mail platform's file, then "Azz.": zero from today, in history.
        let unknown = UserId::parse("ZZZ99999").unwrap();
        assert_eq!(
            store.record_disk_usage(&[(u1.clone(), 3 * 1024), (unknown.clone(), 5)]).await.unwrap(),
            vec![unknown]
        );
        let m = store.mailbox(alfa.scope(), &u1).await.unwrap().unwrap();
        assert_eq!((m.services.disk_used_mb, m.disk_reset_at.as_str()), (3 * 1024, ""));
        change(MailboxChange::ResetDiskUsage).await.unwrap();
        let m = store.mailbox(alfa.scope(), &u1).await.unwrap().unwrap();
        assert_eq!((m.services.disk_used_mb, m.disk_reset_at), (0, pec_manager::server::today().iso()));

        // Every change is in the mailbox's history.
        let filter = pec_manager::domain::audit::AuditFilter { object: u1.to_string(), ..Default::default() };
        let actions: Vec<String> = store
            .audit_entries(alfa.scope(), &filter, 1, 50)
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|e| e.action)
            .collect();
        for a in [
            "SERVIZI_MODIFICATI",
            "CASELLA_TRASFORMATA",
            "NOTA_INSERITA",
            "MULTIUTENZA_AGGIUNTA",
            "MULTIUTENZA_RIMOSSA",
            "ASSOCIAZIONE_AGGIUNTA",
            "SERVIZI_EXTRA_MODIFICATI",
            "CASELLA_SPOSTATA",
            "SPAZIO_DISCO_AZZERATO",
        ] {
            assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
        }
    }
}

/// Review finding 7: "Storia servizi" is the history of exactly this mailbox (not of every
/// userid that starts like it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_history_of_a_mailbox_is_matched_exactly() {
    use pec_manager::store::AuditRecord;
    for store in common::stores().await {
        let admin = common::operator(&store, "admin").await;
        for id in ["VIT10000", "VIT100000", "VIT1000"] {
            store.audit(&AuditRecord::by(&admin, "NOTA_INSERITA", "casella", id)).await.unwrap();
        }
        let history = store.audit_of(admin.scope(), "casella", "VIT10000", 100).await.unwrap();
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].object_id, "VIT10000");
    }
}

/// Review finding 7: concurrent double submits on SQLite get the normal answer (one wins, the
/// other is told it no longer applies), never "database is locked".
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_double_submits_get_the_normal_answer() {
    use pec_manager::domain::lifecycle::Transition;
    for store in common::stores().await {
        let n = std::process::id();
        let alfa = common::operator(&store, "alfa").await;
        for round in 0..5 {
            let number = booked_order(&store, &[&format!("doppio{n}x{round}@legalmail.it")]).await;
            let (a, b) = tokio::join!(store.cancel_order(&alfa, &number), store.cancel_order(&alfa, &number));
            let (a, b) = (a.expect("no database error"), b.expect("no database error"));
            assert!(a ^ b, "exactly one cancellation: {a} {b}");

            let number = booked_order(&store, &[&format!("attiva{n}x{round}@legalmail.it")]).await;
            let today = Date { year: 2026, month: 11, day: 26 };
            store
                .fulfil_order(&alfa, &number, &pdf(), today, &mail::link_mail("http://x"), &[])
                .await
                .unwrap();
            let userid =
                store.order(alfa.scope(), &number).await.unwrap().unwrap().mailboxes[0].userid.clone();
            let (a, b) = tokio::join!(
                store.change_state(&alfa, &userid, Transition::Suspend),
                store.change_state(&alfa, &userid, Transition::Suspend)
            );
            let errors: Vec<String> =
                [&a, &b].iter().filter_map(|r| r.as_ref().err()).map(|e| format!("{e:?}")).collect();
            assert_eq!(errors.len(), 1, "one suspension: {errors:?}");
            assert!(errors[0].starts_with("Refused"), "the loser is refused, not failed: {errors:?}");
        }
    }
}
