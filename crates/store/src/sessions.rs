//! Sessions (stored as hashes of their tokens), forms kept for a session, and the random tokens of
//! sessions and links.

use super::*;
use pec_domain::auth::Operator;
use sha2::Digest;
use sha2::Sha256;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// Only the SHA-256 of a token is stored: a copy of the database opens nothing.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Has `s` the shape of a token we hand out (64 hex digits)? Checked before anything is
/// looked up or echoed.
pub fn is_token(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// 256 random bits, hex.
pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// How often a session's use is written down (last seen, idle expiry): at most once this often.
pub const SESSION_TOUCH_SECONDS: i64 = 60;

/// How long a process serves a session it read without asking the database again: the bound
/// on how late it learns of a change nobody announced (a lost notice, a row changed by hand).
pub const SESSION_CACHE_FOR: Duration = Duration::from_secs(5);

/// Most sessions a process keeps; others are read from the database each time.
const SESSION_CACHE_ENTRIES: u64 = 10_000;

/// The PostgreSQL channel on which processes announce changes to what they cache.
const CHANGES_CHANNEL: &str = "pec_changes";
/// The notice that sessions, operators or organisations changed.
const SESSIONS_CHANGED: &str = "sessions";

/// Sessions as this process last read them: a page costs no session query while its operator
/// keeps working. Forgotten at once here when a change commits, on the other processes when
/// its notice arrives (PostgreSQL's NOTIFY, sent in the change's transaction), and after
/// [`SESSION_CACHE_FOR`] in any case. Failed lookups are never kept: a guessed token costs a
/// query and no memory.
pub(crate) struct SessionCache {
    entries: moka::sync::Cache<String, CachedSession>,
    /// Moves on every forget, so that a read begun before a change cannot keep what it read.
    generation: AtomicU64,
    /// Whether this process hears the others' notices now.
    following: AtomicBool,
}

#[derive(Clone)]
struct CachedSession {
    operator: Operator,
    expires_at: String,
}

impl std::fmt::Debug for SessionCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SessionCache({} entries)", self.entries.entry_count())
    }
}

impl SessionCache {
    pub(crate) fn new(keep_for: Duration) -> Self {
        Self {
            entries: moka::sync::Cache::builder()
                .max_capacity(SESSION_CACHE_ENTRIES)
                .time_to_live(keep_for)
                .build(),
            generation: AtomicU64::new(0),
            following: AtomicBool::new(false),
        }
    }

    fn get(&self, token_hash: &str, now: &str) -> Option<Operator> {
        self.entries.get(token_hash).filter(|c| c.expires_at.as_str() > now).map(|c| c.operator)
    }

    /// Keeps what a read begun at `generation` found, unless something changed since.
    fn keep(&self, token_hash: &str, generation: u64, session: CachedSession) {
        self.entries.insert(token_hash.to_string(), session);
        // A forget after the insert removes it too; one between the read and the insert
        // moved the generation.
        if self.generation.load(Ordering::SeqCst) != generation {
            self.entries.invalidate(token_hash);
        }
    }

    fn forget_all(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.entries.invalidate_all();
    }
}

