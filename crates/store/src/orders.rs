//! Orders: booking one from a draft (numbers, userids, mailboxes, in one transaction), reading
//! them, cancelling a booked one.

use super::*;
use pec_domain::auth::Operator;
use pec_domain::auth::Scope;
use pec_domain::lists::PageOf;
use pec_domain::lists::Paged;
use pec_domain::lists::LIST_PAGE_ROWS;
use pec_domain::orders::ContractSignature;
use pec_domain::orders::MailboxRow;
use pec_domain::orders::OrderDetail;
use pec_domain::orders::OrderSummary;
use pec_domain::states::OrderKind;
use pec_domain::CustomerKind;
use pec_domain::MailboxState;
use pec_domain::OrderState;
use pec_domain::ValidOrder;
use pec_domain::{DraftId, OrderNumber, UserId};
use sqlx::Any;
use sqlx::AnyConnection;
use sqlx::Row;
use sqlx::Transaction;
use std::collections::BTreeSet;

/// Why an order could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum CreateOrderError {
    /// Addresses or nicknames taken by someone else (possibly a moment ago).
    #[error("nomi già in uso")]
    Taken { addresses: BTreeSet<String>, nicknames: BTreeSet<String> },
    #[error("bozza non trovata")]
    DraftNotFound,
    #[error("offerta non trovata: {0}")]
    UnknownOffer(String),
    #[error("numerazione degli userid esaurita")]
    UseridsExhausted,
    /// A domain of the order was suspended, dismissed or removed since the draft was checked.
    #[error("dominio non più utilizzabile: {0}")]
    UnusableDomain(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for CreateOrderError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(StoreError::Db(e))
    }
}

/// Domain `$2` if scope `$1` may create mailboxes on it now, as step 2 checked it
/// (`usable_domains`): certified, and the organisation's own or the provider's (shared).
const USABLE_DOMAIN: &str = "SELECT d.id FROM domains d WHERE d.name = $2 AND d.state = 'CERTIFICATO' \
     AND ($1 = 0 OR d.organisation_id = $1 \
     OR (SELECT kind FROM organisations WHERE id = d.organisation_id) = 'FORNITORE')";

/// Rows per multi-row INSERT: well under both databases' parameter limits.
pub(crate) const INSERT_CHUNK: usize = 50;

/// The multi-row INSERT of `rows` new mailboxes (14 values each, in this order): the order
/// path's, and the benchmark's raw yardstick.
pub(crate) fn insert_mailboxes_sql(rows: usize) -> String {
    const COLS: usize = 14;
    let mut sql = String::from(
        "INSERT INTO mailboxes (order_id, position, userid, reference, address, description, \
         password_email, first_name, last_name, tax_code, nickname, offer_id, state, created_at) VALUES ",
    );
    for k in 0..rows {
        let p: Vec<String> = (1..=COLS).map(|c| format!("${}", k * COLS + c)).collect();
        sql.push_str(if k == 0 { "(" } else { ", (" });
        sql.push_str(&p.join(", "));
        sql.push(')');
    }
    sql
}

/// Values per `IN (...)` list.
pub(crate) const IN_CHUNK: usize = 500;

