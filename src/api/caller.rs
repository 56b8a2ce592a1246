//! Who calls the API: `Authorization: Bearer <key>` only. Session cookies are never read here,
//! and keys are never read by the pages: no request can borrow a browser's session (no CSRF
//! surface) and no key opens a page.

use super::problem::Problem;
use crate::domain::api_keys::{is_key, ApiKeyScope};
use crate::server::AppState;
use crate::store::ApiCaller;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, Request};

/// The key presented, if it has the shape of one (checked before anything is hashed).
fn presented(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let key = value.strip_prefix("Bearer ")?.trim();
    is_key(key).then_some(key)
}

/// A caller with a live key (any scope).
pub struct Reader(pub ApiCaller);

/// A caller whose key may write.
pub struct Writer(pub ApiCaller);

impl FromRequestParts<AppState> for Reader {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let key = presented(&parts.headers).ok_or_else(Problem::unauthorized)?;
        let hash = crate::store::token_hash(key);
        let caller = state.store.api_caller(&hash).await?.ok_or_else(Problem::unauthorized)?;
        Ok(Self(caller))
    }
}

impl FromRequestParts<AppState> for Writer {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Reader(caller) = Reader::from_request_parts(parts, state).await?;
        if caller.scope != ApiKeyScope::Scrittura {
            return Err(Problem::read_only());
        }
        Ok(Self(caller))
    }
}

/// The rate limit's key: the presented key's hash, or the peer's address for requests
/// without a well-formed key (so that guessing keys is limited too).
pub fn rate_key<T>(req: &Request<T>) -> String {
    if let Some(key) = presented(req.headers()) {
        return crate::store::token_hash(key);
    }
    let peer = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_default();
    format!("ip:{peer}")
}
