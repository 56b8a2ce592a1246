//! Requests cancelled at any moment — a client that disconnects, a timeout around a database
//! call — must leave no pooled connection inside a transaction: the next request would run its
//! "autocommitted" statements inside it, its writes invisible to everyone else and lost when the
//! connection closes, its locks held for as long as the connection lives (issue 23; sqlx 0.8.6
//! raised its transaction depth only after `BEGIN`'s round trip, so a drop in that window left
//! the server in a transaction that nothing ended).
//!
//! Each test, on SQLite and PostgreSQL: hundreds of writes cancelled at every suspension point
//! and at random times, interleaved with writes that run to the end; afterwards no session is
//! idle in a transaction, every write answered as done is seen from a new connection, and a
//! login works at once.

use crate::common;
use crate::faults::{addresses, order_of, Server};
use hyper::Method;
use hyper::StatusCode;
use pec_manager::domain::api_keys::ApiKeyScope;
use pec_manager::store::{closed_in_transaction, new_token, token_hash, AuditRecord, Backend};
use sqlx::Connection;
use std::future::Future;
use std::task::Poll;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// Polls `fut` until it has been suspended `after` times, then drops it unfinished, as a dropped
/// request does: `None` when it was dropped. Sweeping `after` cancels at every await point in
/// turn, the `BEGIN` round trip among them.
async fn cancelled_after<F: Future>(fut: F, after: u32) -> Option<F::Output> {
    let mut fut = std::pin::pin!(fut);
    let mut suspended = 0;
    std::future::poll_fn(move |cx| match fut.as_mut().poll(cx) {
        Poll::Ready(v) => Poll::Ready(Some(v)),
        Poll::Pending => {
            suspended += 1;
            if suspended >= after {
                Poll::Ready(None)
            } else {
                Poll::Pending
            }
        }
    })
    .await
}

/// A connection of its own to the store's database, outside its pool: what everyone else sees.
struct Observer {
    conn: sqlx::AnyConnection,
    postgres: bool,
}

impl Observer {
    async fn new(url: &str) -> Observer {
        Observer {
            conn: sqlx::AnyConnection::connect(url).await.expect("a new connection"),
            postgres: url.starts_with("postgres"),
        }
    }

    /// Sessions of this database idle inside a transaction (PostgreSQL; SQLite has no such
    /// view, and there a leaked transaction shows as its write lock: the next write waits).
    async fn idle_in_transaction(&mut self) -> i64 {
        if !self.postgres {
            return 0;
        }
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND state LIKE 'idle in transaction%'",
        )
        .fetch_one(&mut self.conn)
        .await
        .expect("pg_stat_activity")
    }

    /// None is left idle in a transaction: a request dropped mid-transaction has its rollback
    /// sent as its connection goes back to the pool, so this waits a moment for it.
    async fn assert_none_idle_in_transaction(&mut self, when: &str) {
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        loop {
            let n = self.idle_in_transaction().await;
            if n == 0 {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{when}: {n} sessions left idle inside a transaction"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// How many rows of `table` have `column` in `values` (hex digits or order numbers: safe
    /// to write into the statement).
    async fn seen(&mut self, table: &str, column: &str, values: &[String]) -> usize {
        let mut seen = 0;
        for chunk in values.chunks(100) {
            let list = chunk.iter().map(|h| format!("'{h}'")).collect::<Vec<_>>().join(", ");
            let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM {table} WHERE {column} IN ({list})"
            )))
            .fetch_one(&mut self.conn)
            .await
            .expect("count");
            seen += n as usize;
        }
        seen
    }
}

