//! Renewals: renewal orders (RINNOVO) that extend mailboxes by their offer's duration from
//! their current expiry, all or nothing, once per request; the tacit renewal switch and the
//! hourly tacit renewal.

use super::*;
use crate::audit::{audit_many_in, AuditRecord};
use crate::lists::ListFilter;
use crate::orders::{bump, IN_CHUNK};
use pec_domain::auth::Operator;
use pec_domain::auth::Scope;
use pec_domain::lifecycle::Date;
use pec_domain::lists::Paged;
use pec_domain::renewals::RENEW_MAX;
use pec_domain::renewals::{renew, ExpiryQuery, ExpiryRow, RenewalRefused, LISTED_STATES};
use pec_domain::states::{MailboxState, OrderState};
use pec_domain::{OrderNumber, UserId};
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::BTreeMap;

/// Rows per `UPDATE … FROM (VALUES …)` (5 values each).
const UPDATE_CHUNK: usize = 200;

#[derive(Debug, thiserror::Error)]
pub enum RenewError {
    #[error("Nessuna casella selezionata")]
    Empty,
    #[error("Troppe caselle in un rinnovo: al massimo {RENEW_MAX}")]
    TooMany,
    /// Not in the operator's scope (or no longer there).
    #[error("Caselle non trovate: {}", .0.len())]
    NotFound(Vec<UserId>),
    /// Each mailbox that cannot be renewed, and why: nothing was renewed.
    #[error("Rinnovo rifiutato per {} caselle", .0.len())]
    Refused(Vec<(UserId, RenewalRefused)>),
    /// Another request renewed some of these mailboxes a moment ago: nothing was renewed.
    #[error("Alcune caselle sono state appena rinnovate da un'altra richiesta")]
    Conflict,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for RenewError {
    fn from(e: sqlx::Error) -> Self {
        if is_unique_violation(&e) {
            Self::Conflict
        } else {
            Self::Store(e.into())
        }
    }
}

/// One selected mailbox as read in the renewal's transaction.
struct Selected {
    id: i64,
    userid: UserId,
    state: MailboxState,
    expires: Option<Date>,
    months: u32,
    organisation_id: i64,
    customer_id: i64,
    offer_id: i64,
    /// Who placed the mailbox's order (the tacit renewal's orders are theirs).
    order_operator_id: i64,
}

/// The columns `selected_of` reads, from `mailboxes m JOIN orders o JOIN offers f`.
const SELECTED_COLUMNS: &str =
    "m.id, m.userid, m.state, m.expires_at, m.offer_id, f.months, o.organisation_id, \
     o.customer_id, o.operator_id AS order_operator_id";

fn selected_of(r: &AnyRow) -> Result<Selected, StoreError> {
    let expires: Option<String> = r.try_get("expires_at")?;
    Ok(Selected {
        id: r.try_get("id")?,
        userid: crate::user_id_of(r, "userid")?,
        state: code_of(r, "state", MailboxState::from_code)?,
        expires: expires.as_deref().and_then(Date::parse_iso),
        months: u32::try_from(r.try_get::<i64, _>("months")?).unwrap_or(12),
        organisation_id: r.try_get("organisation_id")?,
        customer_id: r.try_get("customer_id")?,
        offer_id: r.try_get("offer_id")?,
        order_operator_id: r.try_get("order_operator_id")?,
    })
}

/// Who renews: an operator ("Rinnova selezionate"), or the hourly tacit renewal.
pub(crate) enum Renewer<'a> {
    Operator(&'a Operator),
    Tacit,
}

/// The expiry list's condition; `$1` scope, `$2`..`$8` from `expiry_binds`.
fn expiry_condition() -> String {
    let listed: Vec<String> = LISTED_STATES.iter().map(|s| format!("'{}'", s.code())).collect();
    format!(
        "($1 = 0 OR o.organisation_id = $1) AND m.expires_at >= $2 AND m.expires_at <= $3 \
         AND (($4 = '' AND m.state IN ({})) OR m.state = $4) \
         AND ($5 = '' OR c.name_key LIKE $5 ESCAPE '\\') AND ($6 = '' OR f.code = $6) \
         AND ($7 = '' OR m.address LIKE $7 ESCAPE '\\') AND ($8 < 0 OR m.tacit_renewal = $8)",
        listed.join(", ")
    )
}

const EXPIRY_FROM: &str = "FROM mailboxes m JOIN orders o ON o.id = m.order_id \
     JOIN customers c ON c.id = o.customer_id JOIN offers f ON f.id = m.offer_id";

fn expiry_query<'q>(
    sql: &'q str,
    scope: Scope,
    q: &ExpiryQuery,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    let state = match q.states.as_slice() {
        [one] => one.code(),
        _ => "",
    };
    let filter = ListFilter { from: q.from, to: q.to, state, customer: &q.customer, offer: &q.offer };
    filter.bind(sql, scope, q.domain.as_deref()).bind(q.tacit.map(i64::from).unwrap_or(-1))
}

