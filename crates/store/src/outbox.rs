//! The e-mail outbox: mails queued in the transaction of their change, claimed and sent by one
//! server process at a time.

use super::*;
use sqlx::Any;
use sqlx::Row;
use sqlx::Transaction;

/// An e-mail to queue: the server layer writes the text, the store only keeps it.
pub struct Mail {
    pub recipient: String,
    pub subject: String,
    pub body: String,
}

/// One queued e-mail, due for sending.
#[derive(Clone, Debug)]
pub struct QueuedMail {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub attempts: i64,
    next_attempt_at: String,
}

pub(crate) async fn queue_in(tx: &mut Transaction<'_, Any>, mail: &Mail) -> Result<(), StoreError> {
    let t = now();
    sqlx::query(
        "INSERT INTO outbox (recipient, subject, body, created_at, attempts, next_attempt_at, last_error) \
         VALUES ($1, $2, $3, $4, 0, $4, '')",
    )
    .bind(&mail.recipient)
    .bind(&mail.subject)
    .bind(&mail.body)
    .bind(&t)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Queued e-mails due now, oldest first.
    pub async fn due_mail(&self, limit: i64) -> Result<Vec<QueuedMail>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, recipient, subject, body, attempts, next_attempt_at FROM outbox \
             WHERE sent_at IS NULL AND next_attempt_at <= $1 ORDER BY id LIMIT $2",
        )
        .bind(now())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(QueuedMail {
                    id: r.try_get("id")?,
                    recipient: r.try_get("recipient")?,
                    subject: r.try_get("subject")?,
                    body: r.try_get("body")?,
                    attempts: r.try_get("attempts")?,
                    next_attempt_at: r.try_get("next_attempt_at")?,
                })
            })
            .collect()
    }

    /// Takes a due e-mail for `lease_minutes`, so that another server process sharing the
    /// database does not send it too; `false` when someone else took it first.
    pub async fn claim_mail(&self, mail: &QueuedMail, lease_minutes: i64) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE outbox SET next_attempt_at = $1 WHERE id = $2 AND next_attempt_at = $3 AND sent_at IS NULL")
            .bind(from_now(chrono::Duration::minutes(lease_minutes)))
            .bind(mail.id)
            .bind(&mail.next_attempt_at)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(done == 1)
    }

    pub async fn mail_sent(&self, id: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE outbox SET sent_at = $1, attempts = attempts + 1, last_error = '' WHERE id = $2")
            .bind(now())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A failed attempt: tried again later, waiting longer each time (1, 2, 4 … 60 minutes).
    pub async fn mail_failed(&self, mail: &QueuedMail, error: &str) -> Result<(), StoreError> {
        let wait = 1_i64 << mail.attempts.clamp(0, 6);
        sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2 WHERE id = $3",
        )
        .bind(from_now(chrono::Duration::minutes(wait.min(60))))
        .bind(error)
        .bind(mail.id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// (queued, sent) e-mails: for tests and the operator's view of the queue.
    pub async fn mail_counts(&self) -> Result<(i64, i64), StoreError> {
        let r = sqlx::query("SELECT COUNT(*) AS total, COUNT(sent_at) AS sent FROM outbox")
            .fetch_one(&self.pool)
            .await?;
        Ok((r.try_get("total")?, r.try_get("sent")?))
    }

    /// Makes every queued e-mail due now (tests: no waiting for the back-off).
    pub async fn mail_due_now(&self) -> Result<(), StoreError> {
        sqlx::query("UPDATE outbox SET next_attempt_at = $1 WHERE sent_at IS NULL")
            .bind(now())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
