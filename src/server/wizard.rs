//! The wizard's operations: save what was typed, move between steps, confirm the order.
//! Every one takes the operator acting, and refuses drafts of other organisations.

use super::current_year;
use crate::domain::auth::Operator;
use crate::domain::request::{
    validate_mailboxes, validate_mailboxes_header, validate_order, validate_request_step,
};
use crate::domain::{fields, MailboxField, MailboxInput, OrderDraft, Rules};
use crate::error::AppError;
use crate::pages::wizard::{RequestForm, Step, WizardAction, WizardData};
use crate::store::{CreateOrderError, Store, StoredDraft};

/// Validation rules for a draft: managed domains, offers, and which of its names are taken.
pub async fn rules_for(store: &Store, op: &Operator, draft: &OrderDraft) -> Result<Rules, AppError> {
    let domains = store.usable_domains(op.scope()).await?;
    let offers = store.offers().await?.into_iter().map(|o| o.code).collect();
    let addresses: Vec<String> =
        draft.mailboxes.iter().filter_map(|m| fields::mailbox_address(&m.address, &domains).ok()).collect();
    let nicknames: Vec<String> = draft
        .mailboxes
        .iter()
        .filter_map(|m| fields::nickname(&m.nickname).ok().filter(|n| !n.is_empty()))
        .collect();
    let (taken_addresses, taken_nicknames) = store.taken(&addresses, &nicknames).await?;
    Ok(Rules { current_year: current_year(), domains, offers, taken_addresses, taken_nicknames })
}

/// Everything a wizard page shows. An empty `draft_id` is a new request.
pub async fn wizard_data(store: &Store, op: &Operator, draft_id: &str) -> Result<WizardData, AppError> {
    let (draft, order_number) = if draft_id.is_empty() {
        (OrderDraft::new(current_year()), None)
    } else {
        let stored = load(store, op, draft_id).await?;
        (stored.draft, stored.order_number)
    };
    let rules = rules_for(store, op, &draft).await?;
    Ok(WizardData {
        id: draft_id.to_string(),
        draft,
        order_number,
        rules,
        offers: store.offers().await?,
        customers: store.customers(op.scope()).await?,
    })
}

fn not_found() -> AppError {
    AppError::NotFound("Richiesta non trovata".into())
}

/// A draft of the operator's organisation; others' drafts do not exist for them.
async fn load(store: &Store, op: &Operator, id: &str) -> Result<StoredDraft, AppError> {
    match store.load_draft(id).await? {
        Some(d) if op.can_access(d.organisation_id) => Ok(d),
        _ => Err(not_found()),
    }
}

/// Loads a draft that may still be changed; a confirmed one sends the user to its summary.
async fn open_draft(store: &Store, op: &Operator, id: &str) -> Result<Result<OrderDraft, String>, AppError> {
    let stored = load(store, op, id).await?;
    Ok(match stored.order_number {
        Some(_) => Err(Step::Summary.url(id)),
        None => Ok(stored.draft),
    })
}

/// An open draft with what step 2 posted in it (everything typed is kept, whatever follows).
async fn open_with_step2(
    store: &Store,
    op: &Operator,
    draft_id: &str,
    expiry_year: String,
    customer_po: String,
    mailboxes: Vec<MailboxInput>,
) -> Result<Result<OrderDraft, String>, AppError> {
    Ok(open_draft(store, op, draft_id).await?.map(|mut draft| {
        draft.expiry_year = expiry_year;
        draft.customer_po = customer_po;
        draft.mailboxes = mailboxes;
        draft
    }))
}

