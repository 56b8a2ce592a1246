//! The provisioning queue (`mail_jobs`): what must be pushed to the mail platform, written in
//! the transaction of the change that causes it, claimed with a lease by one server process at
//! a time, retried with back-off until done. And what the mail platform reports back
//! (`mail_usage`, written by Dovecot's quota_clone).

use super::*;
use pec_domain::mail_platform::{MailJobKind, PendingJobs, QueueHealth};
use sqlx::Row;

/// One job, claimed by this process until its lease ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailJob {
    pub id: i64,
    pub kind: MailJobKind,
    /// The address the mail server knows the mailbox by.
    pub login: String,
    /// Attempts before this one.
    pub attempts: i64,
}

/// A job that waits for its day, not for the mail platform: a purge before the retention
/// period has passed (never tried, not taken); `now` is the parameter bound to now.
fn scheduled(now: &str) -> String {
    format!("(j.kind = 'PURGE' AND j.attempts = 0 AND j.lease IS NULL AND j.next_attempt_at > {now})")
}

/// The longest error kept for a job (what the mail platform answered can be long).
const ERROR_KEPT: usize = 500;

/// Queues `kind` for the mailbox `mailbox_id`, due at `due` (a stored time), in the
/// transaction of the change that causes it; the job keeps the address the mail server knows
/// the mailbox by now.
pub(crate) async fn queue_mail_job_in(
    tx: &mut Transaction<'_, Any>,
    mailbox_id: i64,
    kind: MailJobKind,
    due: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO mail_jobs (mailbox_id, kind, login, created_at, attempts, next_attempt_at, last_error) \
         SELECT id, $2, address, $3, 0, $4, '' FROM mailboxes WHERE id = $1",
    )
    .bind(mailbox_id)
    .bind(kind.code())
    .bind(now())
    .bind(due)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// What a state change must push: its open sessions cut when it may no longer log in; a
/// revoked mailbox's mail removed after the retention period (Impostazioni).
pub(crate) async fn queue_for_state_in(
    tx: &mut Transaction<'_, Any>,
    mailbox_id: i64,
    to: pec_domain::MailboxState,
) -> Result<(), StoreError> {
    use pec_domain::MailboxState;
    if to == MailboxState::Attiva {
        return Ok(());
    }
    queue_mail_job_in(tx, mailbox_id, MailJobKind::Kick, &now()).await?;
    if to == MailboxState::Revocata {
        let days = crate::settings::settings_in(tx).await?.mail_retention_days;
        let due = from_now(chrono::Duration::days(days));
        queue_mail_job_in(tx, mailbox_id, MailJobKind::Purge, &due).await?;
    }
    Ok(())
}

