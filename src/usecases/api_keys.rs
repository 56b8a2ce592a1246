//! "Chiavi API": an administrator makes a key for the organisation's programs (shown once,
//! stored as its hash) or revokes one.

use crate::domain::api_keys::{check_name, ApiKeyRefusal, ApiKeyScope, PREFIX};
use crate::domain::auth::Operator;
use crate::error::AppError;
use crate::store::{ApiKeyError, Store};

/// What making a key ended in.
#[derive(Debug)]
pub enum KeyMade {
    /// The key itself: shown once, never stored.
    Made(String),
    Refused(ApiKeyRefusal),
}

/// Makes a key (`pec_` and 256 random bits) named `name` with `scope` (a code), storing its hash.
pub async fn create(store: &Store, me: &Operator, name: &str, scope: &str) -> Result<KeyMade, AppError> {
    let name: String = name.chars().take(200).collect();
    let Ok(name) = check_name(&name) else { return Ok(KeyMade::Refused(ApiKeyRefusal::Name)) };
    let Some(scope) = ApiKeyScope::from_code(scope) else {
        return Ok(KeyMade::Refused(ApiKeyRefusal::Scope));
    };
    let key = format!("{PREFIX}{}", crate::store::new_token());
    let hint: String = key.chars().take(12).chain(['…']).collect();
    match store.create_api_key(me, &name, scope, &crate::store::token_hash(&key), &hint).await {
        Ok(_) => Ok(KeyMade::Made(key)),
        Err(ApiKeyError::NameTaken) => Ok(KeyMade::Refused(ApiKeyRefusal::NameTaken)),
        Err(ApiKeyError::TooMany) => Ok(KeyMade::Refused(ApiKeyRefusal::TooMany)),
        Err(ApiKeyError::Store(e)) => Err(e.into()),
    }
}

/// Revokes key `id` of the organisation; refused when it is not there or already revoked.
pub async fn revoke(store: &Store, me: &Operator, id: i64) -> Result<Result<(), ApiKeyRefusal>, AppError> {
    Ok(if store.revoke_api_key(me, id).await? { Ok(()) } else { Err(ApiKeyRefusal::NotRevoked) })
}
