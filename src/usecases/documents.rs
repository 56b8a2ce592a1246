//! An order's documents ("Carica documentazione"), for its page, the wizard's summary and the
//! API: a file checked by its content and bound in size, stored with its hash, listed with the
//! types the settings still require, downloaded and removed by operators who see the order.

use crate::domain::auth::Operator;
use crate::domain::documents::{
    document_file_name, document_format, missing_types, DocumentRefusal, DocumentRow, DocumentType,
    OrderDocuments,
};
use crate::domain::{OrderNumber, OrderState};
use crate::error::AppError;
use crate::store::{DocumentChange, NewDocument, Store};

/// What an upload ended in, under the name the document is listed with.
#[derive(Debug)]
pub struct Upload {
    pub file_name: String,
    /// The new document's id, or why it was not taken.
    pub outcome: Result<i64, DocumentRefusal>,
}

/// Adds the file `raw_name` to order `number` as a document of type `doc_type` (none chosen:
/// refused). Nothing is stored unless every check passes.
pub async fn upload(
    store: &Store,
    op: &Operator,
    number: &OrderNumber,
    doc_type: Option<DocumentType>,
    raw_name: &str,
    data: &[u8],
) -> Result<Upload, AppError> {
    let file_name =
        if raw_name.is_empty() && data.is_empty() { String::new() } else { document_file_name(raw_name) };
    let refused = |why| Ok(Upload { file_name: file_name.clone(), outcome: Err(why) });
    let format = match document_format(data) {
        Ok(format) => format,
        Err(why) => return refused(why),
    };
    let Some(doc_type) = doc_type else { return refused(DocumentRefusal::Type) };
    let sha256 = crate::server::signatures::sha256_hex(data);
    let doc = NewDocument { doc_type, file_name: &file_name, format, sha256: &sha256, data };
    match store.add_document(op, number, &doc).await? {
        DocumentChange::Done(id) => Ok(Upload { file_name, outcome: Ok(id) }),
        DocumentChange::Refused(why) => refused(why),
        DocumentChange::NotFound => Err(AppError::no_order(number)),
    }
}

/// The documents of an order the operator sees, whether they may change, and which required
/// types are missing.
pub async fn list(store: &Store, op: &Operator, number: &OrderNumber) -> Result<OrderDocuments, AppError> {
    let (state, documents) =
        store.documents(op.scope(), number).await?.ok_or_else(|| AppError::no_order(number))?;
    let required = store.settings_in_force().await?.required_documents;
    let present: Vec<DocumentType> = documents.iter().map(|d| d.doc_type).collect();
    Ok(OrderDocuments {
        editable: state == OrderState::Prenotato,
        missing: if state == OrderState::Prenotato { missing_types(&required, &present) } else { Vec::new() },
        documents,
    })
}

/// One document with its content (the download is audited); not found for whoever does not
/// see the order.
pub async fn download(
    store: &Store,
    op: &Operator,
    number: &OrderNumber,
    id: i64,
) -> Result<(DocumentRow, Vec<u8>), AppError> {
    store
        .download_document(op, number, id)
        .await?
        .ok_or_else(|| AppError::NotFound("Documento non trovato".into()))
}

/// Removes a document while the order is PRENOTATO; afterwards its documents are read-only.
pub async fn remove(
    store: &Store,
    op: &Operator,
    number: &OrderNumber,
    id: i64,
) -> Result<Result<(), DocumentRefusal>, AppError> {
    match store.remove_document(op, number, id).await? {
        DocumentChange::Done(_) => Ok(Ok(())),
        DocumentChange::Refused(why) => Ok(Err(why)),
        DocumentChange::NotFound => Err(AppError::NotFound("Documento non trovato".into())),
    }
}
