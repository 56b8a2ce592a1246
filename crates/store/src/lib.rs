//! All SQL of the platform. One code path for SQLite (default) and PostgreSQL through sqlx's
//! `Any` driver: bind parameters are written `$N` (both understand them), integers are i64,
//! booleans
//! 0/1, timestamps UTC text. Migrations live in `migrations/sqlite` and `migrations/postgres`.

//!
//! One file per aggregate, each an `impl Store` block with the SQL of what it holds:
//! `reference` (domains, offers, customers, settings), `drafts`, `orders`, `mailboxes` (the
//! mailbox page's reads and changes), `lifecycle` (state changes, expiry, purge), `fulfilment`
//! (the signed contract), `links`, `outbox`, `sessions`, `operators` (organisations, operators,
//! login attempts), `audit` (audit log and activity feed), `search`, and `demo` data.

mod api_keys;
mod audit;
mod caches;
mod customers;
mod demo;
mod documents;
mod domains;
mod drafts;
mod fulfilment;
mod lifecycle;
mod links;
mod lists;
mod mail_jobs;
mod mailboxes;
mod offers;
mod operators;
mod orders;
mod organisations;
mod outbox;
mod pool;
mod products;
mod reference;
mod renewals;
mod reports;
mod search;
mod sessions;
mod settings;

pub use api_keys::{ApiCaller, ApiKeyError};
pub use audit::AuditRecord;
pub use caches::CACHE_FOR;
pub use customers::CustomerError;
pub use documents::{DocumentChange, NewDocument};
pub use domains::{AddDomainError, DomainChangeError};
pub use drafts::StoredDraft;
pub use fulfilment::{FulfilError, IssuedContract, SignatureCheck, SignedContract};
pub use lifecycle::TransitionError;
pub use links::{LinkFor, LinkMail, LinkTarget};
pub use mail_jobs::MailJob;
pub use mailboxes::{ChangeError, EditError, MailboxChange};
pub use offers::{OfferError, COMMAND_LINE};
pub use operators::{AttemptClaim, LoginRecord, NewOperator};
pub use orders::CreateOrderError;
pub use organisations::OrganisationError;
pub use outbox::{Mail, QueuedMail};
pub use pool::closed_in_transaction;
pub use renewals::RenewError;
pub use reports::REPORT_ROWS_MAX;
pub use sessions::{is_token, new_token, session_public_id, token_hash, SessionClient};
pub use settings::SettingsError;

// Helpers the aggregate files share (each starts with `use super::*`): writing the audit and
// activity lines inside a change's transaction, links and mails queued with it, offer services.
use audit::{activity_in, audit_in, escape_like, Activity};
use caches::{announce_in, Change};
use links::{close_links_in, link_in, LinkHolder};
use mail_jobs::{queue_for_state_in, queue_mail_job_in, set_user_logins_in};
use operators::{operator_from_row, OPERATOR_COLUMNS};
use outbox::queue_in;
use reference::{services_from_offer, services_of, OFFER_SERVICES};

use pec_domain::{OrderNumber, UserId};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyPool, AssertSqlSafe, Transaction};

pub use demo::{seed_demo, DEMO_OPERATORS};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("errore del database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migrazione del database non riuscita: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("impossibile creare la cartella del database {path}: {source}")]
    DataDir { path: String, source: std::io::Error },
    #[error(
        "il file del database {path} non è scrivibile (file system in sola lettura o permessi): {source}"
    )]
    ReadOnlyFile { path: String, source: std::io::Error },
    #[error("dati non leggibili nel database: {0}")]
    Corrupt(String),
    #[error("DATABASE_URL non supportato (usare sqlite:// o postgres://): {}", redacted_url(.0))]
    UnsupportedUrl(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Where the store connects (for PostgreSQL's LISTEN connection, and tests).
    url: DatabaseUrl,
    /// What this process keeps in memory, shared by its clones (caches.rs).
    caches: std::sync::Arc<caches::Caches>,
}

/// A database URL, which may hold a password: shown without it.
#[derive(Clone)]
struct DatabaseUrl(String);

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&redacted_url(&self.0))
    }
}

/// A stored code read back as its enum (a state, a customer kind); an unknown code is a
/// corrupt row, not a value to show.
use pec_domain::dates::Timestamp;

pub(crate) fn code_of<T>(
    row: &sqlx::any::AnyRow,
    column: &str,
    parse: fn(&str) -> Option<T>,
) -> Result<T, StoreError> {
    let code: String = sqlx::Row::try_get(row, column)?;
    parse(&code).ok_or_else(|| StoreError::Corrupt(format!("{column}: {code}")))
}

/// A stored time (`created_at`, `at`) as the read models carry it.
pub(crate) fn time_of(row: &sqlx::any::AnyRow, column: &str) -> Result<Timestamp, StoreError> {
    code_of(row, column, Timestamp::parse)
}

