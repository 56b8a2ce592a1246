//! After the order: the signed contract fulfils it (order EVASO, mailboxes ATTIVA with dates
//! and the offer's services), each holder gets a single-use link by e-mail (queued in the same
//! transaction, sent after the commit), and the holder sets the mailbox password with it.

use super::auth::{audit_in, AuditRecord};
use super::{activity_in, from_now, now, services_from_offer, Activity, Store, StoreError};
use pec_domain::auth::{Operator, Scope};
use pec_domain::lifecycle::{expiry_date, single_edge, Date, Transition};
use pec_domain::{MailboxState, OrderState};
use sha2::{Digest, Sha256};
use sqlx::{Any, Row, Transaction};
use thiserror::Error;

/// The edge of a bulk transition, from the lifecycle table.
pub(super) fn edge(t: Transition) -> Result<(MailboxState, MailboxState), StoreError> {
    single_edge(t).ok_or_else(|| StoreError::Corrupt(format!("lifecycle table: no single edge for {t:?}")))
}

/// How long a password link works.
pub const LINK_VALID_DAYS: i64 = 7;

/// Only the SHA-256 of a token is stored: a copy of the database opens nothing.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Has `s` the shape of a token we hand out (64 hex digits)? Checked before anything is
/// looked up or echoed.
pub fn is_token(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// 256 random bits, hex.
pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The signed contract as uploaded (already checked to be a PDF or a CAdES envelope).
#[derive(Clone, Debug)]
pub struct SignedContract {
    pub file_name: String,
    /// `PDF` or `P7M`.
    pub kind: &'static str,
    pub data: Vec<u8>,
}

#[derive(Debug, Error)]
pub enum FulfilError {
    #[error("Ordine non trovato")]
    NotFound,
    #[error("L'ordine è {0}: il contratto si carica solo per un ordine PRENOTATO")]
    NotBooked(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for FulfilError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(e.into())
    }
}

/// An e-mail to queue: the server layer writes the text, the store only keeps it.
pub struct Mail {
    pub recipient: String,
    pub subject: String,
    pub body: String,
}

/// Writes the e-mail of a password link (the server layer knows the platform's address).
pub type LinkMail = dyn Fn(LinkFor<'_>) -> Mail + Send + Sync;

/// A mailbox that has just been given a password link; `link_mail` turns it into the e-mail.
pub struct LinkFor<'a> {
    pub address: &'a str,
    pub userid: &'a str,
    pub token: &'a str,
    pub expires: &'a str,
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

/// What the holder's link opens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkTarget {
    pub userid: String,
    pub address: String,
}

/// The order a contract is for, as fulfilment needs it.
struct OrderRow {
    id: i64,
    state: String,
    expiry_year: i64,
    offer_id: i64,
    organisation_id: i64,
}

async fn order_row(
    tx: &mut Transaction<'_, Any>,
    scope: Scope,
    number: &str,
) -> Result<Option<OrderRow>, StoreError> {
    let row = sqlx::query(
        "SELECT id, state, expiry_year, offer_id, organisation_id FROM orders \
         WHERE number = $1 AND ($2 = 0 OR organisation_id = $2)",
    )
    .bind(number)
    .bind(scope.sql_value())
    .fetch_optional(&mut **tx)
    .await?;
    Ok(match row {
        Some(r) => Some(OrderRow {
            id: r.try_get("id")?,
            state: r.try_get("state")?,
            expiry_year: r.try_get("expiry_year")?,
            offer_id: r.try_get("offer_id")?,
            organisation_id: r.try_get("organisation_id")?,
        }),
        None => None,
    })
}

async fn queue_in(tx: &mut Transaction<'_, Any>, mail: &Mail) -> Result<(), StoreError> {
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

/// Every open password link of a mailbox stops working (a new one is sent, the mailbox leaves
/// ATTIVA, or the address the links went to changes), in the caller's transaction.
pub(super) async fn close_links_in(tx: &mut Transaction<'_, Any>, mailbox_id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE activation_links SET used_at = $1 WHERE mailbox_id = $2 AND used_at IS NULL")
        .bind(now())
        .bind(mailbox_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A new single-use link for a mailbox, and its e-mail, in the caller's transaction.
async fn link_in(
    tx: &mut Transaction<'_, Any>,
    mailbox_id: i64,
    address: &str,
    userid: &str,
    recipient: &str,
    link_mail: &LinkMail,
) -> Result<(), StoreError> {
    let token = new_token();
    let expires = from_now(chrono::Duration::days(LINK_VALID_DAYS));
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
    let mut mail = link_mail(LinkFor { address, userid, token: &token, expires: &expires });
    mail.recipient = recipient.to_string();
    queue_in(tx, &mail).await
}

impl Store {
    /// "Upload Firma Contratto": stores the contract and fulfils the order in one transaction:
    /// order EVASO, its mailboxes ATTIVA from `today`, expiring on the anniversary in the
    /// order's expiry year, with the offer's services; one password link e-mail per mailbox.
    pub async fn fulfil_order(
        &self,
        op: &Operator,
        number: &str,
        contract: &SignedContract,
        today: Date,
        link_mail: &LinkMail,
    ) -> Result<usize, FulfilError> {
        let mut tx = self.begin_write().await?;
        let OrderRow { id: order_id, state, expiry_year, offer_id, organisation_id } =
            order_row(&mut tx, op.scope(), number).await?.ok_or(FulfilError::NotFound)?;
        // The state is checked by the update itself, so that two uploads fulfil once.
        let claimed = sqlx::query("UPDATE orders SET state = $1, contract = 1 WHERE id = $2 AND state = $3")
            .bind(OrderState::Evaso.code())
            .bind(order_id)
            .bind(OrderState::Prenotato.code())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if claimed != 1 {
            tx.rollback().await?;
            return Err(FulfilError::NotBooked(state));
        }
        sqlx::query(
            "INSERT INTO contracts (order_id, file_name, kind, data, uploaded_at, operator_id) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(order_id)
        .bind(&contract.file_name)
        .bind(contract.kind)
        .bind(contract.data.clone())
        .bind(now())
        .bind(op.id)
        .execute(&mut *tx)
        .await?;
        let expires = expiry_date(today, expiry_year as i32);
        let (booked, active) = edge(Transition::Activate)?;
        let activate = format!(
            "UPDATE mailboxes SET state = $1, activated_at = $2, expires_at = $3, {} WHERE order_id = $5 AND state = $6",
            services_from_offer("$4")
        );
        sqlx::query(&activate)
            .bind(active.code())
            .bind(today.iso())
            .bind(expires.iso())
            .bind(offer_id)
            .bind(order_id)
            .bind(booked.code())
            .execute(&mut *tx)
            .await?;
        let rows = sqlx::query(
            "SELECT id, userid, address, password_email FROM mailboxes WHERE order_id = $1 AND state = $2 ORDER BY position",
        )
        .bind(order_id)
        .bind(active.code())
        .fetch_all(&mut *tx)
        .await?;
        for r in &rows {
            let (id, userid, address, recipient): (i64, String, String, String) =
                (r.try_get("id")?, r.try_get("userid")?, r.try_get("address")?, r.try_get("password_email")?);
            link_in(&mut tx, id, &address, &userid, &recipient, link_mail).await?;
        }
        let summary = format!("Ordine {number} evaso: {} caselle attivate", rows.len());
        activity_in(
            &mut tx,
            Activity { kind: "ORDINE_EVASO", organisation_id, order_id, mailbox_id: None, summary },
        )
        .await?;
        let after = serde_json::json!({
            "stato": OrderState::Evaso.code(), "contratto": contract.file_name, "tipo": contract.kind,
            "caselle_attivate": rows.len(), "data_attivazione": today.iso(), "data_scadenza": expires.iso(),
        });
        audit_in(
            &mut tx,
            &AuditRecord::by(op, "ORDINE_EVASO", "ordine", number)
                .before(serde_json::json!({ "stato": state }).to_string())
                .after(after.to_string()),
        )
        .await?;
        tx.commit().await?;
        Ok(rows.len())
    }

    /// The signed contract of an order: (file name, kind, bytes).
    pub async fn signed_contract(
        &self,
        scope: Scope,
        number: &str,
    ) -> Result<Option<(String, String, Vec<u8>)>, StoreError> {
        let row = sqlx::query(
            "SELECT c.file_name, c.kind, c.data FROM contracts c JOIN orders o ON o.id = c.order_id \
             WHERE o.number = $1 AND ($2 = 0 OR o.organisation_id = $2)",
        )
        .bind(number)
        .bind(scope.sql_value())
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(r) => Some((r.try_get("file_name")?, r.try_get("kind")?, r.try_get("data")?)),
            None => None,
        })
    }

    /// A new password link for an active mailbox (the operator's "re-send"); earlier links of
    /// that mailbox stop working.
    pub async fn resend_link(
        &self,
        op: &Operator,
        userid: &str,
        link_mail: &LinkMail,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT m.id, m.address, m.password_email FROM mailboxes m JOIN orders o ON o.id = m.order_id \
             WHERE m.userid = $1 AND m.state = $2 AND ($3 = 0 OR o.organisation_id = $3)",
        )
        .bind(userid)
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
            Some(r) => Some(LinkTarget { userid: r.try_get("userid")?, address: r.try_get("address")? }),
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
        let (userid, address, organisation_id, order_id): (String, String, i64, i64) = (
            r.try_get("userid")?,
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
