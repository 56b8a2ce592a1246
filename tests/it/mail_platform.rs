//! The mail platform (issue 24), on SQLite and PostgreSQL: the view `mail_accounts` says who
//! may log in and who may receive; a real Dovecot (Debian's 2.3, as a child process of the
//! test, on a loopback port, with the configuration `mail-config dovecot` writes) logs the holder
//! in with the password chosen through the link, and nobody else. Without Dovecot installed
//! these tests are skipped, unless PEC_REQUIRE_DOVECOT=1 (`make test` installs it and sets it).

use crate::common;
use common::{draft_with, mailbox};
use pec_manager::domain::lifecycle::{Date, RevocationReason, Transition};
use pec_manager::domain::settings::Settings;
use pec_manager::domain::{OrderNumber, UserId};
use pec_manager::pages::wizard::operations as wizard;
use pec_manager::server::auth::hash_password;
use pec_manager::server::mail_platform::{grant_sql, write_dovecot, DovecotSetup, MailDatabase};
use pec_manager::store::{LinkFor, LinkMail, Mail, Store};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// An order of `names`, fulfilled by its signed contract: every mailbox ATTIVA, each holder's
/// link token in the order of `names`.
async fn active_mailboxes(store: &Store, names: &[String]) -> (Vec<UserId>, Vec<String>) {
    let op = common::operator(store, "alfa").await;
    let id = draft_with(store, &op, names.iter().map(|a| mailbox(a, "")).collect()).await;
    wizard::confirm(store, &op, &id, pec_manager::pages::wizard::WizardAction::Continue).await.unwrap();
    let number: OrderNumber = store.load_draft(&id).await.unwrap().unwrap().order_number.unwrap();
    let tokens = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&tokens);
    let link: Box<LinkMail> = Box::new(move |l: LinkFor<'_>| {
        kept.lock().unwrap().push(l.token.to_string());
        Mail { recipient: String::new(), subject: "link".into(), body: String::new() }
    });
    let today = Date { year: 2026, month: 11, day: 26 };
    store.fulfil_order(&op, &number, &common::signed_pdf(), today, &*link).await.unwrap();
    let order = store.order(op.scope(), &number).await.unwrap().unwrap();
    let userids = order.mailboxes.iter().map(|m| m.userid.clone()).collect();
    let tokens = tokens.lock().unwrap().clone();
    (userids, tokens)
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

fn day(offset: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(offset)).format("%Y-%m-%d").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mail_accounts_view_says_who_may_log_in_and_who_may_receive() {
    // The view's grace, when Impostazioni were never saved, is the platform's default.
    assert_eq!(Settings::default().renewal_grace_days, 30);
    for store in common::stores().await {
        let n = std::process::id();
        let names: Vec<String> = ["senza", "attiva", "sospesa", "scaduta", "grazia", "oltre", "revocata"]
            .iter()
            .map(|s| format!("{s}{n}@legalmail.it"))
            .collect();
        let (userids, tokens) = active_mailboxes(&store, &names).await;
        for token in &tokens[1..] {
            choose_password(&store, token, "Segreta-2026!").await;
        }
        let alfa = common::operator(&store, "alfa").await;
        store.change_state(&alfa, &userids[2], Transition::Suspend).await.unwrap();
        store.change_state(&alfa, &userids[6], Transition::Revoke(RevocationReason::ALL[0])).await.unwrap();
        // Past its expiry date, before the hourly job: no login, mail until the grace ends.
        let expire = |i: usize, days: i64, state: &str| {
            format!(
                "UPDATE mailboxes SET expires_at = '{}', state = '{state}' WHERE userid = '{}'",
                day(days),
                userids[i].as_str()
            )
        };
        store.raw_execute(&expire(3, -1, "ATTIVA")).await.unwrap();
        store.raw_execute(&expire(4, -29, "SCADUTA")).await.unwrap();
        store.raw_execute(&expire(5, -31, "SCADUTA")).await.unwrap();

        let seen: Vec<_> = {
            let mut v = Vec::new();
            for name in &names {
                v.push(account(&store, &name.to_uppercase()).await);
            }
            v
        };
        assert_eq!(
            seen,
            [Some((0, 1)), Some((1, 1)), Some((0, 1)), Some((0, 1)), Some((0, 1)), Some((0, 0)), Some((0, 0))],
            "{:?}: no password / active / suspended / expired yesterday / 29 days past / 31 days past / revoked",
            store.backend()
        );
        // The quota is the mailbox's disk space (its offer's, plus any extra).
        let disk = store
            .raw_count(&format!(
                "SELECT disk_gb AS n FROM mailboxes WHERE userid = '{}'",
                userids[1].as_str()
            ))
            .await
            .unwrap();
        assert!(disk > 0);
        let quota_rule = store
            .raw_count(&format!(
                "SELECT COUNT(*) AS n FROM mail_accounts WHERE login = '{}' AND quota_rule = '*:storage={disk}G'",
                names[1]
            ))
            .await
            .unwrap();
        assert_eq!(quota_rule, 1);
        // The password is the stored hash behind Dovecot's scheme name, nothing else.
        let exact = store
            .raw_count(&format!(
                "SELECT COUNT(*) AS n FROM mail_accounts a JOIN mailboxes m ON m.address = a.login \
                 WHERE a.login = '{}' AND a.password = '{{ARGON2ID}}' || m.password_hash",
                names[1]
            ))
            .await
            .unwrap();
        assert_eq!(exact, 1);
        // A longer grace in Impostazioni keeps the 31-days-past mailbox receiving.
        store.set_setting("renewal_grace_days", "45").await.unwrap();
        assert_eq!(account(&store, &names[5]).await, Some((0, 1)));
    }
}

