//! The order wizard's vocabulary: its steps, the buttons of its forms, the view of a large
//! request's table, what its pages show, and where a posted form lands. Shared by the pages
//! (both builds) and the use case that saves drafts (`usecases::drafts`), which answers a
//! `Landing` that `routes.rs` turns into an address.

use crate::customers::Customer;
use crate::lists::PageOf;
use crate::offers::Offer;
use crate::{DraftId, MailboxField, MailboxInput, OrderDraft, OrderNumber, Rules};
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
pub const TABLE_PAGE_ROWS: usize = crate::lists::LIST_PAGE_ROWS;

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

/// Where a posted wizard form lands: a step, the view of a large request's table, and the part
/// of the page to scroll to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Landing {
    pub step: Step,
    pub view: TableView,
    pub spot: Spot,
}

impl Landing {
    /// The top of a step, its table at its first page.
    pub fn at(step: Step) -> Self {
        Self { step, view: TableView::default(), spot: Spot::Top }
    }

    /// Step 2 at `spot`, the table (if any) at its first page.
    pub fn mailboxes(spot: Spot) -> Self {
        Self { step: Step::Mailboxes, view: TableView::default(), spot }
    }
}

/// The part of a wizard page a landing scrolls to (its fragment).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spot {
    Top,
    /// The summary of the errors above the form.
    Errors,
    /// The CSV import and its note.
    Import,
    /// Mailbox block N (0-based) of a small request.
    Mailbox(usize),
    /// A field of mailbox block N (0-based) of a small request.
    Field(usize, MailboxField),
    /// The row editor of a large request's table, and one of its fields.
    Editor,
    EditorField(MailboxField),
    /// The table of a large request, and its row N (0-based).
    Table,
    Row(usize),
}

/// The id of a field of mailbox block `i` (0-based) on step 2: `m1-address`.
pub fn mailbox_field_id(i: usize, f: MailboxField) -> String {
    format!("m{}-{}", i + 1, f.key().replace('_', "-"))
}

/// The id of a field of a large request's row editor: `riga-tax-code`.
pub fn editor_field_id(f: MailboxField) -> String {
    format!("riga-{}", f.key().replace('_', "-"))
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
    fn table_view_from_the_url() {
        let v = TableView { only_errors: true, page: 3, editing: Some(6) };
        assert_eq!(TableView::from_query(Some("1"), Some("3"), Some("7")), v);
        assert_eq!(
            TableView::from_query(None, Some("0"), Some("x")),
            TableView { page: 1, ..TableView::default() }
        );
    }
}
