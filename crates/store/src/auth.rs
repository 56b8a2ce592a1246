//! SQL of organisations, operators, sessions and the audit log.

use super::{now, Store, StoreError};
use pec_domain::auth::{Operator, OrganisationKind, Role, Scope};
use pec_domain::records::{AuditEntry, AuditFilter, OperatorRow, Organisation, Paged};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

/// One change to record. Built with [`AuditRecord::by`] (an operator acted) or
/// [`AuditRecord::anonymous`] (e.g. a failed login for an unknown user name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    operator_id: Option<i64>,
    organisation_id: Option<i64>,
    username: String,
    action: String,
    object_type: String,
    object_id: String,
    before: String,
    after: String,
}

impl AuditRecord {
    pub fn by(op: &Operator, action: &str, object_type: &str, object_id: &str) -> Self {
        Self {
            operator_id: Some(op.id),
            organisation_id: Some(op.organisation_id),
            username: op.username.clone(),
            action: action.into(),
            object_type: object_type.into(),
            object_id: object_id.into(),
            before: String::new(),
            after: String::new(),
        }
    }

    pub fn anonymous(username: &str, action: &str, object_type: &str, object_id: &str) -> Self {
        Self {
            operator_id: None,
            organisation_id: None,
            username: username.into(),
            action: action.into(),
            object_type: object_type.into(),
            object_id: object_id.into(),
            before: String::new(),
            after: String::new(),
        }
    }

    /// Files an entry without an operator (the system, a holder) under an organisation.
    pub fn in_organisation(mut self, organisation_id: i64) -> Self {
        self.organisation_id = Some(organisation_id);
        self
    }

    pub fn before(mut self, before: String) -> Self {
        self.before = before;
        self
    }

    pub fn after(mut self, after: String) -> Self {
        self.after = after;
        self
    }
}

/// What a login attempt needs to know about a user name.
#[derive(Clone, Debug)]
pub struct LoginRecord {
    pub operator: Operator,
    pub password_hash: String,
    pub active: bool,
}

/// What [`Store::claim_login_attempt`] decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttemptClaim {
    /// This attempt's number since the count last started.
    pub ordinal: i64,
    /// The (user name, source) is locked: the password must not be checked.
    pub locked: bool,
}

const OPERATOR_COLUMNS: &str = "p.id, p.username, p.display_name, p.role, p.organisation_id, \
     g.name AS organisation_name, g.kind AS organisation_kind";

fn operator_from_row(r: &AnyRow) -> Result<Operator, StoreError> {
    let role: String = r.try_get("role")?;
    let kind: String = r.try_get("organisation_kind")?;
    Ok(Operator {
        id: r.try_get("id")?,
        username: r.try_get("username")?,
        display_name: r.try_get("display_name")?,
        role: Role::from_code(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role}")))?,
        organisation_id: r.try_get("organisation_id")?,
        organisation_name: r.try_get("organisation_name")?,
        organisation_kind: OrganisationKind::from_code(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("organisation kind {kind}")))?,
    })
}

fn audit_entry_from_row(r: &AnyRow) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        at: r.try_get("at")?,
        username: r.try_get("username")?,
        organisation: r.try_get("organisation")?,
        action: r.try_get("action")?,
        object_type: r.try_get("object_type")?,
        object_id: r.try_get("object_id")?,
        before: r.try_get("before_data")?,
        after: r.try_get("after_data")?,
    })
}

/// Appends to the audit log inside a transaction (the change and its record commit together).
pub(super) async fn audit_in(tx: &mut Transaction<'_, Any>, r: &AuditRecord) -> Result<(), StoreError> {
    insert_audit(&mut **tx, r).await
}

async fn insert_audit<'e, E>(executor: E, r: &AuditRecord) -> Result<(), StoreError>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query(
        "INSERT INTO audit_log (at, operator_id, organisation_id, username, action, object_type, object_id, \
         before_data, after_data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(now())
    .bind(r.operator_id)
    .bind(r.organisation_id)
    .bind(&r.username)
    .bind(&r.action)
    .bind(&r.object_type)
    .bind(&r.object_id)
    .bind(&r.before)
    .bind(&r.after)
    .execute(executor)
    .await?;
    Ok(())
}

