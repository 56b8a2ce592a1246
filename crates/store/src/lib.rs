//! All SQL of the platform. One code path for SQLite (default) and PostgreSQL through sqlx's
//! `Any` driver: bind parameters are written `$N` (both understand them), integers are i64, booleans
//! 0/1, timestamps UTC text. Migrations live in `migrations/sqlite` and `migrations/postgres`.

mod auth;
mod demo;
mod fulfilment;
mod lifecycle;
mod mailbox_admin;

pub use lifecycle::{EditError, TransitionError};
pub use mailbox_admin::{ChangeError, MailboxChange};

pub use fulfilment::{
    is_token, new_token, token_hash, FulfilError, LinkFor, LinkMail, LinkTarget, Mail, QueuedMail,
    SignedContract,
};

use pec_domain::auth::{Operator, Scope};
use pec_domain::records::{
    Customer, MailboxDetail, MailboxRow, Offer, OrderDetail, OrderSummary, PageOf, Paged, Services,
    LIST_PAGE_ROWS,
};
use pec_domain::{MailboxState, OrderDraft, OrderState, ValidOrder};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyConnection, AnyPool, Executor, Row, Transaction};
use std::collections::BTreeSet;

pub use auth::{AttemptClaim, AuditRecord, LoginRecord};
pub use demo::{seed_demo, DEMO_OPERATORS};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("errore del database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migrazione del database non riuscita: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("impossibile creare la cartella del database {path}: {source}")]
    DataDir { path: String, source: std::io::Error },
    #[error("dati non leggibili nel database: {0}")]
    Corrupt(String),
    #[error("DATABASE_URL non supportato (usare sqlite:// o postgres://): {}", redacted_url(.0))]
    UnsupportedUrl(String),
}

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
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for CreateOrderError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(StoreError::Db(e))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A stored draft: what was typed, whose it is, and the order it became (once confirmed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredDraft {
    pub draft: OrderDraft,
    pub order_number: Option<String>,
    pub organisation_id: i64,
}

#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    #[cfg(any(test, feature = "testing"))]
    url: String,
}

/// The current time as stored.
/// A line of "Ultime operazioni" (Attività recenti), written in the transaction of the change
/// it tells of.
pub(crate) struct Activity<'a> {
    pub kind: &'a str,
    pub organisation_id: i64,
    pub order_id: i64,
    pub mailbox_id: Option<i64>,
    pub summary: String,
}

pub(crate) async fn activity_in(tx: &mut Transaction<'_, Any>, a: Activity<'_>) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO activity (at, kind, organisation_id, order_id, mailbox_id, summary) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(now())
    .bind(a.kind)
    .bind(a.organisation_id)
    .bind(a.order_id)
    .bind(a.mailbox_id)
    .bind(a.summary)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The services of a mailbox (RIEPILOGO SERVIZI) that come from its offer: the same columns in
/// `offers` and `mailboxes`.
pub(crate) const OFFER_SERVICES: [&str; 7] = [
    "disk_gb",
    "sms",
    "security_archive",
    "legal_preservation",
    "shadow_pec",
    "push_imap",
    "phishing_protection",
];

/// `SET` assignments giving a mailbox the services of the offer whose id is the parameter `param`
/// (activation, Trasforma).
pub(crate) fn services_from_offer(param: &str) -> String {
    OFFER_SERVICES.map(|c| format!("{c} = (SELECT {c} FROM offers WHERE id = {param})")).join(", ")
}

/// A mailbox row's services (the row selects the `OFFER_SERVICES` columns and `disk_used_mb`).
pub(crate) fn services_of(r: &AnyRow) -> Result<Services, sqlx::Error> {
    let on = |c: &str| -> Result<bool, sqlx::Error> { Ok(r.try_get::<i64, _>(c)? != 0) };
    Ok(Services {
        disk_gb: r.try_get("disk_gb")?,
        disk_used_mb: r.try_get("disk_used_mb")?,
        sms: on("sms")?,
        security_archive: on("security_archive")?,
        legal_preservation: on("legal_preservation")?,
        shadow_pec: on("shadow_pec")?,
        push_imap: on("push_imap")?,
        phishing_protection: on("phishing_protection")?,
    })
}

/// How times are stored (UTC, sortable as text, the same in both databases).
pub fn stamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

pub fn now() -> String {
    stamp(chrono::Utc::now())
}

