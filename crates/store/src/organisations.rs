//! "Organizzazioni": the provider's resellers, created with their first administrator (selling
//! the active catalogue), renamed,
//! disabled (which ends their operators' sessions) and enabled again; never deleted.

use super::*;
use pec_domain::auth::{Operator, OrganisationKind, Role};
use pec_domain::organisations::OrganisationRow;
use pec_domain::organisations::{NewReseller, OrganisationRefusal};
use sqlx::Row;

/// Why the store refused a change of an organisation.
#[derive(Debug, thiserror::Error)]
pub enum OrganisationError {
    #[error(transparent)]
    Refused(OrganisationRefusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for OrganisationError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(e.into())
    }
}

fn refused<T>(r: OrganisationRefusal) -> Result<T, OrganisationError> {
    Err(OrganisationError::Refused(r))
}

impl Store {
    /// Every organisation, the provider first, with how many operators each has.
    pub async fn organisation_rows(&self) -> Result<Vec<OrganisationRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT g.id, g.name, g.kind, g.active, g.created_at, \
             (SELECT COUNT(*) FROM operators p WHERE p.organisation_id = g.id) AS operators \
             FROM organisations g ORDER BY CASE WHEN g.kind = 'FORNITORE' THEN 0 ELSE 1 END, g.name",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(OrganisationRow {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    kind: code_of(r, "kind", OrganisationKind::from_code)?,
                    active: r.try_get::<i64, _>("active")? != 0,
                    operators: r.try_get("operators")?,
                    created_at: crate::time_of(r, "created_at")?,
                })
            })
            .collect()
    }

    /// A new reseller and its first administrator (with this password hash), in one
    /// transaction with their audit lines: both or neither.
    pub async fn create_reseller(
        &self,
        op: &Operator,
        new: &NewReseller,
        password_hash: &str,
    ) -> Result<i64, OrganisationError> {
        let mut tx = self.begin_write().await?;
        let id: i64 = match sqlx::query_scalar(
            "INSERT INTO organisations (name, kind, created_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(&new.name)
        .bind(OrganisationKind::Rivenditore.code())
        .bind(now())
        .fetch_one(&mut *tx)
        .await
        {
            Ok(id) => id,
            Err(e) if is_unique_violation(&e) => return refused(OrganisationRefusal::NameTaken),
            Err(e) => return Err(e.into()),
        };
        let created = sqlx::query(
            // Its password is shown once to the provider's administrator: changed at first login.
            "INSERT INTO operators (organisation_id, username, display_name, role, password_hash, created_at, \
             must_change_password) VALUES ($1, $2, $3, $4, $5, $6, 1)",
        )
        .bind(id)
        .bind(&new.username)
        .bind(&new.display_name)
        .bind(Role::Amministratore.code())
        .bind(password_hash)
        .bind(now())
        .execute(&mut *tx)
        .await;
        match created {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => return refused(OrganisationRefusal::UsernameTaken),
            Err(e) => return Err(e.into()),
        }
        // A new reseller sells the active catalogue; Offerte narrows it.
        sqlx::query("INSERT INTO offer_resellers (offer_id, organisation_id) SELECT id, $1 FROM offers WHERE active = 1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let org = AuditRecord::by(op, "ORGANIZZAZIONE_CREATA", "organizzazione", &new.name)
            .in_organisation(id)
            .after(serde_json::json!({ "nome": new.name, "tipo": "RIVENDITORE" }).to_string());
        audit_in(&mut tx, &org).await?;
        let admin = AuditRecord::by(op, "OPERATORE_CREATO", "operatore", &new.username)
            .in_organisation(id)
            .after(format!("utente: {}; nome: {}; ruolo: AMMINISTRATORE", new.username, new.display_name));
        audit_in(&mut tx, &admin).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Renames organisation `id`.
    pub async fn rename_organisation(
        &self,
        op: &Operator,
        id: i64,
        name: &str,
    ) -> Result<(), OrganisationError> {
        let mut tx = self.begin_write().await?;
        let before: Option<String> = sqlx::query_scalar("SELECT name FROM organisations WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(before) = before else { return refused(OrganisationRefusal::NotFound) };
        match sqlx::query("UPDATE organisations SET name = $1 WHERE id = $2")
            .bind(name)
            .bind(id)
            .execute(&mut *tx)
            .await
        {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => return refused(OrganisationRefusal::NameTaken),
            Err(e) => return Err(e.into()),
        }
        let record = AuditRecord::by(op, "ORGANIZZAZIONE_RINOMINATA", "organizzazione", name)
            .in_organisation(id)
            .before(before)
            .after(name.to_string());
        audit_in(&mut tx, &record).await?;
        // Sessions show their organisation's name.
        announce_in(&mut tx, self.backend, Change::Sessions).await?;
        tx.commit().await?;
        self.caches.forget(Change::Sessions);
        Ok(())
    }

    /// Disables (ending its operators' sessions) or enables reseller `id`.
    pub async fn set_organisation_active(
        &self,
        op: &Operator,
        id: i64,
        active: bool,
    ) -> Result<(), OrganisationError> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query("SELECT name, kind FROM organisations WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else { return refused(OrganisationRefusal::NotFound) };
        let name: String = row.try_get("name")?;
        let kind: String = row.try_get("kind")?;
        if kind == OrganisationKind::Fornitore.code() {
            return refused(OrganisationRefusal::Provider);
        }
        sqlx::query("UPDATE organisations SET active = $1 WHERE id = $2")
            .bind(i64::from(active))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if !active {
            sqlx::query("DELETE FROM sessions WHERE operator_id IN (SELECT id FROM operators WHERE organisation_id = $1)")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        let action = if active { "ORGANIZZAZIONE_RIATTIVATA" } else { "ORGANIZZAZIONE_DISATTIVATA" };
        audit_in(&mut tx, &AuditRecord::by(op, action, "organizzazione", &name).in_organisation(id)).await?;
        announce_in(&mut tx, self.backend, Change::Sessions).await?;
        tx.commit().await?;
        self.caches.forget(Change::Sessions);
        Ok(())
    }
}