fn expiry_row(r: &AnyRow) -> Result<ExpiryRow, StoreError> {
    Ok(ExpiryRow {
        userid: UserId::from_stored(r.try_get("userid")?),
        address: r.try_get("address")?,
        description: r.try_get("description")?,
        customer: r.try_get("customer")?,
        offer: r.try_get("offer")?,
        order_number: OrderNumber::from_stored(r.try_get("number")?),
        state: code_of(r, "state", MailboxState::from_code)?,
        expires_at: code_of(r, "expires_at", Date::parse_iso)?,
        tacit: r.try_get::<i64, _>("tacit_renewal")? != 0,
    })
}

const EXPIRY_COLUMNS: &str =
    "m.userid, m.address, m.description, c.name AS customer, f.name AS offer, o.number, m.state, m.expires_at, m.tacit_renewal";

const EXPIRY_LIST: crate::lists::RowList = crate::lists::RowList {
    columns: EXPIRY_COLUMNS,
    from: EXPIRY_FROM,
    condition: expiry_condition,
    order: "m.expires_at, m.userid",
};

/// Renews the mailboxes `found` (read in this transaction) on `today`: all or none
/// (`Refused`), one renewal order per organisation, customer, offer and ordering operator; a
/// mailbox changed meanwhile by another transaction gives `Conflict`. The caller commits.
async fn apply_renewals(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    renewer: Renewer<'_>,
    found: &[Selected],
    today: Date,
    grace: i64,
    request_key: Option<&str>,
) -> Result<Vec<OrderNumber>, RenewError> {
    // Every mailbox must be renewable, or none is renewed.
    let mut refused = Vec::new();
    let mut renewed = Vec::with_capacity(found.len());
    for s in found {
        let outcome = match s.expires {
            Some(expires) => renew(s.state, expires, s.months, today, grace).map(|r| (expires, r)),
            None => Err(RenewalRefused::State(s.state)),
        };
        match outcome {
            Ok(r) => renewed.push(r),
            Err(e) => refused.push((s.userid.clone(), e)),
        }
    }
    if !refused.is_empty() {
        return Err(RenewError::Refused(refused));
    }

    // One order per organisation, customer and offer, as activation orders are.
    let mut groups: BTreeMap<(i64, i64, i64, i64), Vec<usize>> = BTreeMap::new();
    for (i, s) in found.iter().enumerate() {
        let by = match renewer {
            Renewer::Operator(op) => op.id,
            Renewer::Tacit => s.order_operator_id,
        };
        groups.entry((s.organisation_id, s.customer_id, s.offer_id, by)).or_default().push(i);
    }
    let mut numbers = Vec::with_capacity(groups.len());
    let mut order_of = vec![0i64; found.len()];
    for ((organisation_id, customer_id, offer_id, operator_id), members) in &groups {
        let last_expiry = members.iter().map(|i| renewed[*i].1.expires.year).max().unwrap_or(today.year);
        let head = RenewalOrder {
            organisation_id: *organisation_id,
            operator_id: *operator_id,
            customer_id: *customer_id,
            offer_id: *offer_id,
            last_expiry,
            request_key,
            what: "caselle",
            count: members.len(),
        };
        let (order_id, number) = renewal_order_in(tx, &renewer, &head).await?;
        for i in members {
            order_of[*i] = order_id;
        }
        numbers.push(number);
    }

    // Each mailbox moves only from the expiry and state just read: a concurrent renewal
    // leaves fewer rows changed than selected, and everything is undone.
    let rows: Vec<usize> = (0..found.len()).collect();
    let mut changed = 0u64;
    for chunk in rows.chunks(UPDATE_CHUNK) {
        let values: Vec<String> = (0..chunk.len())
            .map(|k| {
                format!("(${}, ${}, ${}, ${}, ${})", k * 5 + 1, k * 5 + 2, k * 5 + 3, k * 5 + 4, k * 5 + 5)
            })
            .collect();
        let sql = format!(
            "UPDATE mailboxes SET expires_at = v.column3, invoice_expires_at = v.column3, state = v.column5 \
             FROM (VALUES {}) AS v WHERE mailboxes.id = v.column1 AND mailboxes.expires_at = v.column2 \
             AND mailboxes.state = v.column4",
            values.join(", ")
        );
        let mut q = sqlx::query(AssertSqlSafe(&*sql));
        for i in chunk {
            let (from, r) = &renewed[*i];
            q = q
                .bind(found[*i].id)
                .bind(from.iso())
                .bind(r.expires.iso())
                .bind(found[*i].state.code())
                .bind(r.state.code());
        }
        changed += q.execute(&mut **tx).await?.rows_affected();
    }
    if changed != found.len() as u64 {
        return Err(RenewError::Conflict);
    }
    for chunk in rows.chunks(crate::orders::INSERT_CHUNK) {
        let values: Vec<String> = (0..chunk.len())
            .map(|k| {
                let p: Vec<String> = (1..=6).map(|c| format!("${}", k * 6 + c)).collect();
                format!("({})", p.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO renewals (order_id, mailbox_id, from_expiry, to_expiry, from_state, to_state) VALUES {}",
            values.join(", ")
        );
        let mut q = sqlx::query(AssertSqlSafe(&*sql));
        for i in chunk {
            let (from, r) = &renewed[*i];
            q = q
                .bind(order_of[*i])
                .bind(found[*i].id)
                .bind(from.iso())
                .bind(r.expires.iso())
                .bind(found[*i].state.code())
                .bind(r.state.code());
        }
        q.execute(&mut **tx).await?;
    }
    // "Storia servizi" of each mailbox.
    let number_of: BTreeMap<i64, &OrderNumber> = groups
        .values()
        .zip(&numbers)
        .filter_map(|(members, n)| members.first().map(|i| (order_of[*i], n)))
        .collect();
    let records: Vec<AuditRecord> = found
        .iter()
        .zip(&renewed)
        .enumerate()
        .map(|(i, (s, (from, r)))| {
            let number = number_of.get(&order_of[i]).map(|n| n.as_str()).unwrap_or_default();
            renewer
                .record("RINNOVO", "casella", s.userid.as_str(), s.organisation_id)
                .before(serde_json::json!({ "stato": s.state.code(), "scadenza": from.iso() }).to_string())
                .after(
                    serde_json::json!({ "stato": r.state.code(), "scadenza": r.expires.iso(), "ordine": number })
                        .to_string(),
                )
        })
        .collect();
    audit_many_in(tx, &records).await?;
    Ok(numbers)
}

/// What a renewal order is made of: whose, for which offer, and what it renews.
pub(crate) struct RenewalOrder<'a> {
    pub organisation_id: i64,
    pub operator_id: i64,
    pub customer_id: i64,
    pub offer_id: i64,
    /// The latest new expiry's year (the order's "Anno scadenza").
    pub last_expiry: i32,
    pub request_key: Option<&'a str>,
    /// "caselle" or "prodotti", for the history's summary.
    pub what: &'static str,
    pub count: usize,
}

/// A renewal order (RINNOVO, already EVASO: nothing to sign) with its activity and audit
/// lines, in the caller's transaction: its id and number.
pub(crate) async fn renewal_order_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    renewer: &Renewer<'_>,
    o: &RenewalOrder<'_>,
) -> Result<(i64, OrderNumber), RenewError> {
    let number = bump(tx, "order_number", 1).await?;
    let number = OrderNumber::numbered(number);
    let order_id: i64 = sqlx::query(
        "INSERT INTO orders (number, organisation_id, operator_id, customer_id, offer_id, customer_kind, \
         legal_rep_cf, contact_email, consent, contract, customer_po, expiry_year, state, created_at, kind, request_key, \
         line_count) \
         SELECT $1, $2, $3, c.id, $5, c.kind, c.legal_rep_cf, c.contact_email, 1, 0, '', $6, $7, $8, 'RINNOVO', $9, $10 \
         FROM customers c WHERE c.id = $4 RETURNING id",
    )
    .bind(number.as_str())
    .bind(o.organisation_id)
    .bind(o.operator_id)
    .bind(o.customer_id)
    .bind(o.offer_id)
    .bind(i64::from(o.last_expiry))
    .bind(OrderState::Evaso.code())
    .bind(now())
    .bind(o.request_key)
    // Its lines, one per renewed mailbox or product, are inserted next by the caller.
    .bind(o.count as i64)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    crate::audit::activity_in(
        tx,
        crate::audit::Activity {
            kind: "ORDINE_RINNOVO",
            organisation_id: o.organisation_id,
            order_id,
            mailbox_id: None,
            summary: format!("Ordine {number}: rinnovo di {} {}", o.count, o.what),
        },
    )
    .await?;
    let after = serde_json::json!({ "numero": number, "tipo": "RINNOVO", (o.what): o.count });
    crate::audit::audit_in(
        tx,
        &renewer
            .record("ORDINE_RINNOVO", "ordine", number.as_str(), o.organisation_id)
            .after(after.to_string()),
    )
    .await?;
    Ok((order_id, number))
}

