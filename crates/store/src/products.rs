//! Products with their own term ("Gestione scadenze prodotti"): started with the services that
//! ask for them (at activation, or when "Modifica" switches them on), ceased when switched
//! off, listed by end date, renewed in renewal orders, expired by the hourly job.

use super::*;
use crate::audit::{audit_many_in, AuditRecord};
use crate::lists::ListFilter;
use crate::orders::IN_CHUNK;
use crate::renewals::{renewal_order_in, selection, Claim, RenewError, RenewalOrder, Renewer};
use pec_domain::auth::{Operator, Scope};
use pec_domain::lifecycle::Date;
use pec_domain::lists::Paged;
use pec_domain::products::{
    renew_product, ProductKind, ProductQuery, ProductRenewal, ProductRow, ProductState, SMS_CREDIT,
    TERM_MONTHS,
};
use pec_domain::renewals::RenewalRefused;
use pec_domain::states::MailboxState;
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::BTreeMap;

/// Each kind's condition on the services and its quantity, over `mailboxes m JOIN offers f`:
/// the SQL form of `pec_domain::products::wanted`, for many mailboxes at once.
fn wanted(kind: ProductKind) -> (&'static str, String) {
    match kind {
        ProductKind::LegalPreservation => ("m.legal_preservation = 1", "1".into()),
        ProductKind::ExtraDisk => ("m.disk_gb > f.disk_gb", "m.disk_gb - f.disk_gb".into()),
        ProductKind::SmsCredit => ("m.sms = 1", SMS_CREDIT.to_string()),
    }
}

