//! Faults, with real server processes (the built binary) on loopback: SIGKILL in the middle of
//! a 10,000-mailbox order, PostgreSQL stopped and started under a running server, the SMTP
//! server down then back with two server processes, two processes on one PostgreSQL, a full
//! disk under SQLite. Each test bounds its own waiting and stops its processes.
//!
//! The parts: this file holds the harness (a server process, one HTTP request, checks of the
//! database); `crash.rs`, `database.rs` (PostgreSQL stopped), `smtp.rs`, `processes.rs` (two
//! processes on one PostgreSQL) and `disk.rs` hold the faults.

mod crash;
mod database;
mod disk;
mod processes;
mod smtp;

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

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0\n")).unwrap_or(false)
}
