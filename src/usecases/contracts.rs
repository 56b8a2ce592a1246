//! The order's contract: the PDF issued for signing, and "Upload Firma Contratto" (the page's
//! and the API's): the signed PDF or CAdES `.p7m` checked by its content, its signature, signer
//! and document verified by the install's `signatures` policy; then it fulfils the order (EVASO,
//! mailboxes ATTIVA, the holders' password links queued) in one transaction.

use crate::domain::auth::{Operator, Scope};
use crate::domain::contract::{contract_kind, ContractFileError, SignatureRefusal};
use crate::domain::orders::OrderDetail;
use crate::domain::OrderNumber;
use crate::error::AppError;
use crate::server::AppState;
use crate::store::{FulfilError, SignedContract, Store, StoreError};

/// The contract PDF of an order, noted as issued first: only a document issued here can come
/// back signed ("Download Contratto" and the API's contract).
pub async fn issue(store: &Store, scope: Scope, order: &OrderDetail) -> Result<Vec<u8>, StoreError> {
    let pdf = crate::server::contract_pdf::contract_pdf(order, crate::server::today());
    let bytes = i64::try_from(pdf.len()).unwrap_or(i64::MAX);
    let hash = crate::server::signatures::sha256_hex(&pdf);
    store.record_issued_contract(scope, &order.number, &hash, bytes).await?;
    Ok(pdf)
}

/// What an uploaded contract ended in.
#[derive(Debug)]
pub enum Fulfilment {
    /// The order is EVASO, its mailboxes ATTIVA, the holders' links queued.
    Fulfilled,
    /// The order is not (or no longer) PRENOTATO: nothing changed.
    NotBooked,
    /// Not a contract file (empty, too large, neither PDF nor CAdES).
    File(ContractFileError),
    /// The signature, the signer or the document is not the one expected.
    Signature(SignatureRefusal),
    /// The order lacks documents the settings require: nothing changed.
    MissingDocuments(Vec<crate::domain::documents::DocumentType>),
}

/// Fulfils order `number` with the contract uploaded as `file_name`, once it is checked.
pub async fn fulfil(
    state: &AppState,
    op: &Operator,
    number: &OrderNumber,
    file_name: String,
    data: Vec<u8>,
) -> Result<Fulfilment, AppError> {
    let contract = match check_upload(state, op, number, file_name, data).await? {
        Upload::Checked(contract) => contract,
        Upload::NotBooked => return Ok(Fulfilment::NotBooked),
        Upload::File(why) => return Ok(Fulfilment::File(why)),
        Upload::Signature(why) => return Ok(Fulfilment::Signature(why)),
    };
    let mail = crate::server::mail::link_mail(&state.public_url);
    let required = state.store.settings_in_force().await?.required_documents;
    match state.store.fulfil_order(op, number, &contract, crate::server::today(), &mail, &required).await {
        Ok(_) => {
            // The holders' links leave now, not at the mailer's next round.
            state.mailer.wake();
            Ok(Fulfilment::Fulfilled)
        }
        Err(FulfilError::NotBooked(_)) => Ok(Fulfilment::NotBooked),
        Err(FulfilError::MissingDocuments(missing)) => Ok(Fulfilment::MissingDocuments(missing)),
        Err(FulfilError::NotFound) => Err(AppError::no_order(number)),
        Err(FulfilError::Store(e)) => Err(e.into()),
    }
}

/// What the check of an uploaded contract found.
enum Upload {
    /// Ready to fulfil the order with.
    Checked(SignedContract),
    NotBooked,
    File(ContractFileError),
    Signature(SignatureRefusal),
}

/// Checks an uploaded contract for order `number` (the page's upload and the API's): a PDF or
/// CAdES file by its content, the order booked, and its signature by `signatures` against the
/// documents issued for the order and its legal representative. Changes nothing.
async fn check_upload(
    state: &AppState,
    op: &Operator,
    number: &OrderNumber,
    file_name: String,
    data: Vec<u8>,
) -> Result<Upload, AppError> {
    let kind = match contract_kind(&data) {
        Ok(kind) => kind,
        Err(e) => return Ok(Upload::File(e)),
    };
    let order = state.store.order(op.scope(), number).await?.ok_or_else(|| AppError::no_order(number))?;
    if order.state != crate::domain::OrderState::Prenotato {
        return Ok(Upload::NotBooked);
    }
    let issued = state.store.issued_contracts(op.scope(), number).await?;
    // Parsing and verifying a 5 MB envelope is CPU work: off the async threads.
    let policy = state.signatures.clone();
    let legal_rep = order.legal_rep_cf.clone();
    let (data, checked) = tokio::task::spawn_blocking(move || {
        let checked = policy.check(&data, &issued, &legal_rep, chrono::Utc::now().timestamp());
        (data, checked)
    })
    .await
    .map_err(|_| AppError::Internal)?;
    Ok(match checked {
        Ok(signature) => Upload::Checked(SignedContract { file_name, kind, data, signature }),
        Err(why) => {
            tracing::info!("signed contract for order {number} refused: {}", why.code());
            Upload::Signature(why)
        }
    })
}
