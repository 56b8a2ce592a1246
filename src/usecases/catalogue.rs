//! The back office's forms: "Offerte" (the provider's catalogue) and "Clienti". Each save checks
//! the form with the rules the browser ran, then creates or updates with its audit line.

use super::Saved;
use crate::domain::auth::{Operator, Scope};
use crate::domain::customers::{check_customer, CustomerForm, CustomerRefusal};
use crate::domain::forms::FormRefusal;
use crate::domain::offers::{check_offer, OfferForm, OfferRefusal};
use crate::error::AppError;
use crate::store::{CustomerError, OfferError, Store};

/// Every reseller, for an offer's "Rivenditori": (id, name).
pub async fn resellers(store: &Store) -> Result<Vec<(i64, String)>, AppError> {
    let all = store.organisations(Scope::All).await?;
    Ok(all
        .into_iter()
        .filter(|o| o.kind != crate::domain::auth::OrganisationKind::Fornitore)
        .map(|o| (o.id, o.name))
        .collect())
}

/// Creates an offer, or updates offer `editing`; answers the saved offer's code.
pub async fn save_offer(
    store: &Store,
    op: &Operator,
    editing: Option<&str>,
    form: &OfferForm,
) -> Result<Saved<String, OfferRefusal>, AppError> {
    let ids: Vec<i64> = resellers(store).await?.into_iter().map(|(id, _)| id).collect();
    let Ok(new) = check_offer(form, &ids) else { return Ok(Saved::Refused(FormRefusal::Fields)) };
    let saved = match editing {
        None => store.create_offer(op, &new).await,
        Some(code) => store.update_offer(op, code, &new).await,
    };
    match saved {
        Ok(()) => Ok(Saved::Saved(new.code)),
        Err(OfferError::Refused(why)) => Ok(Saved::Refused(FormRefusal::Data(why))),
        Err(OfferError::Store(e)) => Err(e.into()),
    }
}

/// Creates a customer, or updates customer `editing`.
pub async fn save_customer(
    store: &Store,
    op: &Operator,
    editing: Option<i64>,
    form: &CustomerForm,
) -> Result<Saved<(), CustomerRefusal>, AppError> {
    let Ok(customer) = check_customer(form) else { return Ok(Saved::Refused(FormRefusal::Fields)) };
    let saved = match editing {
        None => store.create_customer(op, &customer).await,
        Some(id) => store.update_customer(op, id, &customer).await,
    };
    match saved {
        Ok(()) => Ok(Saved::Saved(())),
        Err(CustomerError::Duplicate) => Ok(Saved::Refused(FormRefusal::Data(CustomerRefusal::Duplicate))),
        Err(CustomerError::NotFound) => Ok(Saved::Refused(FormRefusal::Data(CustomerRefusal::NotFound))),
        Err(CustomerError::Store(e)) => Err(e.into()),
    }
}