impl Store {
    /// Opens a session, with the audit line of the login, in one transaction.
    pub async fn create_session(
        &self,
        token_hash: &str,
        operator_id: i64,
        expires_at: &str,
        max_expires_at: &str,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let t = now();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, operator_id, created_at, last_seen_at, expires_at, max_expires_at) \
             VALUES ($1, $2, $3, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(operator_id)
        .bind(&t)
        .bind(expires_at)
        .bind(max_expires_at)
        .execute(&mut *tx)
        .await?;
        audit_in(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The operator of a live session; the session's idle expiry moves to `renew_until`
    /// (never past its absolute limit). From this process's cache when it read it lately.
    pub async fn session_operator(
        &self,
        token_hash: &str,
        renew_until: &str,
    ) -> Result<Option<Operator>, StoreError> {
        let t = now();
        if let Some(op) = self.sessions.get(token_hash, &t) {
            return Ok(Some(op));
        }
        let generation = self.sessions.generation.load(Ordering::SeqCst);
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {OPERATOR_COLUMNS}, s.last_seen_at, s.expires_at, s.max_expires_at \
             FROM sessions s JOIN operators p ON p.id = s.operator_id \
             JOIN organisations g ON g.id = p.organisation_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND p.active = 1 AND g.active = 1"
        )))
        .bind(token_hash)
        .bind(&t)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let mut expires_at: String = sqlx::Row::try_get(&row, "expires_at")?;
        // The idle timeout moves at most once a minute: a write on every request serialised
        // every page behind SQLite's one writer (measured in README, "SSR throughput").
        let last_seen: String = sqlx::Row::try_get(&row, "last_seen_at")?;
        if last_seen < from_now(-chrono::Duration::seconds(SESSION_TOUCH_SECONDS)) {
            let max_expires_at: String = sqlx::Row::try_get(&row, "max_expires_at")?;
            let touched = sqlx::query(
                "UPDATE sessions SET last_seen_at = $1, \
                 expires_at = CASE WHEN $2 < max_expires_at THEN $2 ELSE max_expires_at END \
                 WHERE token_hash = $3 AND last_seen_at < $1",
            )
            .bind(&t)
            .bind(renew_until)
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
            if touched.rows_affected() > 0 {
                expires_at = std::cmp::min(renew_until.to_string(), max_expires_at);
            }
        }
        let operator = operator_from_row(&row)?;
        self.sessions.keep(token_hash, generation, CachedSession { operator: operator.clone(), expires_at });
        Ok(Some(operator))
    }

    /// Keeps what a refused form held for this session (replacing what that form kept before).
    pub async fn stash_form(&self, session_hash: &str, form: &str, data: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO form_stash (session_hash, form, data, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (session_hash, form) DO UPDATE SET data = excluded.data, created_at = excluded.created_at",
        )
        .bind(session_hash)
        .bind(form)
        .bind(data)
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn stashed_form(&self, session_hash: &str, form: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT data FROM form_stash WHERE session_hash = $1 AND form = $2")
            .bind(session_hash)
            .bind(form)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn drop_stashed_form(&self, session_hash: &str, form: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM form_stash WHERE session_hash = $1 AND form = $2")
            .bind(session_hash)
            .bind(form)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends a session, with the audit line of the logout, in one transaction.
    pub async fn delete_session(&self, token_hash: &str, audit: &AuditRecord) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&mut *tx).await?;
        audit_in(&mut tx, audit).await?;
        self.announce_sessions_changed_in(&mut tx).await?;
        tx.commit().await?;
        self.forget_cached_sessions();
        Ok(())
    }

    /// In the transaction of a change that ends sessions or changes what a session shows (an
    /// operator, an organisation): tells the other processes, which hear it only if it
    /// commits. The change's own process calls [`Self::forget_cached_sessions`] after the commit.
    pub(crate) async fn announce_sessions_changed_in(
        &self,
        tx: &mut Transaction<'_, Any>,
    ) -> Result<(), StoreError> {
        if self.backend == Backend::Postgres {
            // The simple protocol: NOTIFY takes no parameters and is not prepared.
            sqlx::raw_sql(AssertSqlSafe(format!("NOTIFY {CHANGES_CHANNEL}, '{SESSIONS_CHANGED}'")))
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// After a change to sessions, operators or organisations has committed on this process.
    pub(crate) fn forget_cached_sessions(&self) {
        self.sessions.forget_all();
    }

    /// This store with a session cache of its own that keeps entries `keep_for` (tests; a
    /// server keeps [`SESSION_CACHE_FOR`]).
    pub fn with_session_cache_for(mut self, keep_for: Duration) -> Self {
        self.sessions = std::sync::Arc::new(SessionCache::new(keep_for));
        self
    }

    /// Hears what the other processes on this database announce, for as long as the process
    /// runs: on PostgreSQL, LISTEN on a connection of its own, connected again when lost
    /// (forgetting the whole cache, as notices may have been missed meanwhile); on SQLite
    /// (one process) it returns at once.
    pub async fn follow_changes(&self) {
        if self.backend != Backend::Postgres {
            return;
        }
        loop {
            if let Err(e) = self.listen_for_changes().await {
                tracing::warn!(error = %e, "change notices: connection lost, connecting again in 1 s");
            }
            self.sessions.following.store(false, Ordering::SeqCst);
            self.sessions.forget_all();
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    async fn listen_for_changes(&self) -> Result<(), sqlx::Error> {
        let mut listener = sqlx::postgres::PgListener::connect(&self.url.0).await?;
        listener.listen(CHANGES_CHANNEL).await?;
        // What changed while nobody listened is read afresh.
        self.sessions.forget_all();
        self.sessions.following.store(true, Ordering::SeqCst);
        loop {
            match listener.try_recv().await? {
                Some(notice) if notice.payload() == SESSIONS_CHANGED => self.sessions.forget_all(),
                Some(notice) => tracing::warn!(payload = notice.payload(), "change notice not understood"),
                // Connected again at once (and listening): anything meanwhile was missed.
                None => self.sessions.forget_all(),
            }
        }
    }

    /// Whether this process hears the others' change notices now (always false on SQLite).
    pub fn follows_changes(&self) -> bool {
        self.sessions.following.load(Ordering::SeqCst)
    }

    /// Waits (10 s at most) until [`Self::follow_changes`] listens; false if it does not.
    #[cfg(any(test, feature = "testing"))]
    pub async fn wait_until_following_for_tests(&self) -> bool {
        for _ in 0..200 {
            if self.follows_changes() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }
}
