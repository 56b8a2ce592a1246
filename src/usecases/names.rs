//! Are these names free? The wizard's check of a mailbox's address and nickname (valid, then
//! not taken on the platform) for many names at once (the API's `POST /availability`).

use crate::domain::auth::Operator;
use crate::domain::fields;
use crate::error::AppError;
use crate::store::Store;
use std::collections::BTreeSet;

/// What one name is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NameCheck {
    Available,
    Taken,
    /// Not valid: the wizard's message.
    Invalid(String),
}

impl NameCheck {
    /// Why it cannot be used, in Italian (none when it can).
    pub fn message(&self) -> Option<String> {
        match self {
            Self::Available => None,
            Self::Taken => Some("Nome già in uso".into()),
            Self::Invalid(why) => Some(why.clone()),
        }
    }
}

/// Each address and nickname asked, in order, with what it is.
pub struct Names {
    pub addresses: Vec<(String, NameCheck)>,
    pub nicknames: Vec<(String, NameCheck)>,
}

/// Checks addresses (against the domains the operator may use) and nicknames, then which of the
/// valid ones are taken, in one query.
pub async fn check(
    store: &Store,
    op: &Operator,
    addresses: Vec<String>,
    nicknames: Vec<String>,
) -> Result<Names, AppError> {
    let domains = store.usable_domains(op.scope()).await?;
    let addresses: Vec<(String, Result<String, String>)> = addresses
        .into_iter()
        .map(|a| {
            let checked = fields::mailbox_address(&a, &domains).map_err(|e| e.to_string());
            (a, checked)
        })
        .collect();
    let nicknames: Vec<(String, Result<String, String>)> = nicknames
        .into_iter()
        .map(|n| {
            let checked = match fields::nickname(&n) {
                Ok(k) if k.is_empty() => Err("Campo obbligatorio".to_string()),
                Ok(k) => Ok(k),
                Err(e) => Err(e.to_string()),
            };
            (n, checked)
        })
        .collect();
    let valid = |v: &[(String, Result<String, String>)]| {
        v.iter().filter_map(|(_, c)| c.clone().ok()).collect::<Vec<_>>()
    };
    let (taken_addresses, taken_nicknames) = store.taken(&valid(&addresses), &valid(&nicknames)).await?;
    let verdicts = |v: Vec<(String, Result<String, String>)>, taken: &BTreeSet<String>| {
        v.into_iter()
            .map(|(name, checked)| {
                let check = match checked {
                    Ok(key) if taken.contains(&key) => NameCheck::Taken,
                    Ok(_) => NameCheck::Available,
                    Err(why) => NameCheck::Invalid(why),
                };
                (name, check)
            })
            .collect()
    };
    Ok(Names {
        addresses: verdicts(addresses, &taken_addresses),
        nicknames: verdicts(nicknames, &taken_nicknames),
    })
}
