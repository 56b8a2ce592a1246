//! REST API v1 under `/api/v1`, for integrators' programs: JSON in UTF-8, API keys
//! (`Authorization: Bearer`), errors as RFC 9457 problem details, an OpenAPI 3.1 document
//! generated from these handlers (`/api/v1/openapi.json`, readable at `/api/v1/docs`).
//!
//! Separate from the pages' server functions, which may change with the pages: these paths
//! and shapes are kept stable. Every handler is thin: the caller's key, one store operation
//! (the same the pages call, so the same rules and transactions), the answer.

pub mod caller;
pub mod docs;
pub mod documents;
pub mod mailboxes;
pub mod orders;
pub mod problem;

use crate::server::throttle::ApiRate;
use crate::server::AppState;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use problem::Problem;
use serde::de::DeserializeOwned;
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Where the API lives.
pub const BASE: &str = "/api/v1";
/// Largest request body: an order of 20,000 mailboxes in JSON, or a 10 MB document.
pub const BODY_MAX: usize = 16 * 1024 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "pec-manager API",
        version = "1",
        description = "Ordine, attivazione e gestione di caselle PEC per i programmi di fornitori e rivenditori. \
            Autenticazione: `Authorization: Bearer <chiave>` con una chiave creata in Configurazione → Chiavi API. \
            Errori: RFC 9457 (`application/problem+json`) con un `code` stabile e messaggi in italiano."
    ),
    servers((url = "/api/v1")),
    modifiers(&KeyScheme),
    tags((name = "ordini", description = "Richieste di caselle e ordini"),
        (name = "contratti", description = "Contratto da firmare e contratto firmato"),
        (name = "documenti", description = "Documenti dell'ordine: documento d'identità, visura camerale, delega"),
        (name = "caselle", description = "Caselle: ricerca, stato, rinnovo, password"))
)]
struct ApiDoc;

struct KeyScheme;

impl Modify for KeyScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "chiave_api",
                SecurityScheme::Http(
                    HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("pec_…").build(),
                ),
            );
        }
    }
}

/// Every endpoint, each with its documentation: a route cannot be added without it.
fn documented() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(orders::availability))
        .routes(routes!(orders::create_order, orders::list_orders))
        .routes(routes!(orders::get_order))
        .routes(routes!(orders::contract))
        .routes(routes!(orders::upload_signed))
        .routes(routes!(orders::cancel))
        .routes(routes!(documents::upload, documents::list))
        .routes(routes!(documents::download))
        .routes(routes!(mailboxes::search))
        .routes(routes!(mailboxes::get_mailbox, mailboxes::update))
        .routes(routes!(mailboxes::tacit_renewal))
        .routes(routes!(mailboxes::suspend))
        .routes(routes!(mailboxes::reactivate))
        .routes(routes!(mailboxes::revoke))
        .routes(routes!(mailboxes::resend_link))
        .routes(routes!(mailboxes::renew))
}

/// The OpenAPI document of the API, as served.
pub fn openapi() -> utoipa::openapi::OpenApi {
    documented().into_openapi()
}

/// The API's router, to be nested at [`BASE`]; `rate` is the per-key limit.
pub fn router(rate: ApiRate) -> axum::Router<AppState> {
    let (api, doc) = documented().split_for_parts();
    let doc = std::sync::Arc::new(doc);
    let json_doc = doc.clone();
    let limiter = std::sync::Arc::new(rate.limiter());
    let idle = std::sync::Arc::downgrade(&limiter);
    // Forget keys idle long enough to be back at a full burst, while the router lives.
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            match idle.upgrade() {
                Some(limiter) => limiter.forget_idle(),
                None => break,
            }
        }
    });
    let limited = api.layer(axum::middleware::from_fn(move |req: Request, next: axum::middleware::Next| {
        let checked = limiter.check(&caller::rate_key(&req));
        async move {
            match checked {
                Ok(()) => next.run(req).await,
                Err(seconds) => Problem::too_many(seconds).into_response(),
            }
        }
    }));
    limited
        .route(
            "/openapi.json",
            axum::routing::get(move || {
                let doc = json_doc.clone();
                async move { axum::Json((*doc).clone()) }
            }),
        )
        .route(
            "/docs",
            axum::routing::get(move || {
                let doc = doc.clone();
                async move { axum::response::Html(docs::page(&doc)) }
            }),
        )
        .fallback(|| async { Problem::not_found("Percorso dell'API inesistente: vedere /api/v1/docs") })
        .method_not_allowed_fallback(|| async {
            Problem::new(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                "metodo_non_ammesso",
                "Metodo non ammesso",
                "Metodo HTTP non ammesso per questo percorso: vedere /api/v1/docs",
            )
        })
        .layer(axum::extract::DefaultBodyLimit::max(BODY_MAX))
}

/// A JSON body; a malformed one is a problem, not axum's plain-text rejection.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(match rejection.status() {
                StatusCode::PAYLOAD_TOO_LARGE => Problem::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "troppo_grande",
                    "Richiesta troppo grande",
                    format!("Il corpo della richiesta supera {} MB", BODY_MAX / (1024 * 1024)),
                ),
                StatusCode::UNSUPPORTED_MEDIA_TYPE => Problem::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "tipo_non_supportato",
                    "Tipo di contenuto non supportato",
                    "Inviare JSON con Content-Type: application/json",
                ),
                // Where, not what: the parser's text may quote the input.
                _ => {
                    let text = rejection.body_text();
                    let at = text.rfind("line ").map(|i| &text[i..]).unwrap_or("");
                    let at = at.replace("line", "riga").replace("column", "colonna");
                    Problem::bad_request(format!("JSON non valido o campi mancanti {at}").trim().to_string())
                }
            }),
        }
    }
}

/// Rows per page of a list (`name` is the query parameter): 1 to 200, 50 when absent.
pub fn page_size(name: &str, asked: Option<i64>) -> Result<i64, Problem> {
    let size = asked.unwrap_or(50);
    if (1..=200).contains(&size) {
        Ok(size)
    } else {
        Err(Problem::bad_request(format!("{name}: da 1 a 200")))
    }
}

/// A JSON answer with `status` and a `Location`.
pub fn created<T: Serialize>(status: StatusCode, location: &str, body: T) -> Response {
    let mut res = (status, axum::Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}
