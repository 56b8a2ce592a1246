//! Faults, with real server processes (the built binary) on loopback: SIGKILL in the middle of
//! a 10,000-mailbox order, PostgreSQL stopped and started under a running server, the SMTP
//! server down then back with two server processes, two processes on one PostgreSQL, a full
//! disk under SQLite. Each test bounds its own waiting and stops its processes.

use crate::api::{key, order_body};
use crate::common;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{HeaderMap, Method, Request, StatusCode};
use pec_manager::domain::api_keys::ApiKeyScope;
use pec_manager::store::Store;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A server process of the built binary, killed when dropped.
pub(crate) struct Server {
    child: Child,
    pub(crate) port: u16,
    log: PathBuf,
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn scratch_dir(name: &str) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("pec-faults-{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

impl Server {
    /// Starts `pec-manager serve` on `db_url` (already migrated and seeded) and waits until it
    /// answers.
    pub(crate) async fn start(db_url: &str, env: &[(&str, String)]) -> Server {
        let port = free_port();
        let dir = scratch_dir("server");
        let log = dir.join("server.log");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pec-manager"));
        cmd.arg("serve")
            .env("DATABASE_URL", db_url)
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("LEPTOS_OUTPUT_NAME", "pec-manager")
            .env("PEC_DEMO_DATA", "0")
            .env("PEC_OUTBOX_DIR", dir.join("outbox"))
            .env("RUST_LOG", "warn,sqlx=error")
            .env_remove("SMTP_URL")
            .stdout(Stdio::from(std::fs::File::create(dir.join("stdout.log")).unwrap()))
            .stderr(Stdio::from(std::fs::File::create(&log).unwrap()));
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut server = Server { child: cmd.spawn().expect("start the server"), port, log };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = server.call(Method::GET, "/accesso", &[], Vec::new()).await {
                assert_eq!(r.status, StatusCode::OK, "{}", r.body);
                return server;
            }
            if let Some(status) = server.child.try_wait().unwrap() {
                panic!("the server stopped ({status}): {}", server.log_text());
            }
            assert!(Instant::now() < deadline, "the server did not answer in 60 s: {}", server.log_text());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub(crate) fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGKILL: no clean-up of any kind.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Result<Reply, String> {
        http(self.port, method, path, headers, body).await
    }

    /// A page as a browser asks for it, with a session cookie.
    pub(crate) async fn page(&self, path: &str, cookie: &str) -> Reply {
        self.call(Method::GET, path, &[("accept", "text/html"), ("cookie", cookie)], Vec::new())
            .await
            .unwrap()
    }

    pub(crate) async fn api(
        &self,
        method: Method,
        path: &str,
        key: &str,
        body: Option<Value>,
    ) -> Result<Reply, String> {
        let auth = format!("Bearer {key}");
        let mut headers = vec![("authorization", auth.as_str())];
        if body.is_some() {
            headers.push(("content-type", "application/json"));
        }
        let body = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        self.call(method, &format!("/api/v1{path}"), &headers, body).await
    }

    /// Logs `user` in through the login form; answers the session cookie.
    pub(crate) async fn login(&self, user: &str) -> String {
        let origin = format!("http://127.0.0.1:{}", self.port);
        let form = format!("username={user}&password={}&next=%2F", common::PASSWORD);
        let r = self
            .call(
                Method::POST,
                "/api/accedi",
                &[
                    ("content-type", "application/x-www-form-urlencoded"),
                    ("accept", "text/html"),
                    ("origin", &origin),
                ],
                form.into_bytes(),
            )
            .await
            .unwrap();
        assert_eq!(r.status, StatusCode::FOUND, "login: {}", r.body);
        let cookie = r.headers.get("set-cookie").and_then(|v| v.to_str().ok()).expect("session cookie");
        cookie.split(';').next().unwrap().to_string()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: String,
}

impl Reply {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// One HTTP/1.1 request to 127.0.0.1:`port` on a new connection; `Err` when no answer came.
async fn http(
    port: u16,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> Result<Reply, String> {
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .pool_max_idle_per_host(0)
        .build_http::<Full<Bytes>>();
    let mut req = Request::builder().method(method).uri(format!("http://127.0.0.1:{port}{path}"));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req.body(Full::new(Bytes::from(body))).map_err(|e| e.to_string())?;
    let res = tokio::time::timeout(Duration::from_secs(120), client.request(req))
        .await
        .map_err(|_| "no answer in 120 s".to_string())?
        .map_err(|e| e.to_string())?;
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
    Ok(Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() })
}

/// Orders of `n` mailboxes named `{prefix}{i}@legalmail.it`.
pub(crate) fn addresses(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i:05}@legalmail.it")).collect()
}

pub(crate) fn order_of(addresses: &[String]) -> Value {
    order_body(&addresses.iter().map(String::as_str).collect::<Vec<_>>())
}

pub(crate) async fn count(store: &Store, sql: &str) -> i64 {
    store.raw_count(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// No userid, address or order number twice, and SQLite's file sound.
async fn assert_sound(store: &Store) {
    assert_eq!(store.integrity_check().await.unwrap(), "ok");
    for (table, column) in [("mailboxes", "userid"), ("mailboxes", "address"), ("orders", "number")] {
        let dup = count(
            store,
            &format!(
                "SELECT COUNT(*) AS n FROM (SELECT {column} FROM {table} GROUP BY {column} HAVING COUNT(*) > 1) d"
            ),
        )
        .await;
        assert_eq!(dup, 0, "{table}.{column} has duplicates");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_in_the_middle_of_a_ten_thousand_mailbox_order_leaves_it_whole_or_absent() {
    for store in common::stores().await {
        let url = store.url_for_tests();
        let key = key(&store, "alfa.admin", "guasti", ApiKeyScope::Scrittura).await;
        let mut server = Server::start(&url, &[]).await;

        // An order that completes: how long one takes here.
        let started = Instant::now();
        let r = server
            .api(Method::POST, "/orders", &key, Some(order_of(&addresses("kz", 10_000))))
            .await
            .unwrap();
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let whole = started.elapsed();
        assert_eq!(
            count(&store, "SELECT COUNT(*) AS n FROM mailboxes WHERE address LIKE 'kz%'").await,
            10_000
        );

        // Killed at a quarter, half and three quarters of that time, then restarted.
        let mut absent = 0;
        for (round, fraction) in [(1, 0.25), (2, 0.5), (3, 0.75)] {
            let prefix = format!("k{round}x");
            let body = order_of(&addresses(&prefix, 10_000));
            let port = server.port;
            let auth = format!("Bearer {key}");
            let request = tokio::spawn(async move {
                let body = body.to_string().into_bytes();
                http(
                    port,
                    Method::POST,
                    "/api/v1/orders",
                    &[("authorization", &auth), ("content-type", "application/json")],
                    body,
                )
                .await
            });
            tokio::time::sleep(whole.mul_f64(fraction)).await;
            server.kill();
            let answer = request.await.unwrap();
            let stored =
                count(&store, &format!("SELECT COUNT(*) AS n FROM mailboxes WHERE address LIKE '{prefix}%'"))
                    .await;
            let orders = count(
                &store,
                &format!(
                    "SELECT COUNT(DISTINCT order_id) AS n FROM mailboxes WHERE address LIKE '{prefix}%'"
                ),
            )
            .await;
            assert!(
                stored == 0 || (stored == 10_000 && orders == 1),
                "round {round}: {stored} mailboxes stored"
            );
            if let Ok(r) = &answer {
                // An answer that came before the kill tells the truth.
                assert_eq!(r.status == StatusCode::CREATED, stored == 10_000, "{}", r.body);
            }
            absent += usize::from(stored == 0);
            assert_sound(&store).await;
            server = Server::start(&url, &[]).await;
        }
        assert!(absent > 0, "no kill landed before the order's commit (one order takes {whole:?})");
        // No order is left without its mailboxes (the demo has no orders of its own).
        let empty = count(
            &store,
            "SELECT COUNT(*) AS n FROM orders o WHERE NOT EXISTS (SELECT 1 FROM mailboxes m WHERE m.order_id = o.id)",
        )
        .await;
        assert_eq!(empty, 0);

        // After the restarts the numbering goes on without duplicates.
        let r =
            server.api(Method::POST, "/orders", &key, Some(order_of(&addresses("kdopo", 3)))).await.unwrap();
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_sound(&store).await;
    }
}

/// A PostgreSQL server of the test's own, which it may stop and start.
struct PgCluster {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
}

impl PgCluster {
    /// `None` without PostgreSQL installed, unless PEC_REQUIRE_POSTGRES=1 (then a failure).
    fn create() -> Option<PgCluster> {
        let bin = std::fs::read_dir("/usr/lib/postgresql").ok().and_then(|d| {
            d.filter_map(Result::ok).map(|e| e.path().join("bin")).filter(|b| b.join("initdb").exists()).max()
        });
        let Some(bin) = bin else {
            assert!(
                std::env::var("PEC_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "PEC_REQUIRE_POSTGRES=1 but PostgreSQL is not installed"
            );
            return None;
        };
        let dir = scratch_dir("pg");
        // PostgreSQL refuses to run as root: as root, it runs as `postgres`.
        if is_root() {
            assert!(Command::new("chown").arg("postgres").arg(&dir).status().unwrap().success());
        }
        let cluster = PgCluster { dir, bin, port: free_port() };
        let data = cluster.dir.join("data");
        cluster.run("initdb", &["-D", path(&data), "-A", "trust", "-U", "postgres"]);
        cluster.start();
        Some(cluster)
    }

    fn run(&self, program: &str, args: &[&str]) {
        let exe = self.bin.join(program);
        let out = if is_root() {
            Command::new("runuser").args(["-u", "postgres", "--"]).arg(exe).args(args).output()
        } else {
            Command::new(exe).args(args).output()
        }
        .unwrap();
        assert!(out.status.success(), "{program}: {}", String::from_utf8_lossy(&out.stderr));
    }

    fn start(&self) {
        let options =
            format!("-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off", self.port, path(&self.dir));
        let log = self.dir.join("server.log");
        self.run(
            "pg_ctl",
            &["-D", path(&self.dir.join("data")), "-l", path(&log), "-o", &options, "-w", "start"],
        );
    }

    fn stop(&self) {
        self.run("pg_ctl", &["-D", path(&self.dir.join("data")), "-m", "fast", "-w", "stop"]);
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let _ = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .args(["-D", path(&self.dir.join("data")), "-m", "immediate", "-w", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0\n")).unwrap_or(false)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgresql_stopped_under_a_running_server_gives_an_italian_503_and_the_server_recovers_alone() {
    let Some(pg) = PgCluster::create() else { return };
    let store = common::seeded_store(&pg.url()).await;
    let key = key(&store, "alfa.admin", "guasti", ApiKeyScope::Scrittura).await;
    store.close().await;
    let server = Server::start(&pg.url(), &[]).await;
    let cookie = server.login("alfa").await;
    assert_eq!(server.page("/recenti", &cookie).await.status, StatusCode::OK);

    pg.stop();
    // A page: a whole Italian page, 503 with Retry-After, soon.
    let asked = Instant::now();
    let r = server.page("/recenti", &cookie).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert!(asked.elapsed() < Duration::from_secs(10), "answered after {:?}", asked.elapsed());
    assert!(r.headers["content-type"].to_str().unwrap().starts_with("text/html"));
    assert_eq!(r.headers["retry-after"], "5");
    assert!(
        r.body.contains("<html lang=\"it\">") && r.body.contains("Servizio momentaneamente non disponibile")
    );
    assert!(r.body.contains("il database non risponde. Nessuna modifica è stata salvata"), "{}", r.body);
    // The API: problem details, 503; an order asked now is not made.
    let r =
        server.api(Method::POST, "/orders", &key, Some(order_of(&addresses("pgfermo", 2)))).await.unwrap();
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert_eq!(r.json()["code"], "non_disponibile");

    pg.start();
    // The same server, the same session: working again within seconds, by itself.
    let back = Instant::now();
    loop {
        let r = server.page("/recenti", &cookie).await;
        if r.status == StatusCode::OK {
            assert!(r.body.contains("Attività recenti"));
            break;
        }
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
        assert!(back.elapsed() < Duration::from_secs(30), "not recovered in 30 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let store = Store::open(&pg.url()).await.unwrap();
    assert_eq!(count(&store, "SELECT COUNT(*) AS n FROM mailboxes WHERE address LIKE 'pgfermo%'").await, 0);
    let r =
        server.api(Method::POST, "/orders", &key, Some(order_of(&addresses("pgtornato", 2)))).await.unwrap();
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    store.close().await;
}

/// A fake SMTP server: takes every message and keeps its subject.
struct FakeSmtp {
    received: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeSmtp {
    async fn listen(port: u16, received: Arc<Mutex<Vec<String>>>) -> FakeSmtp {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let inbox = received.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let inbox = inbox.clone();
                tokio::spawn(async move {
                    let _ = smtp_session(stream, inbox).await;
                });
            }
        });
        FakeSmtp { received, task }
    }

    fn stop(self) -> Arc<Mutex<Vec<String>>> {
        self.task.abort();
        self.received
    }
}

async fn smtp_session(stream: tokio::net::TcpStream, inbox: Arc<Mutex<Vec<String>>>) -> std::io::Result<()> {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 prova ESMTP\r\n").await?;
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" | "HELO" => write.write_all(b"250 prova\r\n").await?,
            "DATA" => {
                write.write_all(b"354 avanti\r\n").await?;
                let (mut subject, mut id) = (String::new(), String::new());
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" {
                        break;
                    }
                    if let Some(s) = line.strip_prefix("Subject: ") {
                        subject = s.trim_end().to_string();
                    }
                    if let Some(s) = line.strip_prefix("Message-ID: ") {
                        id = s.trim_end().to_string();
                    }
                }
                inbox.lock().unwrap().push(format!("{subject} {id}"));
                write.write_all(b"250 preso\r\n").await?;
            }
            "QUIT" => {
                write.write_all(b"221 ciao\r\n").await?;
                return Ok(());
            }
            _ => write.write_all(b"250 ok\r\n").await?,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn e_mails_queued_while_smtp_is_down_are_delivered_once_by_two_processes() {
    let Some(store) = common::postgres_store().await else { return };
    let url = store.url_for_tests();
    let smtp_port = free_port();
    let env =
        [("SMTP_URL", format!("smtp://127.0.0.1:{smtp_port}")), ("PEC_MAIL_POLL_SECONDS", "1".to_string())];
    let (a, b) = (Server::start(&url, &env).await, Server::start(&url, &env).await);
    // SMTP is down (nothing listens on its port): every attempt fails, nothing is lost.
    for i in 0..40 {
        let mail = pec_manager::store::Mail {
            recipient: format!("titolare{i}@cliente.it"),
            subject: format!("Prova {i}"),
            body: "Messaggio di prova".into(),
        };
        store.queue_mail(&mail).await.unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while count(&store, "SELECT COUNT(*) AS n FROM outbox WHERE attempts = 0").await > 0 {
        assert!(Instant::now() < deadline, "the processes did not try in 30 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(store.mail_counts().await.unwrap(), (40, 0));

    // SMTP back; the retries made due now rather than in a minute.
    let smtp = FakeSmtp::listen(smtp_port, Arc::new(Mutex::new(Vec::new()))).await;
    store.mail_due_now().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while store.mail_counts().await.unwrap().1 < 40 {
        assert!(Instant::now() < deadline, "not delivered in 30 s: {:?}", store.mail_counts().await);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Both processes keep polling for a while: nothing is sent again.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let received = smtp.stop().lock().unwrap().clone();
    // "Prova N <outbox-ID@domain>": each subject once, each with its own Message-ID.
    let mut subjects: Vec<&str> = received.iter().map(|r| r.split(" <").next().unwrap()).collect();
    subjects.sort();
    let mut expected: Vec<String> = (0..40).map(|i| format!("Prova {i}")).collect();
    expected.sort();
    assert_eq!(subjects, expected, "each e-mail exactly once");
    let ids: std::collections::BTreeSet<&str> =
        received.iter().filter_map(|r| r.split_once(" <outbox-")).map(|(_, id)| id).collect();
    assert_eq!(ids.len(), 40, "{received:?}");
    drop((a, b));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_on_one_postgresql_share_sessions_and_counters_and_run_each_job_once() {
    let Some(store) = common::postgres_store().await else { return };
    let url = store.url_for_tests();
    let key = key(&store, "alfa.admin", "guasti", ApiKeyScope::Scrittura).await;
    let env = [("PEC_HOUSEKEEPING_SECONDS", "1".to_string())];
    let a = Arc::new(Server::start(&url, &env).await);
    let b = Arc::new(Server::start(&url, &env).await);

    // Logged in on one, logged in on the other.
    let cookie = a.login("alfa").await;
    let r = b.page("/recenti", &cookie).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Attività recenti"));

    // Twenty orders at once, half on each: twenty numbers, sixty userids, none twice.
    let mut tasks = Vec::new();
    for i in 0..20 {
        let (server, key) = (if i % 2 == 0 { a.clone() } else { b.clone() }, key.clone());
        tasks.push(tokio::spawn(async move {
            let body = order_of(&addresses(&format!("due{i}x"), 3));
            server.api(Method::POST, "/orders", &key, Some(body)).await.unwrap()
        }));
    }
    let mut numbers = std::collections::BTreeSet::new();
    for t in tasks {
        let r = t.await.unwrap();
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        numbers.insert(r.json()["number"].as_str().unwrap().to_string());
    }
    assert_eq!(numbers.len(), 20);
    assert_sound(&store).await;
    assert_eq!(count(&store, "SELECT COUNT(DISTINCT userid) AS n FROM mailboxes").await, 60);

    // Due work for the jobs, which both processes run every second: mailboxes of the first
    // orders made active, to expire (yesterday), renew tacitly (today) and be reminded (in
    // 10 days).
    let today = chrono::Utc::now().date_naive();
    let day = |d: i64| (today + chrono::Duration::days(d)).format("%Y-%m-%d").to_string();
    for (prefix, expiry, tacit) in [("due0x", day(-1), 0), ("due1x", day(0), 1), ("due2x", day(10), 0)] {
        store
            .raw_execute(&format!(
                "UPDATE mailboxes SET state = 'ATTIVA', expires_at = '{expiry}', invoice_expires_at = '{expiry}', \
                 tacit_renewal = {tacit} WHERE address LIKE '{prefix}%'"
            ))
            .await
            .unwrap();
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    // Expired once: one state change, one audit line each.
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) AS n FROM mailboxes WHERE address LIKE 'due0x%' AND state = 'SCADUTA'"
        )
        .await,
        3
    );
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) AS n FROM activity a JOIN mailboxes m ON m.id = a.mailbox_id \
             WHERE a.kind = 'CASELLA_SCADUTA' AND m.address LIKE 'due0x%'"
        )
        .await,
        3
    );
    // Renewed once: one renewal line each, a single renewal order.
    assert_eq!(
        count(&store, "SELECT COUNT(*) AS n FROM renewals r JOIN mailboxes m ON m.id = r.mailbox_id WHERE m.address LIKE 'due1x%'").await,
        3
    );
    assert_eq!(
        count(&store, &format!("SELECT COUNT(*) AS n FROM mailboxes WHERE address LIKE 'due1x%' AND expires_at > '{}' AND expires_at < '{}'", day(0), day(800))).await,
        3
    );
    // Reminded once: one reminder each, no e-mail twice.
    assert_eq!(
        count(&store, "SELECT COUNT(*) AS n FROM reminders r JOIN mailboxes m ON m.id = r.mailbox_id WHERE m.address LIKE 'due2x%'").await,
        3
    );
    let mails = count(&store, "SELECT COUNT(*) AS n FROM outbox").await;
    let distinct =
        count(&store, "SELECT COUNT(*) AS n FROM (SELECT DISTINCT recipient, subject, body FROM outbox) d")
            .await;
    assert!(mails >= 3, "{mails} reminder e-mails");
    assert_eq!(mails, distinct, "an e-mail queued twice");
}

/// Each process keeps the sessions it read for a few seconds (no session query per page). A
/// logout on one process, an operator disabled or an organisation revoked anywhere ends the
/// session on every process at once (NOTIFY); a change no process announced (a row deleted by
/// hand) within the cache's time.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_end_a_session_at_once_and_an_unannounced_change_within_seconds() {
    let Some(store) = common::postgres_store().await else { return };
    let url = store.url_for_tests();
    let a = Server::start(&url, &[]).await;
    let b = Server::start(&url, &[]).await;
    let signed_out = |r: &Reply| r.status == StatusCode::SEE_OTHER || r.status == StatusCode::FOUND;
    // Within 1 s of the change: the cache keeps an entry 5 s, so only a notice explains it.
    let ends_at_once = |cookie: String, what: &'static str| {
        let b = &b;
        async move {
            let since = Instant::now();
            loop {
                let r = b.page("/recenti", &cookie).await;
                if signed_out(&r) {
                    break;
                }
                assert_eq!(r.status, StatusCode::OK);
                assert!(
                    since.elapsed() < Duration::from_secs(1),
                    "{what}: still served by the other process"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };

    // Logged out on A.
    let cookie = a.login("alfa").await;
    assert_eq!(b.page("/recenti", &cookie).await.status, StatusCode::OK);
    let origin = format!("http://127.0.0.1:{}", a.port);
    let r = a
        .call(
            Method::POST,
            "/api/esci",
            &[
                ("cookie", &cookie),
                ("origin", &origin),
                ("accept", "text/html"),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            Vec::new(),
        )
        .await
        .unwrap();
    assert!(signed_out(&r), "logout: {} {}", r.status, r.body);
    assert!(signed_out(&a.page("/recenti", &cookie).await), "logged out, still served on A");
    ends_at_once(cookie, "logout").await;

    // An operator disabled and an organisation revoked (by a third process, the test's).
    let admin = common::operator(&store, "admin").await;
    let cookie = a.login("operatore").await;
    assert_eq!(b.page("/recenti", &cookie).await.status, StatusCode::OK);
    let audit =
        pec_manager::store::AuditRecord::by(&admin, "OPERATORE_DISATTIVATO", "operatore", "operatore");
    let all = pec_manager::domain::auth::Scope::All;
    assert!(store.set_operator_active(all, "operatore", false, &audit).await.unwrap());
    ends_at_once(cookie, "disabled operator").await;
    let cookie = a.login("alfa.admin").await;
    assert_eq!(b.page("/recenti", &cookie).await.status, StatusCode::OK);
    let alfa = common::operator(&store, "alfa.admin").await.organisation_id;
    store.set_organisation_active(&admin, alfa, false).await.unwrap();
    ends_at_once(cookie, "revoked organisation").await;

    // Deleted by hand, with no notice: B serves it no longer than the cache's 5 s.
    let cookie = a.login("beta").await;
    assert_eq!(b.page("/recenti", &cookie).await.status, StatusCode::OK);
    store.raw_execute("DELETE FROM sessions").await.unwrap();
    let since = Instant::now();
    while !signed_out(&b.page("/recenti", &cookie).await) {
        assert!(since.elapsed() < Duration::from_secs(7), "served past the cache's time");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A small file system of the test's own (tmpfs, mounted as root), to fill up.
struct SmallDisk {
    dir: PathBuf,
}

impl SmallDisk {
    fn mount(megabytes: u32) -> SmallDisk {
        let dir = scratch_dir("disk");
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "the disk-full test mounts a small tmpfs and needs root: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        SmallDisk { dir }
    }

    /// Fills the free space with a file; answers its path.
    fn fill(&self) -> PathBuf {
        use std::io::Write;
        let filler = self.dir.join("riempitivo");
        let mut f = std::fs::File::create(&filler).unwrap();
        let block = vec![0u8; 64 * 1024];
        while f.write_all(&block).is_ok() {}
        let _ = f.sync_all();
        filler
    }

    /// Remounts it read-only (nothing may have a file open for writing on it).
    fn read_only(&self) {
        let out = Command::new("mount").args(["-o", "remount,ro"]).arg(&self.dir).output().unwrap();
        assert!(out.status.success(), "remount read-only: {}", String::from_utf8_lossy(&out.stderr));
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.dir).output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_or_read_only_disk_under_sqlite_refuses_writes_whole_with_a_clear_message() {
    let disk = SmallDisk::mount(16);
    let url = format!("sqlite://{}/pec.db?mode=rwc", disk.dir.display());
    let store = common::seeded_store(&url).await;
    let key = key(&store, "alfa.admin", "guasti", ApiKeyScope::Scrittura).await;
    let server = Server::start(&url, &[]).await;
    let cookie = server.login("alfa").await;

    let filler = disk.fill();
    let r =
        server.api(Method::POST, "/orders", &key, Some(order_of(&addresses("pieno", 2000)))).await.unwrap();
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert_eq!(r.json()["code"], "non_disponibile");
    assert!(
        r.json()["detail"].as_str().unwrap().contains("lo spazio su disco del server è esaurito"),
        "{}",
        r.body
    );
    // Pages still answer: whole, or the Italian 503 page.
    let r = server.page("/recenti", &cookie).await;
    assert!(r.status == StatusCode::OK || r.body.contains("spazio su disco"), "{} {}", r.status, r.body);
    // Nothing half-written.
    assert_eq!(count(&store, "SELECT COUNT(*) AS n FROM mailboxes WHERE address LIKE 'pieno%'").await, 0);

    // Space again: the same order goes through, whole.
    std::fs::remove_file(filler).unwrap();
    let r =
        server.api(Method::POST, "/orders", &key, Some(order_of(&addresses("pieno", 2000)))).await.unwrap();
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(count(&store, "SELECT COUNT(*) AS n FROM mailboxes WHERE address LIKE 'pieno%'").await, 2000);
    assert_sound(&store).await;

    // The file system turns read-only (as after a disk error, here while the server is
    // stopped): the server refuses to start and says why; nothing changes.
    drop(server);
    store.close().await;
    disk.read_only();
    let out = Command::new(env!("CARGO_BIN_EXE_pec-manager"))
        .arg("serve")
        .env("DATABASE_URL", &url)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{}", free_port()))
        .env("LEPTOS_OUTPUT_NAME", "pec-manager")
        .env("PEC_DEMO_DATA", "0")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("pec.db non è scrivibile (file system in sola lettura"), "{err}");
}