/// Makes `orders.line_count` (the number Attività recenti shows: an order's mailboxes, or a
/// renewal's mailboxes and products) true again after the order's lines changed, in the
/// caller's transaction. Counted from the lines themselves, so it cannot drift.
pub(crate) async fn recount_lines_in(conn: &mut AnyConnection, order_id: i64) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE orders SET line_count = \
         (SELECT COUNT(*) FROM mailboxes m WHERE m.order_id = $1) \
         + (SELECT COUNT(*) FROM renewals r WHERE r.order_id = $1) \
         + (SELECT COUNT(*) FROM product_renewals pr WHERE pr.order_id = $1) \
         WHERE id = $1",
    )
    .bind(order_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Orders of at least this many mailboxes refresh PostgreSQL's statistics.
pub(crate) const ANALYZE_FROM: usize = 1000;

/// Which of `values` appear in column `column` of mailboxes. `column` is one of ours, never input.
pub(crate) async fn existing(
    conn: &mut AnyConnection,
    column: &'static str,
    values: &[String],
) -> Result<BTreeSet<String>, StoreError> {
    let mut found = BTreeSet::new();
    for chunk in values.chunks(IN_CHUNK) {
        let params: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!("SELECT {column} AS v FROM mailboxes WHERE {column} IN ({})", params.join(", "));
        let mut q = sqlx::query(AssertSqlSafe(&*sql));
        for v in chunk {
            q = q.bind(v.clone());
        }
        for row in q.fetch_all(&mut *conn).await? {
            found.insert(row.try_get("v")?);
        }
    }
    Ok(found)
}

/// Adds `by` to a counter and returns its new value (the last number allocated).
pub(crate) async fn bump(tx: &mut Transaction<'_, Any>, name: &str, by: i64) -> Result<i64, StoreError> {
    Ok(sqlx::query("UPDATE counters SET value = value + $1 WHERE name = $2 RETURNING value")
        .bind(by)
        .bind(name)
        .fetch_one(&mut **tx)
        .await?
        .try_get("value")?)
}

/// The customer of an order, found by name (case-insensitive) in the organisation, or created.
pub(crate) async fn upsert_customer(
    tx: &mut Transaction<'_, Any>,
    order: &ValidOrder,
    organisation_id: i64,
    t: &str,
) -> Result<i64, StoreError> {
    let key = order.customer_name.to_lowercase();
    sqlx::query(
        "INSERT INTO customers (organisation_id, name, name_key, kind, legal_rep_cf, contact_email, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (organisation_id, name_key) DO NOTHING",
    )
    .bind(organisation_id)
    .bind(&order.customer_name)
    .bind(&key)
    .bind(order.customer_kind.code())
    .bind(&order.legal_rep_cf)
    .bind(&order.contact_email)
    .bind(t)
    .execute(&mut **tx)
    .await?;
    Ok(sqlx::query("SELECT id FROM customers WHERE organisation_id = $1 AND name_key = $2")
        .bind(organisation_id)
        .bind(&key)
        .fetch_one(&mut **tx)
        .await?
        .try_get("id")?)
}

impl Store {
    /// Which of the given (normalised) addresses and nicknames already exist.
    pub async fn taken(
        &self,
        addresses: &[String],
        nicknames: &[String],
    ) -> Result<(BTreeSet<String>, BTreeSet<String>), StoreError> {
        let mut conn = self.pool.acquire().await?;
        let a = existing(&mut conn, "address", addresses).await?;
        let n = existing(&mut conn, "nickname", nicknames).await?;
        Ok((a, n))
    }

    /// Stores the order of a draft in one transaction and returns its number. Confirming the
    /// same draft again returns the same number (double click, retry, back button).
    pub async fn create_order(
        &self,
        draft_id: &DraftId,
        order: &ValidOrder,
        operator: &Operator,
    ) -> Result<OrderNumber, CreateOrderError> {
        let created = self.try_create_order(draft_id, order, operator).await;
        // After a bulk order PostgreSQL's statistics still describe the smaller table, and its
        // planner then scans instead of using the unique indexes for the next availability
        // checks (measured: 283 ms for the first 10,000-mailbox order, 4.8 s for the second).
        if created.is_ok() {
            self.analyze_after_bulk(order.mailboxes.len(), "mailboxes").await;
        }
        match created {
            Err(CreateOrderError::Store(StoreError::Db(e))) if is_unique_violation(&e) => {
                // Someone else took a name between our check and our insert: find which.
                let (addresses, nicknames) = self.order_names_taken(order).await?;
                if addresses.is_empty() && nicknames.is_empty() {
                    // The conflict was on the draft itself: a concurrent confirmation won.
                    if let Some(number) = self.draft_order_number(draft_id).await? {
                        return Ok(number);
                    }
                    return Err(StoreError::Db(e).into());
                }
                Err(CreateOrderError::Taken { addresses, nicknames })
            }
            other => other,
        }
    }

    async fn draft_order_number(&self, draft_id: &DraftId) -> Result<Option<OrderNumber>, StoreError> {
        Ok(self.load_draft(draft_id).await?.and_then(|d| d.order_number))
    }

    async fn order_names_taken(
        &self,
        order: &ValidOrder,
    ) -> Result<(BTreeSet<String>, BTreeSet<String>), StoreError> {
        let addresses: Vec<String> = order.mailboxes.iter().map(|m| m.address.clone()).collect();
        let nicknames: Vec<String> = order.mailboxes.iter().filter_map(|m| m.nickname.clone()).collect();
        self.taken(&addresses, &nicknames).await
    }

    async fn try_create_order(
        &self,
        draft_id: &DraftId,
        order: &ValidOrder,
        operator: &Operator,
    ) -> Result<OrderNumber, CreateOrderError> {
        let t = now();
        let mut tx = self.begin_write().await?;
        // Claim the draft first: a write, so that concurrent confirmations of the same draft
        // queue here (row lock on PostgreSQL, write lock on SQLite) and the loser sees the order.
        let claimed = sqlx::query("UPDATE drafts SET updated_at = $1 WHERE id = $2 AND order_id IS NULL")
            .bind(&t)
            .bind(draft_id.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if claimed == 0 {
            tx.rollback().await?;
            return self.draft_order_number(draft_id).await?.ok_or(CreateOrderError::DraftNotFound);
        }
        // The order belongs to the organisation whose draft it is, whoever confirms it (a
        // provider may confirm a reseller's draft).
        let organisation_id: i64 = sqlx::query_scalar(
            "SELECT p.organisation_id FROM drafts d JOIN operators p ON p.id = d.operator_id WHERE d.id = $1",
        )
        .bind(draft_id.as_str())
        .fetch_one(&mut *tx)
        .await?;

        let addresses: Vec<String> = order.mailboxes.iter().map(|m| m.address.clone()).collect();
        let nicknames: Vec<String> = order.mailboxes.iter().filter_map(|m| m.nickname.clone()).collect();
        let taken_a = existing(&mut tx, "address", &addresses).await?;
        let taken_n = existing(&mut tx, "nickname", &nicknames).await?;
        if !taken_a.is_empty() || !taken_n.is_empty() {
            tx.rollback().await?;
            return Err(CreateOrderError::Taken { addresses: taken_a, nicknames: taken_n });
        }

        // Active and allowed to the organisation at this moment (an offer may have been
        // deactivated since the draft was checked).
        let offer_id = crate::offers::usable_offer_id(&mut tx, organisation_id, &order.offer)
            .await?
            .ok_or_else(|| CreateOrderError::UnknownOffer(order.offer.clone()))?;
        // Likewise each domain: certified and usable now, and kept so (FOR SHARE) until the
        // mailboxes are stored, so that suspending or dismissing it waits for this order.
        let domains: BTreeSet<&str> =
            order.mailboxes.iter().filter_map(|m| m.address.rsplit_once('@').map(|(_, d)| d)).collect();
        let usable = format!("{USABLE_DOMAIN}{}", self.lock_clause(" FOR SHARE OF d"));
        for domain in domains {
            let found: Option<i64> = sqlx::query_scalar(AssertSqlSafe(&*usable))
                .bind(operator.scope().sql_value())
                .bind(domain)
                .fetch_optional(&mut *tx)
                .await?;
            if found.is_none() {
                tx.rollback().await?;
                return Err(CreateOrderError::UnusableDomain(domain.to_string()));
            }
        }

        let number = bump(&mut tx, "order_number", 1).await?;
        let number = OrderNumber::numbered(number);
        let count = order.mailboxes.len() as i64;
        let last_userid = bump(&mut tx, "userid", count).await?;
        let first_userid = last_userid - count + 1;
        if last_userid > pec_domain::ids::USERID_MAX {
            tx.rollback().await?;
            return Err(CreateOrderError::UseridsExhausted);
        }
        let prefix: String = sqlx::query("SELECT value FROM settings WHERE key = 'userid_prefix'")
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.try_get("value"))
            .transpose()?
            .unwrap_or_else(|| "PEC".into());

        let customer_id = upsert_customer(&mut tx, order, organisation_id, &t).await?;
        let order_id: i64 = sqlx::query(
            "INSERT INTO orders (number, organisation_id, operator_id, customer_id, offer_id, customer_kind, \
             legal_rep_cf, contact_email, consent, contract, customer_po, expiry_year, state, created_at, line_count) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10, $11, $12, $13, $14) RETURNING id",
        )
        .bind(number.as_str())
        .bind(organisation_id)
        .bind(operator.id)
        .bind(customer_id)
        .bind(offer_id)
        .bind(order.customer_kind.code())
        .bind(&order.legal_rep_cf)
        .bind(&order.contact_email)
        .bind(i64::from(order.consent))
        .bind(&order.customer_po)
        .bind(i64::from(order.expiry_year))
        .bind(OrderState::Prenotato.code())
        .bind(&t)
        // Its lines are the mailboxes inserted next, in this transaction.
        .bind(order.mailboxes.len() as i64)
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;

        let rows: Vec<_> = order.mailboxes.iter().enumerate().collect();
        for chunk in rows.chunks(INSERT_CHUNK) {
            let sql = insert_mailboxes_sql(chunk.len());
            let mut q = sqlx::query(AssertSqlSafe(&*sql));
            for (i, m) in chunk {
                let pos = *i as i64 + 1;
                q = q
                    .bind(order_id)
                    .bind(pos)
                    .bind(String::from(
                        UserId::numbered(&prefix, first_userid + pos - 1)
                            .ok_or(CreateOrderError::UseridsExhausted)?,
                    ))
                    .bind(format!("{number}-{pos:03}"))
                    .bind(m.address.clone())
                    .bind(m.description.clone())
                    .bind(m.password_email.clone())
                    .bind(m.first_name.clone())
                    .bind(m.last_name.clone())
                    .bind(m.tax_code.clone())
                    .bind(m.nickname.clone())
                    .bind(offer_id)
                    .bind(MailboxState::Prenotata.code())
                    .bind(t.clone());
            }
            q.execute(&mut *tx).await?;
        }

        let summary = format!("Ordine {number}: {count} caselle prenotate per {}", order.customer_name);
        activity_in(
            &mut tx,
            Activity { kind: "ORDINE_CREATO", organisation_id, order_id, mailbox_id: None, summary },
        )
        .await?;
        let after = serde_json::json!({
            "numero": number, "cliente": order.customer_name, "offerta": order.offer,
            "anno_scadenza": order.expiry_year, "caselle": count,
        });
        audit_in(
            &mut tx,
            &AuditRecord::by(operator, "ORDINE_CREATO", "ordine", number.as_str()).after(after.to_string()),
        )
        .await?;
        sqlx::query("UPDATE drafts SET order_id = $1 WHERE id = $2")
            .bind(order_id)
            .bind(draft_id.as_str())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(number)
    }

    /// Orders, newest first, older than the order with id `before` (all when `None`): a page
    /// of at most `limit`, and the cursor of the next page if there is one (keyset paging: a
    /// page stays right however many orders are added meanwhile).
    pub async fn orders_before(
        &self,
        scope: Scope,
        before: Option<i64>,
        limit: i64,
    ) -> Result<(Vec<OrderSummary>, Option<i64>), StoreError> {
        let rows = sqlx::query(
            "SELECT o.id, o.number, o.kind, o.created_at, c.name AS customer_name, o.state, \
             o.line_count AS mailbox_count \
             FROM orders o JOIN customers c ON c.id = o.customer_id \
             WHERE ($1 = 0 OR o.organisation_id = $1) AND o.id < $2 ORDER BY o.id DESC LIMIT $3",
        )
        .bind(scope.sql_value())
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit + 1)
        .fetch_all(&self.pool)
        .await?;
        let mut items = Vec::with_capacity(rows.len());
        let mut last_id = None;
        for r in rows.iter().take(usize::try_from(limit).unwrap_or(0)) {
            last_id = Some(r.try_get::<i64, _>("id")?);
            items.push(OrderSummary {
                number: OrderNumber::from_stored(r.try_get("number")?),
                kind: code_of(r, "kind", OrderKind::from_code)?,
                created_at: crate::time_of(r, "created_at")?,
                customer_name: r.try_get("customer_name")?,
                mailbox_count: r.try_get("mailbox_count")?,
                state: code_of(r, "state", OrderState::from_code)?,
            });
        }
        let more = rows.len() as i64 > limit;
        Ok((items, if more { last_id } else { None }))
    }

    /// Orders, newest first. `page` is 1-based.
    pub async fn recent_orders(
        &self,
        scope: Scope,
        page: i64,
        per_page: i64,
    ) -> Result<Paged<OrderSummary>, StoreError> {
        let total: i64 = sqlx::query("SELECT COUNT(*) AS n FROM orders WHERE $1 = 0 OR organisation_id = $1")
            .bind(scope.sql_value())
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        let pages = ((total + per_page - 1) / per_page).max(1);
        let page = page.clamp(1, pages);
        let rows = sqlx::query(
            "SELECT o.number, o.kind, o.created_at, c.name AS customer_name, o.state, \
             o.line_count AS mailbox_count \
             FROM orders o JOIN customers c ON c.id = o.customer_id \
             WHERE $3 = 0 OR o.organisation_id = $3 \
             ORDER BY o.id DESC LIMIT $1 OFFSET $2",
        )
        .bind(per_page)
        .bind((page - 1) * per_page)
        .bind(scope.sql_value())
        .fetch_all(&self.pool)
        .await?;
        let items = rows
            .iter()
            .map(|r| {
                Ok(OrderSummary {
                    number: OrderNumber::from_stored(r.try_get("number")?),
                    kind: code_of(r, "kind", OrderKind::from_code)?,
                    created_at: crate::time_of(r, "created_at")?,
                    customer_name: r.try_get("customer_name")?,
                    mailbox_count: r.try_get("mailbox_count")?,
                    state: code_of(r, "state", OrderState::from_code)?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(Paged { items, page, pages, total })
    }

    /// An order with all its mailboxes (the contract lists them all), if it exists and is in
    /// the scope (otherwise `None`: others' orders do not exist).
    pub async fn order(&self, scope: Scope, number: &OrderNumber) -> Result<Option<OrderDetail>, StoreError> {
        self.order_rows(scope, number, None).await
    }

    /// An order with one page of its mailboxes (`page` is 1-based, clamped to the list).
    pub async fn order_page(
        &self,
        scope: Scope,
        number: &OrderNumber,
        page: usize,
    ) -> Result<Option<OrderDetail>, StoreError> {
        self.order_rows(scope, number, Some(page)).await
    }

    async fn order_rows(
        &self,
        scope: Scope,
        number: &OrderNumber,
        page: Option<usize>,
    ) -> Result<Option<OrderDetail>, StoreError> {
        let row = sqlx::query(
            "SELECT o.id, o.number, o.kind, o.state, o.created_at, c.name AS customer_name, o.customer_kind, \
             o.legal_rep_cf, o.contact_email, o.consent, o.contract, p.display_name AS operator, \
             f.name AS offer_name, o.expiry_year, o.customer_po, \
             ct.verified, ct.signer_name, ct.signer_tax_code, ct.signed_at \
             FROM orders o JOIN customers c ON c.id = o.customer_id JOIN offers f ON f.id = o.offer_id \
             JOIN operators p ON p.id = o.operator_id LEFT JOIN contracts ct ON ct.order_id = o.id \
             WHERE o.number = $1 AND ($2 = 0 OR o.organisation_id = $2)",
        )
        .bind(number.as_str())
        .bind(scope.sql_value())
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let id: i64 = r.try_get("id")?;
        let kind = code_of(&r, "kind", OrderKind::from_code)?;
        // A renewal order's mailboxes are its lines; an activation order's, those it created.
        let of_order = match kind {
            OrderKind::Activation => "m.order_id = $1",
            OrderKind::Renewal => {
                "m.id IN (SELECT r.mailbox_id FROM renewals r WHERE r.order_id = $1 UNION \
                 SELECT p.mailbox_id FROM product_renewals pr JOIN products p ON p.id = pr.product_id WHERE pr.order_id = $1)"
            }
        };
        let total: i64 =
            sqlx::query_scalar(AssertSqlSafe(format!("SELECT COUNT(*) FROM mailboxes m WHERE {of_order}")))
                .bind(id)
                .fetch_one(&self.pool)
                .await?;
        let total = usize::try_from(total).unwrap_or_default();
        let window = match page {
            Some(asked) => PageOf::new(asked, total, LIST_PAGE_ROWS),
            None => PageOf::whole(total),
        };
        let (limit, offset) = match page {
            Some(_) => (LIST_PAGE_ROWS, window.offset(LIST_PAGE_ROWS)),
            None => (total.max(1), 0),
        };
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT m.userid, m.reference, m.address, m.password_email, m.state, f.name AS offer_name \
             FROM mailboxes m JOIN offers f ON f.id = m.offer_id WHERE {of_order} ORDER BY m.order_id, m.position \
             LIMIT $2 OFFSET $3"
        )))
        .bind(id)
        .bind(limit as i64)
        .bind(offset as i64)
        .fetch_all(&self.pool)
        .await?;
        let mailboxes = rows
            .iter()
            .map(|m| {
                Ok(MailboxRow {
                    userid: UserId::from_stored(m.try_get("userid")?),
                    reference: m.try_get("reference")?,
                    address: m.try_get("address")?,
                    password_email: m.try_get("password_email")?,
                    state: code_of(m, "state", MailboxState::from_code)?,
                    offer_name: m.try_get("offer_name")?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        let number = OrderNumber::from_stored(r.try_get("number")?);
        let products = match kind {
            OrderKind::Renewal => self.product_renewals_of(&number).await?,
            OrderKind::Activation => Vec::new(),
        };
        Ok(Some(OrderDetail {
            products,
            number: number.clone(),
            kind,
            state: code_of(&r, "state", OrderState::from_code)?,
            created_at: crate::time_of(&r, "created_at")?,
            customer_name: r.try_get("customer_name")?,
            customer_kind: code_of(&r, "customer_kind", CustomerKind::from_code)?,
            legal_rep_cf: r.try_get("legal_rep_cf")?,
            contact_email: r.try_get("contact_email")?,
            consent: r.try_get::<i64, _>("consent")? != 0,
            contract: r.try_get::<i64, _>("contract")? != 0,
            signature: match r.try_get::<Option<i64>, _>("verified")? {
                Some(verified) => Some(ContractSignature {
                    verified: verified != 0,
                    signer_name: r.try_get::<Option<String>, _>("signer_name")?.unwrap_or_default(),
                    signer_tax_code: r.try_get::<Option<String>, _>("signer_tax_code")?.unwrap_or_default(),
                    signed_at: crate::optional_time_of(&r, "signed_at")?,
                }),
                None => None,
            },
            operator: r.try_get("operator")?,
            offer_name: r.try_get("offer_name")?,
            expiry_year: r.try_get("expiry_year")?,
            customer_po: r.try_get("customer_po")?,
            mailboxes,
            rows: window,
        }))
    }

    /// Cancels a booked order: ANNULLATO, and its mailboxes are dropped with their notes, users,
    /// associations and settings, so that their names are free again (the audit entry keeps
    /// them). `false` when it is not a booked order in scope.
    pub async fn cancel_order(&self, op: &Operator, number: &OrderNumber) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT id, organisation_id FROM orders WHERE number = $1 AND state = $2 AND ($3 = 0 OR organisation_id = $3)",
        )
        .bind(number.as_str())
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
        let done =
            sqlx::query("UPDATE orders SET state = $1, cancelled_at = $4 WHERE id = $2 AND state = $3")
                .bind(OrderState::Annullato.code())
                .bind(order_id)
                .bind(OrderState::Prenotato.code())
                .bind(now())
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
            sqlx::query(AssertSqlSafe(&*sql)).bind(order_id).execute(&mut *tx).await?;
        }
        recount_lines_in(&mut tx, order_id).await?;
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
            &AuditRecord::by(op, "ORDINE_ANNULLATO", "ordine", number.as_str())
                .before(before.to_string())
                .after(after.to_string()),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}

#[cfg(any(test, feature = "testing"))]
impl Store {
    /// The benchmark's yardstick: `rows` inserted into `mailboxes` with the order path's own
    /// multi-row statement and chunks, in one transaction, and nothing else (no checks, no
    /// counters, no audit), attached to the newest order. Userids are `userid_prefix` + a
    /// number; addresses must be new.
    pub async fn raw_bulk_insert_for_bench(
        &self,
        rows: &[pec_domain::request::MailboxInput],
        userid_prefix: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let r = sqlx::query("SELECT id, number, offer_id FROM orders ORDER BY id DESC LIMIT 1")
            .fetch_one(&mut *tx)
            .await?;
        let (order_id, number, offer_id): (i64, String, i64) =
            (r.try_get("id")?, r.try_get("number")?, r.try_get("offer_id")?);
        let t = now();
        let numbered: Vec<_> = rows.iter().enumerate().collect();
        for chunk in numbered.chunks(INSERT_CHUNK) {
            let sql = insert_mailboxes_sql(chunk.len());
            let mut q = sqlx::query(AssertSqlSafe(&*sql));
            for (i, m) in chunk {
                let pos = 100_000 + *i as i64;
                q = q
                    .bind(order_id)
                    .bind(pos)
                    .bind(format!("{userid_prefix}{pos}"))
                    .bind(format!("{number}-{userid_prefix}-{pos}"))
                    .bind(m.address.clone())
                    .bind(m.description.clone())
                    .bind(m.password_email.clone())
                    .bind(m.first_name.clone())
                    .bind(m.last_name.clone())
                    .bind(m.tax_code.clone())
                    .bind((!m.nickname.is_empty()).then(|| m.nickname.clone()))
                    .bind(offer_id)
                    .bind(MailboxState::Prenotata.code())
                    .bind(t.clone());
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
