//! Logging in to Dovecot: the holder with the password chosen through the link, an additional
//! user with a password of their own, and links racing a suspension.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dovecot_logs_the_holder_in_with_the_password_chosen_through_the_link_and_nobody_else() {
    if !dovecot_installed() {
        return;
    }
    for store in common::stores().await {
        let n = std::process::id();
        let name = format!("titolare{n}@legalmail.it");
        let (userids, tokens) = active_mailboxes(&store, std::slice::from_ref(&name)).await;
        let userid = &userids[0];
        let password = "Segreta-2026!";
        let dovecot = Dovecot::start(mail_database(&store).await).await;
        let ok = |answer: &str| answer.starts_with("a OK");

        // Before a password is chosen, nothing opens it.
        assert!(!ok(&dovecot.login(&name, password).await));
        let hash = choose_password(&store, &tokens[0], password).await;
        // Dovecot's own check of the stored hash.
        let checked = Command::new("doveadm")
            .args(["pw", "-t", &format!("{{ARGON2ID}}{hash}"), "-p", password])
            .output()
            .unwrap();
        assert!(checked.status.success(), "doveadm pw -t: {}", String::from_utf8_lossy(&checked.stderr));

        assert!(ok(&dovecot.login(&name, password).await), "{:?}: {}", store.backend(), dovecot.log());
        // Each refusal waits out Dovecot's failure delay: asked together.
        let upper = name.to_uppercase();
        let (spaced, injected, long) =
            (format!("{name} "), format!("{name}' OR '1'='1"), "x".repeat(64 * 1024));
        let (right_any_case, wrong, space, injection, bare_injection, too_long) = tokio::join!(
            dovecot.login(&upper, password),
            dovecot.login(&name, "Sbagliata-2026!"),
            dovecot.login(&spaced, password),
            dovecot.login(&injected, password),
            dovecot.login("' OR 1=1 --", "x"),
            dovecot.login(&name, &long),
        );
        assert!(ok(&right_any_case), "the login ignores case: {right_any_case}");
        for (what, answer) in [
            ("a wrong password", wrong),
            ("a trailing space", space),
            ("an injection after the address", injection),
            ("an injection alone", bare_injection),
            ("a 64 kB password", too_long),
        ] {
            assert!(!ok(&answer), "{what}: {answer}");
        }

        // Suspended: refused at once; reactivated: open again; revoked: refused for good.
        let alfa = common::operator(&store, "alfa").await;
        store.change_state(&alfa, userid, Transition::Suspend).await.unwrap();
        assert!(!ok(&dovecot.login(&name, password).await), "suspended");
        store.change_state(&alfa, userid, Transition::Reactivate).await.unwrap();
        assert!(ok(&dovecot.login(&name, password).await), "reactivated");
        // An expiry date in the past closes it before the hourly job runs.
        store
            .raw_execute(&format!(
                "UPDATE mailboxes SET expires_at = '{}' WHERE userid = '{}'",
                day(-1),
                userid.as_str()
            ))
            .await
            .unwrap();
        assert!(!ok(&dovecot.login(&name, password).await), "expired");
        store
            .raw_execute(&format!(
                "UPDATE mailboxes SET expires_at = '{}' WHERE userid = '{}'",
                day(300),
                userid.as_str()
            ))
            .await
            .unwrap();
        assert!(ok(&dovecot.login(&name, password).await));
        store.change_state(&alfa, userid, Transition::Revoke(RevocationReason::ALL[0])).await.unwrap();
        assert!(!ok(&dovecot.login(&name, password).await), "revoked");

        // Nothing went wrong in Dovecot beyond refused logins, and no password in its log.
        let log = dovecot.log();
        for bad in ["Error:", "Fatal:", "Panic:"] {
            assert!(!log.contains(bad), "{:?}: {bad} in dovecot's log:\n{log}", store.backend());
        }
        assert!(!log.contains(password));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_additional_user_logs_in_to_the_mailbox_with_a_password_of_their_own() {
    if !dovecot_installed() {
        return;
    }
    for store in common::stores().await {
        let n = std::process::id();
        let name = format!("ufficio{n}@legalmail.it");
        let (userids, tokens) = active_mailboxes(&store, std::slice::from_ref(&name)).await;
        let userid = &userids[0];
        choose_password(&store, &tokens[0], "Titolare-2026!").await;
        let alfa = common::operator(&store, "alfa").await;

        // "Aggiungi Multiutenza" on an active mailbox: the user gets a link of their own.
        let links = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&links);
        let link: Box<LinkMail> = Box::new(move |l: LinkFor<'_>| {
            kept.lock().unwrap().push((l.token.to_string(), l.user_login.map(str::to_string)));
            Mail { recipient: String::new(), subject: "link".into(), body: String::new() }
        });
        let user = anna_verdi();
        store
            .change_mailbox(&alfa, userid, pec_manager::store::MailboxChange::AddUser(user), &*link)
            .await
            .unwrap();
        let extras = store.mailbox_extras(Scope::All, userid).await.unwrap().unwrap();
        let login = extras.users[0].login.clone();
        let (token, sent_login) = links.lock().unwrap()[0].clone();
        assert_eq!(sent_login.as_deref(), Some(login.as_str()));
        let target = store.link_target(&token).await.unwrap().unwrap();
        assert_eq!(target.user_login.as_deref(), Some(login.as_str()));
        let dovecot = Dovecot::start(mail_database(&store).await).await;
        let ok = |answer: &str| answer.starts_with("a OK");
        assert!(!ok(&dovecot.login(&login, "Utente-2026!").await), "no password yet");

        // Chosen through the link: it opens the holder's mailbox, and only with its own password;
        // the holder's password still works for the holder, and the link works once.
        choose_password(&store, &token, "Utente-2026!").await;
        assert!(!store.set_mailbox_password(&token, "x").await.unwrap(), "a link works once");
        assert!(store.mailbox_extras(Scope::All, userid).await.unwrap().unwrap().users[0].has_password);
        let (rcpt, data) = dovecot.deliver(&name).await;
        assert!(rcpt.starts_with("250") && data.starts_with("250"), "{rcpt} / {data}");
        let mut session = open_session(&dovecot, &login.to_uppercase(), "Utente-2026!").await;
        let selected = session.say(Some("b SELECT INBOX"), |l| l.starts_with("b ")).await;
        assert!(selected.iter().any(|l| l == "* 1 EXISTS"), "the mailbox's message: {selected:?}");
        session.say(Some("c LOGOUT"), |l| l.starts_with("c ")).await;
        let (wrong, holder) =
            tokio::join!(dovecot.login(&login, "Titolare-2026!"), dovecot.login(&name, "Titolare-2026!"));
        assert!(!ok(&wrong), "the holder's password is not the user's");
        assert!(ok(&holder));
        // The user's login receives nothing of its own.
        let (rcpt, _) = dovecot.deliver(&login).await;
        assert!(rcpt.starts_with('5'), "{rcpt}");

        // Suspending the mailbox closes it for the user too; removing the user closes their
        // login for good.
        store.change_state(&alfa, userid, Transition::Suspend).await.unwrap();
        assert!(!ok(&dovecot.login(&login, "Utente-2026!").await));
        store.change_state(&alfa, userid, Transition::Reactivate).await.unwrap();
        assert!(ok(&dovecot.login(&login, "Utente-2026!").await));
        let user_id = extras.users[0].id;
        store
            .change_mailbox(&alfa, userid, pec_manager::store::MailboxChange::RemoveUser(user_id), &*link)
            .await
            .unwrap();
        assert!(!ok(&dovecot.login(&login, "Utente-2026!").await), "removed");
        assert!(ok(&dovecot.login(&name, "Titolare-2026!").await));
        let log = dovecot.log();
        for bad in ["Error:", "Fatal:", "Panic:"] {
            assert!(!log.contains(bad), "{:?}: {bad} in dovecot's log:\n{log}", store.backend());
        }
    }
}

