//! "Offerte": the catalogue of mailbox types, which resellers may sell each, and which offers an
//! organisation may order (active and allowed). Offers are never deleted, only deactivated.

use super::*;
use pec_domain::auth::{Operator, Scope};
use pec_domain::offers::{NewOffer, OfferRefusal, SERVICES};
use pec_domain::{offers::Offer, offers::OfferRow};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

/// Who the audit log names for changes made with `pec-manager` commands.
pub const COMMAND_LINE: &str = "riga di comando";

/// Why the store refused a change to the catalogue.
#[derive(Debug, thiserror::Error)]
pub enum OfferError {
    #[error(transparent)]
    Refused(OfferRefusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for OfferError {
    fn from(e: sqlx::Error) -> Self {
        if is_unique_violation(&e) {
            Self::Refused(OfferRefusal::DuplicateCode)
        } else {
            Self::Store(e.into())
        }
    }
}

/// Offers that organisation `$1` may order: active, and the provider's organisation or a
/// reseller allowed to sell it. Used by the lists and inside the transactions that use an offer.
pub(crate) const USABLE_BY: &str =
    "f.active = 1 AND ((SELECT kind FROM organisations WHERE id = $1) = 'FORNITORE' \
     OR EXISTS (SELECT 1 FROM offer_resellers r WHERE r.offer_id = f.id AND r.organisation_id = $1))";

/// The id of offer `code` if organisation `organisation_id` may order it now.
pub(crate) async fn usable_offer_id(
    tx: &mut Transaction<'_, Any>,
    organisation_id: i64,
    code: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(AssertSqlSafe(format!("SELECT f.id FROM offers f WHERE f.code = $2 AND {USABLE_BY}")))
        .bind(organisation_id)
        .bind(code)
        .fetch_optional(&mut **tx)
        .await
}

const OFFER_COLUMNS: &str =
    "f.id, f.code, f.name, f.description, f.months, f.disk_gb, f.price_cents, f.active, \
     f.sms, f.security_archive, f.legal_preservation, f.shadow_pec, f.push_imap, f.phishing_protection";

fn new_offer_from_row(r: &AnyRow, resellers: Vec<i64>) -> Result<NewOffer, StoreError> {
    let flag = |c: &str| -> Result<bool, StoreError> { Ok(r.try_get::<i64, _>(c)? != 0) };
    let services = SERVICES.map(|(k, _)| flag(k));
    let [a, b, c, d, e, g] = services;
    Ok(NewOffer {
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        months: r.try_get("months")?,
        disk_gb: r.try_get("disk_gb")?,
        price_cents: r.try_get("price_cents")?,
        services: [a?, b?, c?, d?, e?, g?],
        active: flag("active")?,
        resellers,
    })
}

/// The audit's picture of an offer (Italian keys, as the audit log shows them).
fn audit_value(o: &NewOffer) -> String {
    let services: Vec<&str> =
        SERVICES.iter().zip(o.services).filter(|(_, on)| *on).map(|((_, label), _)| *label).collect();
    serde_json::json!({
        "codice": o.code, "nome": o.name, "descrizione": o.description, "durata_mesi": o.months,
        "spazio_disco_gb": o.disk_gb, "prezzo": pec_domain::offers::price_text(o.price_cents),
        "servizi": services, "attiva": o.active, "rivenditori": o.resellers,
    })
    .to_string()
}

/// The one INSERT of an offer (the page's and the import's).
async fn insert_offer(tx: &mut Transaction<'_, Any>, new: &NewOffer) -> Result<i64, sqlx::Error> {
    let row = bind_offer(
        sqlx::query(
            "INSERT INTO offers (code, name, description, months, disk_gb, price_cents, active, sms, \
             security_archive, legal_preservation, shadow_pec, push_imap, phishing_protection) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
        ),
        new,
    )
    .fetch_one(&mut **tx)
    .await?;
    sqlx::Row::try_get(&row, "id")
}

/// An offer's 13 stored values as `$1`..`$13`, in the order of the INSERT and the UPDATE.
fn bind_offer<'q>(
    q: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>,
    new: &'q NewOffer,
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments> {
    let q = q
        .bind(&new.code)
        .bind(&new.name)
        .bind(&new.description)
        .bind(new.months)
        .bind(new.disk_gb)
        .bind(new.price_cents)
        .bind(i64::from(new.active));
    new.services.iter().fold(q, |q, on| q.bind(i64::from(*on)))
}

async fn set_resellers(
    tx: &mut Transaction<'_, Any>,
    offer_id: i64,
    resellers: &[i64],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM offer_resellers WHERE offer_id = $1").bind(offer_id).execute(&mut **tx).await?;
    for id in resellers {
        // Only resellers: the provider sells every offer anyway.
        sqlx::query(
            "INSERT INTO offer_resellers (offer_id, organisation_id) SELECT $1, id FROM organisations \
             WHERE id = $2 AND kind <> 'FORNITORE'",
        )
        .bind(offer_id)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

impl Store {
    /// Offers the operator's organisation may order (wizard's "Tipologia casella", Trasforma).
    pub async fn usable_offers(&self, scope: Scope, organisation_id: i64) -> Result<Vec<Offer>, StoreError> {
        // The provider (scope All) orders for any organisation: every active offer.
        let organisation = match scope {
            Scope::All => None,
            Scope::Organisation(_) => Some(organisation_id),
        };
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT f.code, f.name, f.disk_gb, f.sms, f.security_archive, f.legal_preservation, f.shadow_pec, \
             f.push_imap, f.phishing_protection FROM offers f WHERE ($2 = 0 AND f.active = 1) OR ($2 = 1 AND {USABLE_BY}) \
             ORDER BY f.id"
        )))
        .bind(organisation.unwrap_or(0))
        .bind(i64::from(organisation.is_some()))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(reference::offer_from_row).collect()
    }

    /// The catalogue as `scope` sees it: the provider every offer, a reseller the active offers
    /// it may sell.
    pub async fn offer_catalogue(&self, scope: Scope) -> Result<Vec<OfferRow>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {OFFER_COLUMNS}, (SELECT COUNT(*) FROM mailboxes m WHERE m.offer_id = f.id) AS mailboxes \
             FROM offers f WHERE $1 = 0 OR {USABLE_BY} ORDER BY f.code"
        )))
        .bind(scope.sql_value())
        .fetch_all(&self.pool)
        .await?;
        let allowed = sqlx::query(
            "SELECT r.offer_id, o.id, o.name FROM offer_resellers r JOIN organisations o ON o.id = r.organisation_id \
             ORDER BY o.name",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: i64 = r.try_get("id")?;
            let mut ids = Vec::new();
            let mut names: Vec<String> = Vec::new();
            for a in allowed.iter().filter(|a| a.try_get::<i64, _>("offer_id").is_ok_and(|o| o == id)) {
                let reseller: i64 = a.try_get("id")?;
                // A reseller sees only itself among the resellers of an offer.
                if scope == Scope::All || scope == Scope::Organisation(reseller) {
                    ids.push(reseller);
                    names.push(a.try_get("name")?);
                }
            }
            out.push(OfferRow {
                offer: new_offer_from_row(r, ids)?,
                reseller_names: names,
                mailboxes: r.try_get("mailboxes")?,
            });
        }
        Ok(out)
    }

    /// Adds an offer to the catalogue with its audit line.
    pub async fn create_offer(&self, op: &Operator, new: &NewOffer) -> Result<(), OfferError> {
        let mut tx = self.begin_write().await?;
        let id = insert_offer(&mut tx, new).await?;
        set_resellers(&mut tx, id, &new.resellers).await?;
        audit_in(
            &mut tx,
            &AuditRecord::by(op, "OFFERTA_CREATA", "offerta", &new.code).after(audit_value(new)),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Changes offer `code` (its code too while no order uses it), recording before and after.
    /// Mailboxes keep the services they have; the new values apply to new orders.
    pub async fn update_offer(&self, op: &Operator, code: &str, new: &NewOffer) -> Result<(), OfferError> {
        let mut tx = self.begin_write().await?;
        let row =
            sqlx::query(AssertSqlSafe(format!("SELECT {OFFER_COLUMNS} FROM offers f WHERE f.code = $1")))
                .bind(code)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(OfferError::Refused(OfferRefusal::NotFound))?;
        let id: i64 = row.try_get("id")?;
        let resellers: Vec<i64> = sqlx::query_scalar(
            "SELECT organisation_id FROM offer_resellers WHERE offer_id = $1 ORDER BY organisation_id",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        let before = new_offer_from_row(&row, resellers)?;
        if new.code != before.code {
            let used: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders WHERE offer_id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            if used > 0 {
                return Err(OfferError::Refused(OfferRefusal::CodeInUse));
            }
        }
        bind_offer(
            sqlx::query(
                "UPDATE offers SET code = $1, name = $2, description = $3, months = $4, disk_gb = $5, price_cents = $6, \
                 active = $7, sms = $8, security_archive = $9, legal_preservation = $10, shadow_pec = $11, \
                 push_imap = $12, phishing_protection = $13 WHERE id = $14",
            ),
            new,
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        set_resellers(&mut tx, id, &new.resellers).await?;
        audit_in(
            &mut tx,
            &AuditRecord::by(op, "OFFERTA_MODIFICATA", "offerta", &new.code)
                .before(audit_value(&before))
                .after(audit_value(new)),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds offers that are not in the catalogue yet (by code), sold by every reseller; answers
    /// how many were added. For `pec-manager import-offers`: all or nothing.
    pub async fn import_offers(&self, offers: &[NewOffer]) -> Result<usize, OfferError> {
        let mut tx = self.begin_write().await?;
        let mut added = 0;
        for new in offers {
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM offers WHERE code = $1")
                .bind(&new.code)
                .fetch_optional(&mut *tx)
                .await?;
            if exists.is_some() {
                continue;
            }
            let id = insert_offer(&mut tx, new).await?;
            sqlx::query(
                "INSERT INTO offer_resellers (offer_id, organisation_id) SELECT $1, id FROM organisations \
                 WHERE kind <> 'FORNITORE'",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
            audit_in(
                &mut tx,
                &AuditRecord::anonymous(COMMAND_LINE, "OFFERTA_IMPORTATA", "offerta", &new.code)
                    .after(audit_value(new)),
            )
            .await?;
            added += 1;
        }
        tx.commit().await?;
        Ok(added)
    }
}
