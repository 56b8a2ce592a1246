//! Server-only code: shared state, sessions and access checks, the wizard's operations and
//! the HTTP router. Plain async functions over a [`Store`], so that integration tests call
//! exactly what the server runs.

pub mod auth;
pub mod contract_pdf;
pub mod dns;
pub mod edge;
pub mod mail;
pub mod mail_platform;
pub mod provisioning;
pub mod redirect;
pub mod router;
pub mod signatures;
pub mod stash;
pub mod throttle;

pub use auth::{require, require_admin, require_provider_admin};

use crate::error::AppError;
use crate::store::Store;
use axum::extract::FromRef;
use chrono::Datelike;
use leptos::prelude::*;

#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: Store,
    /// Mark the session cookie `Secure` (set when served over TLS).
    pub secure_cookies: bool,
    /// Sends the queued e-mails.
    pub mailer: std::sync::Arc<mail::Mailer>,
    /// Pushes the queued jobs to the mail platform (if this install has one).
    pub provisioner: std::sync::Arc<provisioning::Provisioner>,
    /// Where users reach the platform (links in e-mails), without trailing slash.
    pub public_url: String,
    /// Rate limits and the password hashing queue.
    pub throttle: std::sync::Arc<throttle::Throttle>,
    /// Where "Verifica DNS" asks.
    pub dns: dns::DnsResolver,
    /// How signed contracts are judged.
    pub signatures: std::sync::Arc<signatures::SignaturePolicy>,
    /// The REST API's per-key rate limit.
    pub api_rate: throttle::ApiRate,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The store of the running server (server functions only).
pub fn store() -> Result<Store, AppError> {
    state().map(|s| s.store)
}

pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the server function context");
        AppError::Internal
    })
}

pub fn current_year() -> i32 {
    chrono::Utc::now().year()
}

pub fn today() -> crate::domain::lifecycle::Date {
    let d = chrono::Utc::now().date_naive();
    crate::domain::lifecycle::Date { year: d.year(), month: d.month(), day: d.day() }
}

/// Days that used links, sent e-mails and abandoned drafts are kept.
pub const KEEP_DAYS: i64 = 30;

/// A period from the environment, in whole seconds (> 0); `default` when unset.
pub fn seconds_from_env(name: &str, default: std::time::Duration) -> Result<std::time::Duration, String> {
    match std::env::var(name) {
        Err(_) => Ok(default),
        Ok(v) => match v.trim().parse::<u64>() {
            Ok(s) if s > 0 => Ok(std::time::Duration::from_secs(s)),
            _ => Err(format!("{name} non valido: un numero di secondi maggiore di zero")),
        },
    }
}

/// How often the housekeeping runs, unless `PEC_HOUSEKEEPING_SECONDS` says otherwise.
pub const HOUSEKEEPING_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Work of this server process that no request starts (every `every`, and at start):
/// mailboxes with tacit renewal renew on their expiry day, the others past it become SCADUTA;
/// Report's disk space is counted again; what is no longer of use is forgotten. Safe with
/// several processes on one database: each step changes a row only from the state it read, so
/// one of them does it.
pub fn spawn_housekeeping(
    store: Store,
    throttle: std::sync::Arc<throttle::Throttle>,
    every: std::time::Duration,
) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            throttle.forget_idle();
            // Tacit renewal first: a mailbox with it renews on its expiry day instead of expiring.
            match store.renew_tacit_due(today()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!("{n} mailboxes renewed tacitly"),
                Err(e) => tracing::error!("tacit renewal: {e}"),
            }
            match store.expire_due(today()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!("{n} mailboxes expired"),
                Err(e) => tracing::error!("expiry: {e}"),
            }
            match store.expire_products_due(today()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!("{n} products expired"),
                Err(e) => tracing::error!("product expiry: {e}"),
            }
            match store.queue_reminders(today()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!("expiry reminders queued for {n} mailboxes"),
                Err(e) => tracing::error!("expiry reminders: {e}"),
            }
            // Report's disk space, counted once an hour whatever the number of processes.
            let hour = chrono::Duration::from_std(every).unwrap_or(chrono::Duration::hours(1));
            if let Err(e) = store.recount_disk_usage(hour).await {
                tracing::error!("disk usage count: {e}");
            }
            // A cancelled order's documents (personal data) go after the retention period.
            let retention = store.settings_in_force().await.map(|s| s.document_retention_days);
            match retention {
                Ok(days) => match store.purge_cancelled_documents(days).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!("{n} documents of cancelled orders removed"),
                    Err(e) => tracing::error!("documents' purge: {e}"),
                },
                Err(e) => tracing::error!("documents' purge: {e}"),
            }
            match store.purge(KEEP_DAYS).await {
                Ok(0) => {}
                Ok(n) => tracing::info!("{n} expired sessions, old links, sent e-mails and drafts removed"),
                Err(e) => tracing::error!("purge: {e}"),
            }
        }
    });
}

/// "Esporta CSV": `rows` under `header` as a file to download (UTF-8 with BOM, `;`, CRLF,
/// formula-safe: `csv_file::write`). `cut_at` is the limit the list was cut at, if it was:
/// the file's last line then says so. `name` is ours, never the user's input.
pub fn csv_export(
    name: &str,
    header: &[&str],
    mut rows: Vec<Vec<String>>,
    cut_at: Option<i64>,
) -> axum::response::Response {
    use axum::http::header::{HeaderValue, CONTENT_DISPOSITION, CONTENT_TYPE};
    use axum::response::IntoResponse;
    rows.extend(cut_at.map(|limit| vec![crate::domain::lists::export_cut_note(limit)]));
    let bytes = crate::domain::csv_file::write(header, rows);
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    (
        [
            (CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
            (CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}