/// "Aggiungi Multiutenza" and "Invia di nuovo il link" while another operator suspends the
/// same mailbox: the suspension closes the mailbox's open links, and no new link may be created
/// behind it (on PostgreSQL it would otherwise survive, and work again after a reactivation).
/// The suspension is held open in a transaction of its own while the link is asked for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_link_made_during_a_suspension_outlives_it() {
    use sqlx::Connection;
    for store in common::stores().await {
        let name = format!("gara{}@legalmail.it", std::process::id());
        let (userids, _) = active_mailboxes(&store, std::slice::from_ref(&name)).await;
        let alfa = common::operator(&store, "alfa").await;
        let mut other = sqlx::AnyConnection::connect(&store.url_for_tests()).await.unwrap();
        let sent = Arc::new(Mutex::new(0));
        for resend in [false, true] {
            // The suspension, as far as its link-closing statement, not yet committed.
            let begin = if store.backend() == pec_manager::store::Backend::Sqlite {
                "BEGIN IMMEDIATE"
            } else {
                "BEGIN"
            };
            sqlx::raw_sql(sqlx::AssertSqlSafe(begin)).execute(&mut other).await.unwrap();
            for sql in [
                "UPDATE mailboxes SET state = 'SOSPESA' WHERE address = $1",
                "UPDATE activation_links SET used_at = '2026-01-01 00:00:00' \
                 WHERE used_at IS NULL AND mailbox_id = (SELECT id FROM mailboxes WHERE address = $1)",
            ] {
                sqlx::query(sql).bind(&name).execute(&mut other).await.unwrap();
            }
            let asked = {
                let (store, userid, alfa, kept) =
                    (store.clone(), userids[0].clone(), alfa.clone(), Arc::clone(&sent));
                tokio::spawn(async move {
                    let link: Box<LinkMail> = Box::new(move |_: LinkFor<'_>| {
                        *kept.lock().unwrap() += 1;
                        Mail { recipient: String::new(), subject: "link".into(), body: String::new() }
                    });
                    if resend {
                        assert!(!store.resend_link(&alfa, &userid, &*link).await.unwrap(), "suspended");
                        return;
                    }
                    let add = pec_manager::store::MailboxChange::AddUser(anna_verdi());
                    store.change_mailbox(&alfa, &userid, add, &*link).await.unwrap();
                })
            };
            tokio::time::sleep(Duration::from_millis(500)).await;
            sqlx::raw_sql("COMMIT").execute(&mut other).await.unwrap();
            asked.await.unwrap();

            // Reactivated: no link works, and none was sent.
            sqlx::query("UPDATE mailboxes SET state = 'ATTIVA' WHERE address = $1")
                .bind(&name)
                .execute(&mut other)
                .await
                .unwrap();
            let open = store
                .raw_count(&format!(
                    "SELECT COUNT(*) AS n FROM activation_links l JOIN mailboxes m ON m.id = l.mailbox_id \
                     WHERE m.address = '{name}' AND l.used_at IS NULL"
                ))
                .await
                .unwrap();
            assert_eq!((open, *sent.lock().unwrap()), (0, 0), "resend {resend}: {:?}", store.backend());
        }
    }
}
