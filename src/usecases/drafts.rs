//! The order wizard's drafts: save what was typed, move between steps, import a CSV file,
//! confirm the order (`orders::confirm`). The wizard's server functions and its upload route
//! call these. Every one takes the operator acting and refuses drafts of other organisations;
//! a posted form answers the `Landing` it leads to, which `routes::wizard_landing` turns into
//! an address.

use crate::domain::auth::Operator;
use crate::domain::lists::PageOf;
use crate::domain::request::{
    validate_mailbox_after, validate_mailboxes, validate_mailboxes_header, validate_request_step,
};
use crate::domain::wizard::{
    Landing, LargeRequest, RequestForm, Spot, Step, TableForm, TableRow, TableView, WizardAction, WizardData,
    NAMED_ERRORS, TABLE_FROM, TABLE_PAGE_ROWS,
};
use crate::domain::{DraftId, MailboxInput, MailboxReport, OrderDraft, OrderNumber, Rules};
use crate::error::AppError;
use crate::server::current_year;
use crate::store::{Store, StoredDraft};

use super::rules::rules_for;

/// Everything a wizard page shows; no draft is a new request. A large request comes without
/// its rows: `view` says which page of them (and which row in the editor) to send.
pub async fn data(
    store: &Store,
    op: &Operator,
    draft_id: Option<&DraftId>,
    view: TableView,
) -> Result<WizardData, AppError> {
    let (mut draft, order_number) = match draft_id {
        None => (OrderDraft::new(current_year()), None),
        Some(id) => {
            let stored = load(store, op, id).await?;
            (stored.draft, stored.order_number)
        }
    };
    let rules = rules_for(store, op, &draft).await?;
    let large = (draft.mailboxes.len() >= TABLE_FROM).then(|| {
        let large = large_request(&draft.mailboxes, &rules, view);
        draft.mailboxes = Vec::new();
        large
    });
    Ok(WizardData {
        id: draft_id.cloned(),
        draft,
        order_number,
        rules,
        offers: store.usable_offers(op.scope(), op.organisation_id).await?,
        customers: store.customers(op.scope()).await?,
        large,
    })
}

/// One page of a large request's rows, validated together (duplicates span pages).
fn large_request(rows: &[MailboxInput], rules: &Rules, view: TableView) -> LargeRequest {
    let reports = validate_mailboxes(rows, rules);
    let errors = reports.iter().filter(|r| !r.is_ok()).count();
    let shown: Vec<usize> = (0..rows.len()).filter(|&i| !view.only_errors || !reports[i].is_ok()).collect();
    let page = PageOf::new(view.page, shown.len(), TABLE_PAGE_ROWS);
    let page_rows = shown
        .iter()
        .skip(page.offset(TABLE_PAGE_ROWS))
        .take(TABLE_PAGE_ROWS)
        .map(|&i| TableRow { index: i, mailbox: rows[i].clone(), first_error: reports[i].first_error() })
        .collect();
    let first_errors = reports
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.first_error().map(|e| (i, e)))
        .take(NAMED_ERRORS)
        .collect();
    let editing =
        view.editing.filter(|i| *i <= rows.len()).map(|i| (i, rows.get(i).cloned().unwrap_or_default()));
    LargeRequest {
        total: rows.len(),
        errors,
        only_errors: view.only_errors,
        rows: page,
        page_rows,
        first_errors,
        editing,
    }
}

/// The order booked from a draft of the operator's organisation, if any.
pub async fn order_of_draft(
    store: &Store,
    op: &Operator,
    draft_id: &DraftId,
) -> Result<Option<OrderNumber>, AppError> {
    Ok(load(store, op, draft_id).await?.order_number)
}

/// Row `index` of a large request as the editor holds it, checked as the server will: against
/// the rows before it (duplicates) and the names taken on the platform.
pub async fn check_row(
    store: &Store,
    op: &Operator,
    draft_id: &DraftId,
    index: usize,
    row: &MailboxInput,
) -> Result<MailboxReport, AppError> {
    let draft = load(store, op, draft_id).await?.draft;
    // Only this row's names matter: an earlier row repeats it only under the same name.
    let one = OrderDraft { mailboxes: vec![row.clone()], ..OrderDraft::default() };
    let rules = rules_for(store, op, &one).await?;
    let earlier = &draft.mailboxes[..index.min(draft.mailboxes.len())];
    Ok(validate_mailbox_after(earlier, row, &rules))
}

fn not_found() -> AppError {
    AppError::NotFound("Richiesta non trovata".into())
}

