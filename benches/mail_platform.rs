//! The mail platform at scale (issue 24), on a throw-away PostgreSQL (`scripts/bench_mail.sh`):
//! `BENCH_MAILBOXES` mailboxes (default 1,000,000, filled as the scale benchmark fills them),
//! every one with a password, 10,000 additional users, and a real Dovecot with the
//! configuration `mail-config dovecot` writes, connected as the mail servers' own role:
//! 1. Dovecot's password and user lookups, the statements its dict process and its SQL driver
//!    send, for random logins (holders and additional users), p50 / p99;
//! 2. IMAP logins a second from 50 parallel clients (connect, LOGIN, LOGOUT), first logins
//!    (the mail server makes the mailbox's folders) and logins again, next to what
//!    argon2 alone allows on this machine (verifications of the same hash on every core);
//! 3. the provisioning queue draining 10,000 kicks (a reseller's mass suspension).
//!
//! Results are in README.md.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stdout)] // a benchmark may stop at a broken fixture
mod common;
use common::{filled, line, ms, time};
use pec_manager::server::mail_platform::{
    api_key_for, grant_sql, passdb_lookup_sql, write_dovecot, DovecotSetup, MailDatabase,
};
use pec_manager::server::provisioning::{Doveadm, MailPlatform, Provisioner};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const PASSWORD: &str = "Segreta-2026!";
const CLIENTS: usize = 50;
const LOGIN_SECONDS: u64 = 20;
const KICKS: i64 = 10_000;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// One IMAP login and logout on a new connection from `from` (an address of 127.0.0.0/8):
/// `Err` with what went wrong.
async fn imap_login(from: u8, port: u16, user: &str) -> Result<(), String> {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(std::net::SocketAddr::from(([127, 0, 0, from], 0))).unwrap();
    let stream = socket
        .connect(std::net::SocketAddr::from(([127, 0, 0, from], port)))
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    match lines.next_line().await {
        Ok(Some(l)) if l.starts_with("* OK") => {}
        other => return Err(format!("greeting: {other:?}")),
    }
    write.write_all(format!("a LOGIN \"{user}\" \"{PASSWORD}\"\r\n").as_bytes()).await.unwrap();
    let mut answer = Err("no answer to LOGIN".to_string());
    while let Ok(Some(l)) = lines.next_line().await {
        if l.starts_with("a ") {
            answer = if l.starts_with("a OK") { Ok(()) } else { Err(l) };
            break;
        }
    }
    let _ = write.write_all(b"b LOGOUT\r\n").await;
    while let Ok(Some(l)) = lines.next_line().await {
        if l.starts_with("b ") {
            break;
        }
    }
    answer
}

/// `CLIENTS` clients logging in to `holders` in turn for `LOGIN_SECONDS`: (successes,
/// failures, seconds).
async fn login_storm(port: u16, holders: Arc<Vec<String>>) -> (usize, usize, f64) {
    let (ok, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let t = Instant::now();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (holders, ok, failed) = (Arc::clone(&holders), Arc::clone(&ok), Arc::clone(&failed));
            tokio::spawn(async move {
                let mut i = c;
                while t.elapsed() < Duration::from_secs(LOGIN_SECONDS) {
                    let user = &holders[i % holders.len()];
                    match imap_login(c as u8 + 1, port, user).await {
                        Ok(()) => {
                            ok.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(why) => {
                            if failed.fetch_add(1, Ordering::Relaxed) < 3 {
                                println!("  a failed login of {user}: {why}");
                            }
                        }
                    }
                    i += CLIENTS;
                }
            })
        })
        .collect();
    for c in clients {
        c.await.unwrap();
    }
    (ok.load(Ordering::Relaxed), failed.load(Ordering::Relaxed), t.elapsed().as_secs_f64())
}

