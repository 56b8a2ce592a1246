//! The mail platform (issue 24), on SQLite and PostgreSQL: the view `mail_accounts` says who
//! may log in and who may receive; a real Dovecot (Debian's 2.3, as a child process of the
//! test, on a loopback port, with the configuration `mail-config dovecot` writes) logs the holder
//! in with the password chosen through the link, and nobody else, and delivers over LMTP to whom
//! may receive; Postfix's `postmap` finds in the view the mailboxes and domains that may
//! receive. Without Dovecot or Postfix installed these tests are skipped, unless
//! PEC_REQUIRE_MAIL_SERVERS=1 (`make test` installs both and sets it).

//!
//! The parts: `dovecot.rs` (a Dovecot of the test's own, and a line-based conversation with
//! it), `accounts.rs` (the view, and Postfix reading it), `logins.rs` (holders and additional
//! users logging in), `delivery.rs` (LMTP delivery, disk space, the purge on revocation),
//! `sessions.rs` (suspension cutting open sessions).

mod accounts;
mod delivery;
mod dovecot;
mod logins;
mod sessions;

use crate::common;
use common::{draft_with, mailbox};
use pec_manager::domain::auth::Scope;
use pec_manager::domain::lifecycle::{Date, RevocationReason, Transition};
use pec_manager::domain::mail_platform::MailJobKind;
use pec_manager::domain::settings::Settings;
use pec_manager::domain::{OrderNumber, UserId};
use pec_manager::server::auth::hash_password;
use pec_manager::server::mail_platform::{
    api_key_for, grant_sql, sqlite_owner, write_dovecot, DovecotSetup, MailDatabase,
};
use pec_manager::server::provisioning::{Doveadm, MailPlatform, Provisioner};
use pec_manager::store::{LinkFor, LinkMail, Mail, Store};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use dovecot::{cut_within, free_port, open_session, Dovecot};

/// An order of `names`, fulfilled by its signed contract: every mailbox ATTIVA, each holder's
/// link token in the order of `names`.
async fn active_mailboxes(store: &Store, names: &[String]) -> (Vec<UserId>, Vec<String>) {
    let op = common::operator(store, "alfa").await;
    let id = draft_with(store, &op, names.iter().map(|a| mailbox(a, "")).collect()).await;
    common::book(store, &op, &id).await;
    let number: OrderNumber = store.load_draft(&id).await.unwrap().unwrap().order_number.unwrap();
    let tokens = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&tokens);
    let link: Box<LinkMail> = Box::new(move |l: LinkFor<'_>| {
        kept.lock().unwrap().push(l.token.to_string());
        Mail { recipient: String::new(), subject: "link".into(), body: String::new() }
    });
    let today = Date { year: 2026, month: 11, day: 26 };
    store.fulfil_order(&op, &number, &common::signed_pdf(), today, &*link, &[]).await.unwrap();
    let order = store.order(op.scope(), &number).await.unwrap().unwrap();
    let userids = order.mailboxes.iter().map(|m| m.userid.clone()).collect();
    let tokens = tokens.lock().unwrap().clone();
    (userids, tokens)
}

/// An additional user ("Aggiungi Multiutenza").
fn anna_verdi() -> pec_manager::domain::mailbox_admin::ExtraUser {
    pec_manager::domain::mailbox_admin::ExtraUser {
        first_name: "Anna".into(),
        last_name: "Verdi".into(),
        tax_code: "QSWTFG44D62R632Z".into(),
        email: "anna.verdi@example.it".into(),
        ..Default::default()
    }
}

/// The holder chooses `password` through the link, as "Attiva identità/utenza" stores it.
async fn choose_password(store: &Store, token: &str, password: &str) -> String {
    let hash = hash_password(password).unwrap();
    assert!(store.set_mailbox_password(token, &hash).await.unwrap());
    hash
}

/// What the view says of `login`: (may_login, may_receive); `None` without a row.
async fn account(store: &Store, login: &str) -> Option<(i64, i64)> {
    let of = |column: &str| format!("SELECT {column} AS n FROM mail_accounts WHERE login = lower('{login}')");
    if store.raw_count(&of("COUNT(*)")).await.unwrap() == 0 {
        return None;
    }
    Some((
        store.raw_count(&of("may_login")).await.unwrap(),
        store.raw_count(&of("may_receive")).await.unwrap(),
    ))
}

/// The mailbox's disk space in GB, as stored.
async fn disk_gb(store: &Store, userid: &UserId) -> i64 {
    store
        .raw_count(&format!("SELECT disk_gb AS n FROM mailboxes WHERE userid = '{}'", userid.as_str()))
        .await
        .unwrap()
}

fn day(offset: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(offset)).format("%Y-%m-%d").to_string()
}

/// Is `program` here? Without it a test of the mail servers is skipped, unless they are
/// required.
fn installed(program: &str) -> bool {
    let found = Command::new(program).arg("-?").output().is_ok();
    assert!(
        found || std::env::var("PEC_REQUIRE_MAIL_SERVERS").as_deref() != Ok("1"),
        "PEC_REQUIRE_MAIL_SERVERS=1 but {program} is not installed (scripts/setup.sh test installs it)"
    );
    found
}

fn dovecot_installed() -> bool {
    installed("dovecot")
}

/// What the mail server is given: the SQLite file, or on PostgreSQL a role of its own that may
/// read the view and nothing else (made with `grant_sql`, as an administrator would).
async fn mail_database(store: &Store) -> MailDatabase {
    let url = store.url_for_tests();
    if !url.starts_with("postgres") {
        return MailDatabase::from_url(&url).unwrap();
    }
    let name = url.rsplit('/').next().unwrap().to_string();
    let role = format!("{name}_mail");
    for statement in grant_sql(&name, &role).split(";\n").filter(|s| !s.trim().is_empty()) {
        store.raw_execute(statement).await.unwrap();
    }
    let base = url.rsplit_once("//").unwrap().1;
    let host = base.split_once('@').map(|(_, h)| h).unwrap_or(base);
    let mail_url = format!("postgres://{role}:choose-a-password@{host}");
    // That role reads the view, and is refused the tables.
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&mail_url).await.unwrap();
    let mine: Result<i64, _> =
        sqlx::query_scalar("SELECT COUNT(*) FROM mail_accounts").fetch_one(&mut conn).await;
    assert!(mine.is_ok(), "{mine:?}");
    let theirs: Result<i64, _> =
        sqlx::query_scalar("SELECT COUNT(*) FROM mailboxes").fetch_one(&mut conn).await;
    assert!(theirs.is_err(), "the mail role read the mailboxes table");
    MailDatabase::from_url(&mail_url).unwrap()
}

/// Whether the mailbox page says "Piattaforma di posta: sincronizzata" (on an install with one).
fn synced(page: &pec_manager::domain::mailboxes::MailboxDetail) -> bool {
    let mut sync = page.mail_sync.clone();
    sync.configured = true;
    sync.line() == "sincronizzata"
}
