//! "Nuovo operatore" (Configurazione) and the command line's `create-operator`: an operator
//! checked, its password hashed (behind the server's hashing queue), stored with its audit line.

use super::Actor;
use crate::domain::auth::{new_operator, NewOperatorError, Role};
use crate::error::AppError;
use crate::server::auth::hash_password_async;
use crate::server::throttle::Throttle;
use crate::store::{AuditRecord, NewOperator, Store, COMMAND_LINE};

/// "Nuovo operatore" as typed, for an organisation chosen by id.
pub struct NewOperatorInput<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    /// The role's code (`AMMINISTRATORE`, `OPERATORE`).
    pub role: &'a str,
    pub organisation_id: i64,
    pub password: &'a str,
}

/// What creating an operator ended in.
#[derive(Debug)]
pub enum OperatorCreated {
    /// Created under its checked user name.
    Created {
        username: String,
        role: Role,
    },
    Refused(NewOperatorError),
}

/// Creates an operator: an administrator only in an organisation they may manage, the command
/// line in the organisation it names. A user name already in use is refused by the database.
pub async fn create(
    store: &Store,
    throttle: &Throttle,
    by: Actor<'_>,
    input: &NewOperatorInput<'_>,
) -> Result<OperatorCreated, AppError> {
    let fields = match new_operator(input.username, input.display_name, input.role, input.password) {
        Ok(fields) => fields,
        Err(why) => return Ok(OperatorCreated::Refused(why)),
    };
    let allowed = match by {
        Actor::Operator(me) => me.is_admin() && me.can_access(input.organisation_id),
        Actor::CommandLine { organisation_id, .. } => organisation_id == input.organisation_id,
    };
    if !allowed {
        return Ok(OperatorCreated::Refused(NewOperatorError::Organisation));
    }
    let hash = hash_password_async(throttle, input.password).await?;
    let after = format!(
        "utente: {}; nome: {}; ruolo: {}; organizzazione: {}",
        fields.username,
        fields.display_name,
        fields.role.code(),
        input.organisation_id
    );
    let record = match by {
        Actor::Operator(me) => AuditRecord::by(me, "OPERATORE_CREATO", "operatore", &fields.username),
        Actor::CommandLine { .. } => {
            AuditRecord::anonymous(COMMAND_LINE, "OPERATORE_CREATO", "operatore", &fields.username)
        }
    }
    .after(after);
    let new = NewOperator {
        organisation_id: input.organisation_id,
        username: &fields.username,
        display_name: &fields.display_name,
        role: fields.role,
        password_hash: &hash,
        // An administrator typed it; the command line's own first administrator chose theirs.
        must_change_password: matches!(by, Actor::Operator(_)),
    };
    Ok(match store.create_operator(&new, Some(&record)).await? {
        None => OperatorCreated::Refused(NewOperatorError::Taken),
        Some(_) => OperatorCreated::Created { username: fields.username, role: fields.role },
    })
}

/// What a change to an operator's account ended in.
#[derive(Debug, PartialEq, Eq)]
pub enum OperatorChanged {
    Done,
    /// No such operator among those the administrator manages.
    NotFound,
    /// An administrator may not disable their own account (nobody would be left to enable it).
    OwnAccount,
}

/// "Disattiva" / "Attiva" an operator of an organisation the administrator manages, with its
/// audit line; disabling ends the operator's sessions.
pub async fn set_active(
    store: &Store,
    me: &crate::domain::auth::Operator,
    username: &str,
    active: bool,
) -> Result<OperatorChanged, AppError> {
    let Ok(username) = crate::domain::auth::username(username) else {
        return Ok(OperatorChanged::NotFound);
    };
    if username == me.username && !active {
        return Ok(OperatorChanged::OwnAccount);
    }
    let action = if active { "OPERATORE_ATTIVATO" } else { "OPERATORE_DISATTIVATO" };
    let record = AuditRecord::by(me, action, "operatore", &username);
    Ok(match store.set_operator_active(me.scope(), &username, active, &record).await? {
        true => OperatorChanged::Done,
        false => OperatorChanged::NotFound,
    })
}

/// "Sblocca": lifts the lock that failed logins put on an operator's user name (from every
/// address), e.g. when someone else's guesses keep a colleague out.
pub async fn unlock(
    store: &Store,
    me: &crate::domain::auth::Operator,
    username: &str,
) -> Result<OperatorChanged, AppError> {
    let Ok(username) = crate::domain::auth::username(username) else {
        return Ok(OperatorChanged::NotFound);
    };
    Ok(match store.unlock_operator(me, &username).await? {
        true => OperatorChanged::Done,
        false => OperatorChanged::NotFound,
    })
}
