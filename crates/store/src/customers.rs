//! "Clienti": the customers each organisation serves (created by hand or with a first order),
//! offered by step 1 of the wizard. One name per organisation, in any case.

use super::*;
use pec_domain::auth::{Operator, Scope};
use pec_domain::customers::NewCustomer;
use pec_domain::CustomerKind;
use pec_domain::{customers::Customer, customers::CustomerRow};
use sqlx::Row;

/// Why the store refused a customer.
#[derive(Debug, thiserror::Error)]
pub enum CustomerError {
    #[error("{}", pec_domain::customers::CustomerRefusal::Duplicate)]
    Duplicate,
    #[error("{}", pec_domain::customers::CustomerRefusal::NotFound)]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for CustomerError {
    fn from(e: sqlx::Error) -> Self {
        if is_unique_violation(&e) {
            Self::Duplicate
        } else {
            Self::Store(e.into())
        }
    }
}

fn audit_value(c: &NewCustomer) -> String {
    serde_json::json!({
        "denominazione": c.name, "tipo": c.kind.code(), "legale_rappresentante": c.legal_rep_cf,
        "email": c.contact_email,
    })
    .to_string()
}

impl Store {
    pub async fn customers(&self, scope: Scope) -> Result<Vec<Customer>, StoreError> {
        let rows = sqlx::query(
            "SELECT name, kind, legal_rep_cf, contact_email FROM customers \
             WHERE $1 = 0 OR organisation_id = $1 ORDER BY name",
        )
        .bind(scope.sql_value())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Customer {
                    name: r.try_get("name")?,
                    kind: r.try_get("kind")?,
                    legal_rep_cf: r.try_get("legal_rep_cf")?,
                    contact_email: r.try_get("contact_email")?,
                })
            })
            .collect()
    }

    /// "Clienti" as `scope` sees it, by name, with how many orders each has.
    pub async fn customer_rows(&self, scope: Scope) -> Result<Vec<CustomerRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT c.id, g.name AS organisation, c.name, c.kind, c.legal_rep_cf, c.contact_email, \
             (SELECT COUNT(*) FROM orders o WHERE o.customer_id = c.id) AS orders \
             FROM customers c JOIN organisations g ON g.id = c.organisation_id \
             WHERE $1 = 0 OR c.organisation_id = $1 ORDER BY c.name_key, g.name LIMIT 5000",
        )
        .bind(scope.sql_value())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CustomerRow {
                    id: r.try_get("id")?,
                    organisation: r.try_get("organisation")?,
                    customer: NewCustomer {
                        name: r.try_get("name")?,
                        kind: code_of(r, "kind", CustomerKind::from_code)?,
                        legal_rep_cf: r.try_get("legal_rep_cf")?,
                        contact_email: r.try_get("contact_email")?,
                    },
                    orders: r.try_get("orders")?,
                })
            })
            .collect()
    }

    /// Adds a customer to the operator's organisation, audited.
    pub async fn create_customer(&self, op: &Operator, c: &NewCustomer) -> Result<(), CustomerError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO customers (organisation_id, name, name_key, kind, legal_rep_cf, contact_email, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(op.organisation_id)
        .bind(&c.name)
        .bind(pec_domain::fields::name_key(&c.name))
        .bind(c.kind.code())
        .bind(&c.legal_rep_cf)
        .bind(&c.contact_email)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        audit_in(&mut tx, &AuditRecord::by(op, "CLIENTE_CREATO", "cliente", &c.name).after(audit_value(c)))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Changes customer `id` if `scope` may see it, recording before and after. Orders keep the
    /// values they were made with.
    pub async fn update_customer(
        &self,
        op: &Operator,
        id: i64,
        c: &NewCustomer,
    ) -> Result<(), CustomerError> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT organisation_id, name, kind, legal_rep_cf, contact_email FROM customers \
             WHERE id = $1 AND ($2 = 0 OR organisation_id = $2)",
        )
        .bind(id)
        .bind(op.scope().sql_value())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(CustomerError::NotFound)?;
        let before = NewCustomer {
            name: row.try_get("name")?,
            kind: code_of(&row, "kind", CustomerKind::from_code)?,
            legal_rep_cf: row.try_get("legal_rep_cf")?,
            contact_email: row.try_get("contact_email")?,
        };
        let organisation_id: i64 = row.try_get("organisation_id")?;
        sqlx::query(
            "UPDATE customers SET name = $1, name_key = $2, kind = $3, legal_rep_cf = $4, contact_email = $5 \
             WHERE id = $6",
        )
        .bind(&c.name)
        .bind(pec_domain::fields::name_key(&c.name))
        .bind(c.kind.code())
        .bind(&c.legal_rep_cf)
        .bind(&c.contact_email)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let record = AuditRecord::by(op, "CLIENTE_MODIFICATO", "cliente", &c.name)
            .in_organisation(organisation_id)
            .before(audit_value(&before))
            .after(audit_value(c));
        audit_in(&mut tx, &record).await?;
        tx.commit().await?;
        Ok(())
    }
}