/// The stored form of now plus (or minus) some time.
pub fn from_now(offset: chrono::Duration) -> String {
    stamp(chrono::Utc::now() + offset)
}

/// Digits of a generated userid after its prefix (seed: `VIT03933`).
const USERID_DIGITS: usize = 5;
/// Past 99,999 userids simply get longer (`VIT100000`): the seed's five digits are a minimum,
/// not a ceiling. This is the ceiling (eleven characters after a three-letter prefix).
const USERID_MAX: i64 = 99_999_999;
/// Digits of an order number (seed: `10295763`).
const ORDER_DIGITS: usize = 8;
/// Rows per multi-row INSERT: well under both databases' parameter limits.
const INSERT_CHUNK: usize = 50;
/// Values per `IN (...)` list.
const IN_CHUNK: usize = 500;
/// Orders of at least this many mailboxes refresh PostgreSQL's statistics.
const ANALYZE_FROM: usize = 1000;

impl Store {
    /// Connects, creating the SQLite file (and its folder) if missing, and applies migrations.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_string()));
        };
        if backend == Backend::Sqlite {
            ensure_sqlite_dir(url)?;
        }
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 10 })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers work while an order is written; the busy timeout
                        // makes concurrent writers wait instead of failing.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                    }
                    Ok(())
                })
            })
            .connect(url)
            .await?;
        let store = Self {
            pool,
            backend,
            #[cfg(any(test, feature = "testing"))]
            url: url.to_string(),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// The URL this store was opened with (it may hold credentials: never log it).
    #[cfg(any(test, feature = "testing"))]
    pub fn url_for_tests(&self) -> String {
        self.url.clone()
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        match self.backend {
            Backend::Sqlite => sqlx::migrate!("../../migrations/sqlite").run(&self.pool).await?,
            Backend::Postgres => sqlx::migrate!("../../migrations/postgres").run(&self.pool).await?,
        }
        Ok(())
    }

    /// A transaction that will write. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`): a deferred transaction that reads and then writes fails with "database is
    /// locked" when another writer got in between, where this one simply waits its turn.
    pub(crate) async fn begin_write(&self) -> Result<Transaction<'static, Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    // ---- reference data -------------------------------------------------------------

    /// Domains on which mailboxes may be created in this scope: the organisation's own and
    /// the provider's, which are shared.
    pub async fn usable_domains(&self, scope: Scope) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT d.name FROM domains d JOIN organisations o ON o.id = d.organisation_id \
             WHERE $1 = 0 OR d.organisation_id = $1 OR o.kind = 'FORNITORE' ORDER BY d.name",
        )
        .bind(scope.sql_value())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(r.try_get("name")?)).collect()
    }

    pub async fn add_domain(&self, organisation_id: i64, name: &str) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO domains (organisation_id, name, created_at) VALUES ($1, $2, $3)")
            .bind(organisation_id)
            .bind(name.to_lowercase())
            .bind(now())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn offers(&self) -> Result<Vec<Offer>, StoreError> {
        let rows = sqlx::query(
            "SELECT code, name, disk_gb, sms, security_archive, legal_preservation, shadow_pec, \
             push_imap, phishing_protection FROM offers ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(offer_from_row).collect()
    }

    pub async fn customers(&self, scope: Scope) -> Result<Vec<Customer>, StoreError> {
        let rows = sqlx::query(
            "SELECT name, kind, legal_rep_cf, contact_email FROM customers \
             WHERE $1 = 0 OR organisation_id = $1 ORDER BY name",
        )
        .bind(scope.sql_value())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Customer {
                    name: r.try_get("name")?,
                    kind: r.try_get("kind")?,
                    legal_rep_cf: r.try_get("legal_rep_cf")?,
                    contact_email: r.try_get("contact_email")?,
                })
            })
            .collect()
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn set_counter(&self, name: &str, value: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE counters SET value = $1 WHERE name = $2")
            .bind(value)
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    // ---- availability ---------------------------------------------------------------

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

    // ---- drafts ---------------------------------------------------------------------

    pub async fn create_draft(&self, draft: &OrderDraft, operator_id: i64) -> Result<String, StoreError> {
        let id = new_draft_id();
        let t = now();
        sqlx::query(
            "INSERT INTO drafts (id, data, operator_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)",
        )
        .bind(&id)
        .bind(encode_draft(draft)?)
        .bind(operator_id)
        .bind(&t)
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    pub async fn load_draft(&self, id: &str) -> Result<Option<StoredDraft>, StoreError> {
        let row = sqlx::query(
            "SELECT d.data, o.number, p.organisation_id FROM drafts d JOIN operators p ON p.id = d.operator_id \
             LEFT JOIN orders o ON o.id = d.order_id WHERE d.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let data: String = row.try_get("data")?;
        let draft = serde_json::from_str(&data).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok(Some(StoredDraft {
            draft,
            order_number: row.try_get("number")?,
            organisation_id: row.try_get("organisation_id")?,
        }))
    }

    /// Saves what was typed; a confirmed draft is never changed again.
    pub async fn save_draft(&self, id: &str, draft: &OrderDraft) -> Result<bool, StoreError> {
        let done =
            sqlx::query("UPDATE drafts SET data = $1, updated_at = $2 WHERE id = $3 AND order_id IS NULL")
                .bind(encode_draft(draft)?)
                .bind(now())
                .bind(id)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() == 1)
    }

    // ---- orders ---------------------------------------------------------------------

    /// Stores the order of a draft in one transaction and returns its number. Confirming the
    /// same draft again returns the same number (double click, retry, back button).
    pub async fn create_order(
        &self,
        draft_id: &str,
        order: &ValidOrder,
        operator: &Operator,
    ) -> Result<String, CreateOrderError> {
        let created = self.try_create_order(draft_id, order, operator).await;
        // After a bulk order PostgreSQL's statistics still describe the smaller table, and its
        // planner then scans instead of using the unique indexes for the next availability
        // checks (measured: 283 ms for the first 10,000-mailbox order, 4.8 s for the second).
        if created.is_ok() && self.backend == Backend::Postgres && order.mailboxes.len() >= ANALYZE_FROM {
            if let Err(e) = sqlx::query("ANALYZE mailboxes").execute(&self.pool).await {
                tracing::warn!("ANALYZE after a bulk order: {e}");
            }
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

    async fn draft_order_number(&self, draft_id: &str) -> Result<Option<String>, StoreError> {
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
        draft_id: &str,
        order: &ValidOrder,
        operator: &Operator,
    ) -> Result<String, CreateOrderError> {
        let t = now();
        let mut tx = self.begin_write().await?;
        // Claim the draft first: a write, so that concurrent confirmations of the same draft
        // queue here (row lock on PostgreSQL, write lock on SQLite) and the loser sees the order.
        let claimed = sqlx::query("UPDATE drafts SET updated_at = $1 WHERE id = $2 AND order_id IS NULL")
            .bind(&t)
            .bind(draft_id)
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
        .bind(draft_id)
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

        let offer_id: i64 = sqlx::query("SELECT id FROM offers WHERE code = $1")
            .bind(&order.offer)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| CreateOrderError::UnknownOffer(order.offer.clone()))?
            .try_get("id")?;

        let number = bump(&mut tx, "order_number", 1).await?;
        let number = format!("{number:0ORDER_DIGITS$}");
        let count = order.mailboxes.len() as i64;
        let last_userid = bump(&mut tx, "userid", count).await?;
        let first_userid = last_userid - count + 1;
        if last_userid > USERID_MAX {
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
             legal_rep_cf, contact_email, consent, contract, customer_po, expiry_year, state, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10, $11, $12, $13) RETURNING id",
        )
        .bind(&number)
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
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;

        let rows: Vec<_> = order.mailboxes.iter().enumerate().collect();
        for chunk in rows.chunks(INSERT_CHUNK) {
            let mut sql = String::from(
                "INSERT INTO mailboxes (order_id, position, userid, reference, address, description, \
                 password_email, first_name, last_name, tax_code, nickname, offer_id, state, created_at) VALUES ",
            );
            const COLS: usize = 14;
            for (k, _) in chunk.iter().enumerate() {
                let p: Vec<String> = (1..=COLS).map(|c| format!("${}", k * COLS + c)).collect();
                sql.push_str(if k == 0 { "(" } else { ", (" });
                sql.push_str(&p.join(", "));
                sql.push(')');
            }
            let mut q = sqlx::query(&sql);
            for (i, m) in chunk {
                let pos = *i as i64 + 1;
                q = q
                    .bind(order_id)
                    .bind(pos)
                    .bind(format!("{prefix}{:0USERID_DIGITS$}", first_userid + pos - 1))
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
        auth::audit_in(
            &mut tx,
            &AuditRecord::by(operator, "ORDINE_CREATO", "ordine", &number).after(after.to_string()),
        )
        .await?;
        sqlx::query("UPDATE drafts SET order_id = $1 WHERE id = $2")
            .bind(order_id)
            .bind(draft_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(number)
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
            "SELECT o.number, o.created_at, c.name AS customer_name, o.state, \
             (SELECT COUNT(*) FROM mailboxes m WHERE m.order_id = o.id) AS mailbox_count \
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
                    number: r.try_get("number")?,
                    created_at: r.try_get("created_at")?,
                    customer_name: r.try_get("customer_name")?,
                    mailbox_count: r.try_get("mailbox_count")?,
                    state: r.try_get("state")?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(Paged { items, page, pages, total })
    }

    /// An order with all its mailboxes (the contract lists them all), if it exists and is in
    /// the scope (otherwise `None`: others' orders do not exist).
    pub async fn order(&self, scope: Scope, number: &str) -> Result<Option<OrderDetail>, StoreError> {
        self.order_rows(scope, number, None).await
    }

    /// An order with one page of its mailboxes (`page` is 1-based, clamped to the list).
    pub async fn order_page(
        &self,
        scope: Scope,
        number: &str,
        page: usize,
    ) -> Result<Option<OrderDetail>, StoreError> {
        self.order_rows(scope, number, Some(page)).await
    }

    async fn order_rows(
        &self,
        scope: Scope,
        number: &str,
        page: Option<usize>,
    ) -> Result<Option<OrderDetail>, StoreError> {
        let row = sqlx::query(
            "SELECT o.id, o.number, o.state, o.created_at, c.name AS customer_name, o.customer_kind, \
             o.legal_rep_cf, o.contact_email, o.consent, o.contract, p.display_name AS operator, \
             f.name AS offer_name, o.expiry_year, o.customer_po \
             FROM orders o JOIN customers c ON c.id = o.customer_id JOIN offers f ON f.id = o.offer_id \
             JOIN operators p ON p.id = o.operator_id \
             WHERE o.number = $1 AND ($2 = 0 OR o.organisation_id = $2)",
        )
        .bind(number)
        .bind(scope.sql_value())
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let id: i64 = r.try_get("id")?;
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM mailboxes WHERE order_id = $1")
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
        let rows = sqlx::query(
            "SELECT m.userid, m.reference, m.address, m.password_email, m.state, f.name AS offer_name \
             FROM mailboxes m JOIN offers f ON f.id = m.offer_id WHERE m.order_id = $1 ORDER BY m.position \
             LIMIT $2 OFFSET $3",
        )
        .bind(id)
        .bind(limit as i64)
        .bind(offset as i64)
        .fetch_all(&self.pool)
        .await?;
        let mailboxes = rows
            .iter()
            .map(|m| {
                Ok(MailboxRow {
                    userid: m.try_get("userid")?,
                    reference: m.try_get("reference")?,
                    address: m.try_get("address")?,
                    password_email: m.try_get("password_email")?,
                    state: m.try_get("state")?,
                    offer_name: m.try_get("offer_name")?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(Some(OrderDetail {
            number: r.try_get("number")?,
            state: r.try_get("state")?,
            created_at: r.try_get("created_at")?,
            customer_name: r.try_get("customer_name")?,
            customer_kind: r.try_get("customer_kind")?,
            legal_rep_cf: r.try_get("legal_rep_cf")?,
            contact_email: r.try_get("contact_email")?,
            consent: r.try_get::<i64, _>("consent")? != 0,
            contract: r.try_get::<i64, _>("contract")? != 0,
            operator: r.try_get("operator")?,
            offer_name: r.try_get("offer_name")?,
            expiry_year: r.try_get("expiry_year")?,
            customer_po: r.try_get("customer_po")?,
            mailboxes,
            rows: window,
        }))
    }

    /// A mailbox, if it exists and is in the scope.
    pub async fn mailbox(&self, scope: Scope, userid: &str) -> Result<Option<MailboxDetail>, StoreError> {
        let row = sqlx::query(
            "SELECT o.number, o.expiry_year, m.userid, m.reference, m.address, m.description, m.password_email, \
             f.name AS offer_name, m.state, m.first_name, m.last_name, m.tax_code, m.nickname, m.created_at, \
             m.activated_at, m.expires_at, m.password_hash, m.disk_gb, m.disk_used_mb, m.sms, m.security_archive, \
             m.legal_preservation, m.shadow_pec, m.push_imap, m.phishing_protection \
             FROM mailboxes m JOIN orders o ON o.id = m.order_id JOIN offers f ON f.id = m.offer_id \
             WHERE m.userid = $1 AND ($2 = 0 OR o.organisation_id = $2)",
        )
        .bind(userid)
        .bind(scope.sql_value())
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(MailboxDetail {
            order_number: r.try_get("number")?,
            userid: r.try_get("userid")?,
            reference: r.try_get("reference")?,
            address: r.try_get("address")?,
            description: r.try_get("description")?,
            password_email: r.try_get("password_email")?,
            offer_name: r.try_get("offer_name")?,
            state: r.try_get("state")?,
            first_name: r.try_get("first_name")?,
            last_name: r.try_get("last_name")?,
            tax_code: r.try_get("tax_code")?,
            nickname: r.try_get::<Option<String>, _>("nickname")?.unwrap_or_default(),
            created_at: r.try_get("created_at")?,
            expiry_year: r.try_get("expiry_year")?,
            activated_at: r.try_get::<Option<String>, _>("activated_at")?.unwrap_or_default(),
            expires_at: r.try_get::<Option<String>, _>("expires_at")?.unwrap_or_default(),
            has_password: r.try_get::<Option<String>, _>("password_hash")?.is_some(),
            services: services_of(&r)?,
        }))
    }

    /// Runs one statement as is: for tests that must bypass the application's own checks.
    #[cfg(any(test, feature = "testing"))]
    pub async fn raw_execute(&self, sql: &str) -> Result<u64, StoreError> {
        Ok(sqlx::query(sql).execute(&self.pool).await?.rows_affected())
    }

    /// Number of mailboxes stored (tests and benchmarks).
    #[cfg(any(test, feature = "testing"))]
    pub async fn mailbox_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM mailboxes").fetch_one(&self.pool).await?.try_get("n")?)
    }
}

fn offer_from_row(r: &AnyRow) -> Result<Offer, StoreError> {
    let flag = |c: &str| -> Result<bool, StoreError> { Ok(r.try_get::<i64, _>(c)? != 0) };
    Ok(Offer {
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        disk_gb: r.try_get("disk_gb")?,
        sms: flag("sms")?,
        security_archive: flag("security_archive")?,
        legal_preservation: flag("legal_preservation")?,
        shadow_pec: flag("shadow_pec")?,
        push_imap: flag("push_imap")?,
        phishing_protection: flag("phishing_protection")?,
    })
}

/// Which of `values` appear in column `column` of mailboxes. `column` is one of ours, never input.
async fn existing(
    conn: &mut AnyConnection,
    column: &'static str,
    values: &[String],
) -> Result<BTreeSet<String>, StoreError> {
    let mut found = BTreeSet::new();
    for chunk in values.chunks(IN_CHUNK) {
        let params: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!("SELECT {column} AS v FROM mailboxes WHERE {column} IN ({})", params.join(", "));
        let mut q = sqlx::query(&sql);
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
async fn bump(tx: &mut Transaction<'_, Any>, name: &str, by: i64) -> Result<i64, StoreError> {
    Ok(sqlx::query("UPDATE counters SET value = value + $1 WHERE name = $2 RETURNING value")
        .bind(by)
        .bind(name)
        .fetch_one(&mut **tx)
        .await?
        .try_get("value")?)
}

/// The customer of an order, found by name (case-insensitive) in the organisation, or created.
async fn upsert_customer(
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

pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error().is_some_and(|d| d.is_unique_violation())
}

fn encode_draft(d: &OrderDraft) -> Result<String, StoreError> {
    serde_json::to_string(d).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn new_draft_id() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A database URL as it may be shown or logged: scheme, host and path only (no user, password
/// or query parameters, which may hold `password=`).
pub fn redacted_url(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let rest = rest.rsplit_once('@').map(|(_, host)| host).unwrap_or(rest);
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    if scheme.is_empty() {
        rest.to_string()
    } else {
        format!("{scheme}://{rest}")
    }
}

/// SQLite creates the file (`mode=rwc`) but not its folder.
fn ensure_sqlite_dir(url: &str) -> Result<(), StoreError> {
    let path = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(dir) = std::path::Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|source| StoreError::DataDir { path: dir.display().to_string(), source })?;
    }
    Ok(())
}
