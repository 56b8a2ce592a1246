//! What each server process keeps in memory instead of asking the database on every request
//! (sessions, the settings in force), and how it learns that another process changed them.
//!
//! A change that touches something cached announces it with [`announce_in`] inside its own
//! transaction (PostgreSQL's `NOTIFY`, delivered only if the transaction commits) and, after the
//! commit, forgets it in its own process ([`Caches::forget`]). Every process listens
//! ([`Store::follow_changes`]) and forgets what it hears of. Nothing is kept longer than
//! [`CACHE_FOR`]: the bound on how late a process learns of a change nobody announced (a
//! notice lost while its connection was down, a row edited by hand).

use super::*;
use pec_domain::auth::Operator;
use pec_domain::settings::Settings;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::RwLock;
use std::time::{Duration, Instant};

/// How long a process serves what it read without asking the database again.
pub const CACHE_FOR: Duration = Duration::from_secs(5);

/// Most sessions a process keeps; others are read from the database each time.
const SESSIONS_KEPT: u64 = 10_000;

/// The PostgreSQL channel on which processes announce changes.
const CHANNEL: &str = "pec_changes";

/// What a change touched, as announced on [`CHANNEL`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Change {
    /// Sessions ended, or operators or organisations changed (what a session shows).
    Sessions,
    /// Impostazioni.
    Settings,
}

impl Change {
    const ALL: [Change; 2] = [Change::Sessions, Change::Settings];

    fn payload(self) -> &'static str {
        match self {
            Change::Sessions => "sessions",
            Change::Settings => "settings",
        }
    }
}

/// In the transaction of a change to something cached: tells the other processes, which hear
/// it only if the transaction commits. The change's own process calls [`Caches::forget`]
/// after the commit.
pub(crate) async fn announce_in(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    change: Change,
) -> Result<(), StoreError> {
    if backend == Backend::Postgres {
        // The simple protocol: NOTIFY takes no parameters and cannot be prepared.
        sqlx::raw_sql(AssertSqlSafe(format!("NOTIFY {CHANNEL}, '{}'", change.payload())))
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// This process's caches (shared by the clones of its [`Store`]).
#[derive(Debug)]
pub(crate) struct Caches {
    pub(crate) sessions: SessionCache,
    pub(crate) settings: SettingsCache,
    /// Whether this process hears the others' notices now.
    following: AtomicBool,
}

impl Caches {
    pub(crate) fn new(keep_for: Duration) -> Self {
        Self {
            sessions: SessionCache::new(keep_for),
            settings: SettingsCache::new(keep_for),
            following: AtomicBool::new(false),
        }
    }

    pub(crate) fn forget(&self, change: Change) {
        match change {
            Change::Sessions => self.sessions.forget_all(),
            Change::Settings => self.settings.forget(),
        }
    }

    fn forget_everything(&self) {
        for change in Change::ALL {
            self.forget(change);
        }
    }
}

/// Sessions as this process last read them: a page costs no session query while its operator
/// keeps working. Failed lookups are never kept: a guessed token costs a query and no memory.
pub(crate) struct SessionCache {
    entries: moka::sync::Cache<String, CachedSession>,
    /// Moves on every forget, so that a read begun before a change cannot keep what it read.
    generation: AtomicU64,
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
    fn new(keep_for: Duration) -> Self {
        Self {
            entries: moka::sync::Cache::builder().max_capacity(SESSIONS_KEPT).time_to_live(keep_for).build(),
            generation: AtomicU64::new(0),
        }
    }

    /// The operator of session `token_hash` if it is kept and not past its expiry at `now`.
    pub(crate) fn get(&self, token_hash: &str, now: &str) -> Option<Operator> {
        self.entries.get(token_hash).filter(|c| c.expires_at.as_str() > now).map(|c| c.operator)
    }

    /// To be taken before the read whose result goes to [`Self::keep`].
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Keeps what a read begun at `generation` found, unless something changed since.
    pub(crate) fn keep(&self, token_hash: &str, generation: u64, operator: Operator, expires_at: String) {
        self.entries.insert(token_hash.to_string(), CachedSession { operator, expires_at });
        // A forget after the insert drops it with the rest; one between the read and the
        // insert moved the generation.
        if self.generation() != generation {
            self.entries.invalidate(token_hash);
        }
    }

    fn forget_all(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.entries.invalidate_all();
    }
}

/// The settings in force as this process last read them (every request reads the session
/// times; pages read the grace days and the provider's DNS names).
#[derive(Debug)]
pub(crate) struct SettingsCache {
    kept: RwLock<Option<(Instant, u64, Settings)>>,
    keep_for: Duration,
    generation: AtomicU64,
}

impl SettingsCache {
    fn new(keep_for: Duration) -> Self {
        Self { kept: RwLock::new(None), keep_for, generation: AtomicU64::new(0) }
    }

    pub(crate) fn get(&self) -> Option<Settings> {
        let kept = self.kept.read().ok()?;
        let (at, generation, settings) = kept.as_ref()?;
        (at.elapsed() < self.keep_for && *generation == self.generation()).then(|| settings.clone())
    }

    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Keeps settings read at `generation` (ignored by [`Self::get`] if a forget came since).
    pub(crate) fn keep(&self, generation: u64, settings: Settings) {
        if let Ok(mut kept) = self.kept.write() {
            *kept = Some((Instant::now(), generation, settings));
        }
    }

    fn forget(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }
}

impl Store {
    /// Hears what the other processes on this database announce, for as long as the process
    /// runs: on PostgreSQL, `LISTEN` on a connection of its own, connected again when lost
    /// (forgetting every cache, as notices may have been missed meanwhile); on SQLite (one
    /// process) it returns at once.
    pub async fn follow_changes(&self) {
        if self.backend != Backend::Postgres {
            return;
        }
        loop {
            if let Err(e) = self.listen_for_changes().await {
                tracing::warn!(error = %e, "change notices: connection lost, connecting again in 1 s");
            }
            self.caches.following.store(false, Ordering::SeqCst);
            self.caches.forget_everything();
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    async fn listen_for_changes(&self) -> Result<(), sqlx::Error> {
        let mut listener = sqlx::postgres::PgListener::connect(&self.url.0).await?;
        listener.listen(CHANNEL).await?;
        // What changed while nobody listened is read afresh.
        self.caches.forget_everything();
        self.caches.following.store(true, Ordering::SeqCst);
        loop {
            match listener.try_recv().await? {
                Some(notice) => match Change::ALL.into_iter().find(|c| c.payload() == notice.payload()) {
                    Some(change) => self.caches.forget(change),
                    // Not echoed: whoever can NOTIFY on the database chose it.
                    None => tracing::warn!(bytes = notice.payload().len(), "change notice not understood"),
                },
                // Lost and connected again at once (listening again): anything meanwhile was missed.
                None => self.caches.forget_everything(),
            }
        }
    }

    /// Whether this process hears the others' change notices now (always false on SQLite).
    pub fn follows_changes(&self) -> bool {
        self.caches.following.load(Ordering::SeqCst)
    }

    /// This store with caches of its own that keep what they read `keep_for` (tests; a server
    /// keeps [`CACHE_FOR`]).
    #[cfg(any(test, feature = "testing"))]
    pub fn with_caches_for(mut self, keep_for: Duration) -> Self {
        self.caches = std::sync::Arc::new(Caches::new(keep_for));
        self
    }

    /// Forgets what this process keeps, as [`CACHE_FOR`] passing would (tests that change rows
    /// by hand).
    #[cfg(any(test, feature = "testing"))]
    pub fn forget_caches_for_tests(&self) {
        self.caches.forget_everything();
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
