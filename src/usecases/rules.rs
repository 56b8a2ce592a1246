//! The validation rules of the platform for one operator, as the domain needs them: the domains
//! they may use, the offers, the current year, and which of the names at hand are taken.

use crate::domain::auth::Operator;
use crate::domain::{fields, OrderDraft, Rules};
use crate::error::AppError;
use crate::store::Store;

/// Rules for checking these mailbox addresses and nicknames (as typed; invalid ones are skipped).
pub async fn rules_for_names(
    store: &Store,
    op: &Operator,
    addresses: &[&str],
    nicknames: &[&str],
) -> Result<Rules, AppError> {
    let domains = store.usable_domains(op.scope()).await?;
    let offers =
        store.usable_offers(op.scope(), op.organisation_id).await?.into_iter().map(|o| o.code).collect();
    let addresses: Vec<String> =
        addresses.iter().filter_map(|a| fields::mailbox_address(a, &domains).ok()).collect();
    let nicknames: Vec<String> =
        nicknames.iter().filter_map(|n| fields::nickname(n).ok().filter(|n| !n.is_empty())).collect();
    let (taken_addresses, taken_nicknames) = store.taken(&addresses, &nicknames).await?;
    Ok(Rules {
        current_year: crate::server::current_year(),
        domains,
        offers,
        taken_addresses,
        taken_nicknames,
    })
}

/// Rules for checking a draft: the names of its mailboxes.
pub async fn rules_for(store: &Store, op: &Operator, draft: &OrderDraft) -> Result<Rules, AppError> {
    let addresses: Vec<&str> = draft.mailboxes.iter().map(|m| m.address.as_str()).collect();
    let nicknames: Vec<&str> = draft.mailboxes.iter().map(|m| m.nickname.as_str()).collect();
    rules_for_names(store, op, &addresses, &nicknames).await
}
