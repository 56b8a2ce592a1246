//! The connection pool, and its guard: a connection never comes back from the pool inside a
//! transaction.
//!
//! A request dropped at the wrong moment (a client that disconnects, a timeout) can leave its
//! connection inside a transaction that nothing will end; the next request to borrow it would
//! run its "autocommitted" statements inside it, their writes invisible to everyone else and
//! lost when the connection closes, their locks held all the while. sqlx 0.9.1 closes the
//! window it knew of (a drop during `BEGIN`'s round trip); this guard is the second line, for
//! any window still unknown: such a connection is closed — which rolls its transaction back — and
//! counted in a log line, instead of being handed out.

use super::Backend;
use sqlx::any::AnyPoolOptions;
use sqlx::AnyConnection;
use sqlx::{Connection, Executor};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Connections closed because they were about to be handed out inside a transaction, since the
/// process started.
static CLOSED_IN_TRANSACTION: AtomicU64 = AtomicU64::new(0);

/// How many connections the guard has closed in this process (tests; the log line says it too).
pub fn closed_in_transaction() -> u64 {
    CLOSED_IN_TRANSACTION.load(Ordering::Relaxed)
}

/// Counts and logs a connection the guard refuses; `false`, the hook's answer that closes it.
fn refused() -> bool {
    let n = CLOSED_IN_TRANSACTION.fetch_add(1, Ordering::Relaxed) + 1;
    tracing::warn!(
        closed_in_transaction = n,
        "a database connection about to be handed out was inside a transaction: closed, its \
         transaction rolled back ({n} since the start)"
    );
    false
}

/// PostgreSQL's own word on whether this session is inside a transaction block: there `now()`
/// is the time of the block's `BEGIN`, earlier than this statement's; outside one, this statement
/// is its own transaction and the two are equal. A simple-protocol query without parameters, so
/// it is one round trip — the ping it replaces cost the same — and it also proves the connection
/// alive. An aborted transaction refuses every statement (25P02): also inside one.
const PG_IN_TRANSACTION: &str =
    "SELECT CAST(CASE WHEN now() = statement_timestamp() THEN 0 ELSE 1 END AS BIGINT)";

async fn pg_in_transaction(conn: &mut AnyConnection) -> Result<bool, sqlx::Error> {
    match conn.fetch_one(PG_IN_TRANSACTION).await {
        Ok(row) => Ok(sqlx::Row::try_get::<i64, _>(&row, 0)? != 0),
        Err(e) if e.as_database_error().and_then(|d| d.code()).as_deref() == Some("25P02") => Ok(true),
        Err(e) => Err(e),
    }
}

/// The pool's settings for `backend`, with the guard installed.
pub(crate) fn options(backend: Backend) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(if backend == Backend::Sqlite { 4 } else { 10 })
        // A stopped database answers with a clear 503 after this long, not a hung page.
        .acquire_timeout(Duration::from_secs(5))
        // sqlx's own ping before each use is replaced by the check below on PostgreSQL, which
        // finds connections broken by a restart as the ping did; an embedded SQLite connection
        // cannot break so, and a ping cost a round trip to its worker thread per query
        // (scripts/bench_ssr.sh, README).
        .test_before_acquire(false)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                if backend == Backend::Postgres {
                    // The third line: a transaction left idle (which none of ours ever is for
                    // long: none waits on anything but the database) ends with its session,
                    // so that its locks cannot outlive a minute even if its connection is never
                    // handed out again.
                    conn.execute("SET idle_in_transaction_session_timeout = '60s'").await?;
                }
                if backend == Backend::Sqlite {
                    // WAL lets readers work while an order is written; the busy timeout makes
                    // concurrent writers wait instead of failing.
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                }
                Ok(())
            })
        })
        // Checked as it is handed out, not as it is taken back: a dropped transaction's
        // rollback reaches SQLite's worker thread after the connection is back, and the ping the
        // pool sends then has run it by now. sqlx's own count of open transactions is free to
        // read; on PostgreSQL the server's own state, which a cancelled request can leave in a
        // transaction behind sqlx's back, costs the round trip the ping did.
        .before_acquire(move |conn, _| {
            Box::pin(async move {
                let inside = conn.is_in_transaction()
                    || (backend == Backend::Postgres && pg_in_transaction(conn).await?);
                if inside {
                    return Ok(refused());
                }
                Ok(true)
            })
        })
}
