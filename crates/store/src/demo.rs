//! Demo data for an empty database (the seed guide's examples), so that a fresh install
//! can be tried at once. Production installs turn it off with `PEC_DEMO_DATA=0`.

use super::*;
use pec_domain::auth::{OrganisationKind, Role};

/// (code, name, disk GB, sms, security archive, legal preservation, shadow PEC, push IMAP, phishing)
type OfferRow = (&'static str, &'static str, i64, bool, bool, bool, bool, bool, bool);

/// "Casella Strutturata - Consip" has the services of the guide's DETTAGLIO CASELLA.
const OFFERS: [OfferRow; 3] = [
    ("CONSIP", "Casella Strutturata - Consip", 6, true, false, true, false, false, true),
    ("STANDARD", "Legalmail Standard", 2, false, false, false, false, false, false),
    ("PROFESSIONAL", "Legalmail Professional", 10, true, true, true, false, true, true),
];

/// The provider and two resellers, each with its own operators.
const ORGANISATIONS: [(&str, OrganisationKind); 3] = [
    ("InfoCert", OrganisationKind::Fornitore),
    ("Rivenditore Alfa", OrganisationKind::Rivenditore),
    ("Rivenditore Beta", OrganisationKind::Rivenditore),
];

/// Demo operators: (user name, display name, role, organisation). They all get the demo
/// password chosen at start-up (see README).
pub const DEMO_OPERATORS: [(&str, &str, Role, &str); 5] = [
    ("admin", "Amministratore InfoCert", Role::Amministratore, "InfoCert"),
    ("operatore", "Operatore InfoCert", Role::Operatore, "InfoCert"),
    ("alfa.admin", "Amministratore Alfa", Role::Amministratore, "Rivenditore Alfa"),
    ("alfa", "Operatore Alfa", Role::Operatore, "Rivenditore Alfa"),
    ("beta", "Operatore Beta", Role::Operatore, "Rivenditore Beta"),
];

/// Fills an empty database; does nothing when organisations already exist.
/// `password_hash` is the argon2 hash of the demo operators' password.
pub async fn seed_demo(store: &Store, password_hash: &str) -> Result<bool, StoreError> {
    if !store.organisations(pec_domain::auth::Scope::All).await?.is_empty() {
        return Ok(false);
    }
    let mut provider = 0;
    for (name, kind) in ORGANISATIONS {
        let id = store.create_organisation(name, kind).await?;
        if kind == OrganisationKind::Fornitore {
            provider = id;
        }
    }
    for (username, display, role, organisation) in DEMO_OPERATORS {
        let org = store
            .organisation_by_name(organisation)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("organisation {organisation}")))?;
        let new = NewOperator {
            organisation_id: org.id,
            username,
            display_name: display,
            role,
            password_hash,
            must_change_password: false,
        };
        store.create_operator(&new, None).await?;
    }
    // The provider's domains are shared with its resellers.
    for d in ["legalmail.it", "testcert.legalmail.it"] {
        store.add_domain(provider, d).await?;
    }
    for (code, name, disk, sms, arch, cons, shadow, push, phish) in OFFERS {
        sqlx::query(
            "INSERT INTO offers (code, name, disk_gb, sms, security_archive, legal_preservation, shadow_pec, \
             push_imap, phishing_protection) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(code)
        .bind(name)
        .bind(disk)
        .bind(i64::from(sms))
        .bind(i64::from(arch))
        .bind(i64::from(cons))
        .bind(i64::from(shadow))
        .bind(i64::from(push))
        .bind(i64::from(phish))
        .execute(&store.pool)
        .await?;
    }
    // Every reseller sells the demo offers.
    sqlx::query(
        "INSERT INTO offer_resellers (offer_id, organisation_id) \
         SELECT f.id, o.id FROM offers f CROSS JOIN organisations o WHERE o.kind <> 'FORNITORE'",
    )
    .execute(&store.pool)
    .await?;
    // Values are bound, never written into the SQL: statements are logged at debug level.
    sqlx::query(
        "INSERT INTO customers (organisation_id, name, name_key, kind, legal_rep_cf, contact_email, created_at) \
         VALUES ($1, $2, $3, $4, $5, '', $6)",
    )
    .bind(provider)
    .bind("Collaudo")
    .bind("collaudo")
    .bind("PA_CENTRALE")
    .bind("RCLMRA74D15F205V")
    .bind(now())
    .execute(&store.pool)
    .await?;
    store.set_setting("userid_prefix", "VIT").await?;
    // The guide's first numbers: order 10295763, userid VIT03933.
    store.set_counter("order_number", 10_295_762).await?;
    store.set_counter("userid", 3_932).await?;
    Ok(true)
}
