//! Wizard drafts: what an operator typed, kept between steps until it becomes an order.

use super::*;
use pec_domain::{DraftId, OrderDraft, OrderNumber};
use sqlx::Row;

/// A stored draft: what was typed, whose it is, and the order it became (once confirmed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredDraft {
    pub draft: OrderDraft,
    pub order_number: Option<OrderNumber>,
    pub organisation_id: i64,
}

pub(crate) fn encode_draft(d: &OrderDraft) -> Result<String, StoreError> {
    serde_json::to_string(d).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(crate) fn new_draft_id() -> DraftId {
    let bytes: [u8; 16] = rand::random();
    DraftId::from_stored(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

impl Store {
    pub async fn create_draft(&self, draft: &OrderDraft, operator_id: i64) -> Result<DraftId, StoreError> {
        let id = new_draft_id();
        let t = now();
        sqlx::query(
            "INSERT INTO drafts (id, data, operator_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)",
        )
        .bind(id.as_str())
        .bind(encode_draft(draft)?)
        .bind(operator_id)
        .bind(&t)
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    pub async fn load_draft(&self, id: &DraftId) -> Result<Option<StoredDraft>, StoreError> {
        let row = sqlx::query(
            "SELECT d.data, o.number, p.organisation_id FROM drafts d JOIN operators p ON p.id = d.operator_id \
             LEFT JOIN orders o ON o.id = d.order_id WHERE d.id = $1",
        )
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let data: String = row.try_get("data")?;
        let draft = serde_json::from_str(&data).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok(Some(StoredDraft {
            draft,
            order_number: row.try_get::<Option<String>, _>("number")?.map(OrderNumber::from_stored),
            organisation_id: row.try_get("organisation_id")?,
        }))
    }

    /// Saves what was typed; a confirmed draft is never changed again.
    pub async fn save_draft(&self, id: &DraftId, draft: &OrderDraft) -> Result<bool, StoreError> {
        let done =
            sqlx::query("UPDATE drafts SET data = $1, updated_at = $2 WHERE id = $3 AND order_id IS NULL")
                .bind(encode_draft(draft)?)
                .bind(now())
                .bind(id.as_str())
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() == 1)
    }
}
