//! Demo data for an empty database (the seed guide's examples), so that a fresh install
//! can be tried at once. Production installs turn it off with `PEC_DEMO_DATA=0`.

use super::{now, Store, StoreError};

/// (code, name, disk GB, sms, security archive, legal preservation, shadow PEC, push IMAP, phishing)
type OfferRow = (&'static str, &'static str, i64, bool, bool, bool, bool, bool, bool);

/// "Casella Strutturata - Consip" has the services of the guide's DETTAGLIO CASELLA.
const OFFERS: [OfferRow; 3] = [
    ("CONSIP", "Casella Strutturata - Consip", 6, true, false, true, false, false, true),
    ("STANDARD", "Legalmail Standard", 2, false, false, false, false, false, false),
    ("PROFESSIONAL", "Legalmail Professional", 10, true, true, true, false, true, true),
];

/// Fills an empty database; does nothing when domains already exist.
pub async fn seed_demo(store: &Store) -> Result<bool, StoreError> {
    if !store.domains().await?.is_empty() {
        return Ok(false);
    }
    for d in ["legalmail.it", "testcert.legalmail.it"] {
        store.add_domain(d).await?;
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
    sqlx::query(
        "INSERT INTO customers (name, name_key, kind, legal_rep_cf, contact_email, created_at) \
         VALUES ('Collaudo', 'collaudo', 'PA_CENTRALE', 'RCLMRA74D15F205V', '', $1)",
    )
    .bind(now())
    .execute(&store.pool)
    .await?;
    store.set_setting("userid_prefix", "VIT").await?;
    // The guide's first numbers: order 10295763, userid VIT03933.
    store.set_counter("order_number", 10_295_762).await?;
    store.set_counter("userid", 3_932).await?;
    Ok(true)
}