/// Starts, on `today`, the products the services of the mailboxes `which` (a condition on
/// `m` with `$1`) ask for and that they do not have yet.
pub(crate) async fn start_products_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    which: &str,
    id: i64,
    today: Date,
) -> Result<(), sqlx::Error> {
    for kind in ProductKind::ALL {
        let (condition, quantity) = wanted(kind);
        let sql = format!(
            "INSERT INTO products (mailbox_id, kind, price_code, quantity, starts_at, expires_at, state, created_at) \
             SELECT m.id, '{}', '{}', {quantity}, $2, $3, 'ATTIVO', $4 FROM mailboxes m JOIN offers f ON f.id = m.offer_id \
             WHERE {which} AND {condition} ON CONFLICT (mailbox_id, kind) DO NOTHING",
            kind.code(),
            kind.price_code()
        );
        sqlx::query(AssertSqlSafe(&*sql))
            .bind(id)
            .bind(today.iso())
            .bind(today.add_months(TERM_MONTHS).iso())
            .bind(now())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// After a change of a live mailbox's services or offer: products asked for start (or start
/// again, if ceased), quantities follow, products no longer asked for cease.
pub(crate) async fn sync_products_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    mailbox_id: i64,
    today: Date,
) -> Result<(), sqlx::Error> {
    let state: String = sqlx::query("SELECT state FROM mailboxes WHERE id = $1")
        .bind(mailbox_id)
        .fetch_one(&mut **tx)
        .await?
        .try_get("state")?;
    // A booked mailbox gets its products at activation; a revoked one keeps them ceased.
    if ![MailboxState::Attiva.code(), MailboxState::Sospesa.code()].contains(&state.as_str()) {
        return Ok(());
    }
    start_products_in(tx, "m.id = $1", mailbox_id, today).await?;
    for kind in ProductKind::ALL {
        let (condition, quantity) = wanted(kind);
        let asked = format!(
            "SELECT 1 FROM mailboxes m JOIN offers f ON f.id = m.offer_id WHERE m.id = $1 AND {condition}"
        );
        sqlx::query(AssertSqlSafe(format!(
            "UPDATE products SET state = 'ATTIVO', starts_at = $3, expires_at = $4 \
             WHERE mailbox_id = $1 AND kind = $2 AND state = 'CESSATO' AND EXISTS ({asked})"
        )))
        .bind(mailbox_id)
        .bind(kind.code())
        .bind(today.iso())
        .bind(today.add_months(TERM_MONTHS).iso())
        .execute(&mut **tx)
        .await?;
        sqlx::query(AssertSqlSafe(format!(
            "UPDATE products SET quantity = (SELECT {quantity} FROM mailboxes m JOIN offers f ON f.id = m.offer_id \
             WHERE m.id = $1) WHERE mailbox_id = $1 AND kind = $2 AND state <> 'CESSATO' AND EXISTS ({asked})"
        )))
        .bind(mailbox_id)
        .bind(kind.code())
        .execute(&mut **tx)
        .await?;
        sqlx::query(AssertSqlSafe(format!(
            "UPDATE products SET state = 'CESSATO' \
             WHERE mailbox_id = $1 AND kind = $2 AND state <> 'CESSATO' AND NOT EXISTS ({asked})"
        )))
        .bind(mailbox_id)
        .bind(kind.code())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

const PRODUCT_FROM: &str =
    "FROM products p JOIN mailboxes m ON m.id = p.mailbox_id JOIN orders o ON o.id = m.order_id \
     JOIN customers c ON c.id = o.customer_id JOIN offers f ON f.id = m.offer_id";

const PRODUCT_COLUMNS: &str =
    "p.id, m.userid, m.address, c.name AS customer, f.name AS offer, o.number, p.kind, \
     p.quantity, p.price_code, p.state, p.starts_at, p.expires_at";

/// The products list's condition; `$1` scope, `$2`..`$8` from `product_query`.
fn product_condition() -> String {
    let listed = "'ATTIVO', 'SCADUTO'";
    let live = [MailboxState::Attiva, MailboxState::Sospesa, MailboxState::Scaduta]
        .map(|s| format!("'{}'", s.code()))
        .join(", ");
    format!(
        "($1 = 0 OR o.organisation_id = $1) AND p.expires_at >= $2 AND p.expires_at <= $3 \
         AND (($4 = '' AND p.state IN ({listed})) OR p.state = $4) \
         AND ($5 = '' OR c.name_key LIKE $5 ESCAPE '\\') AND ($6 = '' OR f.code = $6) \
         AND ($7 = '' OR m.address LIKE $7 ESCAPE '\\') AND ($8 = '' OR p.kind = $8) AND m.state IN ({live})"
    )
}

fn product_query<'q>(
    sql: &'q str,
    scope: Scope,
    q: &ProductQuery,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    let state = match q.states.as_slice() {
        [one] => one.code(),
        _ => "",
    };
    let filter = ListFilter { from: q.from, to: q.to, state, customer: &q.customer, offer: &q.offer };
    filter
        .bind(sql, scope, q.domain.as_deref())
        .bind(q.kind.map(|k| k.code()).unwrap_or_default().to_string())
}

const PRODUCT_LIST: crate::lists::RowList = crate::lists::RowList {
    columns: PRODUCT_COLUMNS,
    from: PRODUCT_FROM,
    condition: product_condition,
    order: "p.expires_at, m.userid, p.kind",
};

fn product_row(r: &AnyRow) -> Result<ProductRow, StoreError> {
    Ok(ProductRow {
        id: r.try_get("id")?,
        userid: UserId::from_stored(r.try_get("userid")?),
        address: r.try_get("address")?,
        customer: r.try_get("customer")?,
        offer: r.try_get("offer")?,
        order_number: OrderNumber::from_stored(r.try_get("number")?),
        kind: code_of(r, "kind", ProductKind::from_code)?,
        quantity: r.try_get("quantity")?,
        price_code: r.try_get("price_code")?,
        state: code_of(r, "state", ProductState::from_code)?,
        starts_at: code_of(r, "starts_at", Date::parse_iso)?,
        expires_at: code_of(r, "expires_at", Date::parse_iso)?,
    })
}

/// One selected product as read in the renewal's transaction.
struct Selected {
    id: i64,
    userid: String,
    kind: ProductKind,
    state: ProductState,
    expires: Option<Date>,
    mailbox_state: Option<MailboxState>,
    organisation_id: i64,
    customer_id: i64,
    offer_id: i64,
}

impl Store {
    /// One page of "Gestione scadenze prodotti", by end date.
    pub async fn product_page(
        &self,
        scope: Scope,
        q: &ProductQuery,
        page: i64,
        per_page: i64,
    ) -> Result<Paged<ProductRow>, StoreError> {
        let (count, rows) = PRODUCT_LIST.page_sql();
        let count = product_query(&count, scope, q);
        self.page_of(count, product_query(&rows, scope, q), page, per_page, product_row).await
    }

    /// Every product of the filter up to `limit` (the export; "Seleziona tutte le N").
    pub async fn product_rows(
        &self,
        scope: Scope,
        q: &ProductQuery,
        limit: i64,
    ) -> Result<Vec<ProductRow>, StoreError> {
        let sql = PRODUCT_LIST.rows_sql();
        let rows = product_query(&sql, scope, q).bind(limit).fetch_all(&self.pool).await?;
        rows.iter().map(product_row).collect()
    }

    /// Renews the products `ids` (in the operator's scope) on `today`, each by one term from
    /// its current end, all or nothing, in one renewal order per organisation, customer and
    /// offer. `request_key` names the request: sent again, it answers the same orders.
    pub async fn renew_products(
        &self,
        op: &Operator,
        ids: &[i64],
        today: Date,
        request_key: &str,
    ) -> Result<Vec<OrderNumber>, RenewError> {
        let wanted = selection(ids.to_vec())?;
        let (mut tx, request_key) = match self.claim_renewal(op, request_key).await? {
            Claim::Claimed(tx, key) => (tx, key),
            Claim::Done(numbers) => return Ok(numbers),
        };
        let grace = crate::settings::settings_in(&mut tx).await?.renewal_grace_days;
        let mut found = Vec::with_capacity(wanted.len());
        for chunk in wanted.chunks(IN_CHUNK) {
            let params: Vec<String> = (2..chunk.len() + 2).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT p.id, m.userid, p.kind, p.state, p.expires_at, m.state AS mailbox_state, m.offer_id, \
                 o.organisation_id, o.customer_id FROM products p JOIN mailboxes m ON m.id = p.mailbox_id \
                 JOIN orders o ON o.id = m.order_id WHERE ($1 = 0 OR o.organisation_id = $1) AND p.id IN ({}) {}",
                params.join(", "),
                self.lock_clause("FOR UPDATE OF p")
            );
            let mut q = sqlx::query(AssertSqlSafe(&*sql)).bind(op.scope().sql_value());
            for id in chunk {
                q = q.bind(*id);
            }
            for r in q.fetch_all(&mut *tx).await? {
                let expires: String = r.try_get("expires_at")?;
                let mailbox_state: String = r.try_get("mailbox_state")?;
                found.push(Selected {
                    id: r.try_get("id")?,
                    userid: r.try_get("userid")?,
                    kind: code_of(&r, "kind", ProductKind::from_code)?,
                    state: code_of(&r, "state", ProductState::from_code)?,
                    expires: Date::parse_iso(&expires),
                    mailbox_state: MailboxState::from_code(&mailbox_state),
                    organisation_id: r.try_get("organisation_id")?,
                    customer_id: r.try_get("customer_id")?,
                    offer_id: r.try_get("offer_id")?,
                });
            }
        }
        if found.len() != wanted.len() {
            return Err(RenewError::NotFound(Vec::new()));
        }
        // Every product must be renewable, or none is renewed.
        let mut refused = Vec::new();
        let mut renewed = Vec::with_capacity(found.len());
        for s in &found {
            let outcome = match (s.expires, s.mailbox_state) {
                (_, Some(m @ (MailboxState::Revocata | MailboxState::Prenotata))) => {
                    Err(RenewalRefused::State(m))
                }
                (Some(expires), _) => renew_product(s.state, expires, today, grace).map(|to| (expires, to)),
                (None, _) => Err(RenewalRefused::Ceased),
            };
            match outcome {
                Ok(r) => renewed.push(r),
                Err(e) => refused.push((UserId::from_stored(s.userid.clone()), e)),
            }
        }
        if !refused.is_empty() {
            return Err(RenewError::Refused(refused));
        }
        let mut groups: BTreeMap<(i64, i64, i64), Vec<usize>> = BTreeMap::new();
        for (i, s) in found.iter().enumerate() {
            groups.entry((s.organisation_id, s.customer_id, s.offer_id)).or_default().push(i);
        }
        let renewer = Renewer::Operator(op);
        let mut numbers = Vec::with_capacity(groups.len());
        let mut records = Vec::with_capacity(found.len());
        for ((organisation_id, customer_id, offer_id), members) in &groups {
            let head = RenewalOrder {
                organisation_id: *organisation_id,
                operator_id: op.id,
                customer_id: *customer_id,
                offer_id: *offer_id,
                last_expiry: members.iter().map(|i| renewed[*i].1.year).max().unwrap_or(today.year),
                request_key: Some(&request_key),
                what: "prodotti",
                count: members.len(),
            };
            let (order_id, number) = renewal_order_in(&mut tx, &renewer, &head).await?;
            for i in members {
                let (s, (from, to)) = (&found[*i], renewed[*i]);
                // Only from the end and state just read: a concurrent renewal changes nothing
                // here, and everything is undone.
                let changed = sqlx::query(
                    "UPDATE products SET expires_at = $1, state = 'ATTIVO' WHERE id = $2 AND expires_at = $3 AND state = $4",
                )
                .bind(to.iso())
                .bind(s.id)
                .bind(from.iso())
                .bind(s.state.code())
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if changed != 1 {
                    return Err(RenewError::Conflict);
                }
                sqlx::query(
                    "INSERT INTO product_renewals (order_id, product_id, from_expiry, to_expiry, from_state) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(order_id)
                .bind(s.id)
                .bind(from.iso())
                .bind(to.iso())
                .bind(s.state.code())
                .execute(&mut *tx)
                .await?;
                records.push(
                    AuditRecord::by(op, "RINNOVO_PRODOTTO", "casella", &s.userid)
                        .in_organisation(s.organisation_id)
                        .before(
                            serde_json::json!({ "prodotto": s.kind.code(), "stato": s.state.code(), "scadenza": from.iso() })
                                .to_string(),
                        )
                        .after(
                            serde_json::json!({ "prodotto": s.kind.code(), "scadenza": to.iso(), "ordine": number })
                                .to_string(),
                        ),
                );
            }
            numbers.push(number);
        }
        audit_many_in(&mut tx, &records).await?;
        tx.commit().await?;
        Ok(numbers)
    }

    /// The hourly job: active products past their end become SCADUTO, in batches, each in
    /// the mailbox's history. Safe with several server processes (the update is conditional).
    pub async fn expire_products_due(&self, today: Date) -> Result<usize, StoreError> {
        const BATCH: i64 = 1000;
        let mut expired = 0;
        loop {
            let mut tx = self.begin_write().await?;
            let rows = sqlx::query(
                "SELECT p.id, p.kind, p.expires_at, m.userid, o.organisation_id FROM products p \
                 JOIN mailboxes m ON m.id = p.mailbox_id JOIN orders o ON o.id = m.order_id \
                 WHERE p.state = 'ATTIVO' AND p.expires_at < $1 ORDER BY p.id LIMIT $2",
            )
            .bind(today.iso())
            .bind(BATCH)
            .fetch_all(&mut *tx)
            .await?;
            if rows.is_empty() {
                tx.commit().await?;
                return Ok(expired);
            }
            let mut records = Vec::with_capacity(rows.len());
            for r in &rows {
                let id: i64 = r.try_get("id")?;
                let changed =
                    sqlx::query("UPDATE products SET state = 'SCADUTO' WHERE id = $1 AND state = 'ATTIVO'")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                if changed == 0 {
                    continue;
                }
                expired += 1;
                let (kind, expires, userid, organisation_id): (String, String, String, i64) = (
                    r.try_get("kind")?,
                    r.try_get("expires_at")?,
                    r.try_get("userid")?,
                    r.try_get("organisation_id")?,
                );
                records.push(
                    AuditRecord::anonymous("sistema", "PRODOTTO_SCADUTO", "casella", &userid)
                        .in_organisation(organisation_id)
                        .after(serde_json::json!({ "prodotto": kind, "scadenza": expires }).to_string()),
                );
            }
            audit_many_in(&mut tx, &records).await?;
            tx.commit().await?;
        }
    }

    /// The products a renewal order renewed (its lines), by userid and kind.
    pub async fn product_renewals_of(&self, number: &OrderNumber) -> Result<Vec<ProductRenewal>, StoreError> {
        let rows = sqlx::query(
            "SELECT m.userid, p.kind, r.from_expiry, r.to_expiry FROM product_renewals r JOIN orders o ON o.id = r.order_id \
             JOIN products p ON p.id = r.product_id JOIN mailboxes m ON m.id = p.mailbox_id \
             WHERE o.number = $1 ORDER BY m.userid, p.kind",
        )
        .bind(number.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ProductRenewal {
                    userid: r.try_get("userid")?,
                    kind: code_of(r, "kind", ProductKind::from_code)?,
                    from_expiry: r.try_get("from_expiry")?,
                    to_expiry: r.try_get("to_expiry")?,
                })
            })
            .collect()
    }

    /// A mailbox's products, for its page.
    pub async fn products_of(&self, scope: Scope, userid: &UserId) -> Result<Vec<ProductRow>, StoreError> {
        let sql = format!(
            "SELECT {PRODUCT_COLUMNS} {PRODUCT_FROM} WHERE m.userid = $1 AND ($2 = 0 OR o.organisation_id = $2) ORDER BY p.kind"
        );
        let rows = sqlx::query(AssertSqlSafe(&*sql))
            .bind(userid.as_str())
            .bind(scope.sql_value())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(product_row).collect()
    }
}
