//! Sessions (stored as hashes of their tokens), forms kept for a session, and the random tokens of
//! sessions and links.

use super::*;
use pec_domain::auth::Operator;
use sha2::Digest;
use sha2::Sha256;
use sqlx::Row;

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

/// Where a session was opened from, as "Sessioni attive" shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionClient {
    pub address: String,
    /// The browser's User-Agent (cut and cleaned by [`SessionClient::new`]).
    pub browser: String,
}

impl SessionClient {
    /// The browser's text is cut to 200 characters, without control characters.
    pub fn new(address: &str, user_agent: &str) -> Self {
        let browser = user_agent.chars().filter(|c| !c.is_control()).take(200).collect();
        Self { address: address.chars().take(64).collect(), browser }
    }
}

/// The public name of a session on "Sessioni attive": derived from the stored hash, so that
/// neither the token nor its hash is ever put in a page.
pub fn session_public_id(token_hash: &str) -> String {
    self::token_hash(token_hash).chars().take(16).collect()
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
        let client = SessionClient::default();
        self.create_session_from(token_hash, operator_id, expires_at, max_expires_at, &client, audit).await
    }

    /// [`Self::create_session`], noting where it was opened from.
    pub async fn create_session_from(
        &self,
        token_hash: &str,
        operator_id: i64,
        expires_at: &str,
        max_expires_at: &str,
        client: &SessionClient,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let t = now();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, operator_id, created_at, last_seen_at, expires_at, max_expires_at, \
             client_address, user_agent) VALUES ($1, $2, $3, $3, $4, $5, $6, $7)",
        )
        .bind(token_hash)
        .bind(operator_id)
        .bind(&t)
        .bind(expires_at)
        .bind(max_expires_at)
        .bind(&client.address)
        .bind(&client.browser)
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
        if let Some(op) = self.caches.sessions.get(token_hash, &t) {
            return Ok(Some(op));
        }
        let generation = self.caches.sessions.generation();
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
        self.caches.sessions.keep(token_hash, generation, operator.clone(), expires_at);
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

    /// The live sessions of an operator, newest first: (stored hash, row).
    pub async fn operator_sessions(
        &self,
        operator_id: i64,
    ) -> Result<Vec<(String, pec_domain::auth::SessionRow)>, StoreError> {
        let rows = sqlx::query(
            "SELECT token_hash, created_at, last_seen_at, client_address, user_agent FROM sessions \
             WHERE operator_id = $1 AND expires_at > $2 ORDER BY created_at DESC, token_hash",
        )
        .bind(operator_id)
        .bind(now())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let hash: String = r.try_get("token_hash")?;
                let row = pec_domain::auth::SessionRow {
                    id: session_public_id(&hash),
                    started_at: time_of(r, "created_at")?,
                    last_seen_at: time_of(r, "last_seen_at")?,
                    address: r.try_get::<Option<String>, _>("client_address")?.unwrap_or_default(),
                    browser: r.try_get::<Option<String>, _>("user_agent")?.unwrap_or_default(),
                    current: false,
                };
                Ok((hash, row))
            })
            .collect()
    }

    /// Ends sessions of one operator (those whose hash `ends` says), with an audit line, in one
    /// transaction; how many ended. Every process forgets them at once.
    pub async fn end_sessions(
        &self,
        operator_id: i64,
        hashes: &[String],
        audit: &AuditRecord,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let mut ended = 0;
        for hash in hashes {
            ended += sqlx::query("DELETE FROM sessions WHERE token_hash = $1 AND operator_id = $2")
                .bind(hash)
                .bind(operator_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        audit_in(&mut tx, audit).await?;
        announce_in(&mut tx, self.backend, Change::Sessions).await?;
        tx.commit().await?;
        self.caches.forget(Change::Sessions);
        Ok(ended)
    }

    /// A new password for an operator, whose every session but `keep` ends, with the audit line,
    /// in one transaction.
    pub async fn change_password(
        &self,
        operator_id: i64,
        password_hash: &str,
        keep: &str,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE operators SET password_hash = $1, must_change_password = 0 WHERE id = $2")
            .bind(password_hash)
            .bind(operator_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE operator_id = $1 AND token_hash <> $2")
            .bind(operator_id)
            .bind(keep)
            .execute(&mut *tx)
            .await?;
        audit_in(&mut tx, audit).await?;
        announce_in(&mut tx, self.backend, Change::Sessions).await?;
        tx.commit().await?;
        self.caches.forget(Change::Sessions);
        Ok(())
    }

    /// Ends a session, with the audit line of the logout, in one transaction.
    pub async fn delete_session(&self, token_hash: &str, audit: &AuditRecord) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&mut *tx).await?;
        audit_in(&mut tx, audit).await?;
        announce_in(&mut tx, self.backend, Change::Sessions).await?;
        tx.commit().await?;
        self.caches.forget(Change::Sessions);
        Ok(())
    }
}