/// A draft of the operator's organisation; others' drafts do not exist for them.
async fn load(store: &Store, op: &Operator, id: &DraftId) -> Result<StoredDraft, AppError> {
    match store.load_draft(id).await? {
        Some(d) if op.can_access(d.organisation_id) => Ok(d),
        _ => Err(not_found()),
    }
}

/// A draft as its operator finds it: still open to changes, or confirmed already.
enum Opened {
    Editable(Box<OrderDraft>),
    /// Its order is booked: every step leads to the summary.
    Confirmed,
}

/// Loads a draft of the operator's organisation, saying whether it may still be changed.
async fn open_draft(store: &Store, op: &Operator, id: &DraftId) -> Result<Opened, AppError> {
    let stored = load(store, op, id).await?;
    Ok(match stored.order_number {
        Some(_) => Opened::Confirmed,
        None => Opened::Editable(Box::new(stored.draft)),
    })
}

/// An open draft with what step 2 posted in it (everything typed is kept, whatever follows).
/// `mailboxes` is `None` when the rows stayed in the saved draft (the table of a large request).
async fn open_with_step2(
    store: &Store,
    op: &Operator,
    draft_id: &DraftId,
    expiry_year: String,
    customer_po: String,
    mailboxes: Option<Vec<MailboxInput>>,
) -> Result<Opened, AppError> {
    Ok(match open_draft(store, op, draft_id).await? {
        Opened::Editable(mut draft) => {
            draft.expiry_year = expiry_year;
            draft.customer_po = customer_po;
            if let Some(mailboxes) = mailboxes {
                draft.mailboxes = mailboxes;
            }
            Opened::Editable(draft)
        }
        Opened::Confirmed => Opened::Confirmed,
    })
}

/// Whether step 2 may be left for the review; marks the draft as attempted when not.
async fn step2_ready(store: &Store, op: &Operator, draft: &mut OrderDraft) -> Result<bool, AppError> {
    let rules = rules_for(store, op, draft).await?;
    let ok = validate_mailboxes_header(draft, &rules).is_empty()
        && !draft.mailboxes.is_empty()
        && validate_mailboxes(&draft.mailboxes, &rules).iter().all(|r| r.is_ok());
    draft.attempted_mailboxes |= !ok;
    Ok(ok)
}

/// Step 1 posted: the draft (new when `draft_id` is none) and where the browser goes next.
pub async fn save_request(
    store: &Store,
    op: &Operator,
    draft_id: Option<&DraftId>,
    form: RequestForm,
    action: WizardAction,
) -> Result<(DraftId, Landing), AppError> {
    let (id, mut draft) = match draft_id {
        None => (None, OrderDraft::new(current_year())),
        Some(id) => match open_draft(store, op, id).await? {
            Opened::Editable(d) => (Some(id.clone()), *d),
            Opened::Confirmed => return Ok((id.clone(), Landing::at(Step::Summary))),
        },
    };
    form.apply(&mut draft);
    let next = if action == WizardAction::Continue {
        let rules = rules_for(store, op, &draft).await?;
        if validate_request_step(&draft, &rules).is_empty() {
            Step::Mailboxes
        } else {
            draft.attempted_request = true;
            Step::Request
        }
    } else {
        Step::Request
    };
    let id = match id {
        None => store.create_draft(&draft, op.id).await?,
        Some(id) => {
            store.save_draft(&id, &draft).await?;
            id
        }
    };
    Ok((id, Landing::at(next)))
}

/// Step 2 posted: keeps everything typed, then applies the button that was pressed.
pub async fn save_mailboxes(
    store: &Store,
    op: &Operator,
    draft_id: &DraftId,
    expiry_year: String,
    customer_po: String,
    mailboxes: Vec<MailboxInput>,
    action: WizardAction,
) -> Result<Landing, AppError> {
    let mut draft =
        match open_with_step2(store, op, draft_id, expiry_year, customer_po, Some(mailboxes)).await? {
            Opened::Editable(d) => *d,
            Opened::Confirmed => return Ok(Landing::at(Step::Summary)),
        };
    draft.last_import = None;
    let to = match action {
        WizardAction::Add => {
            draft.mailboxes.push(MailboxInput::default());
            Landing::mailboxes(Spot::Mailbox(draft.mailboxes.len() - 1))
        }
        WizardAction::Remove(i) => {
            remove_row(&mut draft.mailboxes, i);
            Landing::mailboxes(Spot::Top)
        }
        WizardAction::Clear(i, field) => {
            if let Some(m) = draft.mailboxes.get_mut(i) {
                m.set(field, String::new());
            }
            Landing::mailboxes(Spot::Field(i, field))
        }
        WizardAction::Back => Landing::at(Step::Request),
        // Only a browser that ignores `formaction` gets here: keep what was typed, stay.
        WizardAction::Upload => Landing::mailboxes(Spot::Import),
        // The table's own buttons only come from the table (`save_table`); stay.
        WizardAction::Edit(_)
        | WizardAction::SaveRow
        | WizardAction::Cancel
        | WizardAction::Filter
        | WizardAction::Page(_) => Landing::mailboxes(Spot::Top),
        WizardAction::Continue => {
            if step2_ready(store, op, &mut draft).await? {
                Landing::at(Step::Review)
            } else {
                Landing::mailboxes(Spot::Errors)
            }
        }
    };
    store.save_draft(draft_id, &draft).await?;
    Ok(to)
}