/// A stored time that may be missing (NULL or empty: never used, not revoked).
pub(crate) fn optional_time_of(
    row: &sqlx::any::AnyRow,
    column: &str,
) -> Result<Option<Timestamp>, StoreError> {
    let text: Option<String> = sqlx::Row::try_get(row, column)?;
    match text.as_deref() {
        None | Some("") => Ok(None),
        Some(t) => Timestamp::parse(t).map(Some).ok_or_else(|| StoreError::Corrupt(format!("{column}: {t}"))),
    }
}

/// How times are stored (UTC, sortable as text, the same in both databases).
pub fn stamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Seconds since 1970 of a time as [`stamp`] writes it.
pub fn unstamp(text: &str) -> Option<i64> {
    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").ok().map(|t| t.and_utc().timestamp())
}

pub fn now() -> String {
    stamp(chrono::Utc::now())
}

/// Today's date (UTC), for what a change starts today (products, "Azz.").
pub(crate) fn today() -> pec_domain::lifecycle::Date {
    use chrono::Datelike;
    let d = chrono::Utc::now().date_naive();
    pec_domain::lifecycle::Date { year: d.year(), month: d.month(), day: d.day() }
}

/// The stored form of now plus (or minus) some time.
pub fn from_now(offset: chrono::Duration) -> String {
    stamp(chrono::Utc::now() + offset)
}

impl Store {
    /// Connects, creating the SQLite file (and its folder) if missing, and applies migrations.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_string()));
        };
        if backend == Backend::Sqlite {
            ensure_sqlite_dir(url)?;
        }
        let pool = pool::options(backend).connect(url).await?;
        let store = Self {
            pool,
            backend,
            url: DatabaseUrl(url.to_string()),
            caches: std::sync::Arc::new(caches::Caches::new(caches::CACHE_FOR)),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// The URL this store was opened with (it may hold credentials: never log it).
    #[cfg(any(test, feature = "testing"))]
    pub fn url_for_tests(&self) -> String {
        self.url.0.clone()
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        match self.backend {
            Backend::Sqlite => sqlx::migrate!("../../migrations/sqlite").run(&self.pool).await?,
            Backend::Postgres => sqlx::migrate!("../../migrations/postgres").run(&self.pool).await?,
        }
        Ok(())
    }

    /// A transaction that will write. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`): a deferred transaction that reads and then writes fails with "database is
    /// locked" when another writer got in between, where this one simply waits its turn.
    pub(crate) async fn begin_write(&self) -> Result<Transaction<'static, Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// After a bulk write of `rows` rows on PostgreSQL, fresh statistics for `tables`: until
    /// autovacuum's ANALYZE (minutes later) the planner works from the smaller tables of before
    /// and scans where an index would do (measured: the first renewal of 10,000 mailboxes after
    /// their activation took 8.5 s, the next ones 1.6–1.9 s). The write is done: a failure here
    /// is only logged.
    pub(crate) async fn analyze_after_bulk(&self, rows: usize, tables: &str) {
        if self.backend != Backend::Postgres || rows < orders::ANALYZE_FROM {
            return;
        }
        // A bulk that is a small part of what the statistics already describe changes nothing
        // the planner cares about, and ANALYZE of a large table is not free (a 10,000-mailbox
        // order at 1,000,000 mailboxes: 652 ms with it; scripts/bench_scale.sh).
        let known = sqlx::query_scalar::<_, i64>(
            "SELECT CAST(reltuples AS BIGINT) FROM pg_class WHERE relname = 'mailboxes'",
        )
        .fetch_optional(&self.pool)
        .await;
        if let Ok(Some(known)) = known {
            if (rows as i64).saturating_mul(10) < known {
                return;
            }
        }
        if let Err(e) = sqlx::query(AssertSqlSafe(format!("ANALYZE {tables}"))).execute(&self.pool).await {
            tracing::warn!("ANALYZE after a bulk write: {e}");
        }
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Runs one statement as is: for tests that must bypass the application's own checks.
    #[cfg(any(test, feature = "testing"))]
    pub async fn raw_execute(&self, sql: &str) -> Result<u64, StoreError> {
        Ok(sqlx::query(AssertSqlSafe(sql)).execute(&self.pool).await?.rows_affected())
    }

    /// The one integer a query answers (column `n`): for tests that check what is stored.
    #[cfg(any(test, feature = "testing"))]
    pub async fn raw_count(&self, sql: &str) -> Result<i64, StoreError> {
        let row = sqlx::query(AssertSqlSafe(sql)).fetch_one(&self.pool).await?;
        Ok(sqlx::Row::try_get(&row, "n")?)
    }

    /// The first column of every row a query answers, as text: for tests and benchmarks.
    #[cfg(any(test, feature = "testing"))]
    pub async fn raw_strings(&self, sql: &str) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(&self.pool).await?;
        Ok(rows.iter().map(|r| sqlx::Row::try_get(r, 0)).collect::<Result<_, _>>()?)
    }

    /// SQLite's own check of its file ("ok" when sound); PostgreSQL checks as it writes.
    #[cfg(any(test, feature = "testing"))]
    pub async fn integrity_check(&self) -> Result<String, StoreError> {
        if self.backend != Backend::Sqlite {
            return Ok("ok".into());
        }
        let rows = sqlx::query("PRAGMA integrity_check").fetch_all(&self.pool).await?;
        let lines: Result<Vec<String>, _> = rows.iter().map(|r| sqlx::Row::try_get(r, 0)).collect();
        Ok(lines?.join("\n"))
    }

    /// Puts one connection back in the pool inside a transaction, as a request cancelled at the
    /// wrong moment could: behind sqlx's back (a bare `BEGIN`; PostgreSQL, where the server tells)
    /// or with sqlx's own transaction never ended (its guard forgotten). For the pool guard's
    /// tests.
    #[cfg(any(test, feature = "testing"))]
    pub async fn leave_connection_in_transaction(&self, behind_sqlx: bool) -> Result<(), StoreError> {
        use sqlx::Executor;
        let mut conn = self.pool.acquire().await?;
        if behind_sqlx {
            conn.execute("BEGIN").await?;
        } else {
            std::mem::forget(sqlx::Connection::begin(&mut *conn).await?);
        }
        Ok(())
    }

    /// Whether every connection of the pool is back in it and idle: the pool takes a
    /// connection back in a task of its own, which a test must not race.
    #[cfg(any(test, feature = "testing"))]
    pub fn pool_is_idle(&self) -> bool {
        self.pool.num_idle() >= self.pool.size() as usize
    }

    /// Queues an e-mail on its own (tests of the sending).
    #[cfg(any(test, feature = "testing"))]
    pub async fn queue_mail(&self, mail: &Mail) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        outbox::queue_in(&mut tx, mail).await?;
        tx.commit().await?;
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Number of mailboxes stored (tests and benchmarks).
    #[cfg(any(test, feature = "testing"))]
    pub async fn mailbox_count(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM mailboxes").fetch_one(&self.pool).await?;
        Ok(sqlx::Row::try_get(&row, "n")?)
    }
}

