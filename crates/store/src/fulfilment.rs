//! After the order: the signed contract fulfils it (order EVASO, mailboxes ATTIVA with dates
//! and the offer's services); each holder's password link (`links`) and its e-mail (`outbox`)
//! are created in the same transaction.

use super::*;
use pec_domain::auth::Operator;
use pec_domain::auth::Scope;
use pec_domain::contract::{ContractSigner, SignatureRefusal};
use pec_domain::lifecycle::expiry_date;
use pec_domain::lifecycle::single_edge;
use pec_domain::lifecycle::Date;
use pec_domain::lifecycle::Transition;
use pec_domain::MailboxState;
use pec_domain::OrderState;
use pec_domain::{OrderNumber, UserId};
use sqlx::Any;
use sqlx::Row;
use sqlx::Transaction;
use thiserror::Error;

/// The edge of a bulk transition, from the lifecycle table.
pub(super) fn edge(t: Transition) -> Result<(MailboxState, MailboxState), StoreError> {
    single_edge(t).ok_or_else(|| StoreError::Corrupt(format!("lifecycle table: no single edge for {t:?}")))
}

/// The signed contract as uploaded, with what its signature check found.
#[derive(Clone, Debug)]
pub struct SignedContract {
    pub file_name: String,
    /// `PDF` or `P7M`.
    pub kind: &'static str,
    pub data: Vec<u8>,
    pub signature: SignatureCheck,
}

/// What the signature check of a contract found (`pec-signature`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignatureCheck {
    /// Signed by this signer, verified.
    Verified(ContractSigner),
    /// Not verifiable, for this reason, and accepted all the same because the installation
    /// says so (`PEC_ACCEPT_UNVERIFIED_SIGNATURES`, test installations): recorded as a warning.
    Accepted(SignatureRefusal),
}

/// A contract PDF issued for an order: its SHA-256 (hex), length and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedContract {
    pub sha256: String,
    pub bytes: i64,
    pub issued_at: String,
}

#[derive(Debug, Error)]
pub enum FulfilError {
    #[error("Ordine non trovato")]
    NotFound,
    #[error("L'ordine è {0}: il contratto si carica solo per un ordine PRENOTATO")]
    NotBooked(String),
    /// The documents the settings require that the order lacks: nothing changed.
    #[error("Documenti mancanti")]
    MissingDocuments(Vec<pec_domain::documents::DocumentType>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for FulfilError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(e.into())
    }
}

/// A time given in seconds since 1970, as the database keeps times (UTC).
fn stamp_of(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0).map(stamp).unwrap_or_default()
}

/// The order a contract is for, as fulfilment needs it.
struct OrderRow {
    id: i64,
    state: String,
    expiry_year: i64,
    offer_id: i64,
    organisation_id: i64,
}

async fn order_row(
    tx: &mut Transaction<'_, Any>,
    scope: Scope,
    number: &OrderNumber,
) -> Result<Option<OrderRow>, StoreError> {
    let row = sqlx::query(
        "SELECT id, state, expiry_year, offer_id, organisation_id FROM orders \
         WHERE number = $1 AND ($2 = 0 OR organisation_id = $2)",
    )
    .bind(number.as_str())
    .bind(scope.sql_value())
    .fetch_optional(&mut **tx)
    .await?;
    Ok(match row {
        Some(r) => Some(OrderRow {
            id: r.try_get("id")?,
            state: r.try_get("state")?,
            expiry_year: r.try_get("expiry_year")?,
            offer_id: r.try_get("offer_id")?,
            organisation_id: r.try_get("organisation_id")?,
        }),
        None => None,
    })
}

