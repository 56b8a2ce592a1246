//! After the order, on SQLite and PostgreSQL: the signed contract fulfils it, each holder's
//! password link is queued and sent (retried when the mail server fails), and works once.

mod common;

use common::{draft_with, mailbox};
use pec_manager::domain::lifecycle::Date;
use pec_manager::server::{self, mail};
use pec_manager::store::{FulfilError, SignedContract, Store};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

fn pdf() -> SignedContract {
    SignedContract { file_name: "firmato.pdf".into(), kind: "PDF", data: b"%PDF-1.7 firmato".to_vec() }
}

async fn booked_order(store: &Store, addresses: &[&str]) -> String {
    let op = common::operator(store, "alfa").await;
    let id = draft_with(store, &op, addresses.iter().map(|a| mailbox(a, "")).collect()).await;
    server::confirm(store, &op, &id, pec_manager::pages::wizard::WizardAction::Continue).await.unwrap();
    store.load_draft(&id).await.unwrap().unwrap().order_number.unwrap()
}

/// A fake SMTP server: refuses everything when `fail`, else accepts and keeps the messages.
async fn fake_smtp(fail: bool) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let got = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&got);
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let kept = Arc::clone(&kept);
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                if fail {
                    let _ = write.write_all(b"421 servizio non disponibile\r\n").await;
                    return;
                }
                let _ = write.write_all(b"220 fake\r\n").await;
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(body) = data.as_mut() {
                        if line == "." {
                            kept.lock().unwrap().push(data.take().unwrap_or_default());
                            let _ = write.write_all(b"250 ok\r\n").await;
                        } else {
                            body.push_str(&line);
                            body.push('\n');
                        }
                        continue;
                    }
                    let reply: &[u8] = match line.get(..4).unwrap_or("").to_ascii_uppercase().as_str() {
                        "EHLO" | "HELO" | "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 ok\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 avanti\r\n"
                        }
                        "QUIT" => {
                            let _ = write.write_all(b"221 ciao\r\n").await;
                            return;
                        }
                        _ => b"502 no\r\n",
                    };
                    let _ = write.write_all(reply).await;
                }
            });
        }
    });
    (port, got)
}

fn smtp(port: u16) -> Arc<mail::Mailer> {
    let t = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(port)
        .build();
    mail::Mailer::new(mail::Transport::Smtp(t), "noreply@example.it").unwrap()
}

