//! "Attivazione casella": the 3-step wizard. The draft lives on the server (so a page reload,
//! the back button or a browser without JavaScript lose nothing); each step is a plain form
//! that posts to a server function which saves it and redirects to the next step. With
//! JavaScript the same forms validate on every keystroke and refuse to post while invalid.

// Server functions take one argument per field of their form, as the browser posts them.
#![allow(clippy::too_many_arguments)]

#[cfg(feature = "ssr")]
pub mod csv_routes;
mod mailboxes_step;
#[cfg(feature = "ssr")]
pub mod operations;
mod request_step;
mod review_step;
mod row_table;
mod summary_step;
mod upload_zone;

pub use mailboxes_step::MailboxesStep;
pub use request_step::RequestStep;
pub use review_step::ReviewStep;
pub use summary_step::SummaryStep;

use crate::domain::{customers::Customer, lists::PageOf, offers::Offer};
use crate::domain::{DraftId, MailboxField, MailboxInput, MailboxReport, OrderDraft, OrderNumber, Rules};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// What every wizard page needs, loaded in one call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WizardData {
    /// None for a request not yet saved.
    pub id: Option<DraftId>,
    /// The draft; for a large request without its rows (they are in `large`, a page at a time).
    pub draft: OrderDraft,
    pub order_number: Option<OrderNumber>,
    pub rules: Rules,
    pub offers: Vec<Offer>,
    pub customers: Vec<Customer>,
    /// Set from `TABLE_FROM` rows on.
    pub large: Option<LargeRequest>,
}

/// A large request as one page shows it. Its rows stay on the server, which validates them all
/// and sends one page: 10,000 rows would be megabytes of HTML and seconds of hydration.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LargeRequest {
    /// Rows in the request, and how many of them have errors.
    pub total: usize,
    pub errors: usize,
    /// The filter "solo righe con errori", and the page of the rows that pass it.
    pub only_errors: bool,
    pub rows: PageOf,
    pub page_rows: Vec<TableRow>,
    /// The first few rows with errors, for the summary above the form.
    pub first_errors: Vec<(usize, String)>,
    /// The row in the editor (`total` for a new one) and its values.
    pub editing: Option<(usize, MailboxInput)>,
}

/// How many rows with errors the summary above a large request names.
pub const NAMED_ERRORS: usize = 10;

/// One row of a large request as its table shows it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TableRow {
    /// 0-based position in the request.
    pub index: usize,
    pub mailbox: MailboxInput,
    pub first_error: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Request,
    Mailboxes,
    Review,
    Summary,
}

impl Step {
    pub fn url(self, id: &DraftId) -> String {
        match self {
            Step::Request => crate::routes::draft(id, ""),
            Step::Mailboxes => crate::routes::draft(id, "/caselle"),
            Step::Review => crate::routes::draft(id, "/verifica"),
            Step::Summary => crate::routes::draft(id, "/riepilogo"),
        }
    }
}

/// The button that posted a wizard form (its `name="azione"` value).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WizardAction {
    Continue,
    Back,
    Add,
    /// "Carica": the CSV upload (posted to its own route with the whole form).
    Upload,
    Remove(usize),
    Clear(usize, MailboxField),
    /// Table of a large request: open row N in the editor, save or drop the editor's values.
    Edit(usize),
    SaveRow,
    Cancel,
    /// Table: apply the "solo righe con errori" filter; go to page N (1-based).
    Filter,
    Page(usize),
}

impl WizardAction {
    pub fn parse(s: &str) -> Self {
        let mut parts = s.split('-');
        match (parts.next(), parts.next(), parts.next()) {
            (Some("indietro"), None, None) => Self::Back,
            (Some("aggiungi"), None, None) => Self::Add,
            (Some("carica"), None, None) => Self::Upload,
            (Some("salva"), None, None) => Self::SaveRow,
            (Some("annulla"), None, None) => Self::Cancel,
            (Some("filtra"), None, None) => Self::Filter,
            (Some("correggi"), Some(i), None) => i.parse().map(Self::Edit).unwrap_or(Self::Continue),
            (Some("pagina"), Some(p), None) => p.parse().map(Self::Page).unwrap_or(Self::Continue),
            (Some("rimuovi"), Some(i), None) => i.parse().map(Self::Remove).unwrap_or(Self::Continue),
            (Some("cancella"), Some(i), Some(f)) => match (i.parse(), MailboxField::from_key(f)) {
                (Ok(i), Some(f)) => Self::Clear(i, f),
                _ => Self::Continue,
            },
            _ => Self::Continue,
        }
    }

    pub fn value(self) -> String {
        match self {
            Self::Continue => "continua".into(),
            Self::Back => "indietro".into(),
            Self::Add => "aggiungi".into(),
            Self::Upload => "carica".into(),
            Self::Remove(i) => format!("rimuovi-{i}"),
            Self::Clear(i, f) => format!("cancella-{i}-{}", f.key()),
            Self::Edit(i) => format!("correggi-{i}"),
            Self::SaveRow => "salva".into(),
            Self::Cancel => "annulla".into(),
            Self::Filter => "filtra".into(),
            Self::Page(p) => format!("pagina-{p}"),
        }
    }
}

/// From this many mailboxes on, step 2 shows a compact table (row, address, state, first
/// error) with one row editor instead of a block per mailbox, and keeps the rows on the server.
pub const TABLE_FROM: usize = 51;
/// Rows per page of that table.
pub const TABLE_PAGE_ROWS: usize = crate::domain::lists::LIST_PAGE_ROWS;

