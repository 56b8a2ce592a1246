//! Renewing what expires, once for every caller: mailboxes ("Gestione scadenze caselle", the
//! API's `POST /renewals`), products ("Gestione scadenze prodotti"), and tacit renewal on or off.
//! The rows are those ticked or every row of a filter, bounded to one renewal's worth before
//! anything is read; the store renews all of them or none, once per request key.

use crate::domain::auth::Operator;
use crate::domain::renewal_notices::{Renewables, RenewalNotice, RenewalRefusal};
use crate::domain::renewals::{ExpiryFilter, RenewalRefused, RENEW_MAX};
use crate::domain::{OrderNumber, UserId};
use crate::error::AppError;
use crate::store::{RenewError, Store};

/// Which rows an action is for.
pub enum Chosen<T> {
    /// Those ticked on the page (or listed by the API).
    Ticked(Vec<T>),
    /// Every row of the page's filter.
    AllOf(ExpiryFilter),
}

/// What a renewal ended in.
#[derive(Debug)]
pub enum Renewal {
    /// `count` renewed, in these renewal orders (one per customer and offer).
    Renewed {
        count: usize,
        orders: Vec<OrderNumber>,
    },
    Refused(RenewalRefusal),
    /// Nothing was renewed: these cannot be, each with why (the mailbox's userid for a product).
    RefusedEach(Vec<(UserId, RenewalRefused)>),
    /// Nothing was renewed: these mailboxes are not (or no longer) there; for products, which
    /// ones is not said.
    Missing(Vec<UserId>),
}

impl Renewal {
    /// What the expiry page of `what` says of it.
    pub fn said(&self, what: Renewables) -> Result<RenewalNotice, RenewalRefusal> {
        match self {
            Self::Renewed { count, orders } => {
                Ok(RenewalNotice::Renewed { what, count: *count, orders: orders.clone() })
            }
            Self::Refused(r) => Err(*r),
            Self::RefusedEach(list) => Err(RenewalRefusal::Refused(list.len())),
            Self::Missing(_) => Err(RenewalRefusal::Gone),
        }
    }
}

/// What switching tacit renewal ended in.
#[derive(Debug)]
pub enum TacitChange {
    /// Switched for this many mailboxes.
    Changed(usize),
    Refused(RenewalRefusal),
}

impl TacitChange {
    /// What "Gestione scadenze caselle" says of it.
    pub fn said(&self, on: bool) -> Result<RenewalNotice, RenewalRefusal> {
        match self {
            Self::Changed(count) => Ok(RenewalNotice::Tacit { on, count: *count }),
            Self::Refused(r) => Err(*r),
        }
    }
}

/// Renews the mailboxes chosen by their offer's duration, as one request named `request_key`:
/// sent again, it renews nothing more.
pub async fn renew_mailboxes(
    store: &Store,
    op: &Operator,
    chosen: Chosen<UserId>,
    request_key: &str,
) -> Result<Renewal, AppError> {
    let userids = match mailboxes(store, op, chosen).await? {
        Ok(userids) => userids,
        Err(refused) => return Ok(Renewal::Refused(refused)),
    };
    let count = userids.len();
    finish(store.renew_mailboxes(op, &userids, crate::server::today(), request_key).await, count)
}

/// Tacit renewal on (or off) for the mailboxes chosen.
pub async fn set_tacit_renewal(
    store: &Store,
    op: &Operator,
    chosen: Chosen<UserId>,
    on: bool,
) -> Result<TacitChange, AppError> {
    Ok(match mailboxes(store, op, chosen).await? {
        Ok(userids) => TacitChange::Changed(store.set_tacit_renewal(op, &userids, on).await?),
        Err(refused) => TacitChange::Refused(refused),
    })
}

/// Renews the products chosen (their ids) by their own duration, as `renew_mailboxes`.
pub async fn renew_products(
    store: &Store,
    op: &Operator,
    chosen: Chosen<i64>,
    request_key: &str,
) -> Result<Renewal, AppError> {
    let ids = match chosen {
        Chosen::Ticked(ids) => ids,
        Chosen::AllOf(filter) => {
            let grace = store.settings_in_force().await?.renewal_grace_days;
            let Ok(q) = filter.product_query(crate::server::today(), grace) else {
                return Ok(Renewal::Refused(RenewalRefusal::BadFilter));
            };
            store.product_rows(op.scope(), &q, RENEW_MAX as i64 + 1).await?.iter().map(|r| r.id).collect()
        }
    };
    if let Err(refused) = bounded(ids.len()) {
        return Ok(Renewal::Refused(refused));
    }
    let count = ids.len();
    finish(store.renew_products(op, &ids, crate::server::today(), request_key).await, count)
}

/// The userids chosen, or why there are none to act on.
async fn mailboxes(
    store: &Store,
    op: &Operator,
    chosen: Chosen<UserId>,
) -> Result<Result<Vec<UserId>, RenewalRefusal>, AppError> {
    let userids: Vec<UserId> = match chosen {
        Chosen::Ticked(userids) => userids,
        Chosen::AllOf(filter) => {
            let grace = store.settings_in_force().await?.renewal_grace_days;
            let Ok(q) = filter.query(crate::server::today(), grace) else {
                return Ok(Err(RenewalRefusal::BadFilter));
            };
            let rows = store.expiry_rows(op.scope(), &q, RENEW_MAX as i64 + 1).await?;
            rows.into_iter().map(|r| r.userid).collect()
        }
    };
    Ok(bounded(userids.len()).map(|()| userids))
}

/// At least one, at most one renewal's worth.
fn bounded(count: usize) -> Result<(), RenewalRefusal> {
    match count {
        0 => Err(RenewalRefusal::NoneChosen),
        n if n > RENEW_MAX => Err(RenewalRefusal::TooMany),
        _ => Ok(()),
    }
}

fn finish(renewed: Result<Vec<OrderNumber>, RenewError>, count: usize) -> Result<Renewal, AppError> {
    Ok(match renewed {
        Ok(orders) => Renewal::Renewed { count, orders },
        Err(RenewError::Refused(list)) => Renewal::RefusedEach(list),
        Err(RenewError::NotFound(missing)) => Renewal::Missing(missing),
        Err(RenewError::Conflict) => Renewal::Refused(RenewalRefusal::Conflict),
        Err(RenewError::TooMany) => Renewal::Refused(RenewalRefusal::TooMany),
        Err(RenewError::Empty) => Renewal::Refused(RenewalRefusal::NoneChosen),
        Err(RenewError::Store(e)) => return Err(e.into()),
    })
}