/// Step 2 posted from the table of a large request: the rows are in the saved draft; the row
/// editor's values, if it was open, are kept whatever the button (except "Annulla").
pub async fn save_table(
    store: &Store,
    op: &Operator,
    draft_id: &DraftId,
    form: TableForm,
    action: WizardAction,
) -> Result<Landing, AppError> {
    let TableForm { expiry_year, customer_po, edited, mut view } = form;
    let mut draft = match open_with_step2(store, op, draft_id, expiry_year, customer_po, None).await? {
        Opened::Editable(d) => *d,
        Opened::Confirmed => return Ok(Landing::at(Step::Summary)),
    };
    draft.last_import = None;
    let mut editing = None;
    if let Some((i, mut row)) = edited.filter(|_| action != WizardAction::Cancel) {
        if let WizardAction::Clear(_, field) = action {
            row.set(field, String::new());
        }
        editing = put_row(&mut draft.mailboxes, i, row);
    }
    let spot = match action {
        WizardAction::Edit(i) if i < draft.mailboxes.len() => {
            view.editing = Some(i);
            Spot::Editor
        }
        WizardAction::Clear(_, field) if editing.is_some() => {
            view.editing = editing;
            Spot::EditorField(field)
        }
        WizardAction::Add => {
            draft.mailboxes.push(MailboxInput::default());
            view.editing = Some(draft.mailboxes.len() - 1);
            Spot::Editor
        }
        WizardAction::Remove(i) => {
            remove_row(&mut draft.mailboxes, i);
            Spot::Table
        }
        WizardAction::SaveRow => editing.map(Spot::Row).unwrap_or(Spot::Top),
        WizardAction::Filter => {
            view.page = 1;
            Spot::Table
        }
        WizardAction::Page(p) => {
            view.page = p.max(1);
            Spot::Table
        }
        WizardAction::Back => {
            store.save_draft(draft_id, &draft).await?;
            return Ok(Landing::at(Step::Request));
        }
        WizardAction::Continue => {
            if step2_ready(store, op, &mut draft).await? {
                store.save_draft(draft_id, &draft).await?;
                return Ok(Landing::at(Step::Review));
            }
            view = TableView { only_errors: true, page: 1, editing: None };
            Spot::Errors
        }
        WizardAction::Edit(_) | WizardAction::Clear(..) | WizardAction::Cancel | WizardAction::Upload => {
            Spot::Table
        }
    };
    store.save_draft(draft_id, &draft).await?;
    Ok(Landing { step: Step::Mailboxes, view, spot })
}

/// Removes row `i` if there is one; a request keeps at least one (empty) mailbox.
fn remove_row(rows: &mut Vec<MailboxInput>, i: usize) {
    if i < rows.len() {
        rows.remove(i);
    }
    if rows.is_empty() {
        rows.push(MailboxInput::default());
    }
}

/// Puts `row` at `index` (`index` = number of rows appends it); the index it landed at.
fn put_row(rows: &mut Vec<MailboxInput>, index: usize, row: MailboxInput) -> Option<usize> {
    match index.cmp(&rows.len()) {
        std::cmp::Ordering::Less => {
            rows[index] = row;
            Some(index)
        }
        std::cmp::Ordering::Equal => {
            rows.push(row);
            Some(index)
        }
        std::cmp::Ordering::Greater => None,
    }
}

/// One row of a large request saved (`Some`) or removed (`None`) on its own, from the table's
/// row editor with JavaScript. An index past the end is refused: the page is out of date.
pub async fn save_row(
    store: &Store,
    op: &Operator,
    draft_id: &DraftId,
    index: usize,
    row: Option<MailboxInput>,
) -> Result<(), AppError> {
    let Opened::Editable(mut draft) = open_draft(store, op, draft_id).await? else {
        return Err(AppError::BadRequest("la richiesta è già stata confermata".into()));
    };
    let stale = || AppError::BadRequest("la pagina non è aggiornata: ricaricarla".into());
    match row {
        Some(row) => {
            put_row(&mut draft.mailboxes, index, row).ok_or_else(stale)?;
        }
        None if index < draft.mailboxes.len() => remove_row(&mut draft.mailboxes, index),
        None => return Err(stale()),
    }
    draft.last_import = None;
    store.save_draft(draft_id, &draft).await?;
    Ok(())
}

