//! Organisations, operators, and the login attempts that lock a user name out.

use super::*;
use pec_domain::auth::Operator;
use pec_domain::auth::OrganisationKind;
use pec_domain::auth::Role;
use pec_domain::auth::Scope;
use pec_domain::organisations::OperatorRow;
use pec_domain::organisations::Organisation;
use sqlx::any::AnyRow;
use sqlx::Row;

/// What a login attempt needs to know about a user name.
#[derive(Clone, Debug)]
pub struct LoginRecord {
    pub operator: Operator,
    pub password_hash: String,
    pub active: bool,
}

/// An operator to create; the password already hashed.
#[derive(Clone, Copy, Debug)]
pub struct NewOperator<'a> {
    pub organisation_id: i64,
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub password_hash: &'a str,
    /// An administrator typed the password: the operator changes it at the first login.
    pub must_change_password: bool,
}

/// What [`Store::claim_login_attempt`] decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttemptClaim {
    /// This attempt's number since the count last started.
    pub ordinal: i64,
    /// The (user name, source) is locked: the password must not be checked.
    pub locked: bool,
}

pub(crate) const OPERATOR_COLUMNS: &str = "p.id, p.username, p.display_name, p.role, p.organisation_id, \
     g.name AS organisation_name, g.kind AS organisation_kind, p.must_change_password";

pub(crate) fn operator_from_row(r: &AnyRow) -> Result<Operator, StoreError> {
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
        must_change_password: r.try_get::<i64, _>("must_change_password")? != 0,
    })
}

impl Store {
    pub async fn organisation_by_name(&self, name: &str) -> Result<Option<Organisation>, StoreError> {
        let row = sqlx::query("SELECT id, name, kind FROM organisations WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(Organisation {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                kind: crate::code_of(&r, "kind", OrganisationKind::from_code)?,
            })
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
                Ok(Organisation {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    kind: crate::code_of(r, "kind", OrganisationKind::from_code)?,
                })
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
    /// Creates an operator with the audit line that records it (`None` for demo data), in one
    /// transaction; `None` when the user name is taken.
    pub async fn create_operator(
        &self,
        new: &NewOperator<'_>,
        audit: Option<&AuditRecord>,
    ) -> Result<Option<i64>, StoreError> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query_scalar::<_, i64>(
            "INSERT INTO operators (organisation_id, username, display_name, role, password_hash, created_at, \
             must_change_password) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(new.organisation_id)
        .bind(new.username)
        .bind(new.display_name)
        .bind(new.role.code())
        .bind(new.password_hash)
        .bind(now())
        .bind(i64::from(new.must_change_password))
        .fetch_one(&mut *tx)
        .await;
        let id = match done {
            Ok(id) => id,
            Err(e) if super::is_unique_violation(&e) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        if let Some(record) = audit {
            audit_in(&mut tx, record).await?;
        }
        tx.commit().await?;
        Ok(Some(id))
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
                    role: crate::code_of(r, "role", Role::from_code)?,
                    organisation: r.try_get("organisation")?,
                    active: r.try_get::<i64, _>("active")? != 0,
                    created_at: crate::time_of(r, "created_at")?,
                    locked: r.try_get::<i64, _>("locks")? > 0,
                })
            })
            .collect()
    }

    /// Enables or disables an operator of the scope (a disabled one loses its sessions), with
    /// the audit line that records it, in one transaction.
    pub async fn set_operator_active(
        &self,
        scope: Scope,
        username: &str,
        active: bool,
        audit: &AuditRecord,
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
        audit_in(&mut tx, audit).await?;
        announce_in(&mut tx, self.backend, Change::Sessions).await?;
        tx.commit().await?;
        self.caches.forget(Change::Sessions);
        Ok(true)
    }

    pub async fn login_record(&self, username: &str) -> Result<Option<LoginRecord>, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {OPERATOR_COLUMNS}, p.password_hash, p.active * g.active AS active \
             FROM operators p JOIN organisations g ON g.id = p.organisation_id WHERE p.username = $1"
        )))
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
}
