//! The files of an order's contract, plain routes beside Dettaglio ordine: "Download
//! Contratto", "Upload Firma Contratto" (a multipart post; the order page then says what
//! happened) and the signed file downloaded again.

use crate::domain::contract::ContractFileError;
use crate::error::AppError;
use crate::server::auth::SignedIn;
use crate::server::AppState;
use crate::usecases::contracts::{self, Fulfilment};
use axum::extract::{Multipart, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

/// "Download Contratto".
pub async fn download(
    State(state): State<AppState>,
    SignedIn(op): SignedIn,
    Path(number): Path<String>,
) -> Result<Response, AppError> {
    let number = AppError::order_asked(&number)?;
    let order = state.store.order(op.scope(), &number).await?.ok_or_else(|| AppError::no_order(&number))?;
    let pdf = contracts::issue(&state.store, op.scope(), &order).await?;
    let disposition = format!("attachment; filename=\"contratto-{}.pdf\"", order.number);
    let headers =
        [(header::CONTENT_TYPE, "application/pdf".to_string()), (header::CONTENT_DISPOSITION, disposition)];
    Ok((headers, pdf).into_response())
}

/// The signed contract, as it was uploaded.
pub async fn download_signed(
    State(state): State<AppState>,
    SignedIn(op): SignedIn,
    Path(number): Path<String>,
) -> Result<Response, AppError> {
    let number = AppError::order_asked(&number)?;
    let (_, kind, data) = state
        .store
        .signed_contract(op.scope(), &number)
        .await?
        .ok_or_else(|| AppError::NotFound("Contratto firmato non presente".into()))?;
    let (mime, ext) =
        if kind == "PDF" { ("application/pdf", "pdf") } else { ("application/pkcs7-mime", "p7m") };
    let disposition = format!("attachment; filename=\"contratto-firmato-{number}.{ext}\"");
    Ok(([(header::CONTENT_TYPE, mime.to_string()), (header::CONTENT_DISPOSITION, disposition)], data)
        .into_response())
}

/// "Upload Firma Contratto": a multipart post with the file in `contratto`. The order page
/// then says what happened (`?esito=evaso` or `?errore=<code>`); a wrong file changes nothing.
pub async fn upload(
    State(state): State<AppState>,
    SignedIn(op): SignedIn,
    Path(number): Path<String>,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let number = AppError::order_asked(&number)?;
    use crate::routes::{order_outcome, order_refused, ContractRefusal, OrderOutcome};
    let back = |to: String| Ok(crate::server::redirect::see_other(&to));
    let refused = |why: ContractFileError| back(order_refused(&number, ContractRefusal::File(why)));
    let mut file = None;
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some("contratto") {
            let name = field.file_name().unwrap_or_default().to_string();
            match field.bytes().await {
                Ok(bytes) => file = Some((name, bytes.to_vec())),
                Err(_) => return refused(ContractFileError::TooLarge),
            }
        }
    }
    let (file_name, data) = file.unwrap_or_default();
    match contracts::fulfil(&state, &op, &number, file_name, data).await? {
        Fulfilment::Fulfilled => back(order_outcome(&number, OrderOutcome::Fulfilled)),
        Fulfilment::NotBooked => back(order_refused(&number, ContractRefusal::NotBooked)),
        Fulfilment::File(why) => refused(why),
        Fulfilment::Signature(why) => back(order_refused(&number, ContractRefusal::Signature(why))),
        Fulfilment::MissingDocuments(_) => back(order_refused(&number, ContractRefusal::MissingDocuments)),
    }
}
