//! "Gestione domini": the domains on which mailboxes are created, who owns them, their state.

use super::*;
use pec_domain::auth::{Operator, Scope};
use pec_domain::domains::{DomainAction, DomainKind, DomainState, NewDomain, NewDomainError};
use pec_domain::{domains::DomainFilter, domains::DomainRow, lists::Paged};
use sqlx::Row;

/// Why the store refused a new domain (what the domain rules cannot know alone).
#[derive(Debug, thiserror::Error)]
pub enum AddDomainError {
    #[error(transparent)]
    Refused(NewDomainError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for AddDomainError {
    fn from(e: sqlx::Error) -> Self {
        if is_unique_violation(&e) {
            Self::Refused(NewDomainError::Taken)
        } else {
            Self::Store(e.into())
        }
    }
}

/// Which domains an operator sees: the provider all, a reseller its own and the shared ones.
const VISIBLE: &str = "($1 = 0 OR d.organisation_id = $1 OR d.kind = 'CONDIVISO')";

impl Store {
    /// One page of the domains visible in `scope`, by name, with how many mailboxes use each.
    pub async fn domain_page(
        &self,
        scope: Scope,
        filter: &DomainFilter,
        page: i64,
        per_page: i64,
    ) -> Result<Paged<DomainRow>, StoreError> {
        let name = format!("{}%", escape_like(&filter.name.trim().to_lowercase()));
        let customer = pec_domain::fields::name_key(&filter.customer);
        let state = filter.state.trim().to_string();
        let condition = format!(
            "{VISIBLE} AND d.name LIKE $2 ESCAPE '\\' AND ($3 = '' OR c.name_key = $3) AND ($4 = '' OR d.state = $4)"
        );
        let total: i64 = sqlx::query(AssertSqlSafe(format!(
            "SELECT COUNT(*) AS n FROM domains d LEFT JOIN customers c ON c.id = d.customer_id WHERE {condition}"
        )))
        .bind(scope.sql_value())
        .bind(&name)
        .bind(&customer)
        .bind(&state)
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?;
        let pages = ((total + per_page - 1) / per_page).max(1);
        let page = page.clamp(1, pages);
        // A mailbox's `domain` is its address after "@" (a generated column, indexed); the
        // count is per page of domains only.
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT d.name, c.name AS customer, d.kind, d.state, d.created_at, \
             (SELECT COUNT(*) FROM mailboxes m WHERE m.domain = d.name) AS mailboxes \
             FROM domains d LEFT JOIN customers c ON c.id = d.customer_id WHERE {condition} \
             ORDER BY d.name LIMIT $5 OFFSET $6"
        )))
        .bind(scope.sql_value())
        .bind(&name)
        .bind(&customer)
        .bind(&state)
        .bind(per_page)
        .bind((page - 1) * per_page)
        .fetch_all(&self.pool)
        .await?;
        let items = rows
            .iter()
            .map(|r| {
                Ok(DomainRow {
                    name: r.try_get("name")?,
                    customer: r.try_get("customer")?,
                    kind: code_of(r, "kind", DomainKind::from_code)?,
                    state: code_of(r, "state", DomainState::from_code)?,
                    mailboxes: r.try_get("mailboxes")?,
                    created_at: crate::time_of(r, "created_at")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Paged { items, page, pages, total })
    }

    /// Adds a checked domain for the operator's organisation, with its audit line, in one
    /// transaction: the names around it are read in the transaction that inserts it, and the
    /// database's UNIQUE(name) refuses a duplicate that arrives meanwhile.
    pub async fn create_domain(&self, op: &Operator, new: &NewDomain) -> Result<(), AddDomainError> {
        let record = AuditRecord::by(op, "DOMINIO_AGGIUNTO", "dominio", &new.name);
        self.create_domain_in(op.organisation_id, new, record).await
    }

    /// `create_domain` for organisation `organisation_id`, recorded as `record` says (the
    /// command line's `add-domain` has no operator).
    pub async fn create_domain_in(
        &self,
        organisation_id: i64,
        new: &NewDomain,
        record: AuditRecord,
    ) -> Result<(), AddDomainError> {
        let refused = |e| Err(AddDomainError::Refused(e));
        let mut tx = self.begin_write().await?;
        // The decision reads the names around the new one, then inserts: two organisations
        // adding nested names at once must not both pass. SQLite's write lock (BEGIN IMMEDIATE)
        // already orders them; on PostgreSQL this lock, which conflicts only with itself and
        // writers, does (readers of the table go on).
        if self.backend == Backend::Postgres {
            sqlx::query("LOCK TABLE domains IN SHARE ROW EXCLUSIVE MODE").execute(&mut *tx).await?;
        }
        let customer_id: Option<i64> = match &new.customer {
            None => None,
            Some(name) => {
                let row =
                    sqlx::query("SELECT id FROM customers WHERE organisation_id = $1 AND name_key = $2")
                        .bind(organisation_id)
                        .bind(pec_domain::fields::name_key(name))
                        .fetch_optional(&mut *tx)
                        .await?;
                match row {
                    Some(r) => Some(r.try_get("id")?),
                    None => return refused(NewDomainError::UnknownCustomer),
                }
            }
        };
        // The domains that contain it or that it contains.
        let around = sqlx::query(
            "SELECT name, kind, organisation_id FROM domains \
             WHERE name = $1 OR $1 LIKE '%.' || name OR name LIKE '%.' || $1",
        )
        .bind(&new.name)
        .fetch_all(&mut *tx)
        .await?;
        let mut under_shared = false;
        for r in &around {
            let name: String = r.try_get("name")?;
            let kind: String = r.try_get("kind")?;
            let owner: i64 = r.try_get("organisation_id")?;
            let parent = pec_domain::domains::is_within(&new.name, &name);
            if name == new.name {
                return refused(NewDomainError::Taken);
            } else if parent && kind == DomainKind::Shared.code() {
                under_shared = true;
            } else if owner != organisation_id {
                return refused(NewDomainError::OwnedElsewhere);
            }
        }
        match (new.kind, under_shared) {
            (DomainKind::ThirdLevel, false) => return refused(NewDomainError::NotUnderShared),
            (DomainKind::Customer | DomainKind::Shared, true) => return refused(NewDomainError::UnderShared),
            _ => {}
        }
        sqlx::query(
            "INSERT INTO domains (organisation_id, name, kind, state, customer_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(organisation_id)
        .bind(&new.name)
        .bind(new.kind.code())
        .bind(new.kind.initial_state().code())
        .bind(customer_id)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        let after = serde_json::json!({
            "tipo": new.kind.code(),
            "stato": new.kind.initial_state().code(),
            "cliente": new.customer,
        });
        audit_in(&mut tx, &record.in_organisation(organisation_id).after(after.to_string())).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Why a domain's state was not changed or the domain not removed.
#[derive(Debug, thiserror::Error)]
pub enum DomainChangeError {
    #[error("Dominio non trovato")]
    NotFound,
    #[error(transparent)]
    Refused(pec_domain::domains::DomainStateError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for DomainChangeError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(e.into())
    }
}

/// Mailboxes on domain `$1` (their addresses end with "@" and the name).
const MAILBOXES_ON: &str = "SELECT COUNT(*) FROM mailboxes WHERE domain = $1";

/// Domain `$1` if the operator (scope `$2`) may change it: the provider any, a reseller its own.
const OWNED: &str = "FROM domains WHERE name = $1 AND ($2 = 0 OR organisation_id = $2)";

impl Store {
    /// Row lock of a domain about to change, so that an order being stored on it (which holds
    /// it `FOR SHARE`) finishes first and its mailboxes are counted; SQLite's write
    /// transactions are serial already.
    pub(crate) fn lock_clause(&self, mode: &'static str) -> &'static str {
        match self.backend {
            Backend::Postgres => mode,
            Backend::Sqlite => "",
        }
    }

    /// The domain `name` of the operator's organisation (any, for the provider), locked for
    /// the transaction's change: (id, state, mailboxes on it, owning organisation).
    async fn owned_domain(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        op: &Operator,
        name: &str,
    ) -> Result<(i64, DomainState, i64, i64), DomainChangeError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT id, state, organisation_id {OWNED}{}",
            self.lock_clause(" FOR UPDATE")
        )))
        .bind(name)
        .bind(op.scope().sql_value())
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(DomainChangeError::NotFound)?;
        let mailboxes: i64 = sqlx::query_scalar(MAILBOXES_ON).bind(name).fetch_one(&mut **tx).await?;
        let owner: i64 = row.try_get("organisation_id")?;
        Ok((row.try_get("id")?, code_of(&row, "state", DomainState::from_code)?, mailboxes, owner))
    }

    /// The state of domain `name` if the operator may change it.
    pub async fn owned_domain_state(
        &self,
        op: &Operator,
        name: &str,
    ) -> Result<DomainState, DomainChangeError> {
        let state: Option<String> = sqlx::query_scalar(AssertSqlSafe(format!("SELECT state {OWNED}")))
            .bind(name)
            .bind(op.scope().sql_value())
            .fetch_optional(&self.pool)
            .await?;
        let state = state.ok_or(DomainChangeError::NotFound)?;
        DomainState::from_code(&state).ok_or_else(|| StoreError::Corrupt(format!("state: {state}")).into())
    }

    /// Files the outcome of a "Verifica DNS" of domain `name` and certifies it when the
    /// records were right, by the state table (it may have changed during the lookup).
    pub async fn record_dns_check(
        &self,
        op: &Operator,
        name: &str,
        outcome: &pec_domain::dns::DnsOutcome,
    ) -> Result<DomainState, DomainChangeError> {
        let mut tx = self.begin_write().await?;
        let (id, from, mailboxes, owner) = self.owned_domain(&mut tx, op, name).await?;
        let to = if *outcome == pec_domain::dns::DnsOutcome::Certified {
            let to = DomainAction::Certify.apply(from, mailboxes).map_err(DomainChangeError::Refused)?;
            sqlx::query("UPDATE domains SET state = $1 WHERE id = $2")
                .bind(to.code())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            to
        } else {
            from
        };
        let record = AuditRecord::by(op, "DOMINIO_VERIFICA_DNS", "dominio", name)
            .in_organisation(owner)
            .before(from.code().to_string())
            .after(format!("{}: verifica {}", to.code(), outcome.summary()));
        audit_in(&mut tx, &record).await?;
        tx.commit().await?;
        Ok(to)
    }

    /// Applies `action` to domain `name` by the state table, with its audit line; answers the
    /// new state. The decision and the change are in one write transaction.
    pub async fn change_domain_state(
        &self,
        op: &Operator,
        name: &str,
        action: DomainAction,
    ) -> Result<DomainState, DomainChangeError> {
        let mut tx = self.begin_write().await?;
        let (id, from, mailboxes, owner) = self.owned_domain(&mut tx, op, name).await?;
        let to = action.apply(from, mailboxes).map_err(DomainChangeError::Refused)?;
        sqlx::query("UPDATE domains SET state = $1 WHERE id = $2")
            .bind(to.code())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        // Filed under the domain's organisation, which sees it in its log.
        let record = AuditRecord::by(op, "DOMINIO_STATO", "dominio", name)
            .in_organisation(owner)
            .before(from.code().to_string())
            .after(to.code().to_string());
        audit_in(&mut tx, &record).await?;
        tx.commit().await?;
        Ok(to)
    }

    /// Removes domain `name`, refused while a mailbox uses it.
    pub async fn remove_domain(&self, op: &Operator, name: &str) -> Result<(), DomainChangeError> {
        let mut tx = self.begin_write().await?;
        let (id, state, mailboxes, owner) = self.owned_domain(&mut tx, op, name).await?;
        if mailboxes > 0 {
            return Err(DomainChangeError::Refused(pec_domain::domains::DomainStateError::InUse(mailboxes)));
        }
        sqlx::query("DELETE FROM domains WHERE id = $1").bind(id).execute(&mut *tx).await?;
        let record = AuditRecord::by(op, "DOMINIO_RIMOSSO", "dominio", name)
            .in_organisation(owner)
            .before(state.code().to_string());
        audit_in(&mut tx, &record).await?;
        tx.commit().await?;
        Ok(())
    }
}
