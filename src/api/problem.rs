//! Errors of the API as RFC 9457 problem details (`application/problem+json`): a stable
//! machine `code` per error, an Italian `title` and `detail`, and for invalid input the
//! field-level messages of the shared validation.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// One invalid field: `field` is the request's JSON name (`mailboxes[2].address` for a
/// mailbox's), `message` the same Italian text the wizard shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

/// RFC 9457 problem details.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Problem {
    /// `urn:pec-manager:problem:<code>`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short Italian summary, the same for every occurrence of this code.
    pub title: &'static str,
    pub status: u16,
    /// This occurrence, in Italian.
    pub detail: String,
    /// The stable machine code (also the end of `type`).
    pub code: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
    /// Seconds to wait (429, 503); also in the `Retry-After` header.
    #[serde(skip)]
    pub retry_after: Option<u32>,
}

impl Problem {
    pub fn new(
        status: StatusCode,
        code: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            kind: format!("urn:pec-manager:problem:{code}"),
            title,
            status: status.as_u16(),
            detail: detail.into(),
            code,
            errors: Vec::new(),
            retry_after: None,
        }
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "chiave_mancante",
            "Chiave API mancante o non valida",
            "Indicare una chiave API attiva nell'intestazione Authorization: Bearer <chiave>",
        )
    }

    pub fn read_only() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "sola_lettura",
            "Chiave di sola lettura",
            "Questa chiave API può solo leggere: per modificare serve una chiave di lettura e scrittura",
        )
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "non_trovato", "Risorsa non trovata", detail)
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "richiesta_non_valida", "Richiesta non valida", detail)
    }

    pub fn invalid(detail: impl Into<String>, errors: Vec<FieldProblem>) -> Self {
        Self {
            errors,
            ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "dati_non_validi", "Dati non validi", detail)
        }
    }

    pub fn conflict(code: &'static str, title: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, title, detail)
    }

    pub fn too_many(seconds: u64) -> Self {
        Self {
            retry_after: Some(u32::try_from(seconds.max(1)).unwrap_or(u32::MAX)),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "troppe_richieste",
                "Troppe richieste",
                format!(
                    "Limite di richieste della chiave superato: riprovare tra {} secondi",
                    seconds.max(1)
                ),
            )
        }
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "errore_interno",
            "Errore interno",
            "Errore interno del server: riprovare più tardi",
        )
    }

    pub fn unavailable() -> Self {
        Self::unavailable_because(
            "Il server è momentaneamente sovraccarico: riprovare tra qualche secondo".into(),
            Some(crate::error::BUSY_RETRY_SECONDS),
        )
    }

    /// 503 with the pages' own sentence and wait (`AppError::Unavailable`, `AppError::Busy`).
    fn unavailable_because(detail: String, retry_after: Option<u64>) -> Self {
        Self {
            retry_after: retry_after.map(|s| u32::try_from(s).unwrap_or(u32::MAX)),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "non_disponibile",
                "Servizio momentaneamente non disponibile",
                detail,
            )
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut res = (status, body).into_response();
        let headers = res.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        res
    }
}

/// Outages (database down, disk full, read-only) as the pages judge them: 503, else 500.
impl From<crate::store::StoreError> for Problem {
    fn from(e: crate::store::StoreError) -> Self {
        crate::error::AppError::from(e).into()
    }
}

impl From<crate::error::AppError> for Problem {
    fn from(e: crate::error::AppError) -> Self {
        use crate::error::AppError as E;
        match e {
            E::Unauthorized => Self::unauthorized(),
            E::Forbidden => Self::read_only(),
            E::NotFound(m) => Self::not_found(m),
            E::BadRequest(m) => Self::bad_request(m),
            E::TooManyRequests(s) => Self::too_many(s),
            E::Busy => Self::unavailable(),
            E::Unavailable(why) => {
                let wait = E::Unavailable(why).retry_after();
                Self::unavailable_because(why.to_string(), wait)
            }
            E::Internal | E::Transport(_) => Self::internal(),
        }
    }
}
