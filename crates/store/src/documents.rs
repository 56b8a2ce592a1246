//! An order's documents: added and removed only while the order is PRENOTATO, at most
//! `DOCUMENTS_PER_ORDER_MAX`; each change and each download with its audit line. Every change
//! first updates the order's row (`document_count`), so that it is decided by that one
//! statement and ordered after a concurrent fulfilment or cancellation of the order.

use super::*;
use pec_domain::auth::{Operator, Scope};
use pec_domain::documents::{
    DocumentFormat, DocumentRefusal, DocumentRow, DocumentType, DOCUMENTS_PER_ORDER_MAX,
};
use pec_domain::OrderState;
use sqlx::Row;

/// A document to store, checked already (its format read from its content).
#[derive(Clone, Debug)]
pub struct NewDocument<'a> {
    pub doc_type: DocumentType,
    pub file_name: &'a str,
    pub format: DocumentFormat,
    pub sha256: &'a str,
    pub data: &'a [u8],
}

/// What a change of an order's documents ended in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocumentChange {
    /// Added (with its id) or removed.
    Done(i64),
    /// No such order (or document) among those the operator sees.
    NotFound,
    Refused(DocumentRefusal),
}

const DOCUMENT_COLUMNS: &str = "d.id, d.doc_type, d.file_name, d.format, d.bytes, d.sha256, \
     op.display_name AS uploaded_by, d.uploaded_at";

fn document_from_row(r: &AnyRow) -> Result<DocumentRow, StoreError> {
    Ok(DocumentRow {
        id: r.try_get("id")?,
        doc_type: code_of(r, "doc_type", DocumentType::from_code)?,
        file_name: r.try_get("file_name")?,
        format: code_of(r, "format", DocumentFormat::from_code)?,
        bytes: r.try_get("bytes")?,
        sha256: r.try_get("sha256")?,
        uploaded_by: r.try_get("uploaded_by")?,
        uploaded_at: time_of(r, "uploaded_at")?,
    })
}

/// The order `number` in scope: its id and state.
async fn order_in(
    tx: &mut Transaction<'_, Any>,
    scope: Scope,
    number: &OrderNumber,
) -> Result<Option<(i64, String)>, StoreError> {
    let row =
        sqlx::query("SELECT id, state FROM orders WHERE number = $1 AND ($2 = 0 OR organisation_id = $2)")
            .bind(number.as_str())
            .bind(scope.sql_value())
            .fetch_optional(&mut **tx)
            .await?;
    row.map(|r| Ok((r.try_get("id")?, r.try_get("state")?))).transpose()
}

impl Store {
    /// Adds a document to a booked order of the operator's scope, with its audit line (its
    /// type, size and hash; not its name, which may be personal).
    pub async fn add_document(
        &self,
        op: &Operator,
        number: &OrderNumber,
        doc: &NewDocument<'_>,
    ) -> Result<DocumentChange, StoreError> {
        let mut tx = self.begin_write().await?;
        let Some((order_id, state)) = order_in(&mut tx, op.scope(), number).await? else {
            tx.rollback().await?;
            return Ok(DocumentChange::NotFound);
        };
        let claimed = sqlx::query(
            "UPDATE orders SET document_count = document_count + 1 \
             WHERE id = $1 AND state = $2 AND document_count < $3",
        )
        .bind(order_id)
        .bind(OrderState::Prenotato.code())
        .bind(DOCUMENTS_PER_ORDER_MAX)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if claimed != 1 {
            tx.rollback().await?;
            let booked = state == OrderState::Prenotato.code();
            return Ok(DocumentChange::Refused(if booked {
                DocumentRefusal::TooMany
            } else {
                DocumentRefusal::NotBooked
            }));
        }
        let bytes = i64::try_from(doc.data.len()).unwrap_or(i64::MAX);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO order_documents (order_id, doc_type, file_name, format, bytes, sha256, data, \
             operator_id, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(order_id)
        .bind(doc.doc_type.code())
        .bind(doc.file_name)
        .bind(doc.format.code())
        .bind(bytes)
        .bind(doc.sha256)
        .bind(doc.data.to_vec())
        .bind(op.id)
        .bind(now())
        .fetch_one(&mut *tx)
        .await?;
        let after = format!(
            "documento {id}: {}; {}; {bytes} byte; sha256 {}",
            doc.doc_type.code(),
            doc.format.code(),
            doc.sha256
        );
        audit_in(&mut tx, &AuditRecord::by(op, "DOCUMENTO_CARICATO", "ordine", number.as_str()).after(after))
            .await?;
        tx.commit().await?;
        Ok(DocumentChange::Done(id))
    }

    /// The documents of an order of the scope, oldest first, and the order's state; `None`
    /// when the order is not in scope.
    pub async fn documents(
        &self,
        scope: Scope,
        number: &OrderNumber,
    ) -> Result<Option<(OrderState, Vec<DocumentRow>)>, StoreError> {
        let Some(order) = sqlx::query(
            "SELECT id, state FROM orders WHERE number = $1 AND ($2 = 0 OR organisation_id = $2)",
        )
        .bind(number.as_str())
        .bind(scope.sql_value())
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let order_id: i64 = order.try_get("id")?;
        let state = code_of(&order, "state", OrderState::from_code)?;
        let sql = format!(
            "SELECT {DOCUMENT_COLUMNS} FROM order_documents d JOIN operators op ON op.id = d.operator_id \
             WHERE d.order_id = $1 ORDER BY d.id"
        );
        let rows = sqlx::query(AssertSqlSafe(&*sql)).bind(order_id).fetch_all(&self.pool).await?;
        let docs = rows.iter().map(document_from_row).collect::<Result<_, _>>()?;
        Ok(Some((state, docs)))
    }

    /// One document of an order of the operator's scope with its content, its download
    /// audited; `None` when either is not there for them.
    pub async fn download_document(
        &self,
        op: &Operator,
        number: &OrderNumber,
        id: i64,
    ) -> Result<Option<(DocumentRow, Vec<u8>)>, StoreError> {
        let sql = format!(
            "SELECT {DOCUMENT_COLUMNS}, d.data FROM order_documents d \
             JOIN orders o ON o.id = d.order_id JOIN operators op ON op.id = d.operator_id \
             WHERE d.id = $1 AND o.number = $2 AND ($3 = 0 OR o.organisation_id = $3)"
        );
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(AssertSqlSafe(&*sql))
            .bind(id)
            .bind(number.as_str())
            .bind(op.scope().sql_value())
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            tx.rollback().await?;
            return Ok(None);
        };
        let doc = document_from_row(&row)?;
        let data: Vec<u8> = row.try_get("data")?;
        let record = AuditRecord::by(op, "DOCUMENTO_SCARICATO", "ordine", number.as_str())
            .after(format!("documento {id}: {}", doc.doc_type.code()));
        audit_in(&mut tx, &record).await?;
        tx.commit().await?;
        Ok(Some((doc, data)))
    }

