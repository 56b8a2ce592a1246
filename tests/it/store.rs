//! The store and the wizard's server operations, on SQLite and PostgreSQL.

use crate::common;

use crate::common::wizard;
use pec_manager::domain::auth::{Operator, Scope};
use pec_manager::domain::wizard::{TableForm, TableView, WizardAction};
use pec_manager::domain::{DraftId, MailboxField, MailboxInput, Rules};
use pec_manager::error::AppError;
use pec_manager::server;
use pec_manager::store::{CreateOrderError, Store};

use common::{draft_with, mailbox, request_form};

async fn valid_order_of(store: &Store, op: &Operator, id: &DraftId) -> pec_manager::domain::ValidOrder {
    let d = store.load_draft(id).await.unwrap().unwrap().draft;
    let rules: Rules = pec_manager::usecases::rules::rules_for(store, op, &d).await.unwrap();
    pec_manager::domain::request::validate_order(&d, &rules).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_and_demo_data() {
    for store in common::stores().await {
        assert_eq!(
            store.usable_domains(Scope::All).await.unwrap(),
            vec!["legalmail.it", "testcert.legalmail.it"]
        );
        let offers = store.offers().await.unwrap();
        let consip = offers.iter().find(|o| o.name == "Casella Strutturata - Consip").expect("Consip offer");
        assert_eq!(
            (consip.disk_gb, consip.sms, consip.phishing_protection, consip.shadow_pec),
            (6, true, true, false)
        );
        let customers = store.customers(Scope::All).await.unwrap();
        assert_eq!(customers[0].name, "Collaudo");
        assert_eq!(customers[0].legal_rep_cf, "RCLMRA74D15F205V");
        let orgs = store.organisations(Scope::All).await.unwrap();
        assert_eq!(
            orgs.iter().map(|o| o.name.as_str()).collect::<Vec<_>>(),
            ["InfoCert", "Rivenditore Alfa", "Rivenditore Beta"]
        );
        let alfa = common::operator(&store, "alfa").await;
        assert_eq!(alfa.organisation_name, "Rivenditore Alfa");
        // Resellers use the provider's shared domains, and see none of its customers.
        assert_eq!(store.usable_domains(alfa.scope()).await.unwrap().len(), 2);
        assert!(store.customers(alfa.scope()).await.unwrap().is_empty());
        assert!(!pec_manager::store::seed_demo(&store, "x").await.unwrap(), "seeding twice does nothing");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_scenario_creates_one_order_with_numbers_and_references() {
    for store in common::stores().await {
        let op = common::operator(&store, "operatore").await;
        let id = draft_with(
            &store,
            &op,
            vec![
                mailbox("nuova_casella_pec@testcert.legalmail.it", "nickname.utente"),
                mailbox("Altra_Nuova_Casella_PEC@testcert.legalmail.it", "altro.nickname.utente"),
            ],
        )
        .await;
        let to = wizard::confirm(&store, &op, &id, WizardAction::Continue).await.unwrap();
        assert_eq!(to, format!("/richiesta/{id}/riepilogo"));
        let number = store.load_draft(&id).await.unwrap().unwrap().order_number.expect("order");
        assert_eq!(number, "10295763");
        let order = store.order(Scope::All, &number).await.unwrap().expect("detail");
        assert_eq!(order.state.code(), "PRENOTATO");
        assert_eq!(order.customer_name, "Collaudo");
        assert!(order.consent);
        let rows: Vec<(&str, &str, &str)> = order
            .mailboxes
            .iter()
            .map(|m| (m.userid.as_str(), m.reference.as_str(), m.address.as_str()))
            .collect();
        assert_eq!(
            rows,
            vec![
                ("VIT03933", "10295763-001", "nuova_casella_pec@testcert.legalmail.it"),
                ("VIT03934", "10295763-002", "altra_nuova_casella_pec@testcert.legalmail.it"),
            ]
        );
        let recent = store.recent_orders(Scope::All, 1, 25).await.unwrap();
        assert_eq!(recent.total, 1);
        assert_eq!(recent.items[0].number, number);
        assert_eq!(recent.items[0].mailbox_count, 2);
        let m = store.mailbox(Scope::All, &common::uid("VIT03934")).await.unwrap().expect("mailbox");
        assert_eq!(m.nickname, "altro.nickname.utente");
        assert_eq!(m.state.code(), "PRENOTATA");
        assert_eq!(m.tax_code, "CGNNMO80A01H501M");

        // The next order continues the numbering.
        let id2 = draft_with(&store, &op, vec![mailbox("terza@legalmail.it", "")]).await;
        common::book(&store, &op, &id2).await;
        let order2 = store.recent_orders(Scope::All, 1, 25).await.unwrap().items[0].clone();
        assert_eq!(order2.number, "10295764");
        assert_eq!(
            store.mailbox(Scope::All, &common::uid("VIT03935")).await.unwrap().unwrap().address,
            "terza@legalmail.it"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirming_twice_or_concurrently_creates_one_order() {
    for store in common::stores().await {
        let op = common::operator(&store, "operatore").await;
        let id = draft_with(&store, &op, vec![mailbox("doppio@legalmail.it", "")]).await;
        let (a, b) = tokio::join!(
            wizard::confirm(&store, &op, &id, WizardAction::Continue),
            wizard::confirm(&store, &op, &id, WizardAction::Continue)
        );
        assert_eq!(a.unwrap(), b.unwrap());
        let again = wizard::confirm(&store, &op, &id, WizardAction::Continue).await.unwrap();
        assert_eq!(again, format!("/richiesta/{id}/riepilogo"));
        assert_eq!(store.recent_orders(Scope::All, 1, 25).await.unwrap().total, 1);
        assert_eq!(store.mailbox_count().await.unwrap(), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_taken_meanwhile_fails_the_whole_order() {
    for store in common::stores().await {
        let op = common::operator(&store, "operatore").await;
        let first = draft_with(&store, &op, vec![mailbox("uno@legalmail.it", "nick.uno")]).await;
        let second =
            draft_with(&store, &op, vec![mailbox("altra@legalmail.it", ""), mailbox("UNO@legalmail.it", "")])
                .await;
        common::book(&store, &op, &first).await;

        // Straight to the store: the check inside the transaction names the address.
        let order = {
            let d = store.load_draft(&second).await.unwrap().unwrap().draft;
            let mut rules = pec_manager::usecases::rules::rules_for(&store, &op, &d).await.unwrap();
            rules.taken_addresses.clear(); // as if validated before the other order existed
            pec_manager::domain::request::validate_order(&d, &rules).unwrap()
        };
        match store.create_order(&second, &order, &op).await {
            Err(CreateOrderError::Taken { addresses, nicknames }) => {
                assert_eq!(addresses.into_iter().collect::<Vec<_>>(), vec!["uno@legalmail.it"]);
                assert!(nicknames.is_empty());
            }
            other => panic!("expected Taken, got {other:?}"),
        }
        // Nothing of the second order exists, and the numbering did not move.
        assert_eq!(store.mailbox_count().await.unwrap(), 1);
        assert!(store.load_draft(&second).await.unwrap().unwrap().order_number.is_none());

        // Through the server operation: back to step 2, where the field says why.
        let to = wizard::confirm(&store, &op, &second, WizardAction::Continue).await.unwrap();
        assert_eq!(to, format!("/richiesta/{second}/caselle#errori"));
        let data = wizard::wizard_data(&store, &op, Some(&second), Default::default()).await.unwrap();
        assert!(data.draft.attempted_mailboxes);
        let reports = pec_manager::domain::request::validate_mailboxes(&data.draft.mailboxes, &data.rules);
        assert_eq!(
            reports[1].error(MailboxField::Address).map(|e| e.to_string()).as_deref(),
            Some("Casella già esistente")
        );

        let third = draft_with(&store, &op, vec![mailbox("tre@legalmail.it", "")]).await;
        common::book(&store, &op, &third).await;
        assert_eq!(store.recent_orders(Scope::All, 1, 25).await.unwrap().items[0].number, "10295764");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_orders_for_the_same_address_one_wins() {
    for store in common::stores().await {
        let op = common::operator(&store, "operatore").await;
        let a = draft_with(&store, &op, vec![mailbox("conteso@legalmail.it", "")]).await;
        let b = draft_with(&store, &op, vec![mailbox("conteso@legalmail.it", "")]).await;
        let (oa, ob) = (valid_order_of(&store, &op, &a).await, valid_order_of(&store, &op, &b).await);
        let (ra, rb) = tokio::join!(store.create_order(&a, &oa, &op), store.create_order(&b, &ob, &op));
        let wins = [ra.is_ok(), rb.is_ok()].iter().filter(|x| **x).count();
        assert_eq!(wins, 1, "{ra:?} {rb:?}");
        let loser = if ra.is_ok() { rb } else { ra };
        assert!(
            matches!(loser, Err(CreateOrderError::Taken { ref addresses, .. }) if addresses.contains("conteso@legalmail.it"))
        );
        assert_eq!(store.mailbox_count().await.unwrap(), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_itself_refuses_duplicates() {
    for store in common::stores().await {
        let op = common::operator(&store, "operatore").await;
        let a = draft_with(&store, &op, vec![mailbox("guardia@legalmail.it", "guardia")]).await;
        common::book(&store, &op, &a).await;
        // Bypass every check of the application: the UNIQUE indexes still refuse.
        let dup = store.raw_execute(
            "INSERT INTO mailboxes (order_id, position, userid, reference, address, description, password_email, \
             first_name, last_name, tax_code, nickname, offer_id, state, created_at) \
             SELECT order_id, 2, 'X1', 'X-1', address, '', '', '', '', '', NULL, offer_id, state, created_at FROM mailboxes",
        );
        assert!(dup.await.is_err(), "duplicate address accepted");
        let dup = store.raw_execute(
            "INSERT INTO mailboxes (order_id, position, userid, reference, address, description, password_email, \
             first_name, last_name, tax_code, nickname, offer_id, state, created_at) \
             SELECT order_id, 2, 'X1', 'X-1', 'altro@legalmail.it', '', '', '', '', '', nickname, offer_id, state, created_at FROM mailboxes",
        );
        assert!(dup.await.is_err(), "duplicate nickname accepted");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wizard_keeps_everything_typed_and_applies_buttons() {
    for store in common::stores().await {
        let op = common::operator(&store, "operatore").await;
        // Step 1 with errors: back to step 1, values kept, errors now shown.
        let mut form = request_form();
        form.legal_rep_cf = "RSSMRA70A01H5015".into();
        let to = wizard::save_request(&store, &op, None, form, WizardAction::Continue).await.unwrap();
        let id = common::draft_of(&to);
        let d = store.load_draft(&id).await.unwrap().unwrap().draft;
        assert!(d.attempted_request);
        assert_eq!(d.legal_rep_cf, "RSSMRA70A01H5015");
        assert_eq!(d.customer_name, "Collaudo");

        let to = wizard::save_request(&store, &op, Some(&id), request_form(), WizardAction::Continue)
            .await
            .unwrap();
        assert_eq!(to, format!("/richiesta/{id}/caselle"));

        let year = (server::current_year() + 1).to_string();
        let typed = vec![mailbox("uno@legalmail.it", ""), mailbox("due@legalmail.it", "due")];
        let to = wizard::save_mailboxes(
            &store,
            &op,
            &id,
            year.clone(),
            "PO-1".into(),
            typed.clone(),
            WizardAction::Add,
        )
        .await
        .unwrap();
        assert_eq!(to, format!("/richiesta/{id}/caselle#casella-3"));
        let d = store.load_draft(&id).await.unwrap().unwrap().draft;
        assert_eq!(d.mailboxes.len(), 3);
        assert_eq!(d.customer_po, "PO-1");

        let to = wizard::save_mailboxes(
            &store,
            &op,
            &id,
            year.clone(),
            "PO-1".into(),
            d.mailboxes.clone(),
            WizardAction::Clear(1, MailboxField::Nickname),
        )
        .await
        .unwrap();
        assert_eq!(to, format!("/richiesta/{id}/caselle#m2-nickname"));
        let d = store.load_draft(&id).await.unwrap().unwrap().draft;
        assert_eq!(d.mailboxes[1].nickname, "");
        assert_eq!(d.mailboxes[1].address, "due@legalmail.it");

        // Continue with an empty third block: refused, everything kept.
        let to = wizard::save_mailboxes(
            &store,
            &op,
            &id,
            year.clone(),
            "PO-1".into(),
            d.mailboxes.clone(),
            WizardAction::Continue,
        )
        .await
        .unwrap();
        assert_eq!(to, format!("/richiesta/{id}/caselle#errori"));
        let d = store.load_draft(&id).await.unwrap().unwrap().draft;
        assert!(d.attempted_mailboxes);
        assert_eq!(d.mailboxes.len(), 3);

        wizard::save_mailboxes(
            &store,
            &op,
            &id,
            year.clone(),
            "PO-1".into(),
            d.mailboxes.clone(),
            WizardAction::Remove(2),
        )
        .await
        .unwrap();
        let d = store.load_draft(&id).await.unwrap().unwrap().draft;
        assert_eq!(d.mailboxes.len(), 2);

        // Removing the last block leaves one empty block.
        let one = vec![d.mailboxes[0].clone()];
        wizard::save_mailboxes(&store, &op, &id, year.clone(), String::new(), one, WizardAction::Remove(0))
            .await
            .unwrap();
        let d = store.load_draft(&id).await.unwrap().unwrap().draft;
        assert_eq!(d.mailboxes, vec![MailboxInput::default()]);

        // Back goes to step 1 without validating.
        let to = wizard::save_mailboxes(
            &store,
            &op,
            &id,
            "1999".into(),
            String::new(),
            vec![],
            WizardAction::Back,
        )
        .await
        .unwrap();
        assert_eq!(to, format!("/richiesta/{id}"));
        assert_eq!(store.load_draft(&id).await.unwrap().unwrap().draft.expiry_year, "1999");

        // Confirming an invalid draft sends the user to the step with errors.
        let to = wizard::confirm(&store, &op, &id, WizardAction::Continue).await.unwrap();
        assert_eq!(to, format!("/richiesta/{id}/caselle#errori"));
        assert_eq!(store.mailbox_count().await.unwrap(), 0);

        // An unknown draft is a typed "not found".
        let e = AppError::draft_asked("nonexistent").unwrap_err();
        assert_eq!(e.to_string(), "Richiesta non trovata");
        let unknown = DraftId::parse("0123456789abcdef0123456789abcdef").unwrap();
        let e = wizard::wizard_data(&store, &op, Some(&unknown), Default::default()).await.unwrap_err();
        assert_eq!(e.to_string(), "Richiesta non trovata");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_request_is_corrected_row_by_row_and_ordered() {
    for store in common::stores().await {
        let op = common::operator(&store, "operatore").await;
        let to =
            wizard::save_request(&store, &op, None, request_form(), WizardAction::Continue).await.unwrap();
        let id = common::draft_of(&to);
        let here = format!("/richiesta/{id}/caselle");
        let year = (server::current_year() + 1).to_string();
        let mut rows: Vec<MailboxInput> =
            (1..=60).map(|i| mailbox(&format!("grande.{i}@testcert.legalmail.it"), "")).collect();
        rows[4].tax_code = "CGNNM080A01H501M".into();
        rows[39].address = "grande.40@altro.it".into();
        let to = wizard::save_mailboxes(
            &store,
            &op,
            &id,
            year.clone(),
            String::new(),
            rows,
            WizardAction::Continue,
        )
        .await
        .unwrap();
        assert_eq!(to, format!("{here}#errori"));
        let table = |edited: Option<(usize, MailboxInput)>, view: TableView| TableForm {
            expiry_year: year.clone(),
            customer_po: "PO-1".into(),
            edited,
            view,
        };
        let filtered = TableView { only_errors: true, page: 1, editing: None };
        let to =
            wizard::save_table(&store, &op, &id, table(None, filtered), WizardAction::Filter).await.unwrap();
        assert_eq!(to, format!("{here}?errori=1#tabella"));
        let to =
            wizard::save_table(&store, &op, &id, table(None, filtered), WizardAction::Edit(4)).await.unwrap();
        assert_eq!(to, format!("{here}?errori=1&riga=5#editor"));
        let d = store.load_draft(&id).await.unwrap().unwrap().draft;
        assert_eq!((d.mailboxes.len(), d.customer_po.as_str()), (60, "PO-1"), "rows kept, header saved");

        // "Annulla" drops the editor's values; any other button keeps them.
        let mut fixed = d.mailboxes[4].clone();
        fixed.tax_code = "RSSMRA70A01H501S".into();
        let to = wizard::save_table(
            &store,
            &op,
            &id,
            table(Some((4, fixed.clone())), filtered),
            WizardAction::Cancel,
        )
        .await
        .unwrap();
        assert_eq!(to, format!("{here}?errori=1#tabella"));
        assert_eq!(
            store.load_draft(&id).await.unwrap().unwrap().draft.mailboxes[4].tax_code,
            "CGNNM080A01H501M"
        );
        let to = wizard::save_table(
            &store,
            &op,
            &id,
            table(Some((4, fixed.clone())), filtered),
            WizardAction::SaveRow,
        )
        .await
        .unwrap();
        assert_eq!(to, format!("{here}?errori=1#riga-5"));
        let paged = TableView { page: 1, ..filtered };
        let to =
            wizard::save_table(&store, &op, &id, table(None, paged), WizardAction::Page(2)).await.unwrap();
        assert_eq!(to, format!("{here}?errori=1&pagina=2#tabella"));
        // X in the editor clears the field and keeps the editor open on it.
        let to = wizard::save_table(
            &store,
            &op,
            &id,
            table(Some((10, mailbox("grande.11@testcert.legalmail.it", "x"))), filtered),
            WizardAction::Clear(10, MailboxField::Nickname),
        )
        .await
        .unwrap();
        assert_eq!(to, format!("{here}?errori=1&riga=11#riga-nickname"));
        assert_eq!(store.load_draft(&id).await.unwrap().unwrap().draft.mailboxes[10].nickname, "");

        // Still one error: Continua stays, showing only rows with errors.
        let to =
            wizard::save_table(&store, &op, &id, table(None, TableView::default()), WizardAction::Continue)
                .await
                .unwrap();
        assert_eq!(to, format!("{here}?errori=1#errori"));

        // With JavaScript a row is saved or removed on its own; a stale index is refused.
        let extra = mailbox("grande.61@testcert.legalmail.it", "");
        wizard::save_row(&store, &op, &id, 60, Some(extra)).await.unwrap();
        let e =
            wizard::save_row(&store, &op, &id, 99, Some(mailbox("x@legalmail.it", ""))).await.unwrap_err();
        assert_eq!(e.status(), http::StatusCode::BAD_REQUEST);
        wizard::save_row(&store, &op, &id, 39, None).await.unwrap();
        assert!(wizard::save_row(&store, &op, &id, 60, None).await.is_err());
        // Another organisation's operator cannot touch it.
        let beta = common::operator(&store, "beta").await;
        let e = wizard::save_row(&store, &beta, &id, 0, None).await.unwrap_err();
        assert_eq!(e.to_string(), "Richiesta non trovata");
        let d = store.load_draft(&id).await.unwrap().unwrap().draft;
        assert_eq!(d.mailboxes.len(), 60);
        assert_eq!(d.mailboxes[59].address, "grande.61@testcert.legalmail.it");

        let to =
            wizard::save_table(&store, &op, &id, table(None, TableView::default()), WizardAction::Continue)
                .await
                .unwrap();
        assert_eq!(to, format!("/richiesta/{id}/verifica"));
        let to = wizard::confirm(&store, &op, &id, WizardAction::Continue).await.unwrap();
        assert_eq!(to, format!("/richiesta/{id}/riepilogo"));
        assert_eq!(store.mailbox_count().await.unwrap(), 60);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recent_orders_are_paged_newest_first() {
    for store in common::stores().await {
        let op = common::operator(&store, "operatore").await;
        for i in 0..3 {
            let id = draft_with(&store, &op, vec![mailbox(&format!("pag{i}@legalmail.it"), "")]).await;
            common::book(&store, &op, &id).await;
        }
        let p1 = store.recent_orders(Scope::All, 1, 2).await.unwrap();
        assert_eq!((p1.total, p1.pages, p1.items.len()), (3, 2, 2));
        assert_eq!(p1.items[0].number, "10295765");
        let p2 = store.recent_orders(Scope::All, 2, 2).await.unwrap();
        assert_eq!(p2.items.len(), 1);
        assert_eq!(p2.items[0].number, "10295763");
        // Out of range pages are clamped.
        assert_eq!(store.recent_orders(Scope::All, 99, 2).await.unwrap().page, 2);
    }
}

#[tokio::test]
async fn a_bad_database_url_is_refused_clearly() {
    let e = Store::open("mysql://x").await.unwrap_err();
    assert!(e.to_string().contains("DATABASE_URL non supportato"), "{e}");
}

#[tokio::test]
async fn a_failed_migration_refuses_to_start_with_a_clear_message() {
    let store = common::sqlite_store().await;
    // Someone edited an applied migration: its checksum no longer matches.
    store.raw_execute("UPDATE _sqlx_migrations SET checksum = X'00'").await.unwrap();
    let url = store.url_for_tests();
    store.close().await;
    let e = Store::open(&url).await.unwrap_err();
    assert!(e.to_string().starts_with("migrazione del database non riuscita"), "{e}");
}

/// "Ricerca" counts hits up to SEARCH_COUNT_MAX (past it the page says "più di 10.000"), still
/// lists the newest first, and answers an exact count below it and nothing for no match.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_counts_up_to_its_bound_and_lists_the_newest_first() {
    use pec_manager::domain::{search::SearchQuery, search::SEARCH_COUNT_MAX};
    for store in common::stores().await {
        let op = common::operator(&store, "operatore").await;
        let id = draft_with(&store, &op, vec![mailbox("conta.prima@legalmail.it", "")]).await;
        common::book(&store, &op, &id).await;
        let rows: Vec<MailboxInput> =
            (0..=SEARCH_COUNT_MAX).map(|i| mailbox(&format!("conta{i:05}@legalmail.it"), "")).collect();
        store.raw_bulk_insert_for_bench(&rows, "CNT").await.unwrap();
        let q = |text: &str| SearchQuery { text: text.into(), ..SearchQuery::default() };

        let many = store.search(Scope::All, &q("conta"), 1, 50).await.unwrap();
        assert!(many.total > SEARCH_COUNT_MAX, "{}", many.total);
        assert_eq!(many.items.len(), 50);
        assert_eq!(many.items[0].address, format!("conta{SEARCH_COUNT_MAX:05}@legalmail.it"));

        let few = store.search(Scope::All, &q("conta0001"), 1, 50).await.unwrap();
        assert_eq!(few.total, 10);
        assert_eq!(few.items.first().map(|h| h.address.as_str()), Some("conta00019@legalmail.it"));

        let none = store.search(Scope::All, &q("nessuna"), 1, 50).await.unwrap();
        assert_eq!((none.total, none.items.len(), none.pages), (0, 0, 1));
    }
}
