//! "Modifica dati" of a mailbox, checked once for the mailbox page and the API: the wizard's
//! rules for each field, the mailbox's own names not counted as taken, the address fixed once
//! the mailbox is no longer booked; the store saves it with its history line.

use crate::domain::auth::Operator;
use crate::domain::fields::name_key;
use crate::domain::mailboxes::{MailboxDetail, MailboxPatch};
use crate::domain::{MailboxInput, UserId};
use crate::error::AppError;
use crate::store::Store;

/// What an edit of a mailbox ended in ("Modifica dati" and the API).
pub enum Edited {
    Saved,
    /// A field is not valid: the report says which, with the wizard's messages.
    Invalid(crate::domain::mailbox::MailboxReport),
    /// The name or nickname was taken meanwhile.
    Taken,
}

/// Checks the edited fields with the rules of a new mailbox (its own current names are not
/// "taken"; only a booked mailbox may change its name) and saves them with their history line.
pub async fn edit(
    store: &Store,
    op: &Operator,
    userid: &UserId,
    m: &mut MailboxInput,
) -> Result<Edited, AppError> {
    let current = store.mailbox(op.scope(), userid).await?.ok_or_else(|| AppError::no_mailbox(userid))?;
    save(store, op, &current, m).await
}

/// The API's `PATCH`: the fields given changed, the others kept, then checked as [`edit`] does.
pub async fn patch(
    store: &Store,
    op: &Operator,
    userid: &UserId,
    patch: MailboxPatch,
) -> Result<Edited, AppError> {
    let current = store.mailbox(op.scope(), userid).await?.ok_or_else(|| AppError::no_mailbox(userid))?;
    let mut m = patch.apply(current.input());
    save(store, op, &current, &mut m).await
}

async fn save(
    store: &Store,
    op: &Operator,
    current: &MailboxDetail,
    m: &mut MailboxInput,
) -> Result<Edited, AppError> {
    use crate::store::EditError;
    let missing = || AppError::no_mailbox(&current.userid);
    if current.state != crate::domain::MailboxState::Prenotata {
        m.address = current.address.clone();
    }
    let mut rules = super::rules::rules_for_names(store, op, &[&m.address], &[&m.nickname]).await?;
    rules.taken_addresses.remove(&name_key(&current.address));
    rules.taken_nicknames.remove(&name_key(&current.nickname));
    Ok(match crate::domain::request::validate_one(m, &rules) {
        Err(report) => Edited::Invalid(report),
        Ok(valid) => match store.update_mailbox(op, &current.userid, &valid).await {
            Ok(()) => Edited::Saved,
            Err(EditError::Taken) => Edited::Taken,
            Err(EditError::NotFound) => return Err(missing()),
            Err(EditError::Store(e)) => return Err(e.into()),
        },
    })
}
