//! What an operator does to one mailbox, for the mailbox page and the API alike: a state
//! change of the lifecycle table, a new password link for its holder, and the mailbox page's
//! small forms.

use crate::domain::auth::Operator;
use crate::domain::lifecycle::{Transition, TransitionRefused};
use crate::domain::mailbox_admin::{change_from_form, AdminForm, MailboxAction};
use crate::domain::{MailboxState, UserId};
use crate::error::AppError;
use crate::server::AppState;
use crate::store::{ChangeError, TransitionError};

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

/// What one of a mailbox's small forms ("Modifica offerta", "Sposta", "Aggiungi Multiutenza"…)
/// ended in.
#[derive(Debug)]
pub enum MailboxChanged {
    Done,
    /// Nothing changed: why, in Italian (a field of the form, or what the stored data says).
    Refused(String),
}

/// Applies one small form of a mailbox: the domain turns it into a change, the store applies it
/// with its history line and the work it causes (a mail platform job, a new user's link).
pub async fn apply(
    state: &AppState,
    op: &Operator,
    userid: &UserId,
    action: MailboxAction,
    form: &AdminForm,
) -> Result<MailboxChanged, AppError> {
    let missing = || AppError::no_mailbox(userid);
    let store = &state.store;
    let mailbox = store.mailbox(op.scope(), userid).await?.ok_or_else(missing)?;
    let settings = store.mailbox_extras(op.scope(), userid).await?.ok_or_else(missing)?.settings;
    let change = match change_from_form(action, form, mailbox.services.disk_used_mb, &settings) {
        Ok(change) => change,
        Err(why) => return Ok(MailboxChanged::Refused(why.to_string())),
    };
    // "Aggiungi Multiutenza" sends the new user a link for a password of their own.
    let link_mail = crate::server::mail::link_mail(&state.public_url);
    match store.change_mailbox(op, userid, change, &link_mail).await {
        Ok(()) => {
            // "Azz." and a removed user queue work for the mail platform, a new user an
            // e-mail: done now.
            state.provisioner.wake();
            state.mailer.wake();
            Ok(MailboxChanged::Done)
        }
        Err(ChangeError::NotFound) => Err(missing()),
        Err(ChangeError::Store(e)) => Err(e.into()),
        Err(why) => Ok(MailboxChanged::Refused(why.to_string())),
    }
}