impl Store {
    pub async fn audit(&self, r: &AuditRecord) -> Result<(), StoreError> {
        insert_audit(&self.pool, r).await
    }

    /// The audit log, newest first, filtered; `page` is 1-based.
    pub async fn audit_entries(
        &self,
        scope: Scope,
        filter: &AuditFilter,
        page: i64,
        per_page: i64,
    ) -> Result<Paged<AuditEntry>, StoreError> {
        const WHERE: &str = "WHERE ($1 = 0 OR a.organisation_id = $1) AND ($2 = '' OR a.action = $2) \
             AND ($3 = '' OR a.username = $3) AND ($4 = '' OR a.object_id LIKE $4 ESCAPE '\\') \
             AND ($5 = '' OR a.at >= $5) AND ($6 = '' OR a.at <= $6)";
        let like =
            |s: &str| if s.trim().is_empty() { String::new() } else { format!("{}%", escape_like(s.trim())) };
        let from = if filter.from.trim().is_empty() {
            String::new()
        } else {
            format!("{} 00:00:00", filter.from.trim())
        };
        let to = if filter.to.trim().is_empty() {
            String::new()
        } else {
            format!("{} 23:59:59", filter.to.trim())
        };
        let params = [
            filter.action.trim().to_string(),
            filter.username.trim().to_lowercase(),
            like(&filter.object),
            from,
            to,
        ];
        let count_sql = format!("SELECT COUNT(*) FROM audit_log a {WHERE}");
        let mut count = sqlx::query_scalar::<_, i64>(&count_sql).bind(scope.sql_value());
        for p in &params {
            count = count.bind(p.clone());
        }
        let total = count.fetch_one(&self.pool).await?;
        let pages = ((total + per_page - 1) / per_page).max(1);
        let page = page.clamp(1, pages);
        let sql = format!(
            "SELECT a.at, a.username, COALESCE(g.name, '') AS organisation, a.action, a.object_type, a.object_id, \
             a.before_data, a.after_data FROM audit_log a LEFT JOIN organisations g ON g.id = a.organisation_id \
             {WHERE} ORDER BY a.id DESC LIMIT $7 OFFSET $8"
        );
        let mut q = sqlx::query(&sql).bind(scope.sql_value());
        for p in &params {
            q = q.bind(p.clone());
        }
        let rows = q.bind(per_page).bind((page - 1) * per_page).fetch_all(&self.pool).await?;
        let items = rows.iter().map(audit_entry_from_row).collect::<Result<_, StoreError>>()?;
        Ok(Paged { items, page, pages, total })
    }

    /// The history of one object ("Storia servizi"): its audit entries, newest first, matched
    /// exactly (`VIT10000` is not `VIT100000`).
    pub async fn audit_of(
        &self,
        scope: Scope,
        object_type: &str,
        object_id: &str,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT a.at, a.username, COALESCE(g.name, '') AS organisation, a.action, a.object_type, a.object_id, \
             a.before_data, a.after_data FROM audit_log a LEFT JOIN organisations g ON g.id = a.organisation_id \
             WHERE ($1 = 0 OR a.organisation_id = $1) AND a.object_type = $2 AND a.object_id = $3 \
             ORDER BY a.id DESC LIMIT $4",
        )
        .bind(scope.sql_value())
        .bind(object_type)
        .bind(object_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(audit_entry_from_row).collect()
    }

