//! Confirming an order: the wizard's "Conferma" and the API's `POST /orders` both end here.
//! The server validates the whole draft again and stores the order in one transaction.

use crate::domain::auth::Operator;
use crate::domain::request::{validate_order, OrderErrors};
use crate::domain::{DraftId, OrderDraft, OrderNumber, OrderState};
use crate::error::AppError;
use crate::store::{CreateOrderError, Store};
use std::collections::BTreeSet;

/// What a confirmation ended in.
#[derive(Debug)]
pub enum Confirmation {
    /// The order was booked now.
    Booked(OrderNumber),
    /// Another confirmation of this same draft booked it a moment ago (a double click, a retry):
    /// its names now look taken, but this is success.
    BookedMeanwhile(OrderNumber),
    /// The draft is not valid: the errors, with the wizard's messages.
    Invalid(OrderErrors),
    /// Names taken a moment ago by another order.
    Taken { addresses: BTreeSet<String>, nicknames: BTreeSet<String> },
    /// A domain of the draft was suspended, dismissed or removed since it was checked.
    UnusableDomain(String),
    /// The draft's offer is no longer offered to this organisation.
    UnknownOffer(String),
    /// The draft is gone.
    DraftGone,
}

/// A request that may be sent again (the API's `Idempotency-Key`): the API key, its key for the
/// request, and the hash of what the request asked.
pub struct Once<'a> {
    pub api_key_id: i64,
    pub key: &'a str,
    pub request_hash: String,
}

/// What placing a new order ended in.
#[derive(Debug)]
pub enum Placement {
    /// A draft was made of it and confirmed: how that went.
    Confirmed(Confirmation),
    /// The same request was sent before and booked this order.
    Repeated(OrderNumber),
    /// The request's key was used before with another request.
    KeyReused,
}

/// Places a new order in one go (the API's `POST /orders`): a draft of `draft`, confirmed as
/// "Conferma" does. With `once`, a retry answers the order the first request made, and two
/// concurrent first requests confirm one draft.
pub async fn place(
    store: &Store,
    op: &Operator,
    draft: OrderDraft,
    once: Option<Once<'_>>,
) -> Result<Placement, AppError> {
    let draft_id = match once {
        None => store.create_draft(&draft, op.id).await?,
        Some(Once { api_key_id, key, request_hash }) => {
            let id = match store.idempotent_draft(api_key_id, key).await? {
                Some((hash, id)) if hash == request_hash => id,
                Some(_) => return Ok(Placement::KeyReused),
                None => store.create_draft(&draft, op.id).await?,
            };
            // Two concurrent first requests: the claim decides whose draft both confirm.
            match store.claim_idempotency(api_key_id, key, &request_hash, &id).await? {
                Some(id) => id,
                None => return Ok(Placement::KeyReused),
            }
        }
    };
    if let Some(number) = booked_from(store, &draft_id).await? {
        return Ok(Placement::Repeated(number));
    }
    Ok(Placement::Confirmed(confirm(store, op, &draft_id, &draft).await?))
}

/// The order booked from this draft, if any.
pub async fn booked_from(store: &Store, draft_id: &DraftId) -> Result<Option<OrderNumber>, AppError> {
    Ok(store.load_draft(draft_id).await?.and_then(|d| d.order_number))
}

/// Confirms `draft` (stored as `draft_id`, of the operator's organisation, as loaded by the
/// caller): validates everything again and books the order with its audit line.
pub async fn confirm(
    store: &Store,
    op: &Operator,
    draft_id: &DraftId,
    draft: &OrderDraft,
) -> Result<Confirmation, AppError> {
    let started = std::time::Instant::now();
    let rules = super::rules::rules_for(store, op, draft).await?;
    let checked = started.elapsed();
    let valid = match validate_order(draft, &rules) {
        Ok(v) => v,
        Err(errors) => {
            return Ok(match booked_from(store, draft_id).await? {
                Some(number) => Confirmation::BookedMeanwhile(number),
                None => Confirmation::Invalid(errors),
            })
        }
    };
    let validated = started.elapsed();
    Ok(match store.create_order(draft_id, &valid, op).await {
        Ok(number) => {
            // Phases of a confirmation, for whoever tunes large orders (no personal data).
            tracing::info!(
                rows = valid.mailboxes.len(),
                names_ms = checked.as_millis() as u64,
                validate_ms = (validated - checked).as_millis() as u64,
                store_ms = (started.elapsed() - validated).as_millis() as u64,
                "order confirmed"
            );
            Confirmation::Booked(number)
        }
        Err(CreateOrderError::Taken { addresses, nicknames }) => match booked_from(store, draft_id).await? {
            Some(number) => Confirmation::BookedMeanwhile(number),
            None => Confirmation::Taken { addresses, nicknames },
        },
        Err(CreateOrderError::UnusableDomain(d)) => Confirmation::UnusableDomain(d),
        Err(CreateOrderError::UnknownOffer(o)) => Confirmation::UnknownOffer(o),
        Err(CreateOrderError::DraftNotFound) => Confirmation::DraftGone,
        Err(CreateOrderError::UseridsExhausted) => {
            tracing::error!("userid numbering exhausted");
            return Err(AppError::Internal);
        }
        Err(CreateOrderError::Store(e)) => return Err(e.into()),
    })
}

/// What "Annulla ordine" ended in.
#[derive(Debug)]
pub enum Cancellation {
    /// Cancelled: its names are free again.
    Cancelled,
    /// Not an order of the operator's organisation.
    Missing,
    /// Only a PRENOTATO order is cancelled.
    NotBooked(OrderState),
}

/// Cancels a booked order with its audit line.
pub async fn cancel(store: &Store, op: &Operator, number: &OrderNumber) -> Result<Cancellation, AppError> {
    if store.cancel_order(op, number).await? {
        return Ok(Cancellation::Cancelled);
    }
    Ok(match store.order(op.scope(), number).await? {
        None => Cancellation::Missing,
        Some(o) => Cancellation::NotBooked(o.state),
    })
}
