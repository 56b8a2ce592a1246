//! "Impostazioni" (the provider's administrators): the platform's settings, checked with the
//! ranges the browser shows, saved with their audit line and in force at once in every process.

use super::Saved;
use crate::domain::auth::Operator;
use crate::domain::forms::FormRefusal;
use crate::domain::settings::{check_settings, SettingsForm, SettingsRefusal};
use crate::error::AppError;
use crate::store::{SettingsError, Store};

/// Checks and saves the settings form.
pub async fn save(
    store: &Store,
    op: &Operator,
    form: &SettingsForm,
) -> Result<Saved<(), SettingsRefusal>, AppError> {
    let Ok(new) = check_settings(form) else { return Ok(Saved::Refused(FormRefusal::Fields)) };
    match store.save_settings(op, &new).await {
        Ok(()) => Ok(Saved::Saved(())),
        Err(SettingsError::OrderNumberUsed(_)) => {
            Ok(Saved::Refused(FormRefusal::Data(SettingsRefusal::OrderNumberUsed)))
        }
        Err(SettingsError::Store(e)) => Err(e.into()),
    }
}