/// The selection of a renewal, each item once, bounded before anything is read.
pub(crate) fn selection<T: Ord>(mut items: Vec<T>) -> Result<Vec<T>, RenewError> {
    items.sort();
    items.dedup();
    if items.is_empty() {
        return Err(RenewError::Empty);
    }
    if items.len() > RENEW_MAX {
        return Err(RenewError::TooMany);
    }
    Ok(items)
}

/// A renewal request ("Rinnova selezionate") claimed by its key, or the orders it made before.
pub(crate) enum Claim {
    /// First time: the write transaction to renew in, and the key the orders carry.
    Claimed(sqlx::Transaction<'static, sqlx::Any>, String),
    /// The same request again (double click, retry): its orders.
    Done(Vec<OrderNumber>),
}

impl Store {
    /// Claims request `key` of `op` first thing in a write transaction: a second copy queues
    /// here and then finds the first one's orders. The key is the operator's own: a key sent by
    /// someone else (copied, guessed) names another request, never answers this one's orders.
    pub(crate) async fn claim_renewal(&self, op: &Operator, key: &str) -> Result<Claim, RenewError> {
        let key = format!("{}:{key}", op.id);
        let mut tx = self.begin_write().await?;
        let claimed = sqlx::query(
            "INSERT INTO renewal_requests (request_key, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(&key)
        .bind(now())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if claimed == 0 {
            tx.rollback().await?;
            return Ok(Claim::Done(self.renewal_orders_of(&key).await?));
        }
        Ok(Claim::Claimed(tx, key))
    }
}

impl Renewer<'_> {
    /// An audit line by this renewer, filed under the mailbox's organisation.
    fn record(&self, action: &str, object_type: &str, object_id: &str, organisation_id: i64) -> AuditRecord {
        match self {
            Renewer::Operator(op) => AuditRecord::by(op, action, object_type, object_id),
            Renewer::Tacit => AuditRecord::anonymous("sistema", action, object_type, object_id),
        }
        .in_organisation(organisation_id)
    }
}

impl Store {
    /// One page of "Gestione scadenze caselle", by expiry date.
    pub async fn expiry_page(
        &self,
        scope: Scope,
        q: &ExpiryQuery,
        page: i64,
        per_page: i64,
    ) -> Result<Paged<ExpiryRow>, StoreError> {
        let (count, rows) = EXPIRY_LIST.page_sql();
        let count = expiry_query(&count, scope, q);
        self.page_of(count, expiry_query(&rows, scope, q), page, per_page, expiry_row).await
    }

