//! Orders after booking: cancelled (with what hangs off their mailboxes), moves, expiries,
//! activity and search; a provider ordering for a reseller.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_expiry_recent_activity_and_search() {
    use pec_manager::domain::search::SearchQuery;
    for store in common::stores().await {
        let n = std::process::id();
        let alfa = common::operator(&store, "alfa").await;
        let beta = common::operator(&store, "beta").await;
        let provider = common::operator(&store, "operatore").await;

        // Cancelling a booked order frees its names; only once, only in scope.
        let freed = format!("libera{n}@legalmail.it");
        let cancelled = booked_order(&store, &[&freed]).await;
        assert!(!store.cancel_order(&beta, &cancelled).await.unwrap());
        assert!(store.cancel_order(&alfa, &cancelled).await.unwrap());
        assert!(!store.cancel_order(&alfa, &cancelled).await.unwrap());
        assert_eq!(store.order(alfa.scope(), &cancelled).await.unwrap().unwrap().state.code(), "ANNULLATO");
        let again = booked_order(&store, &[&freed]).await;
        assert_ne!(again, cancelled, "the name can be ordered again");

        // An active mailbox past its expiry date becomes SCADUTA.
        let number =
            booked_order(&store, &[&format!("scade{n}@legalmail.it"), &format!("resta{n}@legalmail.it")])
                .await;
        let today = Date { year: 2026, month: 11, day: 26 };
        store.fulfil_order(&alfa, &number, &pdf(), today, &mail::link_mail("http://x"), &[]).await.unwrap();
        let order = store.order(alfa.scope(), &number).await.unwrap().unwrap();
        let (gone, kept) = (&order.mailboxes[0].userid, &order.mailboxes[1].userid);
        store
            .raw_execute(&format!("UPDATE mailboxes SET expires_at = '2026-11-25' WHERE userid = '{gone}'"))
            .await
            .unwrap();
        assert_eq!(store.expire_due(today).await.unwrap(), 1);
        assert_eq!(store.expire_due(today).await.unwrap(), 0);
        assert_eq!(store.mailbox(alfa.scope(), gone).await.unwrap().unwrap().state.code(), "SCADUTA");
        assert_eq!(store.mailbox(alfa.scope(), kept).await.unwrap().unwrap().state.code(), "ATTIVA");

        // Recent activity: newest first, only the organisation's own.
        let events = store.recent_activity(alfa.scope(), 10).await.unwrap();
        assert_eq!(events[0].kind, "CASELLA_SCADUTA");
        assert_eq!(events[0].userid.as_ref(), Some(gone));
        assert!(events
            .iter()
            .any(|e| e.kind == "ORDINE_ANNULLATO" && e.order_number.as_ref() == Some(&cancelled)));
        assert!(store
            .recent_activity(beta.scope(), 50)
            .await
            .unwrap()
            .iter()
            .all(|e| e.order_number.as_ref() != Some(&number)));

        // Search: prefix of userid, address, codice fiscale, order number; filters; scope.
        let q = |text: &str| SearchQuery { text: text.into(), ..SearchQuery::default() };
        let found = store.search(alfa.scope(), &q(&gone.as_str().to_lowercase()), 1, 50).await.unwrap();
        assert_eq!(found.total, 1);
        assert_eq!(&found.items[0].userid, gone);
        let found = store.search(alfa.scope(), &q(&format!("SCADE{n}")), 1, 50).await.unwrap();
        assert_eq!(found.items.len(), 1, "address prefix, any case");
        let by_order = store.search(alfa.scope(), &q(number.as_str()), 1, 50).await.unwrap();
        assert_eq!(by_order.total, 2);
        let by_cf = store.search(alfa.scope(), &q("cgnnmo80"), 1, 500).await.unwrap();
        assert!(by_cf.items.iter().any(|h| &h.userid == kept), "codice fiscale prefix");
        let active = SearchQuery { state: "SCADUTA".into(), ..q(number.as_str()) };
        assert_eq!(store.search(alfa.scope(), &active, 1, 50).await.unwrap().total, 1);
        let scope = alfa.scope();
        let total = |query: SearchQuery| {
            let store = store.clone();
            async move { store.search(scope, &query, 1, 50).await.unwrap().total }
        };
        assert_eq!(total(SearchQuery { offer: "CONSIP".into(), ..q(number.as_str()) }).await, 2);
        assert_eq!(total(SearchQuery { offer: "PROFESSIONAL".into(), ..q(number.as_str()) }).await, 0);
        assert_eq!(total(SearchQuery { customer: "Collaudo".into(), ..q(number.as_str()) }).await, 2);
        assert_eq!(total(SearchQuery { customer: "Altro cliente".into(), ..q(number.as_str()) }).await, 0);
        assert_eq!(
            store.search(beta.scope(), &q(number.as_str()), 1, 50).await.unwrap().total,
            0,
            "other organisation"
        );
        assert_eq!(
            store.search(provider.scope(), &q(number.as_str()), 1, 50).await.unwrap().total,
            2,
            "the provider sees all"
        );
        let odd = store.search(alfa.scope(), &q("%_\\'"), 1, 50).await.unwrap();
        assert_eq!(odd.total, 0, "LIKE wildcards are searched as text");

        // Editing: validated values saved with what changed in the history; a nickname of
        // another mailbox is refused by the database itself; the address of an active one stays.
        use pec_manager::domain::request::validate_one;
        use pec_manager::store::EditError;
        let rules = pec_manager::domain::Rules {
            current_year: 2026,
            domains: vec!["legalmail.it".into()],
            ..Default::default()
        };
        let mut edit = mailbox(&format!("altro{n}@legalmail.it"), &format!("nick{n}"));
        edit.first_name = "Gina".into();
        let valid = validate_one(&edit, &rules).unwrap();
        store.update_mailbox(&alfa, gone, &valid).await.unwrap();
        let after = store.mailbox(alfa.scope(), gone).await.unwrap().unwrap();
        assert_eq!(
            (after.first_name.as_str(), after.nickname.as_str()),
            ("Gina", format!("nick{n}").as_str())
        );
        assert_eq!(after.address, format!("scade{n}@legalmail.it"), "not PRENOTATA: the address stays");
        assert!(matches!(store.update_mailbox(&alfa, kept, &valid).await, Err(EditError::Taken)));
        assert!(matches!(store.update_mailbox(&beta, kept, &valid).await, Err(EditError::NotFound)));
        let filter =
            pec_manager::domain::audit::AuditFilter { object: gone.to_string(), ..Default::default() };
        let entry = store.audit_entries(alfa.scope(), &filter, 1, 10).await.unwrap().items.remove(0);
        assert_eq!(entry.action, "CASELLA_MODIFICATA");
        assert!(
            entry.after.contains("Gina") && !entry.after.contains("email_gestione_password"),
            "{}",
            entry.after
        );
        let mut bad = edit.clone();
        bad.tax_code = "RSSMRA70A01H501X".into();
        assert!(validate_one(&bad, &rules)
            .unwrap_err()
            .error(pec_manager::domain::MailboxField::TaxCode)
            .is_some());
    }
}