    /// Removes a document while its order is PRENOTATO, with its audit line.
    pub async fn remove_document(
        &self,
        op: &Operator,
        number: &OrderNumber,
        id: i64,
    ) -> Result<DocumentChange, StoreError> {
        let mut tx = self.begin_write().await?;
        let Some((order_id, _)) = order_in(&mut tx, op.scope(), number).await? else {
            tx.rollback().await?;
            return Ok(DocumentChange::NotFound);
        };
        let doc = sqlx::query("SELECT doc_type FROM order_documents WHERE id = $1 AND order_id = $2")
            .bind(id)
            .bind(order_id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(doc) = doc else {
            tx.rollback().await?;
            return Ok(DocumentChange::NotFound);
        };
        let doc_type: String = doc.try_get("doc_type")?;
        // The order's row first: a fulfilment, or another removal, holding it finishes before
        // this is decided.
        let claimed =
            sqlx::query("UPDATE orders SET document_count = document_count - 1 WHERE id = $1 AND state = $2")
                .bind(order_id)
                .bind(OrderState::Prenotato.code())
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if claimed != 1 {
            tx.rollback().await?;
            return Ok(DocumentChange::Refused(DocumentRefusal::NotBooked));
        }
        // Decided by the statement that removes it: a concurrent removal of the same document
        // finds nothing here, and its decrement is rolled back with it.
        let removed = sqlx::query("DELETE FROM order_documents WHERE id = $1 AND order_id = $2")
            .bind(id)
            .bind(order_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if removed != 1 {
            tx.rollback().await?;
            return Ok(DocumentChange::NotFound);
        }
        let record = AuditRecord::by(op, "DOCUMENTO_RIMOSSO", "ordine", number.as_str())
            .before(format!("documento {id}: {doc_type}"));
        audit_in(&mut tx, &record).await?;
        tx.commit().await?;
        Ok(DocumentChange::Done(id))
    }

    /// Removes the documents of the orders cancelled more than `days` ago, with an audit line
    /// per order; how many documents went.
    pub async fn purge_cancelled_documents(&self, days: i64) -> Result<u64, StoreError> {
        let cutoff = from_now(-chrono::Duration::days(days));
        let mut tx = self.begin_write().await?;
        let orders = sqlx::query(
            "SELECT o.id, o.number, o.organisation_id FROM orders o \
             WHERE o.state = $1 AND o.cancelled_at IS NOT NULL AND o.cancelled_at < $2 AND o.document_count > 0",
        )
        .bind(OrderState::Annullato.code())
        .bind(&cutoff)
        .fetch_all(&mut *tx)
        .await?;
        let mut removed = 0;
        for o in &orders {
            let order_id: i64 = o.try_get("id")?;
            let number: String = o.try_get("number")?;
            let organisation_id: i64 = o.try_get("organisation_id")?;
            let n = sqlx::query("DELETE FROM order_documents WHERE order_id = $1")
                .bind(order_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                // Another process purged it a moment ago: no second audit line.
                continue;
            }
            sqlx::query("UPDATE orders SET document_count = 0 WHERE id = $1")
                .bind(order_id)
                .execute(&mut *tx)
                .await?;
            let record = AuditRecord::anonymous("sistema", "DOCUMENTI_ELIMINATI", "ordine", &number)
                .in_organisation(organisation_id)
                .after(format!("{n} documenti dell'ordine annullato, trascorso il periodo di conservazione"));
            audit_in(&mut tx, &record).await?;
            removed += n;
        }
        tx.commit().await?;
        Ok(removed)
    }
}

/// The types of the documents an order holds (inside a fulfilment's transaction).
pub(crate) async fn document_types_in(
    tx: &mut Transaction<'_, Any>,
    order_id: i64,
) -> Result<Vec<DocumentType>, StoreError> {
    sqlx::query("SELECT DISTINCT doc_type FROM order_documents WHERE order_id = $1")
        .bind(order_id)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| code_of(r, "doc_type", DocumentType::from_code))
        .collect()
}
