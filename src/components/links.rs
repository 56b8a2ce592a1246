//! "Invia di nuovo il collegamento": the endpoint that both `/attiva` and a mailbox's page post
//! to, so that an operator can send a holder a new link.

use crate::error::AppError;
use leptos::prelude::*;

/// An operator sends a mailbox's holder a new link (the earlier ones stop working).
#[server(endpoint = "attiva/reinvia")]
pub async fn resend_link(userid: String) -> Result<(), AppError> {
    let op = crate::server::require()?;
    let state = crate::server::state()?;
    let userid = AppError::mailbox_asked(&userid)?;
    use crate::usecases::mailboxes::{resend_link, LinkResent};
    if !matches!(resend_link(&state, &op, &userid).await?, LinkResent::Sent) {
        return Err(AppError::NotFound(format!("Nessuna casella attiva con userid «{userid}»")));
    }
    crate::server::redirect::redirect(&crate::routes::mailbox_link_sent(&userid));
    Ok(())
}