/// Review finding 6: a booked order whose mailboxes have notes, users, associations, settings
/// and activity lines can be cancelled (its names become free), on both databases; and
/// "Sposta" moves a mailbox only into an order in the same state.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_booked_order_with_attached_rows_is_cancelled_and_moves_keep_states_apart() {
    use pec_manager::domain::mailbox_admin::{ExtraSettings, ExtraUser};
    use pec_manager::store::{ChangeError, MailboxChange};
    for store in common::stores().await {
        let n = std::process::id();
        let alfa = common::operator(&store, "alfa").await;
        let names = [format!("nota{n}@legalmail.it"), format!("altra{n}@legalmail.it")];
        let booked = booked_order(&store, &[&names[0], &names[1]]).await;
        let order = store.order(alfa.scope(), &booked).await.unwrap().unwrap();
        let (first, second) = (order.mailboxes[0].userid.clone(), order.mailboxes[1].userid.clone());
        let user = ExtraUser {
            id: 0,
            first_name: "Anna".into(),
            last_name: "Bianchi".into(),
            tax_code: "RSSMRA70A01H501S".into(),
            email: "anna@example.it".into(),
            ..ExtraUser::default()
        };
        for change in [
            MailboxChange::Note("una nota".into()),
            MailboxChange::AddUser(user),
            MailboxChange::Associate(second.clone()),
            MailboxChange::Settings(ExtraSettings { pec_only: true, ..Default::default() }),
        ] {
            store
                .change_mailbox(&alfa, &first, change, &pec_manager::server::mail::link_mail("http://x"))
                .await
                .unwrap();
        }
        assert!(store.cancel_order(&alfa, &booked).await.unwrap(), "cancel with attached rows");
        assert_eq!(store.order(alfa.scope(), &booked).await.unwrap().unwrap().state.code(), "ANNULLATO");
        assert!(store.mailbox(alfa.scope(), &first).await.unwrap().is_none());
        let again = booked_order(&store, &[&names[0], &names[1]]).await;
        assert_ne!(again, booked, "the names are free again");
        let log = store.audit_entries(alfa.scope(), &Default::default(), 1, 50).await.unwrap();
        assert!(log.items.iter().any(|e| e.action == "ORDINE_ANNULLATO" && e.before.contains(&names[0])));

        // Sposta: a booked mailbox never into a fulfilled order, an active one never into a
        // booked order; between two orders in the same state it moves.
        let fulfilled = booked_order(&store, &[&format!("evasa{n}@legalmail.it")]).await;
        store
            .fulfil_order(
                &alfa,
                &fulfilled,
                &pdf(),
                Date { year: 2026, month: 11, day: 26 },
                &mail::link_mail("http://x"),
                &[],
            )
            .await
            .unwrap();
        let active =
            store.order(alfa.scope(), &fulfilled).await.unwrap().unwrap().mailboxes[0].userid.clone();
        let order = store.order(alfa.scope(), &again).await.unwrap().unwrap();
        let booked_mailbox = order.mailboxes[0].userid.clone();
        assert!(matches!(
            store
                .change_mailbox(
                    &alfa,
                    &booked_mailbox,
                    MailboxChange::Move(fulfilled.clone()),
                    &pec_manager::server::mail::link_mail("http://x")
                )
                .await,
            Err(ChangeError::UnknownOrder)
        ));
        assert!(matches!(
            store
                .change_mailbox(
                    &alfa,
                    &active,
                    MailboxChange::Move(again.clone()),
                    &pec_manager::server::mail::link_mail("http://x")
                )
                .await,
            Err(ChangeError::UnknownOrder)
        ));
        let other_booked = booked_order(&store, &[&format!("terza{n}@legalmail.it")]).await;
        store
            .change_mailbox(
                &alfa,
                &booked_mailbox,
                MailboxChange::Move(other_booked.clone()),
                &pec_manager::server::mail::link_mail("http://x"),
            )
            .await
            .unwrap();
        assert_eq!(
            store.mailbox(alfa.scope(), &booked_mailbox).await.unwrap().unwrap().order_number,
            other_booked
        );
        // The list Sposta offers holds only orders in the same state.
        let extras = store.mailbox_extras(alfa.scope(), &active).await.unwrap().unwrap();
        assert!(
            !extras.orders.contains(&again) && !extras.orders.contains(&other_booked),
            "{:?}",
            extras.orders
        );
        // The whole booked order still cancels.
        assert!(store.cancel_order(&alfa, &again).await.unwrap());
        common::assert_line_counts_hold(&store).await;
    }
}

/// Review finding 7: a provider confirming a reseller's draft creates the reseller's order (in
/// its organisation, with its customer, in its activity feed).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_confirming_a_resellers_draft_orders_for_the_reseller() {
    for store in common::stores().await {
        let n = std::process::id();
        let alfa = common::operator(&store, "alfa").await;
        let provider = common::operator(&store, "operatore").await;
        let id = draft_with(&store, &alfa, vec![mailbox(&format!("perconto{n}@legalmail.it"), "")]).await;
        common::book(&store, &provider, &id).await;
        let number = store.load_draft(&id).await.unwrap().unwrap().order_number.unwrap();
        assert!(store.order(alfa.scope(), &number).await.unwrap().is_some(), "the reseller sees its order");
        let feed = store.recent_activity(alfa.scope(), 5).await.unwrap();
        assert!(feed.iter().any(|e| e.order_number.as_ref() == Some(&number)), "{feed:?}");
        assert!(store.customers(alfa.scope()).await.unwrap().iter().any(|c| c.name == "Collaudo"));
    }
}