/// How the table of a large request is shown: it lives in the URL (`?errori=1&pagina=2&riga=7`)
/// so that it works without JavaScript and survives a reload.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableView {
    pub only_errors: bool,
    /// 1-based.
    pub page: usize,
    /// Index of the row in the editor (`rows.len()` for a new one).
    pub editing: Option<usize>,
}

impl TableView {
    pub fn from_query(errori: Option<&str>, pagina: Option<&str>, riga: Option<&str>) -> Self {
        Self {
            only_errors: errori.is_some_and(|v| !v.is_empty() && v != "0"),
            page: pagina.and_then(|p| p.parse().ok()).filter(|p| *p > 0).unwrap_or(1),
            editing: riga.and_then(|r| r.parse::<usize>().ok()).filter(|r| *r > 0).map(|r| r - 1),
        }
    }

    pub fn query(&self) -> String {
        let mut parts = Vec::new();
        if self.only_errors {
            parts.push("errori=1".to_string());
        }
        if self.page > 1 {
            parts.push(format!("pagina={}", self.page));
        }
        if let Some(i) = self.editing {
            parts.push(format!("riga={}", i + 1));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }
}

/// Step 2 as the table of a large request posts it: the rows stay in the saved draft; at most
/// the one row of the editor comes with the form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TableForm {
    pub expiry_year: String,
    pub customer_po: String,
    pub edited: Option<(usize, MailboxInput)>,
    pub view: TableView,
}

/// Step 1 as posted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestForm {
    pub customer_name: String,
    pub customer_kind: String,
    pub legal_rep_cf: String,
    pub contact_email: String,
    pub offer: String,
    pub consent: bool,
}

impl RequestForm {
    pub fn apply(self, d: &mut OrderDraft) {
        d.customer_name = self.customer_name;
        d.customer_kind = self.customer_kind;
        d.legal_rep_cf = self.legal_rep_cf;
        d.contact_email = self.contact_email;
        d.offer = self.offer;
        d.consent = self.consent;
    }
}

pub fn mailbox_field_id(i: usize, f: MailboxField) -> String {
    format!("m{}-{}", i + 1, f.key().replace('_', "-"))
}

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
    operations::wizard_data(&store, &op, new_or_draft(&draft)?.as_ref(), view).await
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
    operations::check_row(&store, &op, &draft, index, &mailbox).await
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
    let to =
        operations::save_request(&store, &op, draft.as_ref(), form, WizardAction::parse(&azione)).await?;
    crate::server::redirect::redirect(&to);
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
    let to = if righe.as_deref() == Some("bozza") {
        let edited = riga_indice.and_then(|i| i.parse().ok()).map(|i| (i, riga.unwrap_or_default()));
        let view = TableView::from_query(solo_errori.as_deref(), pagina.as_deref(), None);
        let form = TableForm { expiry_year, customer_po, edited, view };
        operations::save_table(&store, &op, &draft, form, action).await?
    } else {
        operations::save_mailboxes(&store, &op, &draft, expiry_year, customer_po, mailboxes, action).await?
    };
    crate::server::redirect::redirect(&to);
    Ok(())
}

/// The row editor of a large request, with JavaScript: saves row `index` (`index` = number of
/// rows adds one) and nothing else.
#[server(endpoint = "richiesta/salva-riga")]
pub async fn save_row(draft: DraftId, index: usize, mailbox: MailboxInput) -> Result<(), AppError> {
    let op = crate::server::require()?;
    let store = crate::server::store()?;
    operations::save_row(&store, &op, &draft, index, Some(mailbox)).await
}

/// Removes row `index` of a large request, with JavaScript.
#[server(endpoint = "richiesta/rimuovi-riga")]
pub async fn remove_row(draft: DraftId, index: usize) -> Result<(), AppError> {
    let op = crate::server::require()?;
    let store = crate::server::store()?;
    operations::save_row(&store, &op, &draft, index, None).await
}

#[server(endpoint = "richiesta/conferma")]
pub async fn confirm_order(draft: String, azione: String) -> Result<(), AppError> {
    let op = crate::server::require()?;
    let store = crate::server::store()?;
    let draft = AppError::draft_asked(&draft)?;
    let to = operations::confirm(&store, &op, &draft, WizardAction::parse(&azione)).await?;
    crate::server::redirect::redirect(&to);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_round_trip() {
        for a in [
            WizardAction::Continue,
            WizardAction::Back,
            WizardAction::Add,
            WizardAction::Upload,
            WizardAction::Remove(3),
            WizardAction::Clear(2, MailboxField::PasswordEmail),
            WizardAction::Edit(0),
            WizardAction::SaveRow,
            WizardAction::Cancel,
            WizardAction::Filter,
            WizardAction::Page(4),
        ] {
            assert_eq!(WizardAction::parse(&a.value()), a);
        }
        assert_eq!(WizardAction::parse("rubbish-x"), WizardAction::Continue);
        assert_eq!(WizardAction::parse("pagina-x"), WizardAction::Continue);
    }

    #[test]
    fn table_view_round_trips_through_the_url() {
        let v = TableView { only_errors: true, page: 3, editing: Some(6) };
        assert_eq!(v.query(), "?errori=1&pagina=3&riga=7");
        assert_eq!(TableView::from_query(Some("1"), Some("3"), Some("7")), v);
        assert_eq!(
            TableView::from_query(None, Some("0"), Some("x")),
            TableView { page: 1, ..TableView::default() }
        );
        assert_eq!(TableView { page: 1, ..TableView::default() }.query(), "");
    }
}
