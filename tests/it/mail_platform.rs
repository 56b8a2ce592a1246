//! The mail platform (issue 24), on SQLite and PostgreSQL: the view `mail_accounts` says who
//! may log in and who may receive; a real Dovecot (Debian's 2.3, as a child process of the
//! test, on a loopback port, with the configuration `mail-config dovecot` writes) logs the holder
//! in with the password chosen through the link, and nobody else, and delivers over LMTP to whom
//! may receive; Postfix's `postmap` finds in the view the mailboxes and domains that may
//! receive. Without Dovecot or Postfix installed these tests are skipped, unless
//! PEC_REQUIRE_MAIL_SERVERS=1 (`make test` installs both and sets it).

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
        let disk = disk_gb(&store, &userids[1]).await;
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

/// A Dovecot of the test's own, with the configuration `mail-config dovecot` writes; stopped
/// when dropped.
struct Dovecot {
    child: Child,
    dir: PathBuf,
    imap_port: u16,
    lmtp_port: u16,
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
        let dovecot = Dovecot { child, dir, imap_port: setup.imap_port, lmtp_port: setup.lmtp_port };
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

    /// IMAP `LOGIN` on a new connection: the tagged answer (`a OK …`, `a NO …`, `a BAD …`, or
    /// Dovecot's `* BYE` when it hangs up).
    async fn login(&self, user: &str, password: &str) -> String {
        let mut t = Talk::open(self.imap_port).await;
        let greeting = t.say(None, |_| true).await;
        assert!(greeting.first().is_some_and(|g| g.starts_with("* OK")), "{greeting:?}");
        let quote = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
        let answer = t
            .say(Some(&format!("a LOGIN {} {}", quote(user), quote(password))), |l| {
                l.starts_with("a ") || l.starts_with("* BYE")
            })
            .await;
        let _ = t.write.write_all(b"b LOGOUT\r\n").await;
        answer.last().cloned().unwrap_or_else(|| "closed".into())
    }
}

/// A line-based conversation on a loopback connection of its own (see [`Dovecot::login`]).
struct Talk {
    lines: tokio::io::Lines<BufReader<tokio::net::tcp::OwnedReadHalf>>,
    write: tokio::net::tcp::OwnedWriteHalf,
}

impl Talk {
    async fn open(port: u16) -> Talk {
        // Each from and to an address of its own in 127.0.0.0/8 (Dovecot listens on
        // [`LOOPBACKS`]): Dovecot slows an address down after a failed login, as it should,
        // which would only make the tests wait; and it takes a plain-text password only on a
        // connection to the address it came from.
        static NEXT: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);
        let host = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % LOOPBACKS + 1;
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind(std::net::SocketAddr::from(([127, 0, 0, host], 0))).unwrap();
        let stream = socket.connect(std::net::SocketAddr::from(([127, 0, 0, host], port))).await.unwrap();
        let (read, write) = stream.into_split();
        Talk { lines: BufReader::new(read).lines(), write }
    }

    /// Sends `line` (when given) and reads until `done` says a line ends the answer: every line.
    async fn say(&mut self, line: Option<&str>, done: impl Fn(&str) -> bool) -> Vec<String> {
        if let Some(line) = line {
            self.write.write_all(format!("{line}\r\n").as_bytes()).await.unwrap();
        }
        let mut got = Vec::new();
        tokio::time::timeout(Duration::from_secs(20), async {
            while let Ok(Some(l)) = self.lines.next_line().await {
                let end = done(&l);
                got.push(l);
                if end {
                    break;
                }
            }
        })
        .await
        .expect("an answer in 20 s");
        got
    }
}

/// The last line of an SMTP/LMTP answer has a space after its code.
fn smtp_end(line: &str) -> bool {
    line.as_bytes().get(3) != Some(&b'-')
}

impl Dovecot {
    /// A message to `to` over LMTP, as Postfix hands it over: the answer to `RCPT TO`, and to
    /// the data when the recipient was accepted.
    async fn deliver(&self, to: &str) -> (String, String) {
        let mut t = Talk::open(self.lmtp_port).await;
        t.say(None, smtp_end).await;
        t.say(Some("LHLO pec-manager.test"), smtp_end).await;
        t.say(Some("MAIL FROM:<mittente@example.it>"), smtp_end).await;
        let rcpt = t.say(Some(&format!("RCPT TO:<{to}>")), smtp_end).await.join("\n");
        if !rcpt.starts_with("250") {
            return (rcpt, String::new());
        }
        t.say(Some("DATA"), smtp_end).await;
        let body = format!(
            "From: mittente@example.it\r\nTo: {to}\r\nSubject: Prova\r\n\r\n{}\r\n.",
            "Messaggio di prova. ".repeat(200)
        );
        let data = t.say(Some(&body), smtp_end).await.join("\n");
        t.say(Some("QUIT"), smtp_end).await;
        (rcpt, data)
    }

