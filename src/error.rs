//! The error type every server function returns. Typed, serialisable, with Italian messages
//! for the user; details of internal failures stay in the server log.

use crate::domain::{DraftId, OrderNumber, UserId};
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// How long a client is asked to wait when the server is busy.
pub const BUSY_RETRY_SECONDS: u64 = 2;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// No session (or an expired one).
    #[error("Accesso richiesto: entrare con il proprio nome utente")]
    Unauthorized,
    /// A session, but not the right to do this.
    #[error("Operazione non consentita al proprio ruolo")]
    Forbidden,
    /// What was looked for and not found, as a whole Italian sentence ("Ordine 1 non trovato").
    /// Objects of other organisations are "not found" too: their existence is not revealed.
    #[error("{0}")]
    NotFound(String),
    #[error("Richiesta non valida: {0}")]
    BadRequest(String),
    /// Too many attempts from this address or for this name; the seconds to wait.
    #[error("Troppi tentativi: riprovare tra {0} secondi")]
    TooManyRequests(u64),
    /// The server is saturated (e.g. too many passwords waiting to be checked).
    #[error("Il server è momentaneamente sovraccarico: riprovare tra qualche secondo")]
    Busy,
    /// The database cannot work now (stopped, disk full, read-only): nothing was changed.
    #[error("{0}")]
    Unavailable(Unavailable),
    #[error("Errore interno del server: riprovare più tardi")]
    Internal,
    #[error("Errore di comunicazione con il server: {0}")]
    Transport(String),
}

/// Why the service cannot answer now; each says that nothing was saved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum Unavailable {
    #[error("Servizio momentaneamente non disponibile: il database non risponde. Nessuna modifica è stata salvata; riprovare tra qualche secondo")]
    Database,
    #[error("Servizio momentaneamente non disponibile: lo spazio su disco del server è esaurito. Nessuna modifica è stata salvata; avvisare l'amministratore del sistema")]
    DiskFull,
    #[error("Servizio momentaneamente non disponibile: il database è in sola lettura. Nessuna modifica è stata salvata; avvisare l'amministratore del sistema")]
    ReadOnly,
}

/// How long a client is asked to wait when the database does not answer.
pub const UNAVAILABLE_RETRY_SECONDS: u64 = 5;

impl AppError {
    /// An order that does not exist for this operator.
    pub fn no_order(number: &OrderNumber) -> Self {
        Self::NotFound(format!("Ordine {number} non trovato"))
    }

    /// A mailbox that does not exist for this operator.
    pub fn no_mailbox(userid: &UserId) -> Self {
        Self::NotFound(format!("Casella {userid} non trovata"))
    }

    /// The order a page or form asks for: "not found" when the text cannot be an order number.
    pub fn order_asked(number: &str) -> Result<OrderNumber, Self> {
        // Text that cannot be a number is not echoed back.
        OrderNumber::parse(number.trim()).ok_or_else(|| Self::NotFound("Ordine non trovato".into()))
    }

    /// The mailbox a page or form asks for (userids are upper case, as people may type them).
    pub fn mailbox_asked(userid: &str) -> Result<UserId, Self> {
        UserId::parse(&userid.trim().to_uppercase())
            .ok_or_else(|| Self::NotFound("Casella non trovata".into()))
    }

    /// The wizard draft in an address.
    pub fn draft_asked(id: &str) -> Result<DraftId, Self> {
        DraftId::parse(id).ok_or_else(|| Self::NotFound("Richiesta non trovata".into()))
    }

