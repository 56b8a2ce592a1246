//! "Gestione domini": a new domain, and what an administrator asks of one (a state change,
//! "Verifica DNS", the removal), each with its audit line.

use super::Actor;
use crate::domain::auth::{Operator, Scope};
use crate::domain::dns::DnsCheck;
use crate::domain::domains::{
    domain_name, new_domain, DomainChangeRefusal, DomainRequest, DomainStateError, NewDomainError,
    NewDomainForm,
};
use crate::error::AppError;
use crate::server::AppState;
use crate::store::{AddDomainError, AuditRecord, DomainChangeError, Store, COMMAND_LINE};

/// What adding a domain ended in.
#[derive(Debug)]
pub enum DomainAdded {
    /// Added under its checked name (not what was typed).
    Added(String),
    Refused(NewDomainError),
}

/// Checks and stores a new domain, with its audit line; the provider (its administrators, or its
/// command line) may add shared ones.
pub async fn add(store: &Store, by: Actor<'_>, form: &NewDomainForm) -> Result<DomainAdded, AppError> {
    let provider = match by {
        Actor::Operator(op) => op.scope() == Scope::All,
        Actor::CommandLine { provider, .. } => provider,
    };
    let new = match new_domain(form, provider) {
        Ok(new) => new,
        Err(why) => return Ok(DomainAdded::Refused(why)),
    };
    let added = match by {
        Actor::Operator(op) => store.create_domain(op, &new).await,
        Actor::CommandLine { organisation_id, .. } => {
            let record = AuditRecord::anonymous(COMMAND_LINE, "DOMINIO_AGGIUNTO", "dominio", &new.name);
            store.create_domain_in(organisation_id, &new, record).await
        }
    };
    match added {
        Ok(()) => Ok(DomainAdded::Added(new.name)),
        Err(AddDomainError::Refused(why)) => Ok(DomainAdded::Refused(why)),
        Err(AddDomainError::Store(e)) => Err(e.into()),
    }
}

/// What a request on a domain ended in.
#[derive(Debug)]
pub enum DomainChanged {
    /// Done, on the domain of this checked name; a verification says what it found.
    Done {
        name: String,
        check: Option<DnsCheck>,
    },
    Refused(DomainChangeRefusal),
}

/// Applies `request` to the operator's domain `name`.
pub async fn change(
    state: &AppState,
    op: &Operator,
    name: &str,
    request: DomainRequest,
) -> Result<DomainChanged, AppError> {
    let Ok(name) = domain_name(name) else {
        return Ok(DomainChanged::Refused(DomainChangeRefusal::NotFound));
    };
    let store = &state.store;
    let done = match request {
        DomainRequest::Change(action) => store.change_domain_state(op, &name, action).await.map(|_| None),
        DomainRequest::VerifyDns => crate::server::dns::verify(store, &state.dns, op, &name).await.map(Some),
        DomainRequest::Remove => store.remove_domain(op, &name).await.map(|()| None),
    };
    Ok(match done {
        Ok(check) => DomainChanged::Done { name, check },
        Err(DomainChangeError::NotFound) => DomainChanged::Refused(DomainChangeRefusal::NotFound),
        Err(DomainChangeError::Refused(DomainStateError::InUse(_))) => {
            DomainChanged::Refused(DomainChangeRefusal::InUse)
        }
        Err(DomainChangeError::Refused(DomainStateError::NotAllowed(_))) => {
            DomainChanged::Refused(DomainChangeRefusal::WrongState)
        }
        Err(DomainChangeError::Store(e)) => return Err(e.into()),
    })
}
