//! A password link works only while its mailbox is ATTIVA and its address unchanged.

use super::*;

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
        store.fulfil_order(&alfa, &number, &pdf(), today, &*link, &[]).await.unwrap();
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
