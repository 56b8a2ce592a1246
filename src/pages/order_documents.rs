//! The files of an order's documents, plain routes beside Dettaglio ordine: "Carica
//! documentazione" (a multipart post of `tipo` and `documento`; the page then says what
//! happened), a document downloaded, "Rimuovi <file>". The section that shows them is
//! `components/documents.rs`; what they do, `usecases::documents`.

use crate::domain::documents::{DocumentRefusal, DocumentType};
use crate::domain::{DraftId, OrderNumber};
use crate::error::AppError;
use crate::routes::{documents_after, DocumentNotice, DocumentsPage};
use crate::server::auth::SignedIn;
use crate::server::AppState;
use crate::usecases::documents;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};

/// Longest text field the upload form has (`tipo`, `riepilogo`).
const FIELD_MAX: usize = 64;

/// The page the forms came from: the wizard's summary when they say so, else the order's page.
fn page_of(number: &OrderNumber, summary: Option<&str>) -> DocumentsPage {
    match summary.and_then(DraftId::parse) {
        Some(draft) => DocumentsPage::Summary(draft),
        None => DocumentsPage::Order(number.clone()),
    }
}

/// A file field, keeping at most `DOCUMENT_MAX_BYTES` of it in memory: its bytes, and whether
/// it was read whole within that bound (the rest of a larger one is read and dropped, so that
/// the browser gets the page that says why).
async fn read_bounded(mut field: axum::extract::multipart::Field<'_>) -> (Vec<u8>, bool) {
    use crate::domain::documents::DOCUMENT_MAX_BYTES;
    let mut bytes = Vec::new();
    let mut whole = true;
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) if whole && bytes.len() + chunk.len() <= DOCUMENT_MAX_BYTES => {
                bytes.extend_from_slice(&chunk)
            }
            Ok(Some(_)) => {
                whole = false;
                bytes = Vec::new();
            }
            Ok(None) => return (bytes, whole),
            Err(_) => return (Vec::new(), false),
        }
    }
}

/// "Carica": one file with its type. A refusal changes nothing; the page names the file (kept
/// for the session, not in the address) and the reason.
pub async fn upload(
    State(state): State<AppState>,
    SignedIn(op): SignedIn,
    Path(number): Path<String>,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let number = AppError::order_asked(&number)?;
    let (mut doc_type, mut summary, mut file) = (None, None, None);
    let mut too_large = false;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            // The body went over its limit, or was cut.
            Err(_) => {
                too_large = true;
                break;
            }
        };
        match field.name().unwrap_or_default() {
            "documento" => {
                let name = field.file_name().unwrap_or_default().to_string();
                let (bytes, whole) = read_bounded(field).await;
                too_large |= !whole;
                file = Some((name, bytes));
            }
            "tipo" => doc_type = field.text().await.ok().filter(|t| t.len() <= FIELD_MAX),
            "riepilogo" => summary = field.text().await.ok().filter(|t| t.len() <= FIELD_MAX),
            _ => {}
        }
    }
    let page = page_of(&number, summary.as_deref());
    let (raw_name, data) = file.unwrap_or_default();
    let outcome = if too_large {
        let name = crate::domain::documents::document_file_name(&raw_name);
        documents::Upload { file_name: name, outcome: Err(DocumentRefusal::TooLarge) }
    } else {
        let doc_type = doc_type.as_deref().and_then(DocumentType::from_code);
        documents::upload(&state.store, &op, &number, doc_type, &raw_name, &data).await?
    };
    let notice = match outcome.outcome {
        Ok(_) => DocumentNotice::Uploaded,
        Err(why) => {
            let key = crate::components::documents::refused_file_key(&number);
            crate::server::stash::keep_from(&state.store, &headers, &key, &outcome.file_name).await?;
            DocumentNotice::Refused(why)
        }
    };
    Ok(crate::server::redirect::see_other(&documents_after(&page, notice)))
}

/// A document, always as an attachment that the browser may not sniff or render as a page.
pub async fn download(
    State(state): State<AppState>,
    SignedIn(op): SignedIn,
    Path((number, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let number = AppError::order_asked(&number)?;
    let id = id.parse::<i64>().map_err(|_| AppError::NotFound("Documento non trovato".into()))?;
    let (doc, data) = documents::download(&state.store, &op, &number, id).await?;
    let headers = [
        (header::CONTENT_TYPE, doc.format.mime().to_string()),
        (header::CONTENT_DISPOSITION, attachment(&doc.file_name, doc.format.extension())),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".into()),
        (header::CONTENT_SECURITY_POLICY, "sandbox; default-src 'none'".into()),
        (header::CACHE_CONTROL, "private, no-store".into()),
    ];
    Ok((headers, data).into_response())
}

/// `attachment` with the file's name: an ASCII fallback, and the name itself in UTF-8
/// (RFC 6266); nothing of it can end the header or add a parameter.
fn attachment(name: &str, extension: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' })
        .collect();
    let ascii =
        if ascii.trim_matches(['_', '.']).is_empty() { format!("documento.{extension}") } else { ascii };
    let utf8 = crate::routes::url_encode(name).replace('/', "%2F");
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{utf8}")
}

#[derive(Debug, serde::Deserialize)]
pub struct RemoveForm {
    #[serde(default)]
    riepilogo: Option<String>,
}

/// "Rimuovi <file>": while the order is PRENOTATO.
pub async fn remove(
    State(state): State<AppState>,
    SignedIn(op): SignedIn,
    Path((number, id)): Path<(String, String)>,
    axum::Form(form): axum::Form<RemoveForm>,
) -> Result<Response, AppError> {
    let number = AppError::order_asked(&number)?;
    let id = id.parse::<i64>().map_err(|_| AppError::NotFound("Documento non trovato".into()))?;
    let page = page_of(&number, form.riepilogo.as_deref().filter(|r| r.len() <= FIELD_MAX));
    let notice = match documents::remove(&state.store, &op, &number, id).await? {
        Ok(()) => DocumentNotice::Removed,
        Err(why) => DocumentNotice::Refused(why),
    };
    Ok(crate::server::redirect::see_other(&documents_after(&page, notice)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn attachment_names_cannot_break_the_header() {
        let h = super::attachment("carta \"d'identità\"\r\nX: y.pdf", "pdf");
        assert!(!h.contains('\r') && !h.contains('\n'), "{h}");
        assert!(h.starts_with("attachment; filename=\"carta__d_identit__"), "{h}");
        assert_eq!(
            super::attachment("€€", "png"),
            "attachment; filename=\"documento.png\"; filename*=UTF-8''%E2%82%AC%E2%82%AC"
        );
    }
}
