//! An order's documents through the API: uploaded (the raw file as the body, its type as a
//! parameter), listed, downloaded. The same use case as "Carica documentazione"
//! (`usecases::documents`), the same checks.

use super::caller::{Reader, Writer};
use super::orders::order_asked;
use super::problem::Problem;
use crate::domain::documents::{DocumentRefusal, DocumentRow, DocumentType};
use crate::server::AppState;
use crate::usecases::documents;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// One document of an order.
#[derive(Debug, Serialize, ToSchema)]
pub struct Document {
    pub id: i64,
    /// `IDENTITA`, `VISURA`, `DELEGA` or `ALTRO`.
    #[serde(rename = "type")]
    pub doc_type: String,
    pub file_name: String,
    /// `PDF`, `JPEG`, `PNG` or `P7M`, read from the content.
    pub format: String,
    pub bytes: i64,
    pub sha256: String,
    pub uploaded_by: String,
    /// `YYYY-MM-DD HH:MM:SS`, UTC.
    pub uploaded_at: String,
}

impl From<DocumentRow> for Document {
    fn from(d: DocumentRow) -> Self {
        Self {
            id: d.id,
            doc_type: d.doc_type.code().into(),
            file_name: d.file_name,
            format: d.format.code().into(),
            bytes: d.bytes,
            sha256: d.sha256,
            uploaded_by: d.uploaded_by,
            uploaded_at: d.uploaded_at.to_string(),
        }
    }
}

/// The documents of an order, and the types the settings still require of it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentList {
    pub items: Vec<Document>,
    /// Documents may still be added and removed (the order is PRENOTATO).
    pub editable: bool,
    /// Required types the order lacks: the signed contract is refused until they are there.
    pub missing: Vec<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct UploadParams {
    /// `IDENTITA`, `VISURA`, `DELEGA` or `ALTRO`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub doc_type: Option<String>,
    /// The name it is listed under (at most 120 characters are kept).
    pub file_name: Option<String>,
}

/// A document for the order (PDF, JPEG, PNG or signed `.p7m`, recognised by its content, at
/// most 10 MB, 20 per order), while the order is PRENOTATO.
#[utoipa::path(put, path = "/orders/{number}/documents", tag = "documenti",
    params(("number" = String, Path), UploadParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    security(("chiave_api" = [])),
    responses((status = 201, body = Document),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "The order is not PRENOTATO (non_prenotato) or holds 20 documents (troppi)"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "Refused: vuoto, formato, tipo")))]
pub async fn upload(
    State(state): State<AppState>,
    Writer(caller): Writer,
    Path(number): Path<String>,
    Query(p): Query<UploadParams>,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, Problem> {
    let number = order_asked(&number)?;
    let body = body.map_err(|_| refusal(DocumentRefusal::TooLarge, ""))?;
    let doc_type = p.doc_type.as_deref().and_then(DocumentType::from_code);
    let name = p.file_name.unwrap_or_default().chars().take(1000).collect::<String>();
    let done = documents::upload(&state.store, &caller.operator, &number, doc_type, &name, &body).await?;
    let id = done.outcome.map_err(|why| refusal(why, &done.file_name))?;
    let list = documents::list(&state.store, &caller.operator, &number).await?;
    let doc = list.documents.into_iter().find(|d| d.id == id).ok_or(Problem::internal())?;
    let location = format!("{}/orders/{number}/documents/{id}", super::BASE);
    Ok(super::created(StatusCode::CREATED, &location, Document::from(doc)))
}

/// The problem a refused document is, with its Italian message.
fn refusal(why: DocumentRefusal, file_name: &str) -> Problem {
    let status = match why {
        DocumentRefusal::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        DocumentRefusal::TooMany | DocumentRefusal::NotBooked => StatusCode::CONFLICT,
        DocumentRefusal::Empty | DocumentRefusal::Format | DocumentRefusal::Type => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
    };
    Problem::new(status, why.code(), "Documento non caricato", why.message(file_name))
}

/// The documents of an order.
#[utoipa::path(get, path = "/orders/{number}/documents", tag = "documenti", params(("number" = String, Path)),
    security(("chiave_api" = [])),
    responses((status = 200, body = DocumentList), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    Reader(caller): Reader,
    Path(number): Path<String>,
) -> Result<axum::Json<DocumentList>, Problem> {
    let number = order_asked(&number)?;
    let list = documents::list(&state.store, &caller.operator, &number).await?;
    Ok(axum::Json(DocumentList {
        items: list.documents.into_iter().map(Document::from).collect(),
        editable: list.editable,
        missing: list.missing.iter().map(|t| t.code().to_string()).collect(),
    }))
}

/// One document, as it was uploaded (its download is audited).
#[utoipa::path(get, path = "/orders/{number}/documents/{id}", tag = "documenti",
    params(("number" = String, Path), ("id" = i64, Path)),
    security(("chiave_api" = [])),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn download(
    State(state): State<AppState>,
    Reader(caller): Reader,
    Path((number, id)): Path<(String, String)>,
) -> Result<Response, Problem> {
    let number = order_asked(&number)?;
    let id = id.parse::<i64>().map_err(|_| Problem::not_found("Documento non trovato"))?;
    let (doc, data) = documents::download(&state.store, &caller.operator, &number, id).await?;
    let headers = [
        (header::CONTENT_TYPE, doc.format.mime()),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::CONTENT_SECURITY_POLICY, "sandbox; default-src 'none'"),
    ];
    Ok((headers, data).into_response())
}
