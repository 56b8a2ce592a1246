//! The wizard's plain HTTP routes (server only): the CSV upload of step 2, a multipart post of
//! the whole step-2 form plus the file (the "Carica" button posts there, with or without
//! JavaScript, so nothing typed is lost), and the report of the rows with errors.

use crate::domain::{MailboxField, MailboxInput};
use crate::error::AppError;
use crate::server::auth::SignedIn;
use crate::server::AppState;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;

/// `mailboxes[3][address]` → (3, Address).
fn mailbox_field(name: &str) -> Option<(usize, MailboxField)> {
    let rest = name.strip_prefix("mailboxes[")?;
    let (index, rest) = rest.split_once("][")?;
    let key = rest.strip_suffix(']')?;
    Some((index.parse().ok()?, MailboxField::from_key(key)?))
}

pub async fn upload(
    State(state): State<AppState>,
    SignedIn(op): SignedIn,
    Path(draft): Path<String>,
    headers: axum::http::HeaderMap,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    // Checked before the body is read.
    let draft = AppError::draft_asked(&draft)?;
    // Sent by the page's script, which reloads its data itself: no page to redirect to.
    let by_script = headers.get("x-pec-upload").is_some();
    let (mut expiry, mut po, mut file) = (String::new(), String::new(), None);
    // The table of a large request keeps its rows in the saved draft and does not post them.
    let mut rows_in_draft = false;
    let mut mailboxes: BTreeMap<usize, MailboxInput> = BTreeMap::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                return Err(AppError::BadRequest(format!("invio del file non riuscito ({})", e.body_text())))
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            let file_name = field.file_name().unwrap_or_default().to_string();
            match field.bytes().await {
                Ok(bytes) => file = Some((file_name, bytes.to_vec())),
                Err(_) => return Err(AppError::BadRequest("file troppo grande o interrotto".into())),
            }
            continue;
        }
        let value = field.text().await.unwrap_or_default();
        match name.as_str() {
            "expiry_year" => expiry = value,
            "customer_po" => po = value,
            "righe" => rows_in_draft = value == "bozza",
            other => {
                if let Some((i, f)) = mailbox_field(other) {
                    mailboxes.entry(i).or_default().set(f, value);
                }
            }
        }
    }
    let mailboxes = (!rows_in_draft).then(|| mailboxes.into_values().collect());
    let to =
        crate::usecases::drafts::upload_csv(&state.store, &op, &draft, expiry, po, mailboxes, file).await?;
    Ok(if by_script {
        axum::http::StatusCode::NO_CONTENT.into_response()
    } else {
        crate::server::redirect::see_other(&crate::routes::wizard_landing(&draft, &to))
    })
}

/// "Scarica le righe con errori": the draft's mailboxes with errors, as CSV.
pub async fn error_report(
    State(state): State<AppState>,
    SignedIn(op): SignedIn,
    Path(draft): Path<String>,
) -> Result<Response, AppError> {
    let draft = AppError::draft_asked(&draft)?;
    let bytes = crate::usecases::drafts::error_report(&state.store, &op, &draft).await?;
    let headers = [
        (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
        (axum::http::header::CONTENT_DISPOSITION, "attachment; filename=\"caselle-con-errori.csv\""),
    ];
    Ok((headers, bytes).into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn field_names() {
        use crate::domain::MailboxField;
        assert_eq!(super::mailbox_field("mailboxes[12][tax_code]"), Some((12, MailboxField::TaxCode)));
        assert_eq!(super::mailbox_field("mailboxes[x][tax_code]"), None);
        assert_eq!(super::mailbox_field("draft"), None);
    }
}
