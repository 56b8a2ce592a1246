//! What a refused form held (a codice fiscale, an e-mail address...) comes back to the page
//! from the server, kept for the session, never in the URL: URLs end up in browser history,
//! proxy logs and `Referer` headers.

use crate::error::AppError;
use crate::store::token_hash;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The session of the current request, as stored (hash of the cookie's token).
fn session_hash() -> Option<String> {
    let parts = leptos::prelude::use_context::<http::request::Parts>()?;
    super::auth::token_from(&parts.headers).map(|t| token_hash(&t))
}

/// More than any real form holds: a larger one is not kept (its values do not come back, the
/// refusal is still shown), so that a session cannot fill the table with request bodies.
pub const MAX_KEPT_BYTES: usize = 64 * 1024;

/// [`keep`] for a plain route (no server function's context): the session from `headers`.
pub async fn keep_from<T: Serialize>(
    store: &crate::store::Store,
    headers: &http::HeaderMap,
    form: &str,
    value: &T,
) -> Result<(), AppError> {
    let Some(token) = super::auth::token_from(headers) else { return Err(AppError::Unauthorized) };
    let data = serde_json::to_string(value).map_err(|_| AppError::Internal)?;
    if data.len() <= MAX_KEPT_BYTES {
        store.stash_form(&token_hash(&token), form, &data).await?;
    }
    Ok(())
}

/// Keeps `value` as what form `form` last held for this session.
pub async fn keep<T: Serialize>(form: &str, value: &T) -> Result<(), AppError> {
    let Some(session) = session_hash() else { return Err(AppError::Unauthorized) };
    let data = serde_json::to_string(value).map_err(|_| AppError::Internal)?;
    if data.len() > MAX_KEPT_BYTES {
        return Ok(());
    }
    super::store()?.stash_form(&session, form, &data).await?;
    Ok(())
}

/// What form `form` last held for this session, if it was refused and not saved since.
pub async fn kept<T: DeserializeOwned>(form: &str) -> Result<Option<T>, AppError> {
    let Some(session) = session_hash() else { return Ok(None) };
    let data = super::store()?.stashed_form(&session, form).await?;
    Ok(data.and_then(|d| serde_json::from_str(&d).ok()))
}

/// The form was saved: what it held before is of no more use.
pub async fn forget(form: &str) -> Result<(), AppError> {
    if let Some(session) = session_hash() {
        super::store()?.drop_stashed_form(&session, form).await?;
    }
    Ok(())
}
