//! A holder sets the mailbox's password from the link of the e-mail ("Attiva identità/utenza").
//! Public: the link is checked (cheap) before the password is hashed (costly), and used
//! atomically after; a used, expired or unknown link works no more.

use crate::domain::lifecycle::{mailbox_password, PasswordError};
use crate::error::AppError;
use crate::server::AppState;

/// What setting the password ended in.
#[derive(Debug)]
pub enum PasswordSet {
    Set,
    /// The link is not (or no longer) good.
    LinkNotWorking,
    /// The password breaks a rule, or the two do not match.
    Refused(PasswordError),
}

/// Sets the password of the mailbox (or extra user) the link `token` names.
pub async fn set_password(
    state: &AppState,
    token: &str,
    password: &str,
    again: &str,
) -> Result<PasswordSet, AppError> {
    if !crate::store::is_token(token) || state.store.link_target(token).await?.is_none() {
        return Ok(PasswordSet::LinkNotWorking);
    }
    if let Err(why) = mailbox_password(password, again) {
        return Ok(PasswordSet::Refused(why));
    }
    let hash = crate::server::auth::hash_password_async(&state.throttle, password).await?;
    Ok(if state.store.set_mailbox_password(token, &hash).await? {
        PasswordSet::Set
    } else {
        PasswordSet::LinkNotWorking
    })
}