/// Step 1 posted. Returns where the browser goes next.
pub async fn save_request(
    store: &Store,
    op: &Operator,
    draft_id: &str,
    form: RequestForm,
    action: WizardAction,
) -> Result<String, AppError> {
    let (id, mut draft) = if draft_id.is_empty() {
        (String::new(), OrderDraft::new(current_year()))
    } else {
        match open_draft(store, op, draft_id).await? {
            Ok(d) => (draft_id.to_string(), d),
            Err(location) => return Ok(location),
        }
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
    let id = if id.is_empty() {
        store.create_draft(&draft, op.id).await?
    } else {
        store.save_draft(&id, &draft).await?;
        id
    };
    Ok(next.url(&id))
}

/// Step 2 posted: keeps everything typed, then applies the button that was pressed.
pub async fn save_mailboxes(
    store: &Store,
    op: &Operator,
    draft_id: &str,
    expiry_year: String,
    customer_po: String,
    mailboxes: Vec<MailboxInput>,
    action: WizardAction,
) -> Result<String, AppError> {
    let mut draft = match open_with_step2(store, op, draft_id, expiry_year, customer_po, mailboxes).await? {
        Ok(d) => d,
        Err(location) => return Ok(location),
    };
    draft.last_import = None;
    let here = Step::Mailboxes.url(draft_id);
    let location = match action {
        WizardAction::Add => {
            draft.mailboxes.push(MailboxInput::default());
            format!("{here}#casella-{}", draft.mailboxes.len())
        }
        WizardAction::Remove(i) => {
            if i < draft.mailboxes.len() {
                draft.mailboxes.remove(i);
            }
            if draft.mailboxes.is_empty() {
                draft.mailboxes.push(MailboxInput::default());
            }
            here
        }
        WizardAction::Clear(i, field) => {
            if let Some(m) = draft.mailboxes.get_mut(i) {
                m.set(field, String::new());
            }
            format!("{here}#{}", field_id(i, field))
        }
        WizardAction::Back => Step::Request.url(draft_id),
        // Only a browser that ignores `formaction` gets here: keep what was typed, stay.
        WizardAction::Upload => format!("{here}#importazione"),
        WizardAction::Continue => {
            let rules = rules_for(store, op, &draft).await?;
            let ok = validate_mailboxes_header(&draft, &rules).is_empty()
                && !draft.mailboxes.is_empty()
                && validate_mailboxes(&draft.mailboxes, &rules).iter().all(|r| r.is_ok());
            if ok {
                Step::Review.url(draft_id)
            } else {
                draft.attempted_mailboxes = true;
                format!("{here}#errori")
            }
        }
    };
    store.save_draft(draft_id, &draft).await?;
    Ok(location)
}

/// "Conferma" on the review: the server validates everything again and stores the order.
pub async fn confirm(
    store: &Store,
    op: &Operator,
    draft_id: &str,
    action: WizardAction,
) -> Result<String, AppError> {
    let mut draft = match open_draft(store, op, draft_id).await? {
        Ok(d) => d,
        Err(location) => return Ok(location),
    };
    if action == WizardAction::Back {
        return Ok(Step::Mailboxes.url(draft_id));
    }
    let rules = rules_for(store, op, &draft).await?;
    let valid = match validate_order(&draft, &rules) {
        Ok(v) => v,
        // A concurrent confirmation of this same draft may have just stored it, so that its
        // names now look taken: that is success, not an error.
        Err(_) if confirmed_meanwhile(store, draft_id).await? => return Ok(Step::Summary.url(draft_id)),
        Err(errors) => {
            let location =
                if errors.request.iter().any(|(f, _)| crate::domain::RequestField::STEP1.contains(f)) {
                    draft.attempted_request = true;
                    Step::Request.url(draft_id)
                } else {
                    draft.attempted_mailboxes = true;
                    format!("{}#errori", Step::Mailboxes.url(draft_id))
                };
            store.save_draft(draft_id, &draft).await?;
            return Ok(location);
        }
    };
    match store.create_order(draft_id, &valid, op).await {
        Ok(_) => Ok(Step::Summary.url(draft_id)),
        Err(CreateOrderError::Taken { .. }) if confirmed_meanwhile(store, draft_id).await? => {
            Ok(Step::Summary.url(draft_id))
        }
        Err(CreateOrderError::Taken { .. }) => {
            // Taken a moment ago by someone else: step 2 shows which, on the field.
            draft.attempted_mailboxes = true;
            store.save_draft(draft_id, &draft).await?;
            Ok(format!("{}#errori", Step::Mailboxes.url(draft_id)))
        }
        Err(CreateOrderError::DraftNotFound) => Err(not_found()),
        Err(CreateOrderError::UnknownOffer(_)) => {
            draft.attempted_request = true;
            store.save_draft(draft_id, &draft).await?;
            Ok(Step::Request.url(draft_id))
        }
        Err(CreateOrderError::UseridsExhausted) => {
            tracing::error!("userid numbering exhausted");
            Err(AppError::Internal)
        }
        Err(CreateOrderError::Store(e)) => Err(e.into()),
    }
}

/// A CSV file posted with step 2 (with everything typed there): its rows join the typed
/// mailboxes, validated like them; a bad file changes nothing and says why.
pub async fn upload_csv(
    store: &Store,
    op: &Operator,
    draft_id: &str,
    expiry_year: String,
    customer_po: String,
    mailboxes: Vec<MailboxInput>,
    file: Option<(String, Vec<u8>)>,
) -> Result<String, AppError> {
    use crate::domain::csv_file::{self, CsvError, ImportNote};
    let mut draft = match open_with_step2(store, op, draft_id, expiry_year, customer_po, mailboxes).await? {
        Ok(d) => d,
        Err(location) => return Ok(location),
    };
    let (file_name, bytes) = file.unwrap_or_default();
    let read =
        if file_name.is_empty() && bytes.is_empty() { Err(CsvError::NoFile) } else { csv_file::read(&bytes) };
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
    Ok(format!("{}#importazione", Step::Mailboxes.url(draft_id)))
}

/// The mailboxes of a draft that have errors, as a CSV file to fix in a spreadsheet.
pub async fn error_report(store: &Store, op: &Operator, draft_id: &str) -> Result<Vec<u8>, AppError> {
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

async fn confirmed_meanwhile(store: &Store, draft_id: &str) -> Result<bool, AppError> {
    Ok(store.load_draft(draft_id).await?.is_some_and(|d| d.order_number.is_some()))
}

fn field_id(i: usize, f: MailboxField) -> String {
    crate::pages::wizard::mailbox_field_id(i, f)
}
