//! Orders and mailboxes over time: state changes, cancelling a booked order, expiry, edits, the activity feed of
//! "Attività recenti", and the search of "Ricerca".

use super::auth::{audit_in, escape_like, AuditRecord};
use super::{activity_in, from_now, now, Activity, Store, StoreError};
use pec_domain::auth::{Operator, Scope};
use pec_domain::lifecycle::{apply, Date, Transition, TransitionRefused};
use pec_domain::records::{ActivityEntry, Paged, SearchHit, SearchQuery};
use pec_domain::{MailboxState, OrderState, ValidMailbox};
use sqlx::Row;

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
        userid: &str,
        t: Transition,
    ) -> Result<MailboxState, TransitionError> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT m.id, m.state, m.address, o.id AS order_id, o.organisation_id FROM mailboxes m \
             JOIN orders o ON o.id = m.order_id WHERE m.userid = $1 AND ($2 = 0 OR o.organisation_id = $2)",
        )
        .bind(userid)
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
            super::fulfilment::close_links_in(&mut tx, id).await?;
        }
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

    /// Saves the edited data of a mailbox (already validated); the address changes only while
    /// the mailbox is PRENOTATA. Recorded with before and after.
    pub async fn update_mailbox(
        &self,
        op: &Operator,
        userid: &str,
        m: &ValidMailbox,
    ) -> Result<(), EditError> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT m.id, m.state, m.address, m.description, m.password_email, m.first_name, m.last_name, m.tax_code, \
             m.nickname, m.order_id, o.organisation_id FROM mailboxes m JOIN orders o ON o.id = m.order_id \
             WHERE m.userid = $1 AND ($2 = 0 OR o.organisation_id = $2)",
        )
        .bind(userid)
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
        if field("password_email")? != m.password_email {
            // Links went to the old address: whoever reads it must not set the password.
            super::fulfilment::close_links_in(&mut tx, id).await?;
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

    /// Cancels a booked order: ANNULLATO, and its mailboxes are dropped with their notes, users,
    /// associations and settings, so that their names are free again (the audit entry keeps
    /// them). `false` when it is not a booked order in scope.
    pub async fn cancel_order(&self, op: &Operator, number: &str) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT id, organisation_id FROM orders WHERE number = $1 AND state = $2 AND ($3 = 0 OR organisation_id = $3)",
        )
        .bind(number)
        .bind(OrderState::Prenotato.code())
        .bind(op.scope().sql_value())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            tx.rollback().await?;
            return Ok(false);
        };
        let order_id: i64 = row.try_get("id")?;
        let organisation_id: i64 = row.try_get("organisation_id")?;
        let done = sqlx::query("UPDATE orders SET state = $1 WHERE id = $2 AND state = $3")
            .bind(OrderState::Annullato.code())
            .bind(order_id)
            .bind(OrderState::Prenotato.code())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if done != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        let released: Vec<String> =
            sqlx::query("SELECT address FROM mailboxes WHERE order_id = $1 ORDER BY position")
                .bind(order_id)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| r.try_get("address"))
                .collect::<Result<_, _>>()?;
        // A booked mailbox never worked: what was attached to it goes with it; the activity
        // feed keeps its lines (on the order), the audit log keeps everything.
        const OF_ORDER: &str = "(SELECT id FROM mailboxes WHERE order_id = $1)";
        for sql in [
            format!("UPDATE activity SET mailbox_id = NULL WHERE mailbox_id IN {OF_ORDER}"),
            format!(
                "DELETE FROM mailbox_associations WHERE mailbox_id IN {OF_ORDER} OR other_id IN {OF_ORDER}"
            ),
            format!("DELETE FROM mailbox_notes WHERE mailbox_id IN {OF_ORDER}"),
            format!("DELETE FROM mailbox_users WHERE mailbox_id IN {OF_ORDER}"),
            format!("DELETE FROM mailbox_settings WHERE mailbox_id IN {OF_ORDER}"),
            format!("DELETE FROM activation_links WHERE mailbox_id IN {OF_ORDER}"),
            "DELETE FROM mailboxes WHERE order_id = $1".to_string(),
        ] {
            sqlx::query(&sql).bind(order_id).execute(&mut *tx).await?;
        }
        activity_in(
            &mut tx,
            Activity {
                kind: "ORDINE_ANNULLATO",
                organisation_id,
                order_id,
                mailbox_id: None,
                summary: format!("Ordine {number} annullato: {} caselle liberate", released.len()),
            },
        )
        .await?;
        let before = serde_json::json!({ "stato": OrderState::Prenotato.code(), "caselle": released });
        let after = serde_json::json!({ "stato": OrderState::Annullato.code() });
        audit_in(
            &mut tx,
            &AuditRecord::by(op, "ORDINE_ANNULLATO", "ordine", number)
                .before(before.to_string())
                .after(after.to_string()),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
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
            let (id, userid, address, order_id, organisation_id): (i64, String, String, i64, i64) = (
                r.try_get("id")?,
                r.try_get("userid")?,
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
    /// used or expired, sent e-mails (their bodies hold links) and drafts never confirmed, all
    /// older than `days`. The audit log keeps the record of what happened. Returns rows removed.
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
        ] {
            removed += sqlx::query(sql).bind(cutoff).execute(&self.pool).await?.rows_affected();
        }
        Ok(removed)
    }

    /// The latest events (orders, activations, state changes, passwords), newest first.
    pub async fn recent_activity(&self, scope: Scope, limit: i64) -> Result<Vec<ActivityEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT a.at, a.kind, a.summary, COALESCE(o.number, '') AS number, COALESCE(m.userid, '') AS userid \
             FROM activity a LEFT JOIN orders o ON o.id = a.order_id LEFT JOIN mailboxes m ON m.id = a.mailbox_id \
             WHERE $1 = 0 OR a.organisation_id = $1 ORDER BY a.id DESC LIMIT $2",
        )
        .bind(scope.sql_value())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ActivityEntry {
                    at: r.try_get("at")?,
                    kind: r.try_get("kind")?,
                    summary: r.try_get("summary")?,
                    order_number: r.try_get("number")?,
                    userid: r.try_get("userid")?,
                })
            })
            .collect()
    }

    /// "Ricerca": prefix match of `q` on address, userid, nickname, holder's codice fiscale and
    /// names, order number and reference; filters by state, customer and offer. Paged.
    pub async fn search(
        &self,
        scope: Scope,
        query: &SearchQuery,
        page: i64,
        per_page: i64,
    ) -> Result<Paged<SearchHit>, StoreError> {
        // Only the conditions that apply are written, so that the planner can use the prefix
        // indexes (a generic `($2 = '' OR ...)` keeps PostgreSQL on a full scan).
        let mut conditions: Vec<String> = Vec::new();
        let mut params: Vec<String> = Vec::new();
        let mut param = |value: String| {
            params.push(value);
            format!("${}", params.len())
        };
        if let Scope::Organisation(org) = scope {
            // An integer from the session, not user input.
            conditions.push(format!("o.organisation_id = {org}"));
        }
        let q = query.text.trim();
        if !q.is_empty() {
            // Stored forms: addresses and nicknames lower-case, codes upper-case, names as typed.
            // An order number is the start of its mailboxes' references (`10295763-001`).
            let lower = param(format!("{}%", escape_like(&q.to_lowercase())));
            let upper = param(format!("{}%", escape_like(&q.to_uppercase())));
            let like = |col: &str, p: &str| format!("{col} LIKE {p} ESCAPE '\\'");
            conditions.push(format!(
                "({})",
                [
                    like("m.address", &lower),
                    like("m.nickname", &lower),
                    like("m.userid", &upper),
                    like("m.tax_code", &upper),
                    like("m.reference", &upper),
                    like("UPPER(m.last_name)", &upper),
                    like("UPPER(m.first_name)", &upper),
                ]
                .join(" OR ")
            ));
        }
        for (column, value) in
            [("m.state", &query.state), ("c.name", &query.customer), ("f.code", &query.offer)]
        {
            if !value.trim().is_empty() {
                let p = param(value.trim().to_string());
                conditions.push(format!("{column} = {p}"));
            }
        }
        let filter =
            if conditions.is_empty() { String::new() } else { format!("WHERE {}", conditions.join(" AND ")) };
        const FROM: &str =
            "FROM mailboxes m JOIN orders o ON o.id = m.order_id JOIN customers c ON c.id = o.customer_id \
             JOIN offers f ON f.id = m.offer_id";
        let count_sql = format!("SELECT COUNT(*) {FROM} {filter}");
        let mut count = sqlx::query_scalar::<_, i64>(&count_sql);
        for p in &params {
            count = count.bind(p.clone());
        }
        let total = count.fetch_one(&self.pool).await?;
        let pages = ((total + per_page - 1) / per_page).max(1);
        let page = page.clamp(1, pages);
        let sql = format!(
            "SELECT m.userid, m.address, m.state, m.reference, m.first_name, m.last_name, m.tax_code, \
             o.number, c.name AS customer, f.name AS offer {FROM} {filter} ORDER BY m.id DESC LIMIT {per_page} OFFSET {}",
            (page - 1) * per_page
        );
        let mut rows = sqlx::query(&sql);
        for p in &params {
            rows = rows.bind(p.clone());
        }
        let rows = rows.fetch_all(&self.pool).await?;
        let items = rows
            .iter()
            .map(|r| {
                Ok(SearchHit {
                    userid: r.try_get("userid")?,
                    address: r.try_get("address")?,
                    state: r.try_get("state")?,
                    reference: r.try_get("reference")?,
                    holder: format!(
                        "{} {}",
                        r.try_get::<String, _>("first_name")?,
                        r.try_get::<String, _>("last_name")?
                    )
                    .trim()
                    .to_string(),
                    tax_code: r.try_get("tax_code")?,
                    order_number: r.try_get("number")?,
                    customer: r.try_get("customer")?,
                    offer: r.try_get("offer")?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(Paged { items, page, pages, total })
    }
}
