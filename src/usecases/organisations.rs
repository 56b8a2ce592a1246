//! "Organizzazioni" (the provider's administrators): a reseller created with its first
//! administrator, whose initial password is shown once; an organisation disabled, enabled again
//! or renamed. Each with its audit line; disabling ends the organisation's sessions.

use crate::domain::auth::Operator;
use crate::domain::organisations::{check_reseller, organisation_name, NewResellerForm, OrganisationRefusal};
use crate::error::AppError;
use crate::server::AppState;
use crate::store::OrganisationError;

/// A new reseller's first administrator, with the password to hand over (stored only hashed).
#[derive(Debug)]
pub struct FirstAdministrator {
    pub organisation: String,
    pub username: String,
    pub password: String,
}

/// What creating a reseller ended in.
#[derive(Debug)]
pub enum ResellerCreated {
    Created(FirstAdministrator),
    Refused(OrganisationRefusal),
}

/// Creates a reseller and its first administrator with a random initial password.
pub async fn create_reseller(
    state: &AppState,
    op: &Operator,
    form: &NewResellerForm,
) -> Result<ResellerCreated, AppError> {
    let new = match check_reseller(form) {
        Ok(new) => new,
        Err(why) => return Ok(ResellerCreated::Refused(why)),
    };
    // 24 hexadecimal characters of a random token: over the minimum length, shown once.
    let password = crate::store::new_token().chars().take(24).collect::<String>();
    let hash = crate::server::auth::hash_password_async(&state.throttle, &password).await?;
    match state.store.create_reseller(op, &new, &hash).await {
        Ok(_) => Ok(ResellerCreated::Created(FirstAdministrator {
            organisation: new.name,
            username: new.username,
            password,
        })),
        Err(OrganisationError::Refused(why)) => Ok(ResellerCreated::Refused(why)),
        Err(OrganisationError::Store(e)) => Err(e.into()),
    }
}

/// What an administrator asks of an organisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OrganisationChange {
    Disable,
    Enable,
    /// To this name, as typed.
    Rename(String),
}

impl OrganisationChange {
    /// The change a page's button (`disattiva`, `riattiva`, `rinomina` with `name`) asks for.
    pub fn from_code(action: &str, name: &str) -> Option<Self> {
        match action {
            "disattiva" => Some(Self::Disable),
            "riattiva" => Some(Self::Enable),
            "rinomina" => Some(Self::Rename(name.to_string())),
            _ => None,
        }
    }
}

/// Applies `change` to organisation `id`.
pub async fn change(
    state: &AppState,
    op: &Operator,
    id: i64,
    change: &OrganisationChange,
) -> Result<Result<(), OrganisationRefusal>, AppError> {
    let store = &state.store;
    let done = match change {
        OrganisationChange::Disable => store.set_organisation_active(op, id, false).await,
        OrganisationChange::Enable => store.set_organisation_active(op, id, true).await,
        OrganisationChange::Rename(name) => match organisation_name(name) {
            Ok(name) => store.rename_organisation(op, id, &name).await,
            Err(why) => Err(OrganisationError::Refused(why)),
        },
    };
    match done {
        Ok(()) => Ok(Ok(())),
        Err(OrganisationError::Refused(why)) => Ok(Err(why)),
        Err(OrganisationError::Store(e)) => Err(e.into()),
    }
}