/// Why the database cannot do its work right now, whatever was asked: the request is refused
/// whole (503) and may be tried again, rather than failing as a bug (500).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outage {
    /// Not reachable: stopped, restarting, or every connection taken for too long.
    Unreachable,
    /// The disk is full.
    DiskFull,
    /// The database (or its file system) refuses writes.
    ReadOnly,
}

impl StoreError {
    /// The outage this error shows, if it is one; `None` for errors of the request itself.
    pub fn outage(&self) -> Option<Outage> {
        let e = match self {
            StoreError::Db(e) => e,
            StoreError::ReadOnlyFile { .. } => return Some(Outage::ReadOnly),
            _ => return None,
        };
        match e {
            sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => {
                Some(Outage::Unreachable)
            }
            sqlx::Error::Tls(_) | sqlx::Error::Protocol(_) => Some(Outage::Unreachable),
            sqlx::Error::Database(d) => {
                let code = d.code().unwrap_or_default();
                match code.as_ref() {
                    // SQLite's primary result codes (extended codes keep them in the low byte).
                    c if c.parse::<i32>().is_ok_and(|n| n & 0xff == 13) => Some(Outage::DiskFull),
                    c if c.parse::<i32>().is_ok_and(|n| n & 0xff == 8) => Some(Outage::ReadOnly),
                    // PostgreSQL: insufficient resources, read-only transaction, admin
                    // shutdown / crash / cannot connect now, connection exceptions (class 08).
                    "53100" => Some(Outage::DiskFull),
                    "25006" => Some(Outage::ReadOnly),
                    "57P01" | "57P02" | "57P03" => Some(Outage::Unreachable),
                    c if c.starts_with("08") => Some(Outage::Unreachable),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error().is_some_and(|d| d.is_unique_violation())
}

/// A database URL as it may be shown or logged: scheme, host and path only (no user, password
/// or query parameters, which may hold `password=`).
pub fn redacted_url(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let rest = rest.rsplit_once('@').map(|(_, host)| host).unwrap_or(rest);
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    if scheme.is_empty() {
        rest.to_string()
    } else {
        format!("{scheme}://{rest}")
    }
}

/// SQLite creates the file (`mode=rwc`) but not its folder. A file that cannot be written
/// (read-only file system or file) is refused here with its reason: SQLite would only fail to
/// connect until the pool gave up.
fn ensure_sqlite_dir(url: &str) -> Result<(), StoreError> {
    let path = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(dir) = std::path::Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|source| StoreError::DataDir { path: dir.display().to_string(), source })?;
    }
    match std::fs::OpenOptions::new().write(true).open(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(StoreError::ReadOnlyFile { path: path.to_string(), source: e })
        }
        _ => Ok(()),
    }
}

/// A userid read back from a row: the store wrote it, so it is not checked again.
pub(crate) fn user_id_of(row: &AnyRow, column: &str) -> Result<UserId, sqlx::Error> {
    sqlx::Row::try_get::<String, _>(row, column).map(UserId::from_stored)
}

/// An order number read back from a row.
pub(crate) fn order_number_of(row: &AnyRow, column: &str) -> Result<OrderNumber, sqlx::Error> {
    sqlx::Row::try_get::<String, _>(row, column).map(OrderNumber::from_stored)
}
