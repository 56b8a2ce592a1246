//! The holder's single-use password links: created with the e-mail that carries them,
//! checked, used once; closed when the mailbox stops being active or its address changes.

use super::*;
use pec_domain::auth::Operator;
use pec_domain::MailboxState;
use pec_domain::UserId;
use sqlx::Any;
use sqlx::Row;
use sqlx::Transaction;

/// A mailbox that has just been given a password link; `link_mail` turns it into the e-mail.
pub struct LinkFor<'a> {
    pub address: &'a str,
    pub userid: &'a str,
    pub token: &'a str,
    pub expires: &'a str,
}

/// Writes the e-mail of a password link (the server layer knows the platform's address).
pub type LinkMail = dyn Fn(LinkFor<'_>) -> Mail + Send + Sync;

/// What the holder's link opens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkTarget {
    pub userid: UserId,
    pub address: String,
}

/// A new single-use link for a mailbox, and its e-mail, in the caller's transaction.
pub(crate) async fn link_in(
    tx: &mut Transaction<'_, Any>,
    mailbox_id: i64,
    address: &str,
    userid: &UserId,
    recipient: &str,
    link_mail: &LinkMail,
) -> Result<(), StoreError> {
    let token = new_token();
    // Read where it is used: "Validità link password" of Impostazioni.
    let days = crate::settings::setting_in(tx, pec_domain::settings::SettingField::LinkValidDays)
        .await?
        .parse::<i64>()
        .unwrap_or(pec_domain::settings::Settings::default().link_valid_days);
    let expires = from_now(chrono::Duration::days(days));
    sqlx::query(
        "INSERT INTO activation_links (token_hash, mailbox_id, created_at, expires_at, recipient) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash(&token))
    .bind(mailbox_id)
    .bind(now())
    .bind(&expires)
    .bind(recipient)
    .execute(&mut **tx)
    .await?;
    let mut mail = link_mail(LinkFor { address, userid: userid.as_str(), token: &token, expires: &expires });
    mail.recipient = recipient.to_string();
    queue_in(tx, &mail).await
}

/// Every open password link of a mailbox stops working (a new one is sent, the mailbox leaves
/// ATTIVA, or the address the links went to changes), in the caller's transaction.
pub(crate) async fn close_links_in(tx: &mut Transaction<'_, Any>, mailbox_id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE activation_links SET used_at = $1 WHERE mailbox_id = $2 AND used_at IS NULL")
        .bind(now())
        .bind(mailbox_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl Store {
    /// A new password link for an active mailbox (the operator's "re-send"); earlier links of
    /// that mailbox stop working.
    pub async fn resend_link(
        &self,
        op: &Operator,
        userid: &UserId,
        link_mail: &LinkMail,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT m.id, m.address, m.password_email FROM mailboxes m JOIN orders o ON o.id = m.order_id \
             WHERE m.userid = $1 AND m.state = $2 AND ($3 = 0 OR o.organisation_id = $3)",
        )
        .bind(userid.as_str())
        .bind(MailboxState::Attiva.code())
        .bind(op.scope().sql_value())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(r) = row else {
            tx.rollback().await?;
            return Ok(false);
        };
        let (id, address, recipient): (i64, String, String) =
            (r.try_get("id")?, r.try_get("address")?, r.try_get("password_email")?);
        close_links_in(&mut tx, id).await?;
        link_in(&mut tx, id, &address, userid, &recipient, link_mail).await?;
        audit_in(&mut tx, &AuditRecord::by(op, "LINK_PASSWORD_INVIATO", "casella", userid)).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The mailbox a link opens, while the link is unused and not expired, its mailbox ATTIVA
    /// and its "Email gestione password" the one the link was sent to.
    pub async fn link_target(&self, token: &str) -> Result<Option<LinkTarget>, StoreError> {
        let row = sqlx::query(
            "SELECT m.userid, m.address FROM activation_links l JOIN mailboxes m ON m.id = l.mailbox_id \
             WHERE l.token_hash = $1 AND l.used_at IS NULL AND l.expires_at > $2 AND m.state = $3 \
             AND l.recipient = m.password_email",
        )
        .bind(token_hash(token))
        .bind(now())
        .bind(MailboxState::Attiva.code())
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(r) => Some(LinkTarget { userid: user_id_of(&r, "userid")?, address: r.try_get("address")? }),
            None => None,
        })
    }

    /// Uses a link once: sets the mailbox's password hash. `false` when the link no longer works.
    /// Runs in a write transaction from its first statement (SQLite: `BEGIN IMMEDIATE`).
    pub async fn set_mailbox_password(&self, token: &str, password_hash: &str) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let t = now();
        // Used in one statement that also checks what `link_target` checks: the mailbox may have
        // been suspended, or its address changed, since the page was opened.
        let row = sqlx::query(
            "UPDATE activation_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 \
             AND EXISTS (SELECT 1 FROM mailboxes m WHERE m.id = activation_links.mailbox_id AND m.state = $3 \
             AND m.password_email = activation_links.recipient) \
             RETURNING mailbox_id",
        )
        .bind(&t)
        .bind(token_hash(token))
        .bind(MailboxState::Attiva.code())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            tx.rollback().await?;
            return Ok(false);
        };
        let mailbox_id: i64 = row.try_get("mailbox_id")?;
        let r = sqlx::query(
            "SELECT m.userid, m.address, o.organisation_id, o.id AS order_id FROM mailboxes m \
             JOIN orders o ON o.id = m.order_id WHERE m.id = $1",
        )
        .bind(mailbox_id)
        .fetch_one(&mut *tx)
        .await?;
        let (userid, address, organisation_id, order_id): (UserId, String, i64, i64) = (
            user_id_of(&r, "userid")?,
            r.try_get("address")?,
            r.try_get("organisation_id")?,
            r.try_get("order_id")?,
        );
        sqlx::query("UPDATE mailboxes SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(mailbox_id)
            .execute(&mut *tx)
            .await?;
        activity_in(
            &mut tx,
            Activity {
                kind: "PASSWORD_IMPOSTATA",
                organisation_id,
                order_id,
                mailbox_id: Some(mailbox_id),
                summary: format!("Casella {address}: password impostata dal titolare"),
            },
        )
        .await?;
        audit_in(&mut tx, &AuditRecord::anonymous("titolare", "PASSWORD_IMPOSTATA", "casella", &userid))
            .await?;
        tx.commit().await?;
        Ok(true)
    }
}