    pub async fn organisation_by_name(&self, name: &str) -> Result<Option<Organisation>, StoreError> {
        let row = sqlx::query("SELECT id, name, kind FROM organisations WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(Organisation { id: r.try_get("id")?, name: r.try_get("name")?, kind: r.try_get("kind")? })
        })
        .transpose()
    }

    pub async fn organisations(&self, scope: Scope) -> Result<Vec<Organisation>, StoreError> {
        let rows =
            sqlx::query("SELECT id, name, kind FROM organisations WHERE $1 = 0 OR id = $1 ORDER BY id")
                .bind(scope.sql_value())
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| {
                Ok(Organisation { id: r.try_get("id")?, name: r.try_get("name")?, kind: r.try_get("kind")? })
            })
            .collect()
    }

    pub async fn create_organisation(&self, name: &str, kind: OrganisationKind) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar::<_, i64>(
            "INSERT INTO organisations (name, kind, created_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(name)
        .bind(kind.code())
        .bind(now())
        .fetch_one(&self.pool)
        .await?)
    }

    /// Creates an operator; `None` when the user name is taken.
    pub async fn create_operator(
        &self,
        organisation_id: i64,
        username: &str,
        display_name: &str,
        role: Role,
        password_hash: &str,
    ) -> Result<Option<i64>, StoreError> {
        let done = sqlx::query_scalar::<_, i64>(
            "INSERT INTO operators (organisation_id, username, display_name, role, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(organisation_id)
        .bind(username)
        .bind(display_name)
        .bind(role.code())
        .bind(password_hash)
        .bind(now())
        .fetch_one(&self.pool)
        .await;
        match done {
            Ok(id) => Ok(Some(id)),
            Err(e) if super::is_unique_violation(&e) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn operators(&self, scope: Scope) -> Result<Vec<OperatorRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT p.username, p.display_name, p.role, g.name AS organisation, p.active, p.created_at, \
             (SELECT COUNT(*) FROM login_attempts l WHERE l.username = p.username AND l.locked_until > $2) AS locks \
             FROM operators p JOIN organisations g ON g.id = p.organisation_id \
             WHERE $1 = 0 OR p.organisation_id = $1 ORDER BY g.id, p.username",
        )
        .bind(scope.sql_value())
        .bind(now())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(OperatorRow {
                    username: r.try_get("username")?,
                    display_name: r.try_get("display_name")?,
                    role: r.try_get("role")?,
                    organisation: r.try_get("organisation")?,
                    active: r.try_get::<i64, _>("active")? != 0,
                    created_at: r.try_get("created_at")?,
                    locked: r.try_get::<i64, _>("locks")? > 0,
                })
            })
            .collect()
    }

    /// Enables or disables an operator in the scope; disabling ends their sessions.
    /// Returns false when there is no such operator in the scope.
    pub async fn set_operator_active(
        &self,
        scope: Scope,
        username: &str,
        active: bool,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let id: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM operators WHERE username = $1 AND ($2 = 0 OR organisation_id = $2)",
        )
        .bind(username)
        .bind(scope.sql_value())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = id else { return Ok(false) };
        sqlx::query("UPDATE operators SET active = $1 WHERE id = $2")
            .bind(i64::from(active))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if !active {
            sqlx::query("DELETE FROM sessions WHERE operator_id = $1").bind(id).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    pub async fn login_record(&self, username: &str) -> Result<Option<LoginRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {OPERATOR_COLUMNS}, p.password_hash, p.active \
             FROM operators p JOIN organisations g ON g.id = p.organisation_id WHERE p.username = $1"
        ))
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(LoginRecord {
                operator: operator_from_row(&r)?,
                password_hash: r.try_get("password_hash")?,
                active: r.try_get::<i64, _>("active")? != 0,
            })
        })
        .transpose()
    }

    /// Claims one login attempt for (user name, source) before its password is checked, in one
    /// atomic statement, so that parallel guesses queue on the same row: the (max+1)-th attempt
    /// since the last success locks the pair until `lock_until`; a lock that has run out, or a
    /// last attempt older than `window` ago, starts the count again. Returns whether this
    /// attempt may check the password.
    pub async fn claim_login_attempt(
        &self,
        username: &str,
        source: &str,
        max_failures: i64,
        lock_until: &str,
        window: chrono::Duration,
    ) -> Result<AttemptClaim, StoreError> {
        let t = now();
        let row = sqlx::query(
            "INSERT INTO login_attempts (username, source, failures, locked_until, updated_at) \
             VALUES ($1, $2, 1, NULL, $3) ON CONFLICT (username, source) DO UPDATE SET \
             failures = CASE WHEN login_attempts.locked_until <= $3 \
               OR (login_attempts.locked_until IS NULL AND login_attempts.updated_at < $6) THEN 1 \
               ELSE login_attempts.failures + 1 END, \
             locked_until = CASE WHEN login_attempts.locked_until <= $3 THEN NULL \
               WHEN login_attempts.locked_until IS NULL AND login_attempts.updated_at >= $6 \
                 AND login_attempts.failures + 1 > $4 THEN $5 \
               ELSE login_attempts.locked_until END, \
             updated_at = $3 \
             RETURNING failures, locked_until",
        )
        .bind(username)
        .bind(source)
        .bind(&t)
        .bind(max_failures)
        .bind(lock_until)
        .bind(super::from_now(-window))
        .fetch_one(&self.pool)
        .await?;
        let failures: i64 = row.try_get("failures")?;
        let locked: Option<String> = row.try_get("locked_until")?;
        Ok(AttemptClaim { ordinal: failures, locked: locked.is_some() })
    }

    /// Locks (user name, source) until `lock_until`, unless it is locked already.
    pub async fn lock_login(&self, username: &str, source: &str, lock_until: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE login_attempts SET locked_until = $1 WHERE username = $2 AND source = $3 AND locked_until IS NULL",
        )
        .bind(lock_until)
        .bind(username)
        .bind(source)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A successful login forgets the failures of its (user name, source), unless a lock was
    /// set meanwhile by parallel attempts: a lock is never lifted early.
    pub async fn forget_login_failures(&self, username: &str, source: &str) -> Result<(), StoreError> {
        sqlx::query(
            "DELETE FROM login_attempts WHERE username = $1 AND source = $2 AND locked_until IS NULL",
        )
        .bind(username)
        .bind(source)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// An administrator lifts every lock on an operator of their scope, recorded in the same
    /// transaction. `false` when there is no such operator.
    pub async fn unlock_operator(&self, by: &Operator, username: &str) -> Result<bool, StoreError> {
        let scope = by.scope();
        let mut tx = self.begin_write().await?;
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM operators WHERE username = $1 AND ($2 = 0 OR organisation_id = $2)",
        )
        .bind(username)
        .bind(scope.sql_value())
        .fetch_optional(&mut *tx)
        .await?;
        if found.is_none() {
            return Ok(false);
        }
        sqlx::query("DELETE FROM login_attempts WHERE username = $1")
            .bind(username)
            .execute(&mut *tx)
            .await?;
        audit_in(&mut tx, &AuditRecord::by(by, "OPERATORE_SBLOCCATO", "operatore", username)).await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn create_session(
        &self,
        token_hash: &str,
        operator_id: i64,
        expires_at: &str,
        max_expires_at: &str,
    ) -> Result<(), StoreError> {
        let t = now();
        sqlx::query(
            "INSERT INTO sessions (token_hash, operator_id, created_at, last_seen_at, expires_at, max_expires_at) \
             VALUES ($1, $2, $3, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(operator_id)
        .bind(&t)
        .bind(expires_at)
        .bind(max_expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The operator of a live session; the session's idle expiry moves to `renew_until`
    /// (never past its absolute limit).
    pub async fn session_operator(
        &self,
        token_hash: &str,
        renew_until: &str,
    ) -> Result<Option<Operator>, StoreError> {
        let t = now();
        let row = sqlx::query(&format!(
            "SELECT {OPERATOR_COLUMNS} FROM sessions s JOIN operators p ON p.id = s.operator_id \
             JOIN organisations g ON g.id = p.organisation_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND p.active = 1"
        ))
        .bind(token_hash)
        .bind(&t)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        sqlx::query(
            "UPDATE sessions SET last_seen_at = $1, \
             expires_at = CASE WHEN $2 < max_expires_at THEN $2 ELSE max_expires_at END \
             WHERE token_hash = $3 AND last_seen_at < $1",
        )
        .bind(&t)
        .bind(renew_until)
        .bind(token_hash)
        .execute(&self.pool)
        .await?;
        Ok(Some(operator_from_row(&row)?))
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

    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// `%` and `_` typed by the user match themselves.
pub(super) fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}
