//! A mailbox as "Dettaglio casella" shows it, its edits, and its small changes (services,
//! Trasforma, Sposta, notes, additional users, associations, SERVIZI EXTRA): each change in one
//! transaction with its history entry.

use super::*;
use pec_domain::auth::Operator;
use pec_domain::auth::Scope;
use pec_domain::mailbox_admin::ExtraSettings;
use pec_domain::mailbox_admin::ExtraUser;
pub use pec_domain::mailbox_admin::MailboxChange;
use pec_domain::mailboxes::MailboxDetail;
use pec_domain::mailboxes::MailboxExtras;
use pec_domain::mailboxes::Note;
use pec_domain::MailboxState;
use pec_domain::UserId;
use pec_domain::ValidMailbox;
use sqlx::Any;
use sqlx::Row;
use sqlx::Transaction;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ChangeError {
    #[error("Casella non trovata")]
    NotFound,
    #[error("Offerta non disponibile: non attiva o non venduta dalla propria organizzazione")]
    UnknownOffer,
    #[error("Ordine di destinazione non trovato, uguale a quello attuale o in uno stato diverso (una casella si sposta solo tra ordini nello stesso stato)")]
    UnknownOrder,
    #[error("Casella da associare non trovata, o la casella stessa")]
    UnknownMailbox,
    #[error("Utente aggiuntivo non trovato: forse già rimosso")]
    UnknownUser,
    #[error("Già presente")]
    Duplicate,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for ChangeError {
    fn from(e: sqlx::Error) -> Self {
        if super::is_unique_violation(&e) {
            Self::Duplicate
        } else {
            Self::Store(e.into())
        }
    }
}

async fn settings_in(tx: &mut Transaction<'_, Any>, mailbox_id: i64) -> Result<ExtraSettings, StoreError> {
    let row = sqlx::query("SELECT data FROM mailbox_settings WHERE mailbox_id = $1")
        .bind(mailbox_id)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(match row {
        Some(r) => serde_json::from_str(&r.try_get::<String, _>("data")?).unwrap_or_default(),
        None => ExtraSettings::default(),
    })
}

/// A mailbox of the scope: (id, order id, organisation id).
async fn find(
    tx: &mut Transaction<'_, Any>,
    scope: Scope,
    userid: &UserId,
) -> Result<Option<(i64, i64, i64)>, StoreError> {
    let row = sqlx::query(
        "SELECT m.id, m.order_id, o.organisation_id FROM mailboxes m JOIN orders o ON o.id = m.order_id \
         WHERE m.userid = $1 AND ($2 = 0 OR o.organisation_id = $2)",
    )
    .bind(userid.as_str())
    .bind(scope.sql_value())
    .fetch_optional(&mut **tx)
    .await?;
    Ok(match row {
        Some(r) => Some((r.try_get("id")?, r.try_get("order_id")?, r.try_get("organisation_id")?)),
        None => None,
    })
}

impl Store {
    /// Notes, additional users, associations and SERVIZI EXTRA of a mailbox in scope.
    pub async fn mailbox_extras(
        &self,
        scope: Scope,
        userid: &UserId,
    ) -> Result<Option<MailboxExtras>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let Some((id, order_id, organisation_id)) = find(&mut tx, scope, userid).await? else {
            return Ok(None);
        };
        let notes = sqlx::query(
            "SELECT at, username, text FROM mailbox_notes WHERE mailbox_id = $1 ORDER BY id DESC",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| {
            Ok(Note {
                at: crate::time_of(r, "at")?,
                username: r.try_get("username")?,
                text: r.try_get("text")?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
        let users = sqlx::query(
            "SELECT id, first_name, last_name, tax_code, email, login, password_hash FROM mailbox_users \
             WHERE mailbox_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| {
            let id = r.try_get("id")?;
            Ok(ExtraUser {
                id,
                first_name: r.try_get("first_name")?,
                last_name: r.try_get("last_name")?,
                tax_code: r.try_get("tax_code")?,
                email: r.try_get("email")?,
                login: r.try_get::<Option<String>, _>("login")?.unwrap_or_default(),
                has_password: r.try_get::<Option<String>, _>("password_hash")?.is_some(),
            })
        })
        .collect::<Result<_, StoreError>>()?;
        let associations = sqlx::query(
            "SELECT m.userid FROM mailbox_associations a JOIN mailboxes m \
             ON m.id = CASE WHEN a.mailbox_id = $1 THEN a.other_id ELSE a.mailbox_id END \
             WHERE a.mailbox_id = $1 OR a.other_id = $1 ORDER BY m.userid",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| user_id_of(r, "userid"))
        .collect::<Result<_, _>>()?;
        let orders = sqlx::query(
            "SELECT t.number FROM orders t JOIN orders o ON o.id = $2 \
             WHERE t.organisation_id = $1 AND t.id <> $2 AND t.state = o.state ORDER BY t.id DESC LIMIT 50",
        )
        .bind(organisation_id)
        .bind(order_id)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| order_number_of(r, "number"))
        .collect::<Result<_, _>>()?;
        let settings = settings_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(Some(MailboxExtras { notes, users, associations, settings, orders }))
    }

    /// Applies one change and records it (who, when, before, after) in the history and the
    /// activity feed.
    pub async fn change_mailbox(
        &self,
        op: &Operator,
        userid: &UserId,
        change: MailboxChange,
        link_mail: &LinkMail,
    ) -> Result<(), ChangeError> {
        let mut tx = self.begin_write().await?;
        let (id, order_id, organisation_id) =
            find(&mut tx, op.scope(), userid).await?.ok_or(ChangeError::NotFound)?;
        let current = sqlx::query(AssertSqlSafe(format!(
            "SELECT {}, disk_used_mb, offer_id FROM mailboxes WHERE id = $1",
            OFFER_SERVICES.join(", ")
        )))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let services = services_of(&current)?;
        let (before, after) = match &change {
            MailboxChange::Services(s) => {
                sqlx::query(
                    "UPDATE mailboxes SET disk_gb = $1, sms = $2, security_archive = $3, legal_preservation = $4, \
                     shadow_pec = $5, push_imap = $6, phishing_protection = $7 WHERE id = $8",
                )
                .bind(s.disk_gb)
                .bind(i64::from(s.sms))
                .bind(i64::from(s.security_archive))
                .bind(i64::from(s.legal_preservation))
                .bind(i64::from(s.shadow_pec))
                .bind(i64::from(s.push_imap))
                .bind(i64::from(s.phishing_protection))
                .bind(id)
                .execute(&mut *tx)
                .await?;
                (
                    serde_json::to_value(&services).unwrap_or_default(),
                    serde_json::to_value(s).unwrap_or_default(),
                )
            }
            MailboxChange::Offer(code) => {
                let offer_id = crate::offers::usable_offer_id(&mut tx, organisation_id, code)
                    .await?
                    .ok_or(ChangeError::UnknownOffer)?;
                let transform = format!(
                    "UPDATE mailboxes SET offer_id = $1, {} WHERE id = $2",
                    services_from_offer("$1")
                );
                sqlx::query(AssertSqlSafe(&*transform)).bind(offer_id).bind(id).execute(&mut *tx).await?;
                let old: i64 = current.try_get("offer_id")?;
                (serde_json::json!({ "offerta_id": old }), serde_json::json!({ "offerta": code }))
            }
            MailboxChange::Move(number) => {
                // Only into an order in the same state: a booked mailbox in a fulfilled order would
                // never be activated, an active one in a booked order would block its cancellation.
                let target: i64 = sqlx::query(
                    "SELECT t.id FROM orders t JOIN orders o ON o.id = $3 \
                     WHERE t.number = $1 AND t.organisation_id = $2 AND t.id <> $3 AND t.state = o.state",
                )
                .bind(number.as_str())
                .bind(organisation_id)
                .bind(order_id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(ChangeError::UnknownOrder)?
                .try_get("id")?;
                sqlx::query("UPDATE mailboxes SET order_id = $1 WHERE id = $2")
                    .bind(target)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                crate::orders::recount_lines_in(&mut tx, order_id).await?;
                crate::orders::recount_lines_in(&mut tx, target).await?;
                (serde_json::json!({ "ordine_id": order_id }), serde_json::json!({ "ordine": number }))
            }
            MailboxChange::Note(text) => {
                sqlx::query(
                    "INSERT INTO mailbox_notes (mailbox_id, at, username, text) VALUES ($1, $2, $3, $4)",
                )
                .bind(id)
                .bind(now())
                .bind(&op.username)
                .bind(text)
                .execute(&mut *tx)
                .await?;
                (serde_json::Value::Null, serde_json::json!({ "nota": text }))
            }
            MailboxChange::AddUser(u) => {
                // Locked first: a suspension committing meanwhile closes the mailbox's links, so
                // this must see its state after it, or the user's new link would outlive it.
                let r = sqlx::query(AssertSqlSafe(format!(
                    "SELECT address, state FROM mailboxes WHERE id = $1{}",
                    self.lock_clause(" FOR UPDATE")
                )))
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
                let (address, state): (String, String) = (r.try_get("address")?, r.try_get("state")?);
                let user_id: i64 = sqlx::query_scalar(
                    "INSERT INTO mailbox_users (mailbox_id, first_name, last_name, tax_code, email, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(id)
                .bind(&u.first_name)
                .bind(&u.last_name)
                .bind(&u.tax_code)
                .bind(&u.email)
                .bind(now())
                .fetch_one(&mut *tx)
                .await?;
                // The user's own login works once they choose its password through a link, as
                // the holder does (a booked mailbox's users get theirs when it is activated).
                set_user_logins_in(&mut tx, id, &address).await?;
                if state == MailboxState::Attiva.code() {
                    link_in(&mut tx, id, LinkHolder::User(user_id), &address, userid, &u.email, link_mail)
                        .await?;
                }
                let login = pec_domain::mail_platform::extra_user_login(&address, user_id);
                let mut after = serde_json::to_value(u).unwrap_or_default();
                after["accesso"] = serde_json::Value::String(login);
                (serde_json::Value::Null, after)
            }
            MailboxChange::Associate(other) => {
                let other_id = match find(&mut tx, op.scope(), other).await? {
                    Some((other_id, _, _)) if other_id != id => other_id,
                    _ => return Err(ChangeError::UnknownMailbox),
                };
                let exists = sqlx::query(
                    "SELECT 1 AS x FROM mailbox_associations WHERE (mailbox_id = $1 AND other_id = $2) \
                     OR (mailbox_id = $2 AND other_id = $1)",
                )
                .bind(id)
                .bind(other_id)
                .fetch_optional(&mut *tx)
                .await?;
                if exists.is_some() {
                    return Err(ChangeError::Duplicate);
                }
                sqlx::query(
                    "INSERT INTO mailbox_associations (mailbox_id, other_id, created_at) VALUES ($1, $2, $3)",
                )
                .bind(id)
                .bind(other_id)
                .bind(now())
                .execute(&mut *tx)
                .await?;
                (serde_json::Value::Null, serde_json::json!({ "associata": other.as_str() }))
            }
            MailboxChange::RemoveUser(user_id) => {
                let row = sqlx::query(
                    "SELECT first_name, last_name, tax_code, email FROM mailbox_users WHERE id = $1 AND mailbox_id = $2",
                )
                .bind(user_id)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(ChangeError::UnknownUser)?;
                // Their links go with them, and their open sessions are cut: they are the
                // mailbox's sessions, so the holder's are cut too and reconnect.
                sqlx::query("DELETE FROM activation_links WHERE user_id = $1 AND mailbox_id = $2")
                    .bind(user_id)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM mailbox_users WHERE id = $1 AND mailbox_id = $2")
                    .bind(user_id)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                queue_mail_job_in(&mut tx, id, pec_domain::mail_platform::MailJobKind::Kick, &now()).await?;
                let removed = ExtraUser {
                    id: *user_id,
                    first_name: row.try_get("first_name")?,
                    last_name: row.try_get("last_name")?,
                    tax_code: row.try_get("tax_code")?,
                    email: row.try_get("email")?,
                    ..ExtraUser::default()
                };
                (serde_json::to_value(removed).unwrap_or_default(), serde_json::Value::Null)
            }
            MailboxChange::Dissociate(other) => {
                let Some((other_id, _, _)) = find(&mut tx, op.scope(), other).await? else {
                    return Err(ChangeError::UnknownMailbox);
                };
                let removed = sqlx::query(
                    "DELETE FROM mailbox_associations WHERE (mailbox_id = $1 AND other_id = $2) \
                     OR (mailbox_id = $2 AND other_id = $1)",
                )
                .bind(id)
                .bind(other_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if removed == 0 {
                    return Err(ChangeError::UnknownMailbox);
                }
                (serde_json::json!({ "associata": other.as_str() }), serde_json::Value::Null)
            }
            MailboxChange::ResetDiskUsage => {
                let today = today().iso();
                sqlx::query("UPDATE mailboxes SET disk_used_mb = 0, disk_reset_at = $1 WHERE id = $2")
                    .bind(&today)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                // On a mail platform "Azz." means counting again what the mailbox really holds.
                queue_mail_job_in(&mut tx, id, pec_domain::mail_platform::MailJobKind::Recalc, &now())
                    .await?;
                (
                    serde_json::json!({ "usato_mb": services.disk_used_mb }),
                    serde_json::json!({ "usato_mb": 0, "azzerato_il": today }),
                )
            }
            MailboxChange::Settings(s) => {
                let old = settings_in(&mut tx, id).await?;
                let data = serde_json::to_string(s).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                sqlx::query("DELETE FROM mailbox_settings WHERE mailbox_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("INSERT INTO mailbox_settings (mailbox_id, data) VALUES ($1, $2)")
                    .bind(id)
                    .bind(data)
                    .execute(&mut *tx)
                    .await?;
                (serde_json::to_value(old).unwrap_or_default(), serde_json::to_value(s).unwrap_or_default())
            }
        };
        if matches!(change, MailboxChange::Services(_) | MailboxChange::Offer(_)) {
            crate::products::sync_products_in(&mut tx, id, today()).await?;
        }
        let action = change.audit_action();
        activity_in(
            &mut tx,
            Activity {
                kind: action,
                organisation_id,
                order_id,
                mailbox_id: Some(id),
                summary: format!("Casella {userid}: {}", action.to_lowercase().replace('_', " ")),
            },
        )
        .await?;
        audit_in(
            &mut tx,
            &AuditRecord::by(op, action, "casella", userid)
                .before(before.to_string())
                .after(after.to_string()),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("Casella non trovata")]
    NotFound,
    /// The new address or nickname belongs to another mailbox (the database said so).
    #[error("Casella o nickname già in uso")]
    Taken,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for EditError {
    fn from(e: sqlx::Error) -> Self {
        if super::is_unique_violation(&e) {
            Self::Taken
        } else {
            Self::Store(e.into())
        }
    }
}

impl Store {
    /// A mailbox, if it exists and is in the scope.
    pub async fn mailbox(&self, scope: Scope, userid: &UserId) -> Result<Option<MailboxDetail>, StoreError> {
        let row = sqlx::query(
            "SELECT o.number, o.expiry_year, m.userid, m.reference, m.address, m.description, m.password_email, \
             f.name AS offer_name, m.state, m.first_name, m.last_name, m.tax_code, m.nickname, m.created_at, \
             m.activated_at, m.expires_at, m.invoice_expires_at, m.tacit_renewal, m.password_hash, m.disk_gb, m.disk_reset_at, \
             COALESCE((SELECT u.bytes FROM mail_usage u WHERE u.login = m.address) / 1048576, m.disk_used_mb) AS disk_used_mb, m.sms, m.security_archive, \
             m.legal_preservation, m.shadow_pec, m.push_imap, m.phishing_protection \
             FROM mailboxes m JOIN orders o ON o.id = m.order_id JOIN offers f ON f.id = m.offer_id \
             WHERE m.userid = $1 AND ($2 = 0 OR o.organisation_id = $2)",
        )
        .bind(userid.as_str())
        .bind(scope.sql_value())
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let reminders = sqlx::query(
            "SELECT n.window_days, n.expires_at, n.sent_at FROM reminders n JOIN mailboxes m ON m.id = n.mailbox_id \
             WHERE m.userid = $1 ORDER BY n.sent_at DESC, n.window_days LIMIT 50",
        )
        .bind(userid.as_str())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|n| {
            Ok(pec_domain::mailboxes::ReminderSent {
                window_days: n.try_get("window_days")?,
                expires_at: n.try_get("expires_at")?,
                sent_at: n.try_get("sent_at")?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Some(MailboxDetail {
            order_number: order_number_of(&r, "number")?,
            userid: user_id_of(&r, "userid")?,
            reference: r.try_get("reference")?,
            address: r.try_get("address")?,
            description: r.try_get("description")?,
            password_email: r.try_get("password_email")?,
            offer_name: r.try_get("offer_name")?,
            state: code_of(&r, "state", MailboxState::from_code)?,
            first_name: r.try_get("first_name")?,
            last_name: r.try_get("last_name")?,
            tax_code: r.try_get("tax_code")?,
            nickname: r.try_get::<Option<String>, _>("nickname")?.unwrap_or_default(),
            created_at: crate::time_of(&r, "created_at")?,
            expiry_year: r.try_get("expiry_year")?,
            activated_at: r.try_get::<Option<String>, _>("activated_at")?.unwrap_or_default(),
            expires_at: r.try_get::<Option<String>, _>("expires_at")?.unwrap_or_default(),
            invoice_expires_at: r.try_get::<Option<String>, _>("invoice_expires_at")?.unwrap_or_default(),
            disk_reset_at: r.try_get::<Option<String>, _>("disk_reset_at")?.unwrap_or_default(),
            tacit_renewal: r.try_get::<i64, _>("tacit_renewal")? != 0,
            reminders,
            products: self.products_of(scope, userid).await?,
            has_password: r.try_get::<Option<String>, _>("password_hash")?.is_some(),
            mail_sync: pec_domain::mail_platform::MailSync {
                configured: false,
                jobs: self.pending_mail_jobs(userid).await?,
            },
            services: services_of(&r)?,
        }))
    }

    /// Saves the edited data of a mailbox (already validated); the address changes only while
    /// the mailbox is PRENOTATA. Recorded with before and after.
    pub async fn update_mailbox(
        &self,
        op: &Operator,
        userid: &UserId,
        m: &ValidMailbox,
    ) -> Result<(), EditError> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT m.id, m.state, m.address, m.description, m.password_email, m.first_name, m.last_name, m.tax_code, \
             m.nickname, m.order_id, o.organisation_id FROM mailboxes m JOIN orders o ON o.id = m.order_id \
             WHERE m.userid = $1 AND ($2 = 0 OR o.organisation_id = $2)",
        )
        .bind(userid.as_str())
        .bind(op.scope().sql_value())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(EditError::NotFound)?;
        let id: i64 = row.try_get("id")?;
        let state: String = row.try_get("state")?;
        let field = |name: &str| -> Result<String, sqlx::Error> {
            Ok(row.try_get::<Option<String>, _>(name)?.unwrap_or_default())
        };
        let before = serde_json::json!({
            "nome_casella": field("address")?, "descrizione": field("description")?,
            "email_gestione_password": field("password_email")?, "nome": field("first_name")?,
            "cognome": field("last_name")?, "codice_fiscale": field("tax_code")?, "nickname": field("nickname")?,
        });
        let address =
            if state == MailboxState::Prenotata.code() { m.address.clone() } else { field("address")? };
        sqlx::query(
            "UPDATE mailboxes SET address = $1, description = $2, password_email = $3, first_name = $4, \
             last_name = $5, tax_code = $6, nickname = $7 WHERE id = $8",
        )
        .bind(&address)
        .bind(&m.description)
        .bind(&m.password_email)
        .bind(&m.first_name)
        .bind(&m.last_name)
        .bind(&m.tax_code)
        .bind(m.nickname.clone())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if address != field("address")? {
            set_user_logins_in(&mut tx, id, &address).await?;
        }
        if field("password_email")? != m.password_email {
            // Links went to the old address: whoever reads it must not set the password.
            close_links_in(&mut tx, id).await?;
        }
        let after = serde_json::json!({
            "nome_casella": address, "descrizione": m.description, "email_gestione_password": m.password_email,
            "nome": m.first_name, "cognome": m.last_name, "codice_fiscale": m.tax_code,
            "nickname": m.nickname.clone().unwrap_or_default(),
        });
        // Only what changed goes into the history.
        let (mut b, mut a) = (serde_json::Map::new(), serde_json::Map::new());
        if let (Some(bo), Some(ao)) = (before.as_object(), after.as_object()) {
            for (k, v) in ao {
                if bo.get(k) != Some(v) {
                    b.insert(k.clone(), bo.get(k).cloned().unwrap_or_default());
                    a.insert(k.clone(), v.clone());
                }
            }
        }
        let organisation_id: i64 = row.try_get("organisation_id")?;
        let order_id: i64 = row.try_get("order_id")?;
        activity_in(
            &mut tx,
            Activity {
                kind: "CASELLA_MODIFICATA",
                organisation_id,
                order_id,
                mailbox_id: Some(id),
                summary: format!("Casella {address} ({userid}): dati modificati"),
            },
        )
        .await?;
        audit_in(
            &mut tx,
            &AuditRecord::by(op, "CASELLA_MODIFICATA", "casella", userid)
                .before(serde_json::Value::Object(b).to_string())
                .after(serde_json::Value::Object(a).to_string()),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

impl Store {
    /// The mail platform's disk usage (`import-disk-usage`): each listed mailbox's used MB, in
    /// one transaction, with one audit line. Returns the userids not found (nothing of theirs
    /// is written; the others are).
    pub async fn record_disk_usage(&self, usage: &[(UserId, i64)]) -> Result<Vec<UserId>, StoreError> {
        let mut tx = self.begin_write().await?;
        let mut unknown = Vec::new();
        for (userid, mb) in usage {
            let changed = sqlx::query("UPDATE mailboxes SET disk_used_mb = $1 WHERE userid = $2")
                .bind(*mb)
                .bind(userid.as_str())
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if changed == 0 {
                unknown.push(userid.clone());
            }
        }
        let after =
            serde_json::json!({ "caselle": usage.len() - unknown.len(), "sconosciute": unknown.len() });
        audit_in(
            &mut tx,
            &AuditRecord::anonymous("riga di comando", "SPAZIO_DISCO_IMPORTATO", "caselle", "")
                .after(after.to_string()),
        )
        .await?;
        tx.commit().await?;
        Ok(unknown)
    }
}