    /// Every row of the filter up to `limit` (the export; "Seleziona tutte le N").
    pub async fn expiry_rows(
        &self,
        scope: Scope,
        q: &ExpiryQuery,
        limit: i64,
    ) -> Result<Vec<ExpiryRow>, StoreError> {
        let sql = EXPIRY_LIST.rows_sql();
        let rows = expiry_query(&sql, scope, q).bind(limit).fetch_all(&self.pool).await?;
        rows.iter().map(expiry_row).collect()
    }

    /// Renews `userids` (in the operator's scope) on `today`: one renewal order per
    /// organisation, customer and offer, each mailbox extended by its offer's duration from its
    /// current expiry, in one transaction. `request_key` names the request: sent again, it
    /// answers the orders it made instead of renewing twice.
    pub async fn renew_mailboxes(
        &self,
        op: &Operator,
        userids: &[UserId],
        today: Date,
        request_key: &str,
    ) -> Result<Vec<OrderNumber>, RenewError> {
        let wanted = selection(userids.iter().collect())?;
        let (mut tx, request_key) = match self.claim_renewal(op, request_key).await? {
            Claim::Claimed(tx, key) => (tx, key),
            Claim::Done(numbers) => return Ok(numbers),
        };
        let request_key = request_key.as_str();
        let grace = crate::settings::settings_in(&mut tx).await?.renewal_grace_days;

        let mut found = Vec::with_capacity(wanted.len());
        for chunk in wanted.chunks(IN_CHUNK) {
            let params: Vec<String> = (2..chunk.len() + 2).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT {SELECTED_COLUMNS} FROM mailboxes m JOIN orders o ON o.id = m.order_id \
                 JOIN offers f ON f.id = m.offer_id WHERE ($1 = 0 OR o.organisation_id = $1) AND m.userid IN ({})",
                params.join(", ")
            );
            let mut q = sqlx::query(AssertSqlSafe(&*sql)).bind(op.scope().sql_value());
            for u in chunk {
                q = q.bind(u.as_str());
            }
            for r in q.fetch_all(&mut *tx).await? {
                found.push(selected_of(&r)?);
            }
        }
        if found.len() != wanted.len() {
            let seen: std::collections::BTreeSet<&str> = found.iter().map(|s| s.userid.as_str()).collect();
            let missing =
                wanted.iter().filter(|u| !seen.contains(u.as_str())).map(|u| (*u).clone()).collect();
            tx.rollback().await?;
            return Err(RenewError::NotFound(missing));
        }