/// "Conferma" on the review: the order is booked (`orders::confirm`), or the step whose fields
/// are wrong is shown again with its errors.
pub async fn confirm(
    store: &Store,
    op: &Operator,
    draft_id: &DraftId,
    action: WizardAction,
) -> Result<Landing, AppError> {
    use super::orders::{self, Confirmation};
    let mut draft = match open_draft(store, op, draft_id).await? {
        Opened::Editable(d) => *d,
        Opened::Confirmed => return Ok(Landing::at(Step::Summary)),
    };
    if action == WizardAction::Back {
        return Ok(Landing::at(Step::Mailboxes));
    }
    let step = match orders::confirm(store, op, draft_id, &draft).await? {
        Confirmation::Booked(_) | Confirmation::BookedMeanwhile(_) => return Ok(Landing::at(Step::Summary)),
        Confirmation::DraftGone => return Err(not_found()),
        Confirmation::Invalid(errors)
            if errors.request.iter().any(|(f, _)| crate::domain::RequestField::STEP1.contains(f)) =>
        {
            Step::Request
        }
        // Taken a moment ago by someone else, or the domain suspended meanwhile: step 2 shows
        // which, on the field.
        Confirmation::Invalid(_) | Confirmation::Taken { .. } | Confirmation::UnusableDomain(_) => {
            Step::Mailboxes
        }
        Confirmation::UnknownOffer(_) => Step::Request,
    };
    let to = if step == Step::Request {
        draft.attempted_request = true;
        Landing::at(step)
    } else {
        draft.attempted_mailboxes = true;
        Landing::mailboxes(Spot::Errors)
    };
    store.save_draft(draft_id, &draft).await?;
    Ok(to)
}

/// A CSV file posted with step 2 (with everything typed there): its rows join the typed
/// mailboxes, validated like them; a bad file changes nothing and says why.
pub async fn upload_csv(
    store: &Store,
    op: &Operator,
    draft_id: &DraftId,
    expiry_year: String,
    customer_po: String,
    mailboxes: Option<Vec<MailboxInput>>,
    file: Option<(String, Vec<u8>)>,
) -> Result<Landing, AppError> {
    use crate::domain::csv_file::{self, CsvError, ImportNote};
    let mut draft = match open_with_step2(store, op, draft_id, expiry_year, customer_po, mailboxes).await? {
        Opened::Editable(d) => *d,
        Opened::Confirmed => return Ok(Landing::at(Step::Summary)),
    };
    let (file_name, bytes) = file.unwrap_or_default();
    // The settings may lower the platform's limits (Impostazioni).
    let settings = store.settings().await?;
    let limits = csv_file::Limits::of(settings.csv_max_mb, settings.csv_max_rows);
    let read = if file_name.is_empty() && bytes.is_empty() {
        Err(CsvError::NoFile)
    } else {
        csv_file::read_within(&bytes, limits)
    };
    let note = match read {
        Err(error) => ImportNote { file_name, error: Some(error), ..ImportNote::default() },
        Ok(import) => {
            // An untouched empty block gives way to the file's rows.
            if draft.mailboxes.len() == 1 && draft.mailboxes[0].is_blank() && !import.rows.is_empty() {
                draft.mailboxes.clear();
            }
            let added = import.rows.len();
            draft.mailboxes.extend(import.rows.into_iter().map(|r| r.mailbox));
            draft.attempted_mailboxes |= added > 0;
            ImportNote {
                file_name,
                added,
                example_line: import.example_line,
                ignored_columns: import.ignored_columns,
                error: None,
            }
        }
    };
    draft.last_import = Some(note);
    store.save_draft(draft_id, &draft).await?;
    Ok(Landing::mailboxes(Spot::Import))
}

/// The mailboxes of a draft that have errors, as a CSV file to fix in a spreadsheet.
pub async fn error_report(store: &Store, op: &Operator, draft_id: &DraftId) -> Result<Vec<u8>, AppError> {
    use crate::domain::csv_file::{self, CsvRow};
    let draft = load(store, op, draft_id).await?.draft;
    let rules = rules_for(store, op, &draft).await?;
    let reports = validate_mailboxes(&draft.mailboxes, &rules);
    let rows: Vec<CsvRow> = draft
        .mailboxes
        .into_iter()
        .enumerate()
        .map(|(i, m)| CsvRow { line: i as u64 + 1, mailbox: m })
        .collect();
    Ok(csv_file::error_report(&rows, &reports))
}
