//! What an unauthenticated client may cost us: requests to the public credential paths (login,
//! the holder's password link) are rate-limited per source address and login attempts per user
//! name (GCRA limiters from `governor`); password hashing runs off the async workers, on at most
//! half the cores (the rest keep serving pages), with a short queue that answers "busy" when
//! full.

use crate::error::AppError;
use axum::extract::ConnectInfo;
use governor::clock::{Clock, MonotonicClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use http::request::Parts;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Posts to the public credential paths from one address: a burst, then one a second (an
/// office behind one address logs in at once in the morning).
const IP_BURST: u32 = 60;
const IP_PERIOD: Duration = Duration::from_secs(1);
/// Login attempts for one user name from anywhere: a burst, then one a second. Guessing is
/// stopped by the lock-out; this bounds what one name can cost from many addresses, and leaves
/// room for a team (or a test suite) sharing an account.
const USER_BURST: u32 = 30;
const USER_PERIOD: Duration = Duration::from_secs(1);
/// Password hashes waiting, per hashing thread, before new ones are refused.
const QUEUE_PER_THREAD: usize = 8;
/// Keys the limiters may remember before old ones are forgotten early.
const MAX_KEYS: usize = 100_000;

/// A rate limiter per key, on the operating system's monotonic clock (never the CPU's counter).
pub type Limiter<K> = RateLimiter<K, DefaultKeyedStateStore<K>, MonotonicClock>;

fn limiter<K: std::hash::Hash + Eq + Clone>(quota: Quota) -> Limiter<K> {
    RateLimiter::new(quota, DefaultKeyedStateStore::default(), MonotonicClock)
}

pub struct Throttle {
    per_ip: Limiter<IpAddr>,
    per_user: Limiter<String>,
    hashing: Arc<Semaphore>,
    queued: std::sync::atomic::AtomicUsize,
    queue_limit: usize,
    /// Take the client's address from the last `X-Forwarded-For` entry (set only behind a
    /// reverse proxy that writes it; otherwise clients could choose their own address).
    trust_proxy: bool,
}

fn quota(burst: u32, period: Duration) -> Quota {
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(period).unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN)).allow_burst(burst)
}

impl Default for Throttle {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        let threads = (cores / 2).max(1);
        Self {
            per_ip: limiter(quota(IP_BURST, IP_PERIOD)),
            per_user: limiter(quota(USER_BURST, USER_PERIOD)),
            hashing: Arc::new(Semaphore::new(threads)),
            queued: Default::default(),
            queue_limit: threads * (QUEUE_PER_THREAD + 1),
            trust_proxy: false,
        }
    }
}

/// Seconds until a limiter lets the next request through (for `Retry-After`).
fn wait_of(not_until: governor::NotUntil<std::time::Instant>) -> u64 {
    not_until.wait_time_from(MonotonicClock.now()).as_secs().max(1)
}

impl Throttle {
    /// Limits for a server behind a reverse proxy (`trust_proxy`) or facing clients directly.
    pub fn new(trust_proxy: bool) -> Self {
        Self { trust_proxy, ..Self::default() }
    }

    /// The client's address, as the rate limits and the lock-out see it.
    pub fn client_ip(&self, parts: &Parts) -> Option<IpAddr> {
        if self.trust_proxy {
            let forwarded = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .last()
                .and_then(|ip| ip.trim().parse().ok());
            if forwarded.is_some() {
                return forwarded;
            }
        }
        parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())
    }

    /// One request from `ip` to a public credential path; `Err(seconds)` when over the limit.
    pub fn check_ip(&self, ip: Option<IpAddr>) -> Result<(), u64> {
        let ip = ip.unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
        self.per_ip.check_key(&ip).map_err(wait_of)
    }

    /// One login attempt for `username` (already bounded in length).
    pub fn check_user(&self, username: &str) -> Result<(), AppError> {
        if self.per_user.len() > MAX_KEYS {
            self.per_user.retain_recent();
        }
        self.per_user.check_key(&username.to_string()).map_err(|n| AppError::TooManyRequests(wait_of(n)))
    }

    /// Forgets limiter state that no longer limits anything (housekeeping).
    pub fn forget_idle(&self) {
        self.per_ip.retain_recent();
        self.per_user.retain_recent();
        self.per_ip.shrink_to_fit();
        self.per_user.shrink_to_fit();
    }

    /// Is the hashing queue full? Checked before an attempt is counted, so that a saturated
    /// server does not use up a user's tries.
    pub fn saturated(&self) -> bool {
        self.queued.load(std::sync::atomic::Ordering::SeqCst) >= self.queue_limit
    }

    /// Runs a password hash or check on the blocking pool, on half the cores; `Busy` when too many
    /// are already waiting, so that a flood costs a bounded queue, not every worker.
    pub async fn hashing<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        use std::sync::atomic::Ordering;
        if self.queued.fetch_add(1, Ordering::SeqCst) >= self.queue_limit {
            self.queued.fetch_sub(1, Ordering::SeqCst);
            return Err(AppError::Busy);
        }
        let result = async {
            let _permit = self.hashing.clone().acquire_owned().await.map_err(|_| AppError::Internal)?;
            tokio::task::spawn_blocking(work).await.map_err(|e| {
                tracing::error!(error = %e, "password hashing task failed");
                AppError::Internal
            })
        }
        .await;
        self.queued.fetch_sub(1, Ordering::SeqCst);
        result
    }
}

/// The REST API's per-key rate limit (`crate::api`): one request every `period`, in bursts of `burst`.
#[derive(Clone, Copy, Debug)]
pub struct ApiRate {
    pub period: std::time::Duration,
    pub burst: u32,
}

impl Default for ApiRate {
    /// 20 requests a second on average, 40 at once.
    fn default() -> Self {
        Self { period: std::time::Duration::from_millis(50), burst: 40 }
    }
}

impl ApiRate {
    /// The limiter of one router: keys idle long enough to be back at a full burst are
    /// forgotten by [`ApiLimiter::forget_idle`].
    pub fn limiter(self) -> ApiLimiter {
        ApiLimiter(limiter(quota(self.burst, self.period)))
    }

    /// `PEC_API_RATE` (requests a second) and `PEC_API_BURST`, when set.
    pub fn from_env() -> Self {
        let mut rate = Self::default();
        if let Some(per_second) =
            std::env::var("PEC_API_RATE").ok().and_then(|v| v.parse::<u64>().ok()).filter(|v| *v > 0)
        {
            rate.period = std::time::Duration::from_micros(1_000_000 / per_second.min(1_000_000));
        }
        if let Some(burst) =
            std::env::var("PEC_API_BURST").ok().and_then(|v| v.parse::<u32>().ok()).filter(|v| *v > 0)
        {
            rate.burst = burst;
        }
        rate
    }
}

/// The REST API's limiter, keyed by the presented key's hash (or the peer's address).
pub struct ApiLimiter(Limiter<String>);

impl ApiLimiter {
    /// One request under `key`; `Err(seconds)` to wait when over the limit.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        if self.0.len() > MAX_KEYS {
            self.0.retain_recent();
        }
        self.0.check_key(&key.to_string()).map_err(wait_of)
    }

    pub fn forget_idle(&self) {
        self.0.retain_recent();
        self.0.shrink_to_fit();
    }
}