    /// Logs in and asks `GETQUOTAROOT INBOX`: every line of the answer.
    async fn quota(&self, user: &str, password: &str) -> Vec<String> {
        let mut t = Talk::open(self.imap_port).await;
        t.say(None, |_| true).await;
        let login = t.say(Some(&format!("a LOGIN \"{user}\" \"{password}\"")), |l| l.starts_with("a ")).await;
        assert!(login.last().is_some_and(|l| l.starts_with("a OK")), "{login:?}");
        let quota = t.say(Some("b GETQUOTAROOT INBOX"), |l| l.starts_with("b ")).await;
        t.say(Some("c LOGOUT"), |l| l.starts_with("c ")).await;
        quota
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
    MailDatabase::from_url(&mail_url).unwrap()
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dovecot_delivers_to_who_may_receive_and_counts_the_mailbox_s_disk_space() {
    if !dovecot_installed() {
        return;
    }
    for store in common::stores().await {
        let n = std::process::id();
        let names: Vec<String> =
            ["riceve", "sospesa", "revocata"].iter().map(|s| format!("{s}{n}q@legalmail.it")).collect();
        let (userids, tokens) = active_mailboxes(&store, &names).await;
        let password = "Segreta-2026!";
        choose_password(&store, &tokens[0], password).await;
        let alfa = common::operator(&store, "alfa").await;
        store.change_state(&alfa, &userids[1], Transition::Suspend).await.unwrap();
        store.change_state(&alfa, &userids[2], Transition::Revoke(RevocationReason::ALL[0])).await.unwrap();
        let dovecot = Dovecot::start(mail_database(&store).await).await;

        // Delivery over LMTP: the active and the suspended mailbox receive; the revoked one, and
        // an address nobody has, are refused at RCPT, so the sender is told.
        let (rcpt, data) = dovecot.deliver(&names[0]).await;
        assert!(rcpt.starts_with("250") && data.starts_with("250"), "{rcpt} / {data}: {}", dovecot.log());
        let (rcpt, data) = dovecot.deliver(&names[1].to_uppercase()).await;
        assert!(rcpt.starts_with("250") && data.starts_with("250"), "suspended: {rcpt} / {data}");
        for refused in [names[2].clone(), format!("nessuno{n}@legalmail.it")] {
            let (rcpt, _) = dovecot.deliver(&refused).await;
            assert!(rcpt.starts_with('5'), "{refused}: {rcpt}");
        }

        // The quota is the mailbox's disk space, and the delivered message is counted in it.
        let disk_gb = disk_gb(&store, &userids[0]).await;
        let answer = dovecot.quota(&names[0], password).await;
        let line = answer.iter().find(|l| l.starts_with("* QUOTA ")).unwrap_or_else(|| panic!("{answer:?}"));
        let numbers: Vec<i64> = line
            .rsplit_once("STORAGE ")
            .map(|(_, rest)| rest.trim_end_matches(')').split(' ').filter_map(|v| v.parse().ok()).collect())
            .unwrap_or_default();
        assert_eq!(numbers.len(), 2, "{line}");
        assert!(numbers[0] > 0, "the delivered message is counted: {line}");
        assert_eq!(numbers[1], disk_gb * 1024 * 1024, "the limit in KiB: {line}");

        let log = dovecot.log();
        for bad in ["Error:", "Fatal:", "Panic:"] {
            assert!(!log.contains(bad), "{:?}: {bad} in dovecot's log:\n{log}", store.backend());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postfix_finds_in_the_view_the_mailboxes_and_domains_that_may_receive() {
    if !installed("postmap") {
        return;
    }
    for store in common::stores().await {
        let n = std::process::id();
        let names: Vec<String> =
            ["riceve", "sospesa", "revocata"].iter().map(|s| format!("{s}{n}p@legalmail.it")).collect();
        let (userids, _) = active_mailboxes(&store, &names).await;
        let alfa = common::operator(&store, "alfa").await;
        store.change_state(&alfa, &userids[1], Transition::Suspend).await.unwrap();
        store.change_state(&alfa, &userids[2], Transition::Revoke(RevocationReason::ALL[0])).await.unwrap();
        let database = mail_database(&store).await;
        let kind = if matches!(database, MailDatabase::Postgres(_)) { "pgsql" } else { "sqlite" };
        let dir = std::env::temp_dir().join(format!("pec-postfix-{n}-{}", free_port()));
        let setup = DovecotSetup {
            dir: dir.clone(),
            listen: "127.0.0.1".into(),
            imap_port: 1143,
            lmtp_port: 1024,
            database,
            mail_user: "dovecot".into(),
        };
        write_dovecot(&setup).unwrap();
        let main_cf = std::fs::read_to_string(dir.join("postfix-main.cf")).unwrap();
        assert!(main_cf
            .contains(&format!("virtual_mailbox_maps = {kind}:{}/postfix-mailboxes.cf", dir.display())));
        assert!(main_cf.contains("virtual_transport = lmtp:inet:127.0.0.1:1024"));
        // `postmap -q KEY TABLE`: the value found, or `None` (exit status 1, nothing printed).
        let lookup = |key: &str, table: &str| {
            let out = Command::new("postmap")
                .args(["-q", key, &format!("{kind}:{}", dir.join(table).display())])
                .output()
                .unwrap();
            let found = String::from_utf8_lossy(&out.stdout).trim().to_string();
            assert!(
                out.status.success() || found.is_empty(),
                "{key}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let errors = String::from_utf8_lossy(&out.stderr).to_string();
            assert!(!errors.contains("fatal") && !errors.contains("warning"), "{key}: {errors}");
            out.status.success().then_some(found)
        };
        assert_eq!(lookup(&names[0].to_uppercase(), "postfix-mailboxes.cf"), Some(names[0].clone()));
        assert_eq!(lookup(&names[1], "postfix-mailboxes.cf"), Some(names[1].clone()), "suspended");
        assert_eq!(lookup(&names[2], "postfix-mailboxes.cf"), None, "revoked");
        assert_eq!(lookup(&format!("nessuno{n}@legalmail.it"), "postfix-mailboxes.cf"), None);
        assert_eq!(lookup(&format!("{}' OR '1'='1", names[2]), "postfix-mailboxes.cf"), None);
        assert_eq!(lookup("LEGALMAIL.IT", "postfix-domains.cf"), Some("legalmail.it".to_string()));
        assert_eq!(lookup("example.org", "postfix-domains.cf"), None);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