    /// Seconds a client should wait before trying again (`Retry-After`), for the errors that
    /// have one.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::TooManyRequests(s) => Some(*s),
            Self::Busy => Some(BUSY_RETRY_SECONDS),
            Self::Unavailable(Unavailable::Database) => Some(UNAVAILABLE_RETRY_SECONDS),
            _ => None,
        }
    }

    /// Sets the status that goes with the error on the page or server function's response,
    /// with Retry-After when waiting helps: the one place both read it from.
    #[cfg(feature = "ssr")]
    pub fn set_on(&self, res: &leptos_axum::ResponseOptions) {
        res.set_status(self.status());
        if let Some(seconds) = self.retry_after() {
            res.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from(seconds));
        }
    }

    /// The HTTP status that goes with the error.
    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode as S;
        match self {
            Self::Unauthorized => S::UNAUTHORIZED,
            Self::Forbidden => S::FORBIDDEN,
            Self::NotFound(_) => S::NOT_FOUND,
            Self::BadRequest(_) => S::BAD_REQUEST,
            Self::TooManyRequests(_) => S::TOO_MANY_REQUESTS,
            Self::Busy | Self::Unavailable(_) => S::SERVICE_UNAVAILABLE,
            Self::Internal | Self::Transport(_) => S::INTERNAL_SERVER_ERROR,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(m) | ServerFnErrorErr::MissingArg(m) => Self::BadRequest(m),
            other => Self::Transport(other.to_string()),
        }
    }

    /// On the server, the error sets the status of its response as it is encoded (401, 403,
    /// 404, 400, 429 with Retry-After, 503...), rather than every error answering 500. Not for
    /// a plain form post from a page: that one is answered with a redirect back to the page,
    /// which shows the error (a status here would replace the redirect's).
    fn ser(&self) -> leptos::server_fn::Bytes {
        #[cfg(feature = "ssr")]
        let redirected_back = leptos::prelude::use_context::<http::request::Parts>().is_some_and(|p| {
            let html = p.headers.get(http::header::ACCEPT).and_then(|v| v.to_str().ok());
            html.is_some_and(|v| v.contains("text/html")) && p.headers.contains_key(http::header::REFERER)
        });
        #[cfg(feature = "ssr")]
        if let Some(res) =
            leptos::prelude::use_context::<leptos_axum::ResponseOptions>().filter(|_| !redirected_back)
        {
            self.set_on(&res);
        }
        <JsonEncoding as leptos::server_fn::Encodes<Self>>::encode(self)
            .unwrap_or_else(|_| leptos::server_fn::Bytes::from_static(b"\"Internal\""))
    }
}

#[cfg(feature = "ssr")]
impl From<crate::store::StoreError> for AppError {
    fn from(e: crate::store::StoreError) -> Self {
        use crate::store::Outage;
        let unavailable = match e.outage() {
            None => {
                tracing::error!(error = %e, "store error");
                return Self::Internal;
            }
            Some(Outage::Unreachable) => Unavailable::Database,
            Some(Outage::DiskFull) => Unavailable::DiskFull,
            Some(Outage::ReadOnly) => Unavailable::ReadOnly,
        };
        tracing::warn!(error = %e, "database unavailable");
        Self::Unavailable(unavailable)
    }
}

/// The plain routes (files, uploads) answer an error with its status and Italian sentence.
#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        let mut res = match self {
            // Reached before any page renders (the session is in the database): a whole page.
            Self::Unavailable(why) => {
                (self.status(), axum::response::Html(unavailable_page(why))).into_response()
            }
            _ => (self.status(), self.to_string()).into_response(),
        };
        if let Some(seconds) = self.retry_after() {
            res.headers_mut().insert(http::header::RETRY_AFTER, http::HeaderValue::from(seconds));
        }
        res
    }
}

/// The page shown when the database cannot work: self-contained (no script, no style sheet,
/// nothing that would need the server again) and in Italian.
#[cfg(feature = "ssr")]
fn unavailable_page(why: Unavailable) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"it\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Servizio non disponibile - PEC Manager</title></head><body><main>\
         <h1>Servizio momentaneamente non disponibile</h1><p role=\"alert\">{why}</p>\
         <p><a href=\"/recenti\">Riprovare</a></p></main></body></html>"
    )
}
