//! Mailboxes over time: state changes (suspend, reactivate, revoke), expiry, and the hourly
//! purge of what is no longer of use.

use super::*;
use pec_domain::auth::Operator;
use pec_domain::lifecycle::apply;
use pec_domain::lifecycle::Date;
use pec_domain::lifecycle::Transition;
use pec_domain::lifecycle::TransitionRefused;
use pec_domain::MailboxState;
use pec_domain::UserId;
use sqlx::Row;

#[derive(Debug, thiserror::Error)]
pub enum TransitionError {
    #[error("Casella non trovata")]
    NotFound,
    #[error(transparent)]
    Refused(#[from] TransitionRefused),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for TransitionError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(e.into())
    }
}

impl Store {
    /// A state change asked by an operator, allowed only by the lifecycle table; recorded with
    /// who, when, before and after, and in the recent activity. Returns the new state.
    pub async fn change_state(
        &self,
        op: &Operator,
        userid: &UserId,
        t: Transition,
    ) -> Result<MailboxState, TransitionError> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT m.id, m.state, m.address, o.id AS order_id, o.organisation_id FROM mailboxes m \
             JOIN orders o ON o.id = m.order_id WHERE m.userid = $1 AND ($2 = 0 OR o.organisation_id = $2)",
        )
        .bind(userid.as_str())
        .bind(op.scope().sql_value())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(TransitionError::NotFound)?;
        let (id, state, address, order_id, organisation_id): (i64, String, String, i64, i64) = (
            row.try_get("id")?,
            row.try_get("state")?,
            row.try_get("address")?,
            row.try_get("order_id")?,
            row.try_get("organisation_id")?,
        );
        let from = MailboxState::from_code(&state).ok_or(TransitionError::NotFound)?;
        let to = apply(from, t)?;
        let reason = match t {
            Transition::Revoke(r) => Some(r.code()),
            _ => None,
        };
        // The state is checked again by the update: two concurrent changes apply once.
        let done = sqlx::query(
            "UPDATE mailboxes SET state = $1, revocation_reason = $2 WHERE id = $3 AND state = $4",
        )
        .bind(to.code())
        .bind(reason)
        .bind(id)
        .bind(from.code())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done != 1 {
            tx.rollback().await?;
            return Err(TransitionRefused { from: from.code().into(), what: t.label().into() }.into());
        }
        if to != MailboxState::Attiva {
            // A suspended or revoked mailbox gets no password through an old link, now or later.
            close_links_in(&mut tx, id).await?;
        }
        // Its open sessions are cut, and a revoked mailbox's mail removed in time.
        queue_for_state_in(&mut tx, id, to).await?;
        activity_in(
            &mut tx,
            Activity {
                kind: &format!("CASELLA_{}", to.code()),
                organisation_id,
                order_id,
                mailbox_id: Some(id),
                summary: format!(
                    "Casella {address} ({userid}): {} → {} ({})",
                    from.code(),
                    to.code(),
                    t.label()
                ),
            },
        )
        .await?;
        let before = serde_json::json!({ "stato": from.code() });
        let after = serde_json::json!({ "stato": to.code(), "motivo": t.label() });
        audit_in(
            &mut tx,
            &AuditRecord::by(op, "CAMBIO_STATO", "casella", userid)
                .before(before.to_string())
                .after(after.to_string()),
        )
        .await?;
        tx.commit().await?;
        Ok(to)
    }

    /// Active mailboxes whose expiry date is before `today` become SCADUTA (run periodically).
    /// Returns how many.
    pub async fn expire_due(&self, today: Date) -> Result<usize, StoreError> {
        let (active, expired_state) = super::fulfilment::edge(Transition::Expire)?;
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query(
            "SELECT m.id, m.userid, m.address, m.order_id, o.organisation_id FROM mailboxes m \
             JOIN orders o ON o.id = m.order_id WHERE m.state = $1 AND m.expires_at < $2",
        )
        .bind(active.code())
        .bind(today.iso())
        .fetch_all(&mut *tx)
        .await?;
        let mut expired = 0;
        for r in &rows {
            let (id, userid, address, order_id, organisation_id): (i64, UserId, String, i64, i64) = (
                r.try_get("id")?,
                user_id_of(r, "userid")?,
                r.try_get("address")?,
                r.try_get("order_id")?,
                r.try_get("organisation_id")?,
            );
            // Another server process may have expired it a moment ago: record it once.
            let changed = sqlx::query("UPDATE mailboxes SET state = $1 WHERE id = $2 AND state = $3")
                .bind(expired_state.code())
                .bind(id)
                .bind(active.code())
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if changed == 0 {
                continue;
            }
            expired += 1;
            queue_for_state_in(&mut tx, id, expired_state).await?;
            activity_in(
                &mut tx,
                Activity {
                    kind: "CASELLA_SCADUTA",
                    organisation_id,
                    order_id,
                    mailbox_id: Some(id),
                    summary: format!(
                        "Casella {address} ({userid}): {} → {} (scadenza)",
                        active.code(),
                        expired_state.code()
                    ),
                },
            )
            .await?;
            let record = AuditRecord::anonymous("sistema", "CAMBIO_STATO", "casella", &userid)
                .in_organisation(organisation_id)
                .before(serde_json::json!({ "stato": active.code() }).to_string())
                .after(
                    serde_json::json!({ "stato": expired_state.code(), "motivo": "scadenza" }).to_string(),
                );
            audit_in(&mut tx, &record).await?;
        }
        tx.commit().await?;
        Ok(expired)
    }

    /// Forgets what is no longer of use (run periodically): expired sessions (and with them the
    /// refused forms they kept), login failures of more than a day ago; password links
    /// used or expired, sent e-mails (their bodies hold links), done mail platform jobs and
    /// drafts never confirmed, all older than `days`. The audit log keeps the record of what happened. Returns rows removed.
    pub async fn purge(&self, days: i64) -> Result<u64, StoreError> {
        let t = now();
        let before = from_now(-chrono::Duration::days(days));
        let day_ago = from_now(-chrono::Duration::days(1));
        let mut removed = 0;
        for (sql, cutoff) in [
            ("DELETE FROM sessions WHERE expires_at < $1", &t),
            // Failed logins count only within the lock window, and locks end.
            ("DELETE FROM login_attempts WHERE updated_at < $1 AND (locked_until IS NULL OR locked_until < $1)", &day_ago),
            ("DELETE FROM activation_links WHERE created_at < $1 AND (used_at IS NOT NULL OR expires_at < $1)", &before),
            ("DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < $1", &before),
            ("DELETE FROM drafts WHERE order_id IS NULL AND updated_at < $1", &before),
            ("DELETE FROM mail_jobs WHERE done_at IS NOT NULL AND done_at < $1", &before),
            // An API request's Idempotency-Key is remembered as long as an unconfirmed draft.
            ("DELETE FROM api_idempotency WHERE created_at < $1", &before),
        ] {
            removed += sqlx::query(AssertSqlSafe(sql)).bind(cutoff).execute(&self.pool).await?.rows_affected();
        }
        Ok(removed)
    }
}
