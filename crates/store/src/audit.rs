//! The audit log (who did what, written in the transaction of the change) and the activity feed of
//! "Attività recenti".

use super::*;
use pec_domain::audit::AuditEntry;
use pec_domain::audit::AuditFilter;
use pec_domain::auth::Operator;
use pec_domain::auth::Scope;
use pec_domain::lists::Paged;
use pec_domain::orders::ActivityEntry;
use pec_domain::{OrderNumber, UserId};
use sqlx::any::AnyRow;
use sqlx::Any;
use sqlx::Row;
use sqlx::Transaction;

/// One change to record. Built with [`AuditRecord::by`] (an operator acted) or
/// [`AuditRecord::anonymous`] (e.g. a failed login for an unknown user name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    operator_id: Option<i64>,
    organisation_id: Option<i64>,
    username: String,
    action: String,
    object_type: String,
    object_id: String,
    before: String,
    after: String,
}

impl AuditRecord {
    /// `object_id` is the object's own identifier (a userid, an order number, a username).
    pub fn by(op: &Operator, action: &str, object_type: &str, object_id: impl AsRef<str>) -> Self {
        Self {
            operator_id: Some(op.id),
            organisation_id: Some(op.organisation_id),
            username: op.username.clone(),
            action: action.into(),
            object_type: object_type.into(),
            object_id: object_id.as_ref().into(),
            before: String::new(),
            after: String::new(),
        }
    }

    pub fn anonymous(username: &str, action: &str, object_type: &str, object_id: impl AsRef<str>) -> Self {
        Self {
            operator_id: None,
            organisation_id: None,
            username: username.into(),
            action: action.into(),
            object_type: object_type.into(),
            object_id: object_id.as_ref().into(),
            before: String::new(),
            after: String::new(),
        }
    }

    /// Files an entry without an operator (the system, a holder) under an organisation.
    pub fn in_organisation(mut self, organisation_id: i64) -> Self {
        self.organisation_id = Some(organisation_id);
        self
    }

    pub fn before(mut self, before: String) -> Self {
        self.before = before;
        self
    }

    pub fn after(mut self, after: String) -> Self {
        self.after = after;
        self
    }
}

pub(crate) fn audit_entry_from_row(r: &AnyRow) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        at: crate::time_of(r, "at")?,
        username: r.try_get("username")?,
        organisation: r.try_get("organisation")?,
        action: r.try_get("action")?,
        object_type: r.try_get("object_type")?,
        object_id: r.try_get("object_id")?,
        before: r.try_get("before_data")?,
        after: r.try_get("after_data")?,
    })
}

pub(crate) async fn insert_audit<'e, E>(executor: E, r: &AuditRecord) -> Result<(), StoreError>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query(
        "INSERT INTO audit_log (at, operator_id, organisation_id, username, action, object_type, object_id, \
         before_data, after_data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(now())
    .bind(r.operator_id)
    .bind(r.organisation_id)
    .bind(&r.username)
    .bind(&r.action)
    .bind(&r.object_type)
    .bind(&r.object_id)
    .bind(&r.before)
    .bind(&r.after)
    .execute(executor)
    .await?;
    Ok(())
}

/// Appends to the audit log inside a transaction (the change and its record commit together).
pub(crate) async fn audit_in(tx: &mut Transaction<'_, Any>, r: &AuditRecord) -> Result<(), StoreError> {
    insert_audit(&mut **tx, r).await
}

