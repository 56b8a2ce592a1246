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
    };
    Ok(match store.create_operator(&new, Some(&record)).await? {
        None => OperatorCreated::Refused(NewOperatorError::Taken),
        Some(_) => OperatorCreated::Created { username: fields.username, role: fields.role },
    })
}