/// Is Dovecot here? Without it the Dovecot tests are skipped, unless they are required.
fn dovecot_installed() -> bool {
    let found = Command::new("dovecot").arg("--version").output().is_ok_and(|o| o.status.success());
    assert!(
        found || std::env::var("PEC_REQUIRE_DOVECOT").as_deref() != Ok("1"),
        "PEC_REQUIRE_DOVECOT=1 but dovecot is not installed (scripts/setup.sh test installs it)"
    );
    found
}

/// A Dovecot of the test's own, with the configuration `mail-config dovecot` writes; stopped
/// when dropped.
struct Dovecot {
    child: Child,
    dir: PathBuf,
    imap_port: u16,
}

/// The loopback addresses Dovecot listens on in these tests: 127.0.0.1 to 127.0.0.LOOPBACKS.
const LOOPBACKS: u8 = 24;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Dovecot {
    async fn start(database: MailDatabase) -> Dovecot {
        let dir = std::env::temp_dir().join(format!("pec-dovecot-{}-{}", std::process::id(), free_port()));
        let _ = std::fs::remove_dir_all(&dir);
        let setup = DovecotSetup {
            dir: dir.clone(),
            listen: (1..=LOOPBACKS).map(|i| format!("127.0.0.{i}")).collect::<Vec<_>>().join(" "),
            imap_port: free_port(),
            lmtp_port: free_port(),
            database,
            mail_user: "dovecot".into(),
        };
        write_dovecot(&setup).unwrap();
        let child = Command::new("dovecot")
            .arg("-F")
            .arg("-c")
            .arg(dir.join("dovecot.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::from(std::fs::File::create(dir.join("stderr.log")).unwrap()))
            .spawn()
            .expect("start dovecot");
        let dovecot = Dovecot { child, dir, imap_port: setup.imap_port };
        let deadline = Instant::now() + Duration::from_secs(20);
        while tokio::net::TcpStream::connect((format!("127.0.0.{LOOPBACKS}"), dovecot.imap_port))
            .await
            .is_err()
        {
            assert!(Instant::now() < deadline, "dovecot did not listen in 20 s: {}", dovecot.log());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        dovecot
    }

    fn log(&self) -> String {
        let read = |name: &str| std::fs::read_to_string(self.dir.join(name)).unwrap_or_default();
        format!("{}{}", read("stderr.log"), read("dovecot.log"))
    }

    /// IMAP `LOGIN` on a new connection: the tagged answer (`a OK …`, `a NO …`, `a BAD …`).
    /// Each from and to an address of its own in 127.0.0.0/8 (Dovecot listens on
    /// [`LOOPBACKS`]): Dovecot slows an address down after a failed login, as it should, which
    /// would only make the test wait; and it takes a plain-text password only on a connection
    /// to the address it came from.
    async fn login(&self, user: &str, password: &str) -> String {
        static NEXT: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);
        let host = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % LOOPBACKS + 1;
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind(std::net::SocketAddr::from(([127, 0, 0, host], 0))).unwrap();
        let stream =
            socket.connect(std::net::SocketAddr::from(([127, 0, 0, host], self.imap_port))).await.unwrap();
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read).lines();
        let greeting = lines.next_line().await.unwrap().unwrap_or_default();
        assert!(greeting.starts_with("* OK"), "{greeting}");
        let quote = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
        write.write_all(format!("a LOGIN {} {}\r\n", quote(user), quote(password)).as_bytes()).await.unwrap();
        let answer = tokio::time::timeout(Duration::from_secs(20), async {
            loop {
                match lines.next_line().await {
                    Ok(Some(line)) if line.starts_with("a ") || line.starts_with("* BYE") => return line,
                    Ok(Some(_)) => continue,
                    _ => return "closed".to_string(),
                }
            }
        })
        .await
        .expect("an answer to LOGIN in 20 s");
        let _ = write.write_all(b"b LOGOUT\r\n").await;
        answer
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
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
    MailDatabase::Postgres(mail_url)
}

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
