//! Reference data: managed domains and the services offers give.

use super::*;
use pec_domain::auth::Scope;
use pec_domain::offers::Offer;
use pec_domain::offers::Services;
use sqlx::any::AnyRow;
use sqlx::Row;

pub(crate) fn offer_from_row(r: &AnyRow) -> Result<Offer, StoreError> {
    let flag = |c: &str| -> Result<bool, StoreError> { Ok(r.try_get::<i64, _>(c)? != 0) };
    Ok(Offer {
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        disk_gb: r.try_get("disk_gb")?,
        sms: flag("sms")?,
        security_archive: flag("security_archive")?,
        legal_preservation: flag("legal_preservation")?,
        shadow_pec: flag("shadow_pec")?,
        push_imap: flag("push_imap")?,
        phishing_protection: flag("phishing_protection")?,
    })
}

/// The services of a mailbox (RIEPILOGO SERVIZI) that come from its offer: the same columns in
/// `offers` and `mailboxes`.
pub(crate) const OFFER_SERVICES: [&str; 7] = [
    "disk_gb",
    "sms",
    "security_archive",
    "legal_preservation",
    "shadow_pec",
    "push_imap",
    "phishing_protection",
];

/// `SET` assignments giving a mailbox the services of the offer whose id is the parameter `param`
/// (activation, Trasforma).
pub(crate) fn services_from_offer(param: &str) -> String {
    OFFER_SERVICES.map(|c| format!("{c} = (SELECT {c} FROM offers WHERE id = {param})")).join(", ")
}

/// A mailbox row's services (the row selects the `OFFER_SERVICES` columns and `disk_used_mb`).
pub(crate) fn services_of(r: &AnyRow) -> Result<Services, sqlx::Error> {
    let on = |c: &str| -> Result<bool, sqlx::Error> { Ok(r.try_get::<i64, _>(c)? != 0) };
    Ok(Services {
        disk_gb: r.try_get("disk_gb")?,
        disk_used_mb: r.try_get("disk_used_mb")?,
        sms: on("sms")?,
        security_archive: on("security_archive")?,
        legal_preservation: on("legal_preservation")?,
        shadow_pec: on("shadow_pec")?,
        push_imap: on("push_imap")?,
        phishing_protection: on("phishing_protection")?,
    })
}

impl Store {
    /// Domains on which mailboxes may be created in this scope: the organisation's own and
    /// the provider's, which are shared; only certified ones ("Gestione domini").
    pub async fn usable_domains(&self, scope: Scope) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT d.name FROM domains d JOIN organisations o ON o.id = d.organisation_id \
             WHERE ($1 = 0 OR d.organisation_id = $1 OR o.kind = 'FORNITORE') AND d.state = 'CERTIFICATO' \
             ORDER BY d.name",
        )
        .bind(scope.sql_value())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(r.try_get("name")?)).collect()
    }

    pub async fn add_domain(&self, organisation_id: i64, name: &str) -> Result<(), StoreError> {
        // The provider's domains are shared; a reseller's are third-level names under them.
        sqlx::query(
            "INSERT INTO domains (organisation_id, name, kind, created_at) VALUES ($1, $2, \
             CASE WHEN (SELECT kind FROM organisations WHERE id = $1) = 'FORNITORE' \
             THEN 'CONDIVISO' ELSE 'TERZO_LIVELLO' END, $3)",
        )
        .bind(organisation_id)
        .bind(name.to_lowercase())
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn offers(&self) -> Result<Vec<Offer>, StoreError> {
        let rows = sqlx::query(
            "SELECT code, name, disk_gb, sms, security_archive, legal_preservation, shadow_pec, \
             push_imap, phishing_protection FROM offers ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(offer_from_row).collect()
    }
}
