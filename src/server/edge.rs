//! The HTTP edge: small layers that every page, server function and file passes through,
//! outermost first (see `router::build`):
//!
//! 1. security headers on every answer ([`security_headers`], tower-http);
//! 2. [`csrf`]: a state-changing request must come from our own pages;
//! 3. [`throttle_credentials`]: the public paths that take a password or a link's token are
//!    rate-limited per source address;
//! 4. [`session`]: finds the operator, or sends the visitor to the login page (401 for scripts);
//! 5. per route, [`body_limit`]: forms get `BODY_LIMIT`, file uploads `UPLOAD_LIMIT`, a streamed
//!    body counted like a declared one; read only once the visitor is known to be allowed.
//!
//! Nothing here reads a body or hashes anything before the session is known.

use super::auth::{token_from, CurrentOperator, LOGIN_API, LOGIN_PATH};
use super::AppState;
use crate::error::AppError;
use crate::routes::url_encode;
use crate::store::{stamp, token_hash};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;

/// Largest form or server-function body.
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;
/// Largest file upload (a CSV of mailboxes, a signed contract), with room for the form around it.
pub const UPLOAD_LIMIT: usize = crate::domain::csv_file::MAX_FILE_BYTES + 1024 * 1024;
/// Largest upload of an order's document: twice the largest document, so that a file somewhat
/// too large reaches the page that names it and says why (only the allowed size of it is kept
/// in memory, the rest is read and dropped).
pub const DOCUMENT_LIMIT: usize = 2 * crate::domain::documents::DOCUMENT_MAX_BYTES + 1024 * 1024;

/// Paths reachable without a session besides the login: the WASM bundle, styles, static files.
const PUBLIC_PREFIXES: [&str; 2] = ["/pkg/", "/favicon"];
/// The holder's password page and its two server functions: the link's token is the credential.
const HOLDER_PATHS: [&str; 3] = ["/attiva", "/api/attiva/collegamento", "/api/attiva/password"];

/// What an operator who must change the password given by an administrator may reach: the
/// profile with its form, and the logout.
const FIRST_PASSWORD_PATHS: [&str; 3] = [crate::routes::PROFILE, "/api/profilo/password", "/api/esci"];

fn is_public(path: &str) -> bool {
    path == LOGIN_PATH
        || path == LOGIN_API
        || HOLDER_PATHS.contains(&path)
        || PUBLIC_PREFIXES.iter().any(|p| path.starts_with(p))
}

/// Public paths that take a credential (a password or a link's token): rate-limited per source.
fn takes_credentials(path: &str) -> bool {
    path == LOGIN_API || HOLDER_PATHS.contains(&path)
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Cross-site request forgery: a state-changing request must come from our own pages. Browsers
/// send `Origin` on every POST (and `Referer` otherwise); its host must be ours.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else { return false };
    let source = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let authority = source.split_once("://").map(|(_, rest)| rest.split('/').next().unwrap_or_default());
    authority == Some(host)
}

fn accepts_html(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"))
}

/// Each request starts and leaves its thread with no current reactive owner. leptos_axum 0.8
/// makes each page's root owner current on the worker thread and leaves it there when the
/// render awaits, so the next request polled on that thread (a server function) would be
/// created as that page's child and could read the page's context.
pub async fn own_owner(req: Request, next: Next) -> Response {
    fn clear() {
        if let Some(owner) = leptos::prelude::Owner::current() {
            owner.unset();
        }
    }
    let mut answer = std::pin::pin!(next.run(req));
    std::future::poll_fn(|cx| {
        clear();
        let polled = std::future::Future::poll(answer.as_mut(), cx);
        clear();
        polled
    })
    .await
}

/// Refuses a forged state-changing request.
pub async fn csrf(req: Request, next: Next) -> Response {
    if !is_safe(req.method()) && !same_origin(req.headers()) {
        return (StatusCode::FORBIDDEN, "Richiesta rifiutata: origine non riconosciuta").into_response();
    }
    next.run(req).await
}

/// Limits the rate of the public credential paths per source address (429 with Retry-After).
pub async fn throttle_credentials(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !is_safe(req.method()) && takes_credentials(req.uri().path()) {
        let (parts, body) = req.into_parts();
        if let Err(seconds) = state.throttle.check_ip(state.throttle.client_ip(&parts)) {
            return AppError::TooManyRequests(seconds).into_response();
        }
        return next.run(Request::from_parts(parts, body)).await;
    }
    next.run(req).await
}