#[tokio::main]
async fn main() {
    let url = std::env::var("BENCH_DATABASE_URL")
        .expect("BENCH_DATABASE_URL: a throw-away PostgreSQL (scripts/bench_mail.sh)");
    let total: usize =
        std::env::var("BENCH_MAILBOXES").ok().and_then(|n| n.parse().ok()).unwrap_or(1_000_000);
    let (store, _, _) = filled(&url, total).await;

    // Every mailbox a password (one hash for all: a login costs the hash's parameters, whichever
    // hash it is), active until well after today; 10,000 additional users with their logins.
    let t = Instant::now();
    let hash = pec_manager::server::auth::hash_password(PASSWORD).unwrap();
    store
        .raw_execute(&format!(
            "UPDATE mailboxes SET password_hash = '{hash}', expires_at = '2030-01-01' \
             WHERE state = 'ATTIVA' AND (password_hash IS NULL OR expires_at < '2030-01-01')"
        ))
        .await
        .unwrap();
    if store.raw_count("SELECT COUNT(*) AS n FROM mailbox_users").await.unwrap() == 0 {
        store
            .raw_execute(&format!(
                "INSERT INTO mailbox_users (mailbox_id, first_name, last_name, tax_code, email, created_at, password_hash) \
                 SELECT id, 'Anna', 'Verdi', 'CF' || id, 'utente' || id || '@example.it', '2026-12-07', '{hash}' \
                 FROM mailboxes WHERE state = 'ATTIVA' AND id % 80 = 4 LIMIT 10000"
            ))
            .await
            .unwrap();
        store
            .raw_execute(
                "UPDATE mailbox_users u SET login = substr(m.address, 1, length(m.address) - length(m.domain) - 1) \
                 || '+u' || u.id || '@' || m.domain FROM mailboxes m WHERE m.id = u.mailbox_id",
            )
            .await
            .unwrap();
    }
    store.raw_execute("VACUUM ANALYZE").await.unwrap();
    println!("passwords and additional users in {:?}", t.elapsed());

    // The mail servers' role, as an administrator makes it.
    let name = url.rsplit('/').next().unwrap().to_string();
    let role = format!("{name}_mail");
    for statement in grant_sql(&name, &role).split(";\n").filter(|s| !s.trim().is_empty()) {
        // A second run finds the role there.
        let _ = store.raw_execute(statement).await;
    }
    let host = url.rsplit_once('@').map(|(_, h)| h).unwrap();
    let mail_url = format!("postgres://{role}:choose-a-password@{host}");

    // A Dovecot reading them.
    let dir = std::env::temp_dir().join(format!("pec-bench-dovecot-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let setup = DovecotSetup {
        dir: dir.clone(),
        listen: (1..=CLIENTS).map(|i| format!("127.0.0.{i}")).collect::<Vec<_>>().join(" "),
        imap_port: free_port(),
        lmtp_port: free_port(),
        doveadm_port: free_port(),
        api_key: api_key_for(&dir),
        database: MailDatabase::from_url(&mail_url).unwrap(),
        mail_user: "dovecot".into(),
        dict_user: "dovecot".into(),
    };
    write_dovecot(&setup).unwrap();
    let mut dovecot = std::process::Command::new("dovecot")
        .arg("-F")
        .arg("-c")
        .arg(dir.join("dovecot.conf"))
        .spawn()
        .expect("dovecot (scripts/setup.sh test installs it)");
    let deadline = Instant::now() + Duration::from_secs(20);
    while tokio::net::TcpStream::connect(("127.0.0.1", setup.doveadm_port)).await.is_err() {
        assert!(Instant::now() < deadline, "dovecot did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // 1. The lookups, as Dovecot sends them (its escaping of `%u` is a no-op on these logins).
    let queries = std::fs::read_to_string(dir.join("dovecot-sql.conf.ext")).unwrap();
    let user_query = queries
        .lines()
        .find_map(|l| l.strip_prefix("user_query = "))
        .map(str::to_string)
        .expect("user_query");
    let password_query = passdb_lookup_sql("'%u'");
    let mut logins: Vec<String> = Vec::new();
    for (sql, n) in [
        ("SELECT login FROM mail_accounts WHERE may_login = 1 AND login NOT LIKE '%+u%' ORDER BY random() LIMIT 2000", 2000),
        ("SELECT login FROM mailbox_users ORDER BY random() LIMIT 200", 200),
    ] {
        let rows: Vec<String> = store.raw_strings(sql).await.unwrap();
        assert_eq!(rows.len(), n, "{sql}");
        logins.extend(rows);
    }
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&mail_url).await.unwrap();
    let conn = &mut conn;
    let mut lookups = Vec::new();
    for (what, template) in [("password lookup", &password_query), ("user lookup", &user_query)] {
        let mut times = Vec::new();
        for login in &logins {
            let sql = template.replace("%u", login).replace("%s", "imap");
            let t = Instant::now();
            let found = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_optional(&mut *conn).await.unwrap();
            times.push(t.elapsed());
            assert!(found.is_some() || what == "user lookup", "{login}");
        }
        times.sort();
        let at = |q: f64| times[((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1];
        line(&format!("Dovecot's {what} ({} logins)", logins.len()), (at(0.5), at(0.99)), "p99 <= 2 ms");
        lookups.push((at(0.5), at(0.99)));
    }

    // 2. argon2 alone, on every core; then IMAP logins from 50 clients.
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let verified = Arc::new(AtomicUsize::new(0));
    let t = Instant::now();
    let threads: Vec<_> = (0..cores)
        .map(|_| {
            let (hash, verified) = (hash.clone(), Arc::clone(&verified));
            std::thread::spawn(move || {
                while t.elapsed() < Duration::from_secs(10) {
                    assert!(pec_manager::server::auth::verify_password(PASSWORD, &hash));
                    verified.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for th in threads {
        th.join().unwrap();
    }
    let argon2_rate = verified.load(Ordering::Relaxed) as f64 / t.elapsed().as_secs_f64();
    println!("argon2 alone: {argon2_rate:.1} verifications/s on {cores} cores");

    // A mailbox's first login makes its folders on the mail server; then its client logs in
    // again and again (the provider's steady state). Both, on the same holders.
    let holders: Arc<Vec<String>> = Arc::new(logins[..2000].to_vec());
    let (ok, failed, elapsed) = login_storm(setup.imap_port, Arc::clone(&holders)).await;
    assert!(ok >= 500, "the first logins reached {ok} holders");
    let again: Arc<Vec<String>> = Arc::new(holders[..500].to_vec());
    for (what, (ok, failed, elapsed)) in
        [("first logins", (ok, failed, elapsed)), ("logins again", login_storm(setup.imap_port, again).await)]
    {
        let login_rate = ok as f64 / elapsed;
        println!(
            "IMAP {what} from {CLIENTS} clients: {login_rate:.1}/s ({ok} in {elapsed:.1} s, {failed} failed) = {:.0} % of argon2 alone (goal >= 70 %, no failure)",
            100.0 * login_rate / argon2_rate
        );
    }

    // 3. 10,000 kicks through the queue.
    store
        .raw_execute(&format!(
            "INSERT INTO mail_jobs (mailbox_id, kind, login, created_at, attempts, next_attempt_at, last_error) \
             SELECT id, 'KICK', address, '2026-12-07 00:00:00', 0, '2026-12-07 00:00:00', '' FROM mailboxes \
             ORDER BY id LIMIT {KICKS}"
        ))
        .await
        .unwrap();
    let doveadm: Arc<dyn MailPlatform> = Arc::new(
        Doveadm::new(&format!("http://127.0.0.1:{}/doveadm/v1", setup.doveadm_port), &setup.api_key).unwrap(),
    );
    let worker = Provisioner::new(Some(doveadm), Duration::from_secs(5));
    let t = Instant::now();
    let (done, failed) = worker.run_due(&store).await.unwrap();
    let drained = t.elapsed();
    println!(
        "{KICKS} kicks drained by one worker in {:.2} s ({done} done, {failed} failed; goal <= 30 s)",
        drained.as_secs_f64()
    );
    let r = time(20, |_| async {
        worker.run_due(&store).await.unwrap();
    })
    .await;
    println!("an empty queue's round: p50 {:.2} ms", ms(r.0));

    let _ = dovecot.kill();
    let _ = dovecot.wait();
    // What went wrong on the mail server's side, if anything did.
    let log = std::fs::read_to_string(dir.join("dovecot.log")).unwrap_or_default();
    let errors: Vec<&str> = log
        .lines()
        .filter(|l| ["Error:", "Fatal:", "Panic:", "Warning:"].iter().any(|e| l.contains(e)))
        .collect();
    println!("Dovecot's log: {} errors and warnings", errors.len());
    for l in errors.iter().take(5) {
        println!("  {l}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
