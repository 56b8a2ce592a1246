//! After the order, on SQLite and PostgreSQL: the signed contract fulfils it, each holder's
//! password link is queued and sent (retried when the mail server fails), and works once.

use crate::common;

use common::{draft_with, mailbox};
use pec_manager::domain::lifecycle::Date;
use pec_manager::domain::{OrderNumber, UserId};
use pec_manager::server::{self, mail};
use pec_manager::store::{FulfilError, SignedContract, Store};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

fn pdf() -> SignedContract {
    common::signed_pdf()
}

pub(crate) async fn booked_order(store: &Store, addresses: &[&str]) -> OrderNumber {
    let op = common::operator(store, "alfa").await;
    let id = draft_with(store, &op, addresses.iter().map(|a| mailbox(a, "")).collect()).await;
    common::book(store, &op, &id).await;
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
        assert_eq!((order.state.code(), order.contract), ("PRENOTATO", false));

        assert_eq!(store.fulfil_order(&alfa, &number, &pdf(), today, &link).await.unwrap(), 2);
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
        store.fulfil_order(&alfa, &number, &pdf(), today, &mail::link_mail("http://x")).await.unwrap();
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

/// Tokens of the links queued through it, in order.
fn capturing_link_mail() -> (Arc<Mutex<Vec<String>>>, Box<pec_manager::store::LinkMail>) {
    let tokens = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&tokens);
    let link: Box<pec_manager::store::LinkMail> = Box::new(move |l: pec_manager::store::LinkFor<'_>| {
        kept.lock().unwrap().push(l.token.to_string());
        pec_manager::store::Mail { recipient: String::new(), subject: "link".into(), body: l.token.into() }
    });
    (tokens, link)
}

/// Review finding 3: a password link works only while its mailbox is ATTIVA and its "Email
/// gestione password" is the address the link went to; suspension, revocation and a changed
/// address close it for good (reactivation does not reopen it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_links_die_with_suspension_revocation_and_a_new_address() {
    use pec_manager::domain::lifecycle::{RevocationReason, Transition};
    for store in common::stores().await {
        let n = std::process::id();
        let names = [
            format!("sospesa{n}@legalmail.it"),
            format!("revocata{n}@legalmail.it"),
            format!("cambiata{n}@legalmail.it"),
            format!("intatta{n}@legalmail.it"),
        ];
        let number = booked_order(&store, &names.iter().map(String::as_str).collect::<Vec<_>>()).await;
        let alfa = common::operator(&store, "alfa").await;
        let (tokens, link) = capturing_link_mail();
        let today = Date { year: 2026, month: 11, day: 26 };
        store.fulfil_order(&alfa, &number, &pdf(), today, &*link).await.unwrap();
        let tokens = tokens.lock().unwrap().clone();
        let order = store.order(alfa.scope(), &number).await.unwrap().unwrap();
        let userid = |i: usize| order.mailboxes[i].userid.clone();
        for t in &tokens {
            assert!(store.link_target(t).await.unwrap().is_some());
        }

        // Suspended: the link opens nothing and sets nothing, then or after reactivation.
        store.change_state(&alfa, &userid(0), Transition::Suspend).await.unwrap();
        assert!(store.link_target(&tokens[0]).await.unwrap().is_none());
        assert!(!store.set_mailbox_password(&tokens[0], "$argon2id$x").await.unwrap());
        store.change_state(&alfa, &userid(0), Transition::Reactivate).await.unwrap();
        assert!(store.link_target(&tokens[0]).await.unwrap().is_none(), "reactivation reopened the link");
        assert!(!store.set_mailbox_password(&tokens[0], "$argon2id$x").await.unwrap());

        // Revoked.
        store.change_state(&alfa, &userid(1), Transition::Revoke(RevocationReason::ALL[0])).await.unwrap();
        assert!(!store.set_mailbox_password(&tokens[1], "$argon2id$x").await.unwrap());

        // A new "Email gestione password": the old address's link is dead.
        let m = store.mailbox(alfa.scope(), &userid(2)).await.unwrap().unwrap();
        let mut input = mailbox(&m.address, "");
        input.password_email = format!("nuova{n}@example.it");
        let rules = pec_manager::domain::Rules {
            current_year: server::current_year(),
            domains: store.usable_domains(alfa.scope()).await.unwrap(),
            ..Default::default()
        };
        let valid = pec_manager::domain::request::validate_one(&input, &rules).unwrap();
        store.update_mailbox(&alfa, &userid(2), &valid).await.unwrap();
        assert!(store.link_target(&tokens[2]).await.unwrap().is_none());
        assert!(!store.set_mailbox_password(&tokens[2], "$argon2id$x").await.unwrap());

        // Even a link that the page checked a moment ago fails if the mailbox is suspended
        // before the password is stored (the use checks again, atomically).
        assert!(store.link_target(&tokens[3]).await.unwrap().is_some());
        store.change_state(&alfa, &userid(3), Transition::Suspend).await.unwrap();
        assert!(!store.set_mailbox_password(&tokens[3], "$argon2id$x").await.unwrap());
        store.change_state(&alfa, &userid(3), Transition::Reactivate).await.unwrap();
        // An operator's new link works again.
        let (fresh, link) = capturing_link_mail();
        assert!(store.resend_link(&alfa, &userid(3), &*link).await.unwrap());
        let fresh = fresh.lock().unwrap()[0].clone();
        assert!(store.set_mailbox_password(&fresh, "$argon2id$x").await.unwrap());
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
            store.fulfil_order(&alfa, &number, &pdf(), today, &mail::link_mail("http://x")).await.unwrap();
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
            .fulfil_order(&alfa, &number, &pdf(), Date { year: 2026, month: 11, day: 26 }, &*link)
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