/// The token of the link in a message (its body may be quoted-printable: soft line breaks, `=3D`).
fn token_in(message: &str) -> String {
    let message = message.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=");
    let start = message.find("token=").expect("link in the message") + "token=".len();
    message[start..].chars().take_while(|c| c.is_ascii_hexdigit()).collect()
}

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
            store.fulfil_order(&beta, &number, &pdf(), today, &link).await,
            Err(FulfilError::NotFound)
        ));
        let order = store.order(alfa.scope(), &number).await.unwrap().unwrap();
        assert_eq!((order.state.as_str(), order.contract), ("PRENOTATO", false));

        assert_eq!(store.fulfil_order(&alfa, &number, &pdf(), today, &link).await.unwrap(), 2);
        let order = store.order(alfa.scope(), &number).await.unwrap().unwrap();
        assert_eq!((order.state.as_str(), order.contract), ("EVASO", true));
        let m = store.mailbox(alfa.scope(), &order.mailboxes[0].userid).await.unwrap().unwrap();
        assert_eq!(m.state, "ATTIVA");
        assert_eq!(m.activated_at, "2026-11-26");
        assert_eq!(m.expires_at, format!("{}-11-26", order.expiry_year));
        // Services from the offer (Consip: 6 GB, SMS, phishing protection).
        assert_eq!((m.services.disk_gb, m.services.sms, m.services.shadow_pec), (6, true, false));
        assert!(!m.has_password);
        let (_, _, signed) = store.signed_contract(alfa.scope(), &number).await.unwrap().unwrap();
        assert_eq!(signed, pdf().data);
        // Once only.
        assert!(matches!(
            store.fulfil_order(&alfa, &number, &pdf(), today, &link).await,
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
        assert_eq!(store.mailbox(alfa.scope(), &userid).await.unwrap().unwrap().state, "REVOCATA");
        let filter =
            pec_manager::domain::records::AuditFilter { object: userid.clone(), ..Default::default() };
        let history = store.audit_entries(alfa.scope(), &filter, 1, 50).await.unwrap().items;
        let changes: Vec<_> = history.iter().filter(|e| e.action == "CAMBIO_STATO").collect();
        assert_eq!(changes.len(), 2);
        assert!(changes[0].after.contains("REVOCATA") && changes[0].after.contains("richiesta del cliente"));
        assert!(changes[0].before.contains("SOSPESA"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_expiry_recent_activity_and_search() {
    use pec_manager::domain::records::SearchQuery;
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
        assert_eq!(store.order(alfa.scope(), &cancelled).await.unwrap().unwrap().state, "ANNULLATO");
        let again = booked_order(&store, &[&freed]).await;
        assert_ne!(again, cancelled, "the name can be ordered again");

        // An active mailbox past its expiry date becomes SCADUTA.
        let number =
            booked_order(&store, &[&format!("scade{n}@legalmail.it"), &format!("resta{n}@legalmail.it")])
                .await;
        let today = Date { year: 2026, month: 11, day: 26 };
        store.fulfil_order(&alfa, &number, &pdf(), today, &mail::link_mail("http://x")).await.unwrap();
        let order = store.order(alfa.scope(), &number).await.unwrap().unwrap();
        let (gone, kept) = (&order.mailboxes[0].userid, &order.mailboxes[1].userid);
        store
            .raw_execute(&format!("UPDATE mailboxes SET expires_at = '2026-11-25' WHERE userid = '{gone}'"))
            .await
            .unwrap();
        assert_eq!(store.expire_due(today).await.unwrap(), 1);
        assert_eq!(store.expire_due(today).await.unwrap(), 0);
        assert_eq!(store.mailbox(alfa.scope(), gone).await.unwrap().unwrap().state, "SCADUTA");
        assert_eq!(store.mailbox(alfa.scope(), kept).await.unwrap().unwrap().state, "ATTIVA");

        // Recent activity: newest first, only the organisation's own.
        let events = store.recent_activity(alfa.scope(), 10).await.unwrap();
        assert_eq!(events[0].kind, "CASELLA_SCADUTA");
        assert_eq!(&events[0].userid, gone);
        assert!(events.iter().any(|e| e.kind == "ORDINE_ANNULLATO" && e.order_number == cancelled));
        assert!(store
            .recent_activity(beta.scope(), 50)
            .await
            .unwrap()
            .iter()
            .all(|e| e.order_number != number));

        // Search: prefix of userid, address, codice fiscale, order number; filters; scope.
        let q = |text: &str| SearchQuery { text: text.into(), ..SearchQuery::default() };
        let found = store.search(alfa.scope(), &q(&gone.to_lowercase()), 1, 50).await.unwrap();
        assert_eq!(found.total, 1);
        assert_eq!(&found.items[0].userid, gone);
        let found = store.search(alfa.scope(), &q(&format!("SCADE{n}")), 1, 50).await.unwrap();
        assert_eq!(found.items.len(), 1, "address prefix, any case");
        let by_order = store.search(alfa.scope(), &q(&number), 1, 50).await.unwrap();
        assert_eq!(by_order.total, 2);
        let by_cf = store.search(alfa.scope(), &q("cgnnmo80"), 1, 500).await.unwrap();
        assert!(by_cf.items.iter().any(|h| &h.userid == kept), "codice fiscale prefix");
        let active = SearchQuery { state: "SCADUTA".into(), ..q(&number) };
        assert_eq!(store.search(alfa.scope(), &active, 1, 50).await.unwrap().total, 1);
        let scope = alfa.scope();
        let total = |query: SearchQuery| {
            let store = store.clone();
            async move { store.search(scope, &query, 1, 50).await.unwrap().total }
        };
        assert_eq!(total(SearchQuery { offer: "CONSIP".into(), ..q(&number) }).await, 2);
        assert_eq!(total(SearchQuery { offer: "PROFESSIONAL".into(), ..q(&number) }).await, 0);
        assert_eq!(total(SearchQuery { customer: "Collaudo".into(), ..q(&number) }).await, 2);
        assert_eq!(total(SearchQuery { customer: "Altro cliente".into(), ..q(&number) }).await, 0);
        assert_eq!(
            store.search(beta.scope(), &q(&number), 1, 50).await.unwrap().total,
            0,
            "other organisation"
        );
        assert_eq!(
            store.search(provider.scope(), &q(&number), 1, 50).await.unwrap().total,
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
        let filter = pec_manager::domain::records::AuditFilter { object: gone.clone(), ..Default::default() };
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_small_forms_of_the_mailbox_page_save_and_are_recorded() {
    use pec_manager::domain::mailbox_admin::{ExtraSettings, ExtraUser};
    use pec_manager::domain::records::Services;
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
            async move { store.change_mailbox(&alfa, &u1, c).await }
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
            first_name: "Anna".into(),
            last_name: "Verdi".into(),
            tax_code: "QSWTFG44D62R632Z".into(),
            email: "a@b.it".into(),
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
        assert_eq!(extras.users, vec![user]);
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
            store.change_mailbox(&beta, &u1, MailboxChange::Note("x".into())).await,
            Err(ChangeError::NotFound)
        ));
        // Every change is in the mailbox's history.
        let filter = pec_manager::domain::records::AuditFilter { object: u1.clone(), ..Default::default() };
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
            "ASSOCIAZIONE_AGGIUNTA",
            "SERVIZI_EXTRA_MODIFICATI",
            "CASELLA_SPOSTATA",
        ] {
            assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
        }
    }
}