/// Many audit lines in a few statements (a renewal of 10,000 mailboxes writes one a mailbox).
pub(crate) async fn audit_many_in(
    tx: &mut Transaction<'_, Any>,
    records: &[AuditRecord],
) -> Result<(), StoreError> {
    const COLS: usize = 9;
    let at = now();
    for chunk in records.chunks(crate::orders::INSERT_CHUNK) {
        let mut sql = String::from(
            "INSERT INTO audit_log (at, operator_id, organisation_id, username, action, object_type, object_id, \
             before_data, after_data) VALUES ",
        );
        for k in 0..chunk.len() {
            let p: Vec<String> = (1..=COLS).map(|c| format!("${}", k * COLS + c)).collect();
            sql.push_str(if k == 0 { "(" } else { ", (" });
            sql.push_str(&p.join(", "));
            sql.push(')');
        }
        let mut q = sqlx::query(AssertSqlSafe(&*sql));
        for r in chunk {
            q = q
                .bind(at.clone())
                .bind(r.operator_id)
                .bind(r.organisation_id)
                .bind(r.username.clone())
                .bind(r.action.clone())
                .bind(r.object_type.clone())
                .bind(r.object_id.clone())
                .bind(r.before.clone())
                .bind(r.after.clone());
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// `%` and `_` typed by the user match themselves.
pub(crate) fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
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

impl Store {
    pub async fn audit(&self, r: &AuditRecord) -> Result<(), StoreError> {
        insert_audit(&self.pool, r).await
    }

    /// The audit log, newest first, filtered; `page` is 1-based.
    pub async fn audit_entries(
        &self,
        scope: Scope,
        filter: &AuditFilter,
        page: i64,
        per_page: i64,
    ) -> Result<Paged<AuditEntry>, StoreError> {
        const WHERE: &str = "WHERE ($1 = 0 OR a.organisation_id = $1) AND ($2 = '' OR a.action = $2) \
             AND ($3 = '' OR a.username = $3) AND ($4 = '' OR a.object_id LIKE $4 ESCAPE '\\') \
             AND ($5 = '' OR a.at >= $5) AND ($6 = '' OR a.at <= $6)";
        let like =
            |s: &str| if s.trim().is_empty() { String::new() } else { format!("{}%", escape_like(s.trim())) };
        let from = if filter.from.trim().is_empty() {
            String::new()
        } else {
            format!("{} 00:00:00", filter.from.trim())
        };
        let to = if filter.to.trim().is_empty() {
            String::new()
        } else {
            format!("{} 23:59:59", filter.to.trim())
        };
        let params = [
            filter.action.trim().to_string(),
            filter.username.trim().to_lowercase(),
            like(&filter.object),
            from,
            to,
        ];
        let count_sql = format!("SELECT COUNT(*) FROM audit_log a {WHERE}");
        let mut count = sqlx::query_scalar::<_, i64>(AssertSqlSafe(count_sql)).bind(scope.sql_value());
        for p in &params {
            count = count.bind(p.clone());
        }
        let total = count.fetch_one(&self.pool).await?;
        let pages = ((total + per_page - 1) / per_page).max(1);
        let page = page.clamp(1, pages);
        let sql = format!(
            "SELECT a.at, a.username, COALESCE(g.name, '') AS organisation, a.action, a.object_type, a.object_id, \
             a.before_data, a.after_data FROM audit_log a LEFT JOIN organisations g ON g.id = a.organisation_id \
             {WHERE} ORDER BY a.id DESC LIMIT $7 OFFSET $8"
        );
        let mut q = sqlx::query(AssertSqlSafe(&*sql)).bind(scope.sql_value());
        for p in &params {
            q = q.bind(p.clone());
        }
        let rows = q.bind(per_page).bind((page - 1) * per_page).fetch_all(&self.pool).await?;
        let items = rows.iter().map(audit_entry_from_row).collect::<Result<_, StoreError>>()?;
        Ok(Paged { items, page, pages, total })
    }

    /// The history of one object ("Storia servizi"): its audit entries, newest first, matched
    /// exactly (`VIT10000` is not `VIT100000`).
    pub async fn audit_of(
        &self,
        scope: Scope,
        object_type: &str,
        object_id: &str,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT a.at, a.username, COALESCE(g.name, '') AS organisation, a.action, a.object_type, a.object_id, \
             a.before_data, a.after_data FROM audit_log a LEFT JOIN organisations g ON g.id = a.organisation_id \
             WHERE ($1 = 0 OR a.organisation_id = $1) AND a.object_type = $2 AND a.object_id = $3 \
             ORDER BY a.id DESC LIMIT $4",
        )
        .bind(scope.sql_value())
        .bind(object_type)
        .bind(object_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(audit_entry_from_row).collect()
    }

    /// The latest events (orders, activations, state changes, passwords), newest first.
    pub async fn recent_activity(&self, scope: Scope, limit: i64) -> Result<Vec<ActivityEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT a.at, a.kind, a.summary, o.number, m.userid \
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
                    at: crate::time_of(r, "at")?,
                    kind: r.try_get("kind")?,
                    summary: r.try_get("summary")?,
                    order_number: r.try_get::<Option<String>, _>("number")?.map(OrderNumber::from_stored),
                    userid: r.try_get::<Option<String>, _>("userid")?.map(UserId::from_stored),
                })
            })
            .collect()
    }
}
