//! "Il mio profilo": an operator's own account. "Cambia password" (the current password, the
//! new one twice; every other session of the operator ends) and "Sessioni attive" (each ended
//! on its own, or all but this one). Each change with its audit line.

use crate::domain::auth::{new_password, Operator, PasswordChangeRefusal, SessionRow};
use crate::error::AppError;
use crate::server::auth::{hash_password_async, recheck_password, PASSWORD_INPUT_MAX};
use crate::server::AppState;
use crate::store::{AuditRecord, Store};

/// The operator's live sessions: the one of `current` first (marked), then the others newest
/// first.
pub async fn sessions(store: &Store, op: &Operator, current: &str) -> Result<Vec<SessionRow>, AppError> {
    let mut rows: Vec<SessionRow> = store
        .operator_sessions(op.id)
        .await?
        .into_iter()
        .map(|(hash, row)| SessionRow { current: hash == current, ..row })
        .collect();
    // Stable: the others keep the store's order.
    rows.sort_by_key(|r| !r.current);
    Ok(rows)
}

/// "Cambia password": the current password checked (behind the hashing queue, counted with the
/// failed logins of the name from `source`), the new one by the operators' rules and typed
/// twice; then stored, and every other session of the operator ends. Nothing changes on a
/// refusal.
pub async fn change_password(
    state: &AppState,
    op: &Operator,
    source: &str,
    current_session: &str,
    current: &str,
    new: &str,
    repeated: &str,
) -> Result<Result<(), PasswordChangeRefusal>, AppError> {
    if new != repeated {
        return Ok(Err(PasswordChangeRefusal::Mismatch));
    }
    if new.len() > PASSWORD_INPUT_MAX || new_password(new).is_err() {
        return Ok(Err(PasswordChangeRefusal::Rules));
    }
    let settings = state.store.settings_in_force().await?;
    let right = recheck_password(&state.store, &state.throttle, &settings, op, current, source).await?;
    if !right {
        state.store.audit(&AuditRecord::by(op, "PASSWORD_ATTUALE_ERRATA", "operatore", &op.username)).await?;
        return Ok(Err(PasswordChangeRefusal::WrongCurrent));
    }
    if new == current {
        return Ok(Err(PasswordChangeRefusal::Same));
    }
    let hash = hash_password_async(&state.throttle, new).await?;
    let audit = AuditRecord::by(op, "PASSWORD_CAMBIATA", "operatore", &op.username)
        .after("le altre sessioni dell'operatore sono terminate".into());
    state.store.change_password(op.id, &hash, current_session, &audit).await?;
    Ok(Ok(()))
}

/// "Termina" one session of the operator's other than the current one; `false` if there is
/// no such session (ended meanwhile, or not theirs).
pub async fn end_session(store: &Store, op: &Operator, current: &str, id: &str) -> Result<bool, AppError> {
    let hashes: Vec<String> = store
        .operator_sessions(op.id)
        .await?
        .into_iter()
        .filter(|(hash, row)| row.id == id && hash != current)
        .map(|(hash, _)| hash)
        .collect();
    if hashes.is_empty() {
        return Ok(false);
    }
    let audit = AuditRecord::by(op, "SESSIONE_TERMINATA", "operatore", &op.username);
    Ok(store.end_sessions(op.id, &hashes, &audit).await? > 0)
}

/// "Termina tutte le altre": every session of the operator but the current one; how many.
pub async fn end_other_sessions(store: &Store, op: &Operator, current: &str) -> Result<u64, AppError> {
    let hashes: Vec<String> =
        store.operator_sessions(op.id).await?.into_iter().map(|(h, _)| h).filter(|h| h != current).collect();
    let audit = AuditRecord::by(op, "SESSIONI_TERMINATE", "operatore", &op.username)
        .after(format!("{} sessioni", hashes.len()));
    Ok(store.end_sessions(op.id, &hashes, &audit).await?)
}