impl Store {
    /// "Upload Firma Contratto": stores the contract and fulfils the order in one transaction:
    /// order EVASO, its mailboxes ATTIVA from `today`, expiring on the anniversary in the
    /// order's expiry year, with the offer's services; one password link e-mail per mailbox.
    pub async fn fulfil_order(
        &self,
        op: &Operator,
        number: &OrderNumber,
        contract: &SignedContract,
        today: Date,
        link_mail: &LinkMail,
        required: &[pec_domain::documents::DocumentType],
    ) -> Result<usize, FulfilError> {
        let mut tx = self.begin_write().await?;
        let OrderRow { id: order_id, state, expiry_year, offer_id, organisation_id } =
            order_row(&mut tx, op.scope(), number).await?.ok_or(FulfilError::NotFound)?;
        // The state is checked by the update itself, so that two uploads fulfil once.
        let claimed = sqlx::query("UPDATE orders SET state = $1, contract = 1 WHERE id = $2 AND state = $3")
            .bind(OrderState::Evaso.code())
            .bind(order_id)
            .bind(OrderState::Prenotato.code())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if claimed != 1 {
            tx.rollback().await?;
            return Err(FulfilError::NotBooked(state));
        }
        // After the order's row is claimed: a document removed meanwhile waited for this.
        let present = crate::documents::document_types_in(&mut tx, order_id).await?;
        let missing = pec_domain::documents::missing_types(required, &present);
        if !missing.is_empty() {
            tx.rollback().await?;
            return Err(FulfilError::MissingDocuments(missing));
        }
        let (signer, verified) = match &contract.signature {
            SignatureCheck::Verified(s) => (Some(s), 1_i64),
            SignatureCheck::Accepted(_) => (None, 0),
        };
        sqlx::query(
            "INSERT INTO contracts (order_id, file_name, kind, data, uploaded_at, operator_id, \
             signer_name, signer_tax_code, signed_at, verified) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(order_id)
        .bind(&contract.file_name)
        .bind(contract.kind)
        .bind(contract.data.clone())
        .bind(now())
        .bind(op.id)
        .bind(signer.map(|s| s.name.clone()))
        .bind(signer.map(|s| s.tax_code.clone()))
        .bind(signer.map(|s| stamp_of(s.signed_at)))
        .bind(verified)
        .execute(&mut *tx)
        .await?;
        let expires = expiry_date(today, expiry_year as i32);
        let (booked, active) = edge(Transition::Activate)?;
        let activate = format!(
            "UPDATE mailboxes SET state = $1, activated_at = $2, expires_at = $3, invoice_expires_at = $3, {} \
             WHERE order_id = $5 AND state = $6",
            services_from_offer("$4")
        );
        sqlx::query(AssertSqlSafe(&*activate))
            .bind(active.code())
            .bind(today.iso())
            .bind(expires.iso())
            .bind(offer_id)
            .bind(order_id)
            .bind(booked.code())
            .execute(&mut *tx)
            .await?;
        crate::products::start_products_in(
            &mut tx,
            &format!("m.order_id = $1 AND m.state = '{}'", active.code()),
            order_id,
            today,
        )
        .await?;
        let rows = sqlx::query(
            "SELECT id, userid, address, password_email FROM mailboxes WHERE order_id = $1 AND state = $2 ORDER BY position",
        )
        .bind(order_id)
        .bind(active.code())
        .fetch_all(&mut *tx)
        .await?;
        for r in &rows {
            let (id, userid, address, recipient): (i64, UserId, String, String) = (
                r.try_get("id")?,
                user_id_of(r, "userid")?,
                r.try_get("address")?,
                r.try_get("password_email")?,
            );
            link_in(&mut tx, id, LinkHolder::Holder, &address, &userid, &recipient, link_mail).await?;
            // Additional users named while the mailbox was booked get their links now.
            for u in sqlx::query("SELECT id, email FROM mailbox_users WHERE mailbox_id = $1 ORDER BY id")
                .bind(id)
                .fetch_all(&mut *tx)
                .await?
            {
                let (user_id, email): (i64, String) = (u.try_get("id")?, u.try_get("email")?);
                link_in(&mut tx, id, LinkHolder::User(user_id), &address, &userid, &email, link_mail).await?;
            }
        }
        let summary = format!("Ordine {number} evaso: {} caselle attivate", rows.len());
        activity_in(
            &mut tx,
            Activity { kind: "ORDINE_EVASO", organisation_id, order_id, mailbox_id: None, summary },
        )
        .await?;
        let firma = match &contract.signature {
            SignatureCheck::Verified(s) => {
                format!("verificata: firmata da {} il {}", s.name, stamp_of(s.signed_at))
            }
            // The warning a test installation leaves: this contract's signature was not verified.
            SignatureCheck::Accepted(why) => {
                format!("ATTENZIONE: firma non verificata, accettata per impostazione ({why})")
            }
        };
        let after = serde_json::json!({
            "stato": OrderState::Evaso.code(), "contratto": contract.file_name, "tipo": contract.kind,
            "firma": firma,
            "caselle_attivate": rows.len(), "data_attivazione": today.iso(), "data_scadenza": expires.iso(),
        });
        audit_in(
            &mut tx,
            &AuditRecord::by(op, "ORDINE_EVASO", "ordine", number)
                .before(serde_json::json!({ "stato": state }).to_string())
                .after(after.to_string()),
        )
        .await?;
        tx.commit().await?;
        self.analyze_after_bulk(rows.len(), "mailboxes, outbox, activation_links, products").await;
        Ok(rows.len())
    }

    /// Notes a contract PDF issued for an order ("Download Contratto"), once per document.
    pub async fn record_issued_contract(
        &self,
        scope: Scope,
        number: &OrderNumber,
        sha256: &str,
        bytes: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO issued_contracts (order_id, sha256, bytes, issued_at) \
             SELECT id, $1, $2, $3 FROM orders WHERE number = $4 AND ($5 = 0 OR organisation_id = $5) \
             ON CONFLICT (order_id, sha256) DO NOTHING",
        )
        .bind(sha256)
        .bind(bytes)
        .bind(now())
        .bind(number.as_str())
        .bind(scope.sql_value())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The contract PDFs issued for an order, oldest first.
    pub async fn issued_contracts(
        &self,
        scope: Scope,
        number: &OrderNumber,
    ) -> Result<Vec<IssuedContract>, StoreError> {
        let rows = sqlx::query(
            "SELECT i.sha256, i.bytes, i.issued_at FROM issued_contracts i JOIN orders o ON o.id = i.order_id \
             WHERE o.number = $1 AND ($2 = 0 OR o.organisation_id = $2) ORDER BY i.id",
        )
        .bind(number.as_str())
        .bind(scope.sql_value())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(IssuedContract {
                    sha256: r.try_get("sha256")?,
                    bytes: r.try_get("bytes")?,
                    issued_at: r.try_get("issued_at")?,
                })
            })
            .collect()
    }

    /// The signed contract of an order: (file name, kind, bytes).
    pub async fn signed_contract(
        &self,
        scope: Scope,
        number: &OrderNumber,
    ) -> Result<Option<(String, String, Vec<u8>)>, StoreError> {
        let row = sqlx::query(
            "SELECT c.file_name, c.kind, c.data FROM contracts c JOIN orders o ON o.id = c.order_id \
             WHERE o.number = $1 AND ($2 = 0 OR o.organisation_id = $2)",
        )
        .bind(number.as_str())
        .bind(scope.sql_value())
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(r) => Some((r.try_get("file_name")?, r.try_get("kind")?, r.try_get("data")?)),
            None => None,
        })
    }
}
