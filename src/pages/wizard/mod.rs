//! "Attivazione casella": the 3-step wizard. The draft lives on the server (so a page reload,
//! the back button or a browser without JavaScript lose nothing); each step is a plain form
//! that posts to a server function which saves it and redirects to the next step. With
//! JavaScript the same forms validate on every keystroke and refuse to post while invalid.

// Server functions take one argument per field of their form, as the browser posts them.
#![allow(clippy::too_many_arguments)]

#[cfg(feature = "ssr")]
pub mod csv_routes;
mod mailboxes_step;
mod request_step;
mod review_step;
mod row_table;
mod summary_step;
mod upload_zone;

pub use mailboxes_step::MailboxesStep;
pub use request_step::RequestStep;
pub use review_step::ReviewStep;
pub use summary_step::SummaryStep;

pub use crate::domain::wizard::{
    mailbox_field_id, LargeRequest, RequestForm, Step, TableRow, TableView, WizardAction, WizardData,
};
use crate::domain::{DraftId, MailboxField, MailboxInput, MailboxReport};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

pub fn mailbox_field_name(i: usize, f: MailboxField) -> String {
    format!("mailboxes[{i}][{}]", f.key())
}

/// The draft of a wizard address or form; empty is a new request.
#[cfg(feature = "ssr")]
fn new_or_draft(text: &str) -> Result<Option<DraftId>, AppError> {
    if text.is_empty() {
        Ok(None)
    } else {
        AppError::draft_asked(text).map(Some)
    }
}

/// The wizard's data for a draft; `view` picks the page of a large request's rows.
#[server(endpoint = "richiesta/dati", input = Json)]
pub async fn get_wizard(draft: String, view: TableView) -> Result<WizardData, AppError> {
    let op = crate::server::require()?;
    let store = crate::server::store()?;
    crate::usecases::drafts::data(&store, &op, new_or_draft(&draft)?.as_ref(), view).await
}

/// The full check of the large request's row editor while typing: duplicates of earlier rows
/// and names taken on the platform, which the browser cannot see (the rows stay here).
#[server(endpoint = "richiesta/verifica-riga", input = Json)]
pub async fn check_row(
    draft: DraftId,
    index: usize,
    mailbox: MailboxInput,
) -> Result<MailboxReport, AppError> {
    let op = crate::server::require()?;
    let store = crate::server::store()?;
    crate::usecases::drafts::check_row(&store, &op, &draft, index, &mailbox).await
}

#[server(endpoint = "richiesta/salva-dati")]
pub async fn save_request(
    draft: String,
    azione: String,
    customer_name: String,
    customer_kind: String,
    legal_rep_cf: String,
    contact_email: String,
    offer: String,
    consent: Option<String>,
) -> Result<(), AppError> {
    let op = crate::server::require()?;
    let store = crate::server::store()?;
    let form = RequestForm {
        customer_name,
        customer_kind,
        legal_rep_cf,
        contact_email,
        offer,
        consent: consent.is_some(),
    };
    let draft = new_or_draft(&draft)?;
    let action = WizardAction::parse(&azione);
    let (id, to) = crate::usecases::drafts::save_request(&store, &op, draft.as_ref(), form, action).await?;
    crate::server::redirect::redirect(&crate::routes::wizard_landing(&id, &to));
    Ok(())
}

/// Step 2 posted. `righe=bozza` says the rows are in the saved draft (the table of a large
/// request); then `riga`/`riga_indice` carry the row editor, if open.
#[server(endpoint = "richiesta/salva-caselle")]
pub async fn save_mailboxes(
    draft: String,
    azione: String,
    expiry_year: String,
    customer_po: String,
    #[server(default)] mailboxes: Vec<MailboxInput>,
    righe: Option<String>,
    solo_errori: Option<String>,
    pagina: Option<String>,
    riga_indice: Option<String>,
    riga: Option<MailboxInput>,
) -> Result<(), AppError> {
    let op = crate::server::require()?;
    let store = crate::server::store()?;
    let action = WizardAction::parse(&azione);
    let draft = AppError::draft_asked(&draft)?;
    use crate::usecases::drafts;
    let to = if righe.as_deref() == Some("bozza") {
        let edited = riga_indice.and_then(|i| i.parse().ok()).map(|i| (i, riga.unwrap_or_default()));
        let view = TableView::from_query(solo_errori.as_deref(), pagina.as_deref(), None);
        let form = crate::domain::wizard::TableForm { expiry_year, customer_po, edited, view };
        drafts::save_table(&store, &op, &draft, form, action).await?
    } else {
        drafts::save_mailboxes(&store, &op, &draft, expiry_year, customer_po, mailboxes, action).await?
    };
    crate::server::redirect::redirect(&crate::routes::wizard_landing(&draft, &to));
    Ok(())
}

/// The row editor of a large request, with JavaScript: saves row `index` (`index` = number of
/// rows adds one) and nothing else.
#[server(endpoint = "richiesta/salva-riga")]
pub async fn save_row(draft: DraftId, index: usize, mailbox: MailboxInput) -> Result<(), AppError> {
    let op = crate::server::require()?;
    let store = crate::server::store()?;
    crate::usecases::drafts::save_row(&store, &op, &draft, index, Some(mailbox)).await
}

/// Removes row `index` of a large request, with JavaScript.
#[server(endpoint = "richiesta/rimuovi-riga")]
pub async fn remove_row(draft: DraftId, index: usize) -> Result<(), AppError> {
    let op = crate::server::require()?;
    let store = crate::server::store()?;
    crate::usecases::drafts::save_row(&store, &op, &draft, index, None).await
}

#[server(endpoint = "richiesta/conferma")]
pub async fn confirm_order(draft: String, azione: String) -> Result<(), AppError> {
    let op = crate::server::require()?;
    let store = crate::server::store()?;
    let draft = AppError::draft_asked(&draft)?;
    let to = crate::usecases::drafts::confirm(&store, &op, &draft, WizardAction::parse(&azione)).await?;
    crate::server::redirect::redirect(&crate::routes::wizard_landing(&draft, &to));
    Ok(())
}

/// The ordered list of steps, with the current one marked for assistive technology.
#[component]
pub fn StepList(current: u8) -> impl IntoView {
    let steps = [(1u8, "Richiesta"), (2, "Casella PEC"), (3, "Riepilogo")];
    view! {
        <ol class="steps" aria-label="Passaggi">
            {steps
                .into_iter()
                .map(|(n, name)| {
                    let state = if n < current { "done" } else if n == current { "current" } else { "todo" };
                    view! {
                        <li class=state aria-current=(n == current).then_some("step")>
                            {name}
                        </li>
                    }
                })
                .collect_view()}
        </ol>
    }
}

/// Loads the wizard data for the `:draft` route parameter and renders `page` with it.
pub fn with_wizard<F, V>(page: F) -> impl IntoView
where
    F: Fn(WizardData) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    use leptos_router::hooks::use_params_map;
    let params = use_params_map();
    let query = leptos_router::hooks::use_query_map();
    let data = Resource::new(
        move || {
            let view = query
                .with(|q| TableView::from_query(q.get_str("errori"), q.get_str("pagina"), q.get_str("riga")));
            (params.read().get("draft").unwrap_or_default(), view)
        },
        |(id, view)| async move { get_wizard(id, view).await },
    );
    crate::components::loaded(data, page)
}