/// Writes the logins of the mailbox's additional users from its address (when they are added,
/// and when a booked mailbox's address changes), in the caller's transaction.
pub(crate) async fn set_user_logins_in(
    tx: &mut Transaction<'_, Any>,
    mailbox_id: i64,
    address: &str,
) -> Result<(), StoreError> {
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM mailbox_users WHERE mailbox_id = $1")
        .bind(mailbox_id)
        .fetch_all(&mut **tx)
        .await?;
    for id in ids {
        sqlx::query("UPDATE mailbox_users SET login = $1 WHERE id = $2")
            .bind(pec_domain::mail_platform::extra_user_login(address, id))
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

impl Store {
    /// Takes up to `limit` due jobs for `lease_seconds`, oldest first: one statement marks them
    /// with this claim's own token, so that two server processes never take the same job (a
    /// row already taken no longer matches `next_attempt_at <= now` when the second update
    /// reaches it). A job whose lease ended without an answer is due again.
    pub async fn claim_mail_jobs(&self, limit: i64, lease_seconds: i64) -> Result<Vec<MailJob>, StoreError> {
        let token = sessions::new_token();
        let t = now();
        sqlx::query(
            "UPDATE mail_jobs SET lease = $1, next_attempt_at = $2 \
             WHERE done_at IS NULL AND next_attempt_at <= $3 AND id IN \
             (SELECT id FROM mail_jobs WHERE done_at IS NULL AND next_attempt_at <= $3 ORDER BY id LIMIT $4)",
        )
        .bind(&token)
        .bind(from_now(chrono::Duration::seconds(lease_seconds)))
        .bind(&t)
        .bind(limit)
        .execute(&self.pool)
        .await?;
        let rows =
            sqlx::query("SELECT id, kind, login, attempts FROM mail_jobs WHERE lease = $1 ORDER BY id")
                .bind(&token)
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| {
                Ok(MailJob {
                    id: r.try_get("id")?,
                    kind: code_of(r, "kind", MailJobKind::from_code)?,
                    login: r.try_get("login")?,
                    attempts: r.try_get("attempts")?,
                })
            })
            .collect()
    }

    /// Done, in one statement for a batch: never taken again.
    pub async fn mail_jobs_done(&self, jobs: &[&MailJob]) -> Result<(), StoreError> {
        if jobs.is_empty() {
            return Ok(());
        }
        // The ids are integers read from the table, never text from outside.
        let ids = jobs.iter().map(|j| j.id.to_string()).collect::<Vec<_>>().join(", ");
        sqlx::query(AssertSqlSafe(format!(
            "UPDATE mail_jobs SET done_at = $1, attempts = attempts + 1, last_error = '', lease = NULL \
             WHERE id IN ({ids})"
        )))
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A failed attempt: tried again later, waiting longer each time (2, 4, 8 … 300 seconds).
    pub async fn mail_job_failed(&self, job: &MailJob, error: &str) -> Result<(), StoreError> {
        let wait = (2_i64 << job.attempts.clamp(0, 8)).min(300);
        let error: String = error.chars().take(ERROR_KEPT).collect();
        sqlx::query(
            "UPDATE mail_jobs SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2, lease = NULL \
             WHERE id = $3",
        )
        .bind(from_now(chrono::Duration::seconds(wait)))
        .bind(error)
        .bind(job.id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The mailbox's jobs still to do ("Piattaforma di posta" on its page).
    pub async fn pending_mail_jobs(&self, userid: &UserId) -> Result<PendingJobs, StoreError> {
        let of_mailbox = "FROM mail_jobs j JOIN mailboxes m ON m.id = j.mailbox_id WHERE m.userid = $1 AND j.done_at IS NULL";
        let r = sqlx::query(AssertSqlSafe(format!(
            "SELECT COUNT(*) AS due, CAST(COALESCE(SUM(j.attempts), 0) AS BIGINT) AS attempts {of_mailbox} AND NOT {}",
            scheduled("$2")
        )))
        .bind(userid.as_str())
        .bind(now())
        .fetch_one(&self.pool)
        .await?;
        let last_error: Option<String> = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT j.last_error {of_mailbox} AND j.attempts > 0 ORDER BY j.id DESC LIMIT 1"
        )))
        .bind(userid.as_str())
        .fetch_optional(&self.pool)
        .await?;
        let purge_on: Option<String> = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT MIN(j.next_attempt_at) {of_mailbox} AND {}",
            scheduled("$2")
        )))
        .bind(userid.as_str())
        .bind(now())
        .fetch_one(&self.pool)
        .await?;
        Ok(PendingJobs {
            due: r.try_get("due")?,
            attempts: r.try_get("attempts")?,
            last_error: last_error.unwrap_or_default(),
            purge_on: purge_on.map(|d| d.chars().take(10).collect()).unwrap_or_default(),
        })
    }

    /// The whole queue's health ("Configurazione").
    pub async fn mail_queue_health(&self) -> Result<QueueHealth, StoreError> {
        let r = sqlx::query(AssertSqlSafe(format!(
            "SELECT COUNT(*) AS due, CAST(COALESCE(SUM(CASE WHEN j.attempts > 0 THEN 1 ELSE 0 END), 0) AS BIGINT) AS failing, \
             COALESCE(MIN(j.created_at), '') AS oldest FROM mail_jobs j WHERE j.done_at IS NULL AND NOT {}",
            scheduled("$1")
        )))
        .bind(now())
        .fetch_one(&self.pool)
        .await?;
        let last_error: Option<String> = sqlx::query_scalar(
            "SELECT last_error FROM mail_jobs WHERE done_at IS NULL AND attempts > 0 ORDER BY id DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        let scheduled: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM mail_jobs j WHERE j.done_at IS NULL AND {}",
            scheduled("$1")
        )))
        .bind(now())
        .fetch_one(&self.pool)
        .await?;
        Ok(QueueHealth {
            due: r.try_get("due")?,
            failing: r.try_get("failing")?,
            oldest: r.try_get("oldest")?,
            last_error: last_error.unwrap_or_default(),
            scheduled,
        })
    }
}

#[cfg(any(test, feature = "testing"))]
impl Store {
    /// Makes every job not done due now (tests: no waiting for the back-off or the retention).
    pub async fn mail_jobs_due_now(&self) -> Result<(), StoreError> {
        sqlx::query("UPDATE mail_jobs SET next_attempt_at = $1, lease = NULL WHERE done_at IS NULL")
            .bind(now())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// (kind, login, attempts, done) of every job, oldest first.
    pub async fn mail_jobs_for_tests(&self) -> Result<Vec<(MailJobKind, String, i64, bool)>, StoreError> {
        let rows = sqlx::query("SELECT kind, login, attempts, done_at FROM mail_jobs ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    code_of(r, "kind", MailJobKind::from_code)?,
                    r.try_get("login")?,
                    r.try_get("attempts")?,
                    r.try_get::<Option<String>, _>("done_at")?.is_some(),
                ))
            })
            .collect()
    }
}