/// Finds the operator of the session cookie and puts it in the request's extensions. Without
/// one, only public paths pass: pages (and form posts without JavaScript) go to the login page
/// and come back after it; scripts get 401.
pub async fn session(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let operator = match token_from(req.headers()) {
        Some(token) => {
            let idle = match state.store.settings_in_force().await {
                Ok(s) => chrono::Duration::minutes(s.session_idle_minutes),
                Err(e) => return AppError::from(e).into_response(),
            };
            match state.store.session_operator(&token_hash(&token), &stamp(Utc::now() + idle)).await {
                Ok(op) => op,
                Err(e) => return AppError::from(e).into_response(),
            }
        }
        None => None,
    };
    let path = req.uri().path();
    match operator {
        // A password an administrator typed is changed before anything else opens.
        Some(op) if op.must_change_password && !is_public(path) && !FIRST_PASSWORD_PATHS.contains(&path) => {
            if path.starts_with("/api/") && !accepts_html(req.headers()) {
                return AppError::Forbidden.into_response();
            }
            return Redirect::to(crate::routes::FIRST_PASSWORD).into_response();
        }
        Some(op) => {
            req.extensions_mut().insert(CurrentOperator(op));
        }
        None if is_public(path) => {}
        None if path.starts_with("/api/") && !accepts_html(req.headers()) => {
            return AppError::Unauthorized.into_response();
        }
        None => {
            let back = if is_safe(req.method()) {
                req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/")
            } else {
                "/"
            };
            let to = format!("{LOGIN_PATH}?next={}", url_encode(super::redirect::local_or_home(back)));
            return Redirect::to(&to).into_response();
        }
    }
    next.run(req).await
}

/// The body limit of a group of routes (`limit` bytes): a declared length over it is refused at
/// once, a streamed body (chunked, no length) is read up to it; 413 either way.
pub async fn body_limit(State(limit): State<usize>, req: Request, next: Next) -> Response {
    use http_body_util::{BodyExt, LengthLimitError, Limited};
    let too_large = || (StatusCode::PAYLOAD_TOO_LARGE, "Richiesta troppo grande").into_response();
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let size = declared.unwrap_or(0).max(axum::body::HttpBody::size_hint(req.body()).lower());
    if size > limit as u64 {
        return too_large();
    }
    let (parts, body) = req.into_parts();
    let body = if declared.is_none() && axum::body::HttpBody::size_hint(&body).exact() != Some(0) {
        match Limited::new(body, limit).collect().await {
            Ok(collected) => axum::body::Body::from(collected.to_bytes()),
            Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => return too_large(),
            Err(_) => return (StatusCode::BAD_REQUEST, "Richiesta interrotta").into_response(),
        }
    } else {
        body
    };
    next.run(Request::from_parts(parts, body)).await
}

/// Headers every response carries. Pages set their own Content-Security-Policy (with the
/// nonce of their inline script, see `app::shell`); everything else gets the strictest one.
pub fn security_headers<S: Clone + Send + Sync + 'static>(router: axum::Router<S>) -> axum::Router<S> {
    use tower_http::set_header::SetResponseHeaderLayer as Set;
    router
        .layer(Set::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(Set::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(Set::overriding(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(Set::overriding(
            header::HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
        ))
        .layer(Set::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
            ),
        ))
}

/// The policy of a page: its own scripts (the bundle, and the inline loader with this
/// request's nonce), WebAssembly, its stylesheet; nothing from elsewhere; never framed.
pub fn page_csp(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; \
         frame-ancestors 'none'"
    )
}

/// Bundle files are named after a hash of their content (cargo-leptos `hash-files`): a name never
/// changes content, so browsers may keep them a year without asking again. Only successful
/// answers: a cached 404 would outlive the deployment that fixes it.
pub async fn cache_hashed_files(State(hashed): State<bool>, req: Request, next: Next) -> Response {
    let bundle = hashed && req.uri().path().starts_with("/pkg/");
    let mut res = next.run(req).await;
    if bundle && res.status().is_success() {
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_check() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:3000"));
        assert!(!same_origin(&h));
        h.insert(header::ORIGIN, HeaderValue::from_static("http://127.0.0.1:3000"));
        assert!(same_origin(&h));
        h.insert(header::ORIGIN, HeaderValue::from_static("http://evil.example"));
        assert!(!same_origin(&h));
        h.remove(header::ORIGIN);
        h.insert(header::REFERER, HeaderValue::from_static("http://127.0.0.1:3000/richiesta"));
        assert!(same_origin(&h));
    }
}