/// A store call that must finish: a leaked transaction's locks show here as a wait.
async fn finishes<T>(what: &str, fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(15), fut)
        .await
        .unwrap_or_else(|_| panic!("{what} did not finish in 15 s: a lock held by a leaked transaction?"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_cancelled_at_any_moment_leave_no_connection_inside_a_transaction() {
    for store in common::stores().await {
        let url = store.url_for_tests();
        let op = common::operator(&store, "operatore").await;
        let expires = pec_manager::store::from_now(chrono::Duration::hours(1));
        let session = |hash: String| {
            let (store, expires, op) = (store.clone(), expires.clone(), op.clone());
            async move {
                let audit = AuditRecord::by(&op, "LOGIN", "operatore", &op.username);
                store.create_session(&hash, op.id, &expires, &expires, &audit).await
            }
        };
        let mut observer = Observer::new(&url).await;
        let mut answered = Vec::new();
        let mut cancelled = 0;
        for round in 0..400u32 {
            // A transaction of two writes, dropped at its n-th await (n swept from 1 to 6), or by
            // a timeout of up to 1 ms, as a client's disconnect or a timeout layer does.
            let hash = token_hash(&new_token());
            let outcome = if round % 2 == 0 {
                cancelled_after(session(hash.clone()), 1 + (round / 2) % 6).await
            } else {
                let limit = Duration::from_micros(rand::random_range(0..1_000));
                tokio::time::timeout(limit, session(hash.clone())).await.ok()
            };
            match outcome {
                Some(Ok(())) => answered.push(hash),
                Some(Err(e)) => panic!("round {round}: {e}"),
                None => cancelled += 1,
            }
            observer.assert_none_idle_in_transaction(&format!("round {round}")).await;
            // Normal requests between them, to the end: an autocommitted write and a
            // transaction; each must be seen by everyone once answered.
            let source = format!("10.0.{}.{}", round / 250, round % 250);
            finishes(
                "a login attempt",
                store.claim_login_attempt("operatore", &source, 5, &expires, chrono::Duration::minutes(15)),
            )
            .await
            .expect("a login attempt");
            let attempt = observer.seen("login_attempts", "source", std::slice::from_ref(&source)).await;
            assert_eq!(
                attempt,
                1,
                "round {round}: an autocommitted write is not seen by others ({:?})",
                store.backend()
            );
            let hash = token_hash(&new_token());
            finishes("a session", session(hash.clone())).await.expect("a session");
            answered.push(hash);
        }
        assert!(cancelled >= 100, "only {cancelled} of 400 writes were cancelled: the test cancels too late");
        observer.assert_none_idle_in_transaction("at the end").await;
        assert_eq!(
            observer.seen("sessions", "token_hash", &answered).await,
            answered.len(),
            "writes answered as done are not seen from a new connection ({:?})",
            store.backend()
        );

        // A login works at once: its attempt is claimed and forgotten, as the login form does.
        let record = finishes("a login", store.login_record("operatore")).await.unwrap();
        assert!(record.is_some());
        finishes(
            "a login",
            store.claim_login_attempt("operatore", "127.0.0.1", 5, &expires, chrono::Duration::minutes(15)),
        )
        .await
        .unwrap();
        finishes("a login", store.forget_login_failures("operatore", "127.0.0.1")).await.unwrap();
        observer.assert_none_idle_in_transaction("after a login").await;
        store.close().await;
    }
}

/// One request on a raw connection that the client closes after `after`: hyper then drops the
/// request's future wherever it is.
async fn disconnecting_request(port: u16, request: &[u8], after: Duration) {
    let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await else { return };
    let _ = stream.write_all(request).await;
    tokio::time::sleep(after).await;
    // Reset, not a polite close: the server sees the client gone at once.
    let _ = stream.set_zero_linger();
    drop(stream);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn clients_that_disconnect_mid_request_leave_no_connection_inside_a_transaction() {
    for store in common::stores().await {
        let url = store.url_for_tests();
        let key = crate::api::key(&store, "alfa.admin", "disconnessi", ApiKeyScope::Scrittura).await;
        // No rate limit in the way of the storm.
        let env = [("PEC_API_RATE", "100000".to_string()), ("PEC_API_BURST", "100000".to_string())];
        let server = Server::start(&url, &env).await;
        let mut observer = Observer::new(&url).await;
        // How long an order takes here: the clients go away anywhere within it.
        let started = std::time::Instant::now();
        let r =
            server.api(Method::POST, "/orders", &key, Some(order_of(&addresses("misura", 2)))).await.unwrap();
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let span = (started.elapsed().as_micros() as u64).clamp(1_000, 50_000) * 3 / 2;
        let mut numbers = Vec::new();
        for round in 0..150u32 {
            // Orders (drafts, then a transaction of many writes) whose clients go away at
            // random moments, eight at once.
            let mut storm = Vec::new();
            for i in 0..8 {
                let body = order_of(&addresses(&format!("via{round}x{i}x"), 2)).to_string();
                let request = format!(
                    "POST /api/v1/orders HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer {key}\r\n\
                     content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
                let after = Duration::from_micros(rand::random_range(0..span));
                let port = server.port;
                storm.push(tokio::spawn(async move {
                    disconnecting_request(port, request.as_bytes(), after).await
                }));
            }
            for t in storm {
                t.await.unwrap();
            }
            observer.assert_none_idle_in_transaction(&format!("round {round}")).await;
            // And one that waits for its answer, seen by everyone once answered.
            let r = server
                .api(Method::POST, "/orders", &key, Some(order_of(&addresses(&format!("resta{round}x"), 2))))
                .await
                .unwrap();
            assert_eq!(r.status, StatusCode::CREATED, "round {round}: {}", r.body);
            let number = r.json()["number"].as_str().unwrap().to_string();
            assert_eq!(
                observer.seen("orders", "number", std::slice::from_ref(&number)).await,
                1,
                "round {round}"
            );
            numbers.push(number);
        }
        observer.assert_none_idle_in_transaction("at the end").await;
        assert_eq!(observer.seen("orders", "number", &numbers).await, numbers.len());
        // The storm did cancel orders (else this test would prove nothing), each whole or absent.
        let stormed =
            store.raw_count("SELECT COUNT(*) AS n FROM mailboxes WHERE address LIKE 'via%'").await.unwrap();
        assert!(stormed < 2 * 1_200, "every disconnected order was made: no request was cancelled");
        assert_eq!(stormed % 2, 0, "an order of two mailboxes made in part");

        // A login works at once.
        let cookie = tokio::time::timeout(Duration::from_secs(10), server.login("operatore"))
            .await
            .expect("a login within 10 s");
        let page = server.page("/recenti", &cookie).await;
        assert_eq!(page.status, StatusCode::OK);
        observer.assert_none_idle_in_transaction("after a login").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_left_inside_a_transaction_is_closed_before_it_is_handed_out_again() {
    for store in common::stores().await {
        let url = store.url_for_tests();
        let mut observer = Observer::new(&url).await;
        let expires = pec_manager::store::from_now(chrono::Duration::hours(1));
        let before = closed_in_transaction();
        // With sqlx's own transaction never ended, and (PostgreSQL, where the server tells)
        // behind sqlx's back.
        let cases: &[bool] = if store.backend() == Backend::Postgres { &[false, true] } else { &[false] };
        if store.backend() == Backend::Postgres {
            // The last line: the server itself ends a session left idle in a transaction.
            let limit = store
                .raw_count(
                    "SELECT CAST(EXTRACT(EPOCH FROM CAST(current_setting('idle_in_transaction_session_timeout') \
                     AS INTERVAL)) AS BIGINT) AS n",
                )
                .await
                .unwrap();
            assert_eq!(limit, 60, "idle_in_transaction_session_timeout on the pool's connections");
        }
        for &behind_sqlx in cases {
            store.leave_connection_in_transaction(behind_sqlx).await.unwrap();
            // Back in the pool (a task of the pool's own) before the writes ask for connections:
            // otherwise it could land there after them, and wait for the next request.
            let deadline = std::time::Instant::now() + Duration::from_secs(5);
            while !store.pool_is_idle() {
                assert!(
                    std::time::Instant::now() < deadline,
                    "the pool did not take the connection back in 5 s"
                );
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            // More writes at once than the pool has connections: every idle one is handed out,
            // the one left in a transaction among them.
            let mut writes = Vec::new();
            let mut sources = Vec::new();
            for i in 0..12 {
                let (store, expires, source) =
                    (store.clone(), expires.clone(), format!("guard-{behind_sqlx}-{i}"));
                sources.push(source.clone());
                writes.push(tokio::spawn(async move {
                    store
                        .claim_login_attempt("alfa", &source, 5, &expires, chrono::Duration::minutes(15))
                        .await
                }));
            }
            for w in writes {
                finishes("a write", w).await.unwrap().expect("a write");
            }
            observer.assert_none_idle_in_transaction("after the writes").await;
            assert_eq!(
                observer.seen("login_attempts", "source", &sources).await,
                12,
                "{:?}",
                store.backend()
            );
        }
        assert!(
            closed_in_transaction() >= before + cases.len() as u64,
            "the guard closed {} connections, not {} ({:?})",
            closed_in_transaction() - before,
            cases.len(),
            store.backend()
        );
    }
}