        let numbers =
            apply_renewals(&mut tx, Renewer::Operator(op), &found, today, grace, Some(request_key)).await?;
        tx.commit().await?;
        self.analyze_after_bulk(found.len(), "mailboxes, renewals").await;
        Ok(numbers)
    }

    /// The hourly tacit renewal: ATTIVA mailboxes with tacit renewal on whose expiry day has
    /// come are renewed instead of expiring (before `expire_due` runs). Another process doing
    /// the same at once makes this run change nothing (the conditional update), and a second
    /// run finds nothing due. Answers how many were renewed.
    pub async fn renew_tacit_due(&self, today: Date) -> Result<usize, StoreError> {
        self.renew_tacit_due_in_batches(today, RENEW_MAX as i64).await
    }

    /// `renew_tacit_due` in transactions of at most `batch` mailboxes, until none is due:
    /// the job runs right before `expire_due`, which must not find a tacit mailbox left over.
    pub async fn renew_tacit_due_in_batches(&self, today: Date, batch: i64) -> Result<usize, StoreError> {
        let mut renewed = 0;
        loop {
            let mut tx = self.begin_write().await?;
            let rows = sqlx::query(AssertSqlSafe(format!(
                "SELECT {SELECTED_COLUMNS} FROM mailboxes m JOIN orders o ON o.id = m.order_id \
                 JOIN offers f ON f.id = m.offer_id WHERE m.tacit_renewal = 1 AND m.state = $1 AND m.expires_at <= $2 \
                 ORDER BY m.id LIMIT $3"
            )))
            .bind(MailboxState::Attiva.code())
            .bind(today.iso())
            .bind(batch)
            .fetch_all(&mut *tx)
            .await?;
            let found = rows.iter().map(selected_of).collect::<Result<Vec<_>, _>>()?;
            if found.is_empty() {
                return Ok(renewed);
            }
            let grace = crate::settings::settings_in(&mut tx).await?.renewal_grace_days;
            match apply_renewals(&mut tx, Renewer::Tacit, &found, today, grace, None).await {
                Ok(_) => {
                    tx.commit().await?;
                    renewed += found.len();
                }
                // Renewed a moment ago by another process, which carries on.
                Err(RenewError::Conflict) => return Ok(renewed),
                Err(RenewError::Store(e)) => return Err(e),
                Err(e) => return Err(StoreError::Corrupt(format!("tacit renewal: {e}"))),
            }
        }
    }

