//! Which names are taken already: the debounced check while typing, of the wizard's step 2 and of
//! a mailbox's "Modifica dati".

use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Which of the given names already exist (the debounced check while typing).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Availability {
    pub taken_addresses: BTreeSet<String>,
    pub taken_nicknames: BTreeSet<String>,
}

#[server(endpoint = "disponibilita", input = Json)]
pub async fn check_availability(
    addresses: Vec<String>,
    nicknames: Vec<String>,
) -> Result<Availability, AppError> {
    // Bounded: this is called while typing, not for bulk checks.
    if addresses.len() > 10_000 || nicknames.len() > 10_000 {
        return Err(AppError::BadRequest("troppi nomi da verificare".into()));
    }
    crate::server::require()?;
    let store = crate::server::store()?;
    let norm = |v: Vec<String>| v.iter().map(|s| crate::domain::fields::name_key(s)).collect::<Vec<_>>();
    let (taken_addresses, taken_nicknames) = store.taken(&norm(addresses), &norm(nicknames)).await?;
    Ok(Availability { taken_addresses, taken_nicknames })
}
