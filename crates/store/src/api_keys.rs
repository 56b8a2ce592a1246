//! API keys ("Chiavi API") and the idempotency claims of orders created through the API.

use super::*;
use pec_domain::api_keys::{ApiKeyRow, ApiKeyScope, KEYS_MAX};
use pec_domain::auth::{Operator, Scope};
use pec_domain::DraftId;
use sqlx::Row;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ApiKeyError {
    #[error("Esiste già una chiave attiva con questo nome")]
    NameTaken,
    #[error("Raggiunto il numero massimo di chiavi attive (50): revocarne una prima di crearne un'altra")]
    TooMany,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for ApiKeyError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(e.into())
    }
}

/// The caller of an API request: the key's organisation acting through an operator identity
/// whose username names the key (`api:<name>`), so that audit lines say which key wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiCaller {
    pub key_id: i64,
    pub scope: ApiKeyScope,
    pub operator: Operator,
}

/// A key's `last_used_at` is written at most this often (seconds): reads stay reads.
const LAST_USED_EVERY_SECS: i64 = 60;

impl Store {
    /// A new key of `op`'s organisation; `key_hash` and `hint` come from the key handed out
    /// once. One transaction with its audit line.
    pub async fn create_api_key(
        &self,
        op: &Operator,
        name: &str,
        scope: ApiKeyScope,
        key_hash: &str,
        hint: &str,
    ) -> Result<i64, ApiKeyError> {
        let mut tx = self.begin_write().await?;
        // The organisation's row is locked for the count (SQLite's BEGIN IMMEDIATE already
        // serialises writers), so two concurrent creations cannot both see 49 live keys.
        sqlx::query(AssertSqlSafe(format!(
            "SELECT id FROM organisations WHERE id = $1{}",
            self.lock_clause(" FOR UPDATE")
        )))
        .bind(op.organisation_id)
        .fetch_optional(&mut *tx)
        .await?;
        let live: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM api_keys WHERE organisation_id = $1 AND revoked_at IS NULL",
        )
        .bind(op.organisation_id)
        .fetch_one(&mut *tx)
        .await?;
        if live >= KEYS_MAX {
            tx.rollback().await?;
            return Err(ApiKeyError::TooMany);
        }
        let inserted = sqlx::query(
            "INSERT INTO api_keys (organisation_id, name, scope, key_hash, hint, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(op.organisation_id)
        .bind(name)
        .bind(scope.code())
        .bind(key_hash)
        .bind(hint)
        .bind(op.id)
        .bind(now())
        .fetch_one(&mut *tx)
        .await;
        let id: i64 = match inserted {
            Ok(r) => r.try_get("id")?,
            Err(e) if is_unique_violation(&e) => {
                tx.rollback().await?;
                return Err(ApiKeyError::NameTaken);
            }
            Err(e) => return Err(e.into()),
        };
        audit_in(
            &mut tx,
            &AuditRecord::by(op, "CHIAVE_API_CREATA", "chiave_api", name).after(
                serde_json::json!({ "nome": name, "ambito": scope.code(), "inizio": hint }).to_string(),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Revokes a live key of the administrator's organisation (the provider's: any); `false`
    /// when there is none such.
    pub async fn revoke_api_key(&self, op: &Operator, id: i64) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let name: Option<String> = sqlx::query_scalar(
            "UPDATE api_keys SET revoked_at = $1, revoked_by = $2 \
             WHERE id = $3 AND revoked_at IS NULL AND ($4 = 0 OR organisation_id = $4) RETURNING name",
        )
        .bind(now())
        .bind(op.id)
        .bind(id)
        .bind(op.scope().sql_value())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(name) = name else {
            tx.rollback().await?;
            return Ok(false);
        };
        audit_in(&mut tx, &AuditRecord::by(op, "CHIAVE_API_REVOCATA", "chiave_api", &name)).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The keys in `scope`, live first, newest first.
    pub async fn api_keys(&self, scope: Scope) -> Result<Vec<ApiKeyRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT k.id, k.name, k.scope, k.hint, g.name AS organisation, p.display_name AS created_by, \
             k.created_at, k.last_used_at, k.revoked_at FROM api_keys k \
             JOIN organisations g ON g.id = k.organisation_id JOIN operators p ON p.id = k.created_by \
             WHERE ($1 = 0 OR k.organisation_id = $1) \
             ORDER BY CASE WHEN k.revoked_at IS NULL THEN 0 ELSE 1 END, k.id DESC LIMIT 500",
        )
        .bind(scope.sql_value())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let scope: String = r.try_get("scope")?;
                Ok(ApiKeyRow {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    scope: ApiKeyScope::from_code(&scope)
                        .ok_or_else(|| StoreError::Corrupt(format!("api key scope {scope}")))?,
                    hint: r.try_get("hint")?,
                    organisation: r.try_get("organisation")?,
                    created_by: r.try_get("created_by")?,
                    created_at: crate::time_of(r, "created_at")?,
                    last_used_at: crate::optional_time_of(r, "last_used_at")?,
                    revoked_at: crate::optional_time_of(r, "revoked_at")?,
                })
            })
            .collect()
    }

    /// The caller a live key stands for (its organisation active, its creator's operator id
    /// kept for the rows that name an operator), noting when it was last used.
    pub async fn api_caller(&self, key_hash: &str) -> Result<Option<ApiCaller>, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT k.id AS key_id, k.name AS key_name, k.scope, k.last_used_at, {OPERATOR_COLUMNS} \
             FROM api_keys k JOIN operators p ON p.id = k.created_by \
             JOIN organisations g ON g.id = k.organisation_id \
             WHERE k.key_hash = $1 AND k.revoked_at IS NULL AND g.active = 1"
        )))
        .bind(key_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let key_id: i64 = r.try_get("key_id")?;
        let scope: String = r.try_get("scope")?;
        let scope = ApiKeyScope::from_code(&scope)
            .ok_or_else(|| StoreError::Corrupt(format!("api key scope {scope}")))?;
        let name: String = r.try_get("key_name")?;
        let mut operator = operator_from_row(&r)?;
        // The key acts as an operator of its organisation, never as an administrator.
        operator.username = format!("api:{name}");
        operator.display_name = format!("Chiave API {name}");
        operator.role = pec_domain::auth::Role::Operatore;
        let t = chrono::Utc::now();
        let stale = stamp(t - chrono::Duration::seconds(LAST_USED_EVERY_SECS));
        let last: Option<String> = r.try_get("last_used_at")?;
        if last.is_none_or(|l| l < stale) {
            sqlx::query("UPDATE api_keys SET last_used_at = $1 WHERE id = $2")
                .bind(stamp(t))
                .bind(key_id)
                .execute(&self.pool)
                .await?;
        }
        Ok(Some(ApiCaller { key_id, scope, operator }))
    }

    /// The request hash and draft an `Idempotency-Key` of an API key was first used with.
    pub async fn idempotent_draft(
        &self,
        api_key_id: i64,
        idem_key: &str,
    ) -> Result<Option<(String, DraftId)>, StoreError> {
        let row = sqlx::query(
            "SELECT request_hash, draft_id FROM api_idempotency WHERE api_key_id = $1 AND idem_key = $2",
        )
        .bind(api_key_id)
        .bind(idem_key)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(r) => Ok(Some((r.try_get("request_hash")?, DraftId::from_stored(r.try_get("draft_id")?)))),
            None => Ok(None),
        }
    }

    /// Claims `idem_key` of an API key for a request whose body hashes to `request_hash`, with
    /// `draft` as the draft it will confirm. Answers the draft to confirm: `draft` when this
    /// call claimed it, the first claimer's when the key was used before with the same
    /// request; `None` when it was used for a different request.
    pub async fn claim_idempotency(
        &self,
        api_key_id: i64,
        idem_key: &str,
        request_hash: &str,
        draft: &DraftId,
    ) -> Result<Option<DraftId>, StoreError> {
        sqlx::query(
            "INSERT INTO api_idempotency (api_key_id, idem_key, request_hash, draft_id, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (api_key_id, idem_key) DO NOTHING",
        )
        .bind(api_key_id)
        .bind(idem_key)
        .bind(request_hash)
        .bind(draft.as_str())
        .bind(now())
        .execute(&self.pool)
        .await?;
        let row = sqlx::query(
            "SELECT request_hash, draft_id FROM api_idempotency WHERE api_key_id = $1 AND idem_key = $2",
        )
        .bind(api_key_id)
        .bind(idem_key)
        .fetch_one(&self.pool)
        .await?;
        let (hash, draft_id): (String, String) = (row.try_get("request_hash")?, row.try_get("draft_id")?);
        Ok((hash == request_hash).then(|| DraftId::from_stored(draft_id)))
    }
}