    /// Expiry reminders due on `today` (hourly): for each ATTIVA or SOSPESA mailbox whose
    /// nearest reminder window (Impostazioni) has been reached, one e-mail to its "Email
    /// gestione password" and one to the customer's contact, queued in the outbox once per
    /// mailbox, expiry and window (the `reminders` key decides, whichever process runs).
    /// Answers how many mailboxes were reminded.
    pub async fn queue_reminders(&self, today: Date) -> Result<usize, StoreError> {
        self.queue_reminders_in_batches(today, 1000).await
    }

    /// `queue_reminders` through every candidate, `batch` mailboxes a transaction (by id, so
    /// that those reminded already never hold back the others).
    pub async fn queue_reminders_in_batches(&self, today: Date, batch: i64) -> Result<usize, StoreError> {
        let mut reminded = 0;
        let mut after = 0i64;
        loop {
            let (n, last) = self.queue_reminder_batch(today, after, batch).await?;
            reminded += n;
            match last {
                Some(id) => after = id,
                None => return Ok(reminded),
            }
        }
    }

    /// One batch of reminders among mailboxes with an id above `after`: how many were
    /// reminded, and the last id looked at (`None` when there were no more).
    async fn queue_reminder_batch(
        &self,
        today: Date,
        after: i64,
        batch: i64,
    ) -> Result<(usize, Option<i64>), StoreError> {
        let mut tx = self.begin_write().await?;
        let windows = crate::settings::settings_in(&mut tx).await?.reminder_days;
        let widest = windows.iter().copied().max().unwrap_or(0);
        let rows = sqlx::query(
            "SELECT m.id, m.userid, m.address, m.password_email, m.expires_at, m.tacit_renewal, c.contact_email \
             FROM mailboxes m JOIN orders o ON o.id = m.order_id JOIN customers c ON c.id = o.customer_id \
             WHERE m.state IN ($1, $2) AND m.expires_at >= $3 AND m.expires_at <= $4 AND m.id > $5 \
             ORDER BY m.id LIMIT $6",
        )
        .bind(MailboxState::Attiva.code())
        .bind(MailboxState::Sospesa.code())
        .bind(today.iso())
        .bind(today.add_days(widest).iso())
        .bind(after)
        .bind(batch)
        .fetch_all(&mut *tx)
        .await?;
        let Some(last) = rows.last().map(|r| r.try_get::<i64, _>("id")).transpose()? else {
            return Ok((0, None));
        };
        let sent_at = now();
        let mut reminded = 0;
        for r in &rows {
            let expires_at: String = r.try_get("expires_at")?;
            let Some(expires) = Date::parse_iso(&expires_at) else { continue };
            let Some(window) = pec_domain::renewals::due_reminder(expires, today, &windows) else { continue };
            let id: i64 = r.try_get("id")?;
            let claimed = sqlx::query(
                "INSERT INTO reminders (mailbox_id, expires_at, window_days, sent_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(&expires_at)
            .bind(window)
            .bind(&sent_at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if claimed == 0 {
                continue;
            }
            let (address, userid): (String, String) = (r.try_get("address")?, r.try_get("userid")?);
            let tacit = r.try_get::<i64, _>("tacit_renewal")? != 0;
            let days = today.days_until(expires);
            let (subject, body) =
                pec_domain::renewals::reminder_mail(&address, &userid, expires, days, tacit);
            let holder: String = r.try_get("password_email")?;
            let contact: String = r.try_get("contact_email")?;
            let mut recipients = vec![holder];
            if !contact.is_empty() && !recipients.iter().any(|h| h.eq_ignore_ascii_case(&contact)) {
                recipients.push(contact);
            }
            for recipient in recipients {
                let mail = crate::outbox::Mail { recipient, subject: subject.clone(), body: body.clone() };
                crate::outbox::queue_in(&mut tx, &mail).await?;
            }
            reminded += 1;
        }
        tx.commit().await?;
        Ok((reminded, Some(last)))
    }

    /// The renewal orders a request made.
    pub(crate) async fn renewal_orders_of(&self, request_key: &str) -> Result<Vec<OrderNumber>, StoreError> {
        let numbers: Vec<String> =
            sqlx::query_scalar("SELECT number FROM orders WHERE request_key = $1 ORDER BY number")
                .bind(request_key)
                .fetch_all(&self.pool)
                .await?;
        Ok(numbers.into_iter().map(OrderNumber::from_stored).collect())
    }

    /// Tacit renewal on or off for `userids` in the operator's scope; answers how many
    /// changed. Audited per mailbox.
    pub async fn set_tacit_renewal(
        &self,
        op: &Operator,
        userids: &[UserId],
        on: bool,
    ) -> Result<usize, StoreError> {
        let mut tx = self.begin_write().await?;
        let mut changed = Vec::new();
        for chunk in userids.chunks(IN_CHUNK) {
            let params: Vec<String> = (3..chunk.len() + 3).map(|i| format!("${i}")).collect();
            let sql = format!(
                "UPDATE mailboxes SET tacit_renewal = $1 WHERE tacit_renewal <> $1 AND userid IN ({}) \
                 AND order_id IN (SELECT id FROM orders WHERE $2 = 0 OR organisation_id = $2) \
                 RETURNING userid, (SELECT organisation_id FROM orders o WHERE o.id = mailboxes.order_id) AS organisation_id",
                params.join(", ")
            );
            let mut q = sqlx::query(AssertSqlSafe(&*sql)).bind(i64::from(on)).bind(op.scope().sql_value());
            for u in chunk {
                q = q.bind(u.as_str());
            }
            for r in q.fetch_all(&mut *tx).await? {
                changed.push((r.try_get::<String, _>("userid")?, r.try_get::<i64, _>("organisation_id")?));
            }
        }
        // Filed under the mailbox's organisation, where its administrators read it.
        let records: Vec<AuditRecord> = changed
            .iter()
            .map(|(u, organisation_id)| {
                AuditRecord::by(op, "RINNOVO_TACITO", "casella", u)
                    .in_organisation(*organisation_id)
                    .before(serde_json::json!({ "rinnovo_tacito": !on }).to_string())
                    .after(serde_json::json!({ "rinnovo_tacito": on }).to_string())
            })
            .collect();
        audit_many_in(&mut tx, &records).await?;
        tx.commit().await?;
        Ok(changed.len())
    }
}
