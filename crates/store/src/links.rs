//! The single-use password links of a mailbox's holder and of its additional users
//! (Multiutenza): created with the e-mail that carries them, checked, used once; closed when
//! the mailbox stops being active, its address changes, or the user is removed.

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
    /// For an additional user: the login of their own (the holder's is the address).
    pub user_login: Option<&'a str>,
}

/// Writes the e-mail of a password link (the server layer knows the platform's address).
pub type LinkMail = dyn Fn(LinkFor<'_>) -> Mail + Send + Sync;

/// What a link opens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkTarget {
    pub userid: UserId,
    pub address: String,
    /// For an additional user's link: the login whose password it sets.
    pub user_login: Option<String>,
}

/// Whom a link is for: the holder, or an additional user (its row in `mailbox_users`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LinkHolder {
    Holder,
    User(i64),
}

/// The links that still work: unused, not expired, their mailbox ATTIVA, and sent to the
/// address that now manages the password (the holder's "Email gestione password" or the
/// user's e-mail). `l` is the link, `m` its mailbox; `$1` is now, `$2` the state.
const LINK_WORKS: &str = "l.used_at IS NULL AND l.expires_at > $1 AND m.state = $2 \
     AND l.recipient = CASE WHEN l.user_id IS NULL THEN m.password_email \
     ELSE (SELECT u.email FROM mailbox_users u WHERE u.id = l.user_id AND u.mailbox_id = m.id) END";

/// A new single-use link for a mailbox's holder or one of its users, and its e-mail, in the
/// caller's transaction.
pub(crate) async fn link_in(
    tx: &mut Transaction<'_, Any>,
    mailbox_id: i64,
    holder: LinkHolder,
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
    let user_id = match holder {
        LinkHolder::Holder => None,
        LinkHolder::User(id) => Some(id),
    };
    sqlx::query(
        "INSERT INTO activation_links (token_hash, mailbox_id, created_at, expires_at, recipient, user_id) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token_hash(&token))
    .bind(mailbox_id)
    .bind(now())
    .bind(&expires)
    .bind(recipient)
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    let user_login = user_id.map(|id| pec_domain::mail_platform::extra_user_login(address, id));
    let mut mail = link_mail(LinkFor {
        address,
        userid: userid.as_str(),
        token: &token,
        expires: &expires,
        user_login: user_login.as_deref(),
    });
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
        // Locked: a suspension committing meanwhile must not leave this new link open behind it.
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT m.id, m.address, m.password_email FROM mailboxes m JOIN orders o ON o.id = m.order_id \
             WHERE m.userid = $1 AND m.state = $2 AND ($3 = 0 OR o.organisation_id = $3){}",
            self.lock_clause(" FOR UPDATE OF m")
        )))
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
        link_in(&mut tx, id, LinkHolder::Holder, &address, userid, &recipient, link_mail).await?;
        audit_in(&mut tx, &AuditRecord::by(op, "LINK_PASSWORD_INVIATO", "casella", userid)).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The mailbox a link opens, while the link works ([`LINK_WORKS`]).
    pub async fn link_target(&self, token: &str) -> Result<Option<LinkTarget>, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT m.userid, m.address, l.user_id FROM activation_links l JOIN mailboxes m ON m.id = l.mailbox_id \
             WHERE {LINK_WORKS} AND l.token_hash = $3"
        )))
        .bind(now())
        .bind(MailboxState::Attiva.code())
        .bind(token_hash(token))
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(r) => {
                let address: String = r.try_get("address")?;
                let user: Option<i64> = r.try_get("user_id")?;
                Some(LinkTarget {
                    userid: user_id_of(&r, "userid")?,
                    user_login: user.map(|id| pec_domain::mail_platform::extra_user_login(&address, id)),
                    address,
                })
            }
            None => None,
        })
    }

    /// Uses a link once: sets the password hash of the mailbox's holder, or of the additional
    /// user the link is for. `false` when the link no longer works.
    /// Runs in a write transaction from its first statement (SQLite: `BEGIN IMMEDIATE`).
    pub async fn set_mailbox_password(&self, token: &str, password_hash: &str) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let t = now();
        // Used in one statement that also checks what `link_target` checks: the mailbox may have
        // been suspended, or its address changed, since the page was opened. `used_at IS NULL`
        // on the row itself: a second use waiting for the first's lock sees it used.
        let row = sqlx::query(AssertSqlSafe(format!(
            "UPDATE activation_links SET used_at = $1 WHERE token_hash = $3 AND used_at IS NULL AND token_hash IN \
             (SELECT l.token_hash FROM activation_links l JOIN mailboxes m ON m.id = l.mailbox_id WHERE {LINK_WORKS}) \
             RETURNING mailbox_id, user_id"
        )))
        .bind(&t)
        .bind(MailboxState::Attiva.code())
        .bind(token_hash(token))
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            tx.rollback().await?;
            return Ok(false);
        };
        let mailbox_id: i64 = row.try_get("mailbox_id")?;
        let user: Option<i64> = row.try_get("user_id")?;
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
        let (who, login) = match user {
            None => {
                sqlx::query("UPDATE mailboxes SET password_hash = $1 WHERE id = $2")
                    .bind(password_hash)
                    .bind(mailbox_id)
                    .execute(&mut *tx)
                    .await?;
                ("titolare", address.clone())
            }
            Some(user_id) => {
                sqlx::query("UPDATE mailbox_users SET password_hash = $1 WHERE id = $2 AND mailbox_id = $3")
                    .bind(password_hash)
                    .bind(user_id)
                    .bind(mailbox_id)
                    .execute(&mut *tx)
                    .await?;
                ("utente aggiuntivo", pec_domain::mail_platform::extra_user_login(&address, user_id))
            }
        };
        activity_in(
            &mut tx,
            Activity {
                kind: "PASSWORD_IMPOSTATA",
                organisation_id,
                order_id,
                mailbox_id: Some(mailbox_id),
                summary: format!("Casella {address}: password di {login} impostata dal {who}"),
            },
        )
        .await?;
        let record = AuditRecord::anonymous(who, "PASSWORD_IMPOSTATA", "casella", &userid)
            .after(serde_json::json!({ "accesso": login }).to_string());
        audit_in(&mut tx, &record).await?;
        tx.commit().await?;
        Ok(true)
    }
}
