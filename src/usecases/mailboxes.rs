//! What an operator does to one mailbox, for the mailbox page and the API alike: a state
//! change of the lifecycle table, and a new password link for its holder.

use crate::domain::auth::Operator;
use crate::domain::lifecycle::{Transition, TransitionRefused};
use crate::domain::{MailboxState, UserId};
use crate::error::AppError;
use crate::server::AppState;
use crate::store::TransitionError;

/// What a state change ended in.
#[derive(Debug)]
pub enum StateChange {
    /// Done: the mailbox is now in this state (the mail platform's job is queued).
    Changed(MailboxState),
    /// Not a mailbox of the operator's organisation.
    Missing,
    /// The lifecycle table does not allow it from the mailbox's state.
    Refused(TransitionRefused),
}

/// Applies `t` to the mailbox with its history line and the mail platform's job.
pub async fn change_state(
    state: &AppState,
    op: &Operator,
    userid: &UserId,
    t: Transition,
) -> Result<StateChange, AppError> {
    match state.store.change_state(op, userid, t).await {
        Ok(now) => {
            // The mail platform's job is done now, not at the worker's next round.
            state.provisioner.wake();
            Ok(StateChange::Changed(now))
        }
        Err(TransitionError::NotFound) => Ok(StateChange::Missing),
        Err(TransitionError::Refused(why)) => Ok(StateChange::Refused(why)),
        Err(TransitionError::Store(e)) => Err(e.into()),
    }
}

/// What asking for a new password link ended in.
#[derive(Debug)]
pub enum LinkResent {
    /// Queued; the earlier links stop working.
    Sent,
    Missing,
    /// Only an ATTIVA mailbox gets a link.
    NotActive(MailboxState),
}

/// Sends the holder of an ATTIVA mailbox a new password link.
pub async fn resend_link(state: &AppState, op: &Operator, userid: &UserId) -> Result<LinkResent, AppError> {
    let mail = crate::server::mail::link_mail(&state.public_url);
    if state.store.resend_link(op, userid, &mail).await? {
        state.mailer.wake();
        return Ok(LinkResent::Sent);
    }
    // Not ATTIVA, or not there at all: which, without showing others' mailboxes.
    Ok(match state.store.mailbox(op.scope(), userid).await? {
        None => LinkResent::Missing,
        Some(m) => LinkResent::NotActive(m.state),
    })
}
