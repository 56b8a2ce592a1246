//! The mail platform (issue 24), on SQLite and PostgreSQL: the view `mail_accounts` says who
//! may log in and who may receive; a real Dovecot (Debian's 2.3, as a child process of the
//! test, on a loopback port, with the configuration `mail-config dovecot` writes) logs the holder
//! in with the password chosen through the link, and nobody else, and delivers over LMTP to whom
//! may receive; Postfix's `postmap` finds in the view the mailboxes and domains that may
//! receive. Without Dovecot or Postfix installed these tests are skipped, unless
//! PEC_REQUIRE_MAIL_SERVERS=1 (`make test` installs both and sets it).

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
    store.fulfil_order(&op, &number, &common::signed_pdf(), today, &*link).await.unwrap();
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

        // What each change queued for the mail servers, in its own transaction: the suspended
        // and the revoked mailbox's sessions cut, the revoked one's mail purged later; the
        // hourly job's expiry cuts the sessions of the mailbox past its date.
        let today = pec_manager::server::today();
        assert_eq!(store.expire_due(today).await.unwrap(), 1);
        let jobs: Vec<(MailJobKind, String)> =
            store.mail_jobs_for_tests().await.unwrap().into_iter().map(|j| (j.0, j.1)).collect();
        let of = |i: usize| jobs.iter().filter(|j| j.1 == names[i]).map(|j| j.0).collect::<Vec<_>>();
        assert_eq!(of(2), [MailJobKind::Kick], "suspended");
        assert_eq!(of(6), [MailJobKind::Kick, MailJobKind::Purge], "revoked");
        assert_eq!(of(3), [MailJobKind::Kick], "expired by the hourly job");
        assert!(of(1).is_empty() && of(0).is_empty(), "nothing for the active ones: {jobs:?}");
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
    doveadm_port: u16,
    api_key: String,
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
        let dict_user = match &database {
            MailDatabase::Sqlite(path) => sqlite_owner(path).unwrap(),
            MailDatabase::Postgres(_) => "dovecot".into(),
        };
        let setup = DovecotSetup {
            dir: dir.clone(),
            listen: (1..=LOOPBACKS).map(|i| format!("127.0.0.{i}")).collect::<Vec<_>>().join(" "),
            imap_port: free_port(),
            lmtp_port: free_port(),
            doveadm_port: free_port(),
            api_key: api_key_for(&dir),
            database,
            mail_user: "dovecot".into(),
            dict_user,
        };
        write_dovecot(&setup).unwrap();
        let mut dovecot = Dovecot {
            child: Self::spawn(&dir),
            dir,
            imap_port: setup.imap_port,
            lmtp_port: setup.lmtp_port,
            doveadm_port: setup.doveadm_port,
            api_key: setup.api_key.clone(),
        };
        dovecot.wait_listening().await;
        dovecot
    }

    fn spawn(dir: &std::path::Path) -> Child {
        Command::new("dovecot")
            .arg("-F")
            .arg("-c")
            .arg(dir.join("dovecot.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::from(
                std::fs::OpenOptions::new().create(true).append(true).open(dir.join("stderr.log")).unwrap(),
            ))
            .spawn()
            .expect("start dovecot")
    }

    /// Stops it, as a mail server restart or crash would.
    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(self.dir.join("run").join("master.pid"));
    }

    /// Starts it again with the same configuration.
    async fn restart(&mut self) {
        self.child = Self::spawn(&self.dir);
        self.wait_listening().await;
    }

    /// The platform's side: a provisioning worker that reaches this Dovecot's doveadm API.
    fn provisioner(&self) -> Arc<Provisioner> {
        let url = format!("http://127.0.0.1:{}/doveadm/v1", self.doveadm_port);
        let doveadm: Arc<dyn MailPlatform> = Arc::new(Doveadm::new(&url, &self.api_key).unwrap());
        Provisioner::new(Some(doveadm), Duration::from_secs(30))
    }

    async fn wait_listening(&mut self) {
        let dovecot = &*self;
        let deadline = Instant::now() + Duration::from_secs(20);
        while tokio::net::TcpStream::connect((format!("127.0.0.{LOOPBACKS}"), dovecot.imap_port))
            .await
            .is_err()
        {
            assert!(Instant::now() < deadline, "dovecot did not listen in 20 s: {}", dovecot.log());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        while tokio::net::TcpStream::connect(("127.0.0.1", dovecot.doveadm_port)).await.is_err() {
            assert!(Instant::now() < deadline, "doveadm did not listen in 20 s: {}", dovecot.log());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
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
        self.deliver_lines(to, 1).await
    }

    /// As [`Dovecot::deliver`], the text `lines` times 4 kB.
    async fn deliver_lines(&self, to: &str, lines: usize) -> (String, String) {
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
            vec!["Messaggio di prova. ".repeat(200); lines].join("\r\n")
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
        self.stop();
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
            doveadm_port: 8080,
            api_key: api_key_for(&dir),
            database,
            mail_user: "dovecot".into(),
            dict_user: "dovecot".into(),
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

/// An IMAP session that has logged in, and waits.
async fn open_session(dovecot: &Dovecot, user: &str, password: &str) -> Talk {
    let mut t = Talk::open(dovecot.imap_port).await;
    t.say(None, |_| true).await;
    let login = t.say(Some(&format!("a LOGIN \"{user}\" \"{password}\"")), |l| l.starts_with("a ")).await;
    assert!(login.last().is_some_and(|l| l.starts_with("a OK")), "{login:?}");
    t
}

/// How long until the server ends `session` (Dovecot's `* BYE`, or the connection closed).
async fn cut_within(session: &mut Talk, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    tokio::time::timeout(limit, async {
        while let Ok(Some(line)) = session.lines.next_line().await {
            if line.starts_with("* BYE") {
                break;
            }
        }
    })
    .await
    .ok()
    .map(|()| started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suspending_cuts_the_open_sessions_at_once_and_a_stopped_mail_server_gets_the_kick_later() {
    if !dovecot_installed() {
        return;
    }
    for store in common::stores().await {
        let n = std::process::id();
        let names: Vec<String> = (0..12).map(|i| format!("kick{i}x{n}@legalmail.it")).collect();
        let (userids, tokens) = active_mailboxes(&store, &names).await;
        let password = "Segreta-2026!";
        choose_password(&store, &tokens[0], password).await;
        let mut dovecot = Dovecot::start(mail_database(&store).await).await;
        let worker = dovecot.provisioner();
        worker.spawn(store.clone());
        let alfa = common::operator(&store, "alfa").await;
        let ok = |answer: &str| answer.starts_with("a OK");

        // Suspended while logged in: the session is cut within 5 s, a new login refused.
        let mut session = open_session(&dovecot, &names[0], password).await;
        store.change_state(&alfa, &userids[0], Transition::Suspend).await.unwrap();
        worker.wake();
        let cut = cut_within(&mut session, Duration::from_secs(5)).await;
        assert!(
            cut.is_some(),
            "{:?}: the open session was not cut in 5 s: {}",
            store.backend(),
            dovecot.log()
        );
        assert!(!ok(&dovecot.login(&names[0], password).await));
        let page = store.mailbox(alfa.scope(), &userids[0]).await.unwrap().unwrap();
        assert_eq!(page.mail_sync.jobs.due, 0, "the kick is done");
        assert!(synced(&page));
        store.change_state(&alfa, &userids[0], Transition::Reactivate).await.unwrap();
        assert!(ok(&dovecot.login(&names[0], password).await), "reactivated");

        // The mail server is down while an operator suspends (a reseller's mass suspension):
        // every suspension is saved, the kicks wait, with the reason on the mailbox page.
        dovecot.stop();
        for userid in &userids[1..] {
            store.change_state(&alfa, userid, Transition::Suspend).await.unwrap();
        }
        let (done, failed) = dovecot.provisioner().run_due(&store).await.unwrap();
        assert_eq!((done, failed), (0, 11), "{:?}", store.backend());
        let page = store.mailbox(alfa.scope(), &userids[1]).await.unwrap().unwrap();
        assert_eq!(page.state, pec_manager::domain::MailboxState::Sospesa);
        let mut sync = page.mail_sync.clone();
        sync.configured = true;
        assert!(
            sync.line().starts_with(
                "in attesa: 1 operazione, 1 tentativo, ultimo errore: server di posta non raggiungibile"
            ),
            "{}",
            sync.line()
        );
        let health = store.mail_queue_health().await.unwrap();
        assert_eq!((health.due, health.failing), (11, 11));

        // Back up: two server processes' workers share the queue, and each kick is done once.
        dovecot.restart().await;
        store.mail_jobs_due_now().await.unwrap();
        let (one, two) = (dovecot.provisioner(), dovecot.provisioner());
        let (a, b) = tokio::join!(one.run_due(&store), two.run_due(&store));
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!((a.0 + b.0, a.1 + b.1), (11, 0), "{:?}: {a:?} {b:?}", store.backend());
        let jobs = store.mail_jobs_for_tests().await.unwrap();
        let kicks: Vec<_> = jobs.iter().filter(|j| names[1..].contains(&j.1)).collect();
        assert_eq!(kicks.len(), 11);
        assert!(kicks.iter().all(|j| j.0 == MailJobKind::Kick && j.2 == 2 && j.3), "{kicks:?}");
        assert_eq!(store.mail_queue_health().await.unwrap().due, 0);

        let log = dovecot.log();
        for bad in ["Fatal:", "Panic:"] {
            assert!(!log.contains(bad), "{:?}: {bad} in dovecot's log:\n{log}", store.backend());
        }
    }
}

/// Whether the mailbox page says "Piattaforma di posta: sincronizzata" (on an install with one).
fn synced(page: &pec_manager::domain::mailboxes::MailboxDetail) -> bool {
    let mut sync = page.mail_sync.clone();
    sync.configured = true;
    sync.line() == "sincronizzata"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mailbox_page_shows_the_space_the_mail_server_reports_and_revocation_purges_the_mail() {
    if !dovecot_installed() {
        return;
    }
    for store in common::stores().await {
        let n = std::process::id();
        let name = format!("spazio{n}@legalmail.it");
        let (userids, tokens) = active_mailboxes(&store, std::slice::from_ref(&name)).await;
        let userid = &userids[0];
        let password = "Segreta-2026!";
        choose_password(&store, &tokens[0], password).await;
        let dovecot = Dovecot::start(mail_database(&store).await).await;
        let alfa = common::operator(&store, "alfa").await;
        let used_mb = |store: Store, userid: UserId| async move {
            store.mailbox(Scope::All, &userid).await.unwrap().unwrap().services.disk_used_mb
        };
        assert_eq!(used_mb(store.clone(), userid.clone()).await, 0);

        // 3 MB delivered, one small message APPENDed over IMAP: quota_clone writes the mailbox's
        // bytes into mail_usage, which the page reads.
        let (rcpt, data) = dovecot.deliver_lines(&name, 800).await;
        assert!(rcpt.starts_with("250") && data.starts_with("250"), "{rcpt} / {data}: {}", dovecot.log());
        let mut session = open_session(&dovecot, &name, password).await;
        let message = "Subject: Bozza\r\n\r\nUna bozza.\r\n";
        let append = session
            .say(Some(&format!("b APPEND INBOX {{{}+}}\r\n{message}", message.len())), |l| {
                l.starts_with("b ")
            })
            .await;
        assert!(append.last().is_some_and(|l| l.starts_with("b OK")), "{append:?}");
        session.say(Some("c LOGOUT"), |l| l.starts_with("c ")).await;
        // The dict process writes after the session has ended: wait for both messages.
        let count = format!("SELECT COALESCE(MAX(messages), 0) AS n FROM mail_usage WHERE login = '{name}'");
        let mut messages = 0;
        for _ in 0..100 {
            messages = store.raw_count(&count).await.unwrap();
            if messages == 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(messages, 2, "{:?}: {}", store.backend(), dovecot.log());
        let seen = used_mb(store.clone(), userid.clone()).await;
        assert_eq!(seen, 3, "{:?}: the page reads the used space: {}", store.backend(), dovecot.log());
        let page = store.mailbox(Scope::All, userid).await.unwrap().unwrap();
        assert!(pec_manager::domain::mailbox_admin::disk_line(page.services.disk_gb, seen, "")
            .contains("(usato 0,0 GB)"));

        // "Azz." asks the mail server to count again: the count stays what the mailbox holds.
        store
            .change_mailbox(
                &alfa,
                userid,
                pec_manager::store::MailboxChange::ResetDiskUsage,
                &pec_manager::server::mail::link_mail("http://x"),
            )
            .await
            .unwrap();
        let worker = dovecot.provisioner();
        assert_eq!(worker.run_due(&store).await.unwrap(), (1, 0));
        assert_eq!(used_mb(store.clone(), userid.clone()).await, 3);

        // Revoked: the purge waits for the retention period (Impostazioni), then removes the
        // mail, and the mail server reports the mailbox empty.
        store.change_state(&alfa, userid, Transition::Revoke(RevocationReason::ALL[0])).await.unwrap();
        assert_eq!(worker.run_due(&store).await.unwrap(), (1, 0), "the kick, not yet the purge");
        let page = store.mailbox(Scope::All, userid).await.unwrap().unwrap();
        let retention = Settings::default().mail_retention_days;
        assert_eq!(page.mail_sync.jobs.purge_on, day(retention), "{:?}", page.mail_sync);
        assert_eq!(store.mail_queue_health().await.unwrap().scheduled, 1);
        store.mail_jobs_due_now().await.unwrap();
        assert_eq!(worker.run_due(&store).await.unwrap(), (1, 0));
        assert_eq!(used_mb(store.clone(), userid.clone()).await, 0, "{}", dovecot.log());
        let files = walk(&dovecot.dir.join("mail"));
        assert!(files.iter().all(|f| !f.contains("/cur/") && !f.contains("/new/")), "{files:?}");

        let log = dovecot.log();
        for bad in ["Error:", "Fatal:", "Panic:"] {
            assert!(!log.contains(bad), "{:?}: {bad} in dovecot's log:\n{log}", store.backend());
        }
    }
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path.display().to_string());
        }
    }
    out
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
