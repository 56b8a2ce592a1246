//! "Report": counts by SQL aggregates (`GROUP BY`), never by loading rows. Mailboxes are first
//! counted per order, state, offer and domain (read from the `mailboxes_report` index alone),
//! then those few groups are joined to orders, customers and offers for their names: joining
//! every mailbox row first cost three times as much at 1,000,000 mailboxes.

use super::*;
use pec_domain::auth::Scope;
use pec_domain::reports::{monthly_rows, Report, ReportKind, ReportQuery, ReportRow, DISK_COUNTED};
use sqlx::Row;

/// Most rows of one report (its export included): a row is a customer, a domain, an operator…
pub const REPORT_ROWS_MAX: i64 = 100_000;

/// The conditions on mailboxes `m` of a scope and a filter, with their text parameters.
struct Filter {
    conditions: Vec<String>,
    params: Vec<String>,
}

impl Filter {
    /// `first` is the number of the first `$` parameter.
    fn of(scope: Scope, q: &ReportQuery, first: usize) -> Self {
        let mut f = Filter { conditions: Vec::new(), params: Vec::new() };
        // Integers from the session or parsed as such, not text: written in the statement.
        let organisation = match (scope, q.reseller) {
            (Scope::Organisation(org), _) => Some(org),
            (Scope::All, reseller) => reseller,
        };
        if let Some(org) = organisation {
            f.conditions.push(format!("m.order_id IN (SELECT id FROM orders WHERE organisation_id = {org})"));
        }
        if !q.customer.is_empty() {
            let p = format!("${}", first + f.params.len());
            f.params.push(format!("{}%", escape_like(&pec_domain::fields::name_key(&q.customer))));
            f.conditions.push(format!(
                "m.order_id IN (SELECT o2.id FROM orders o2 JOIN customers c2 ON c2.id = o2.customer_id \
                 WHERE c2.name_key LIKE {p} ESCAPE '\\')"
            ));
        }
        if !q.offer.is_empty() {
            let p = format!("${}", first + f.params.len());
            f.params.push(q.offer.clone());
            f.conditions.push(format!("m.offer_id IN (SELECT id FROM offers WHERE code = {p})"));
        }
        f
    }

    fn and(&self) -> String {
        self.conditions.iter().map(|c| format!(" AND {c}")).collect()
    }
}

/// A mailbox report's part of the combined statement, over the counted groups `x`: its code,
/// its row's label and numbers (`v0`, `v1`), the joins for the names.
fn branch(kind: ReportKind) -> Option<String> {
    const ONE: &str = "CAST(SUM(x.n) AS BIGINT) AS v0, 0 AS v1";
    let (key, join, group, values) = match kind {
        ReportKind::ByState => ("x.state", "", "x.state", ONE),
        ReportKind::ByOffer => ("f.name", "JOIN offers f ON f.id = x.offer_id", "f.id, f.name", ONE),
        ReportKind::ByCustomer => (
            "c.name",
            "JOIN orders o ON o.id = x.order_id JOIN customers c ON c.id = o.customer_id",
            "c.id, c.name",
            ONE,
        ),
        ReportKind::ByDomain => ("x.domain", "", "x.domain", ONE),
        ReportKind::ByReseller => (
            "g.name",
            "JOIN orders o ON o.id = x.order_id JOIN organisations g ON g.id = o.organisation_id",
            "g.id, g.name",
            "CAST(SUM(x.n) AS BIGINT) AS v0, CAST(SUM(CASE WHEN x.state = 'ATTIVA' THEN x.n ELSE 0 END) AS BIGINT) AS v1",
        ),
        ReportKind::Monthly | ReportKind::ByOperator | ReportKind::DiskByCustomer => return None,
    };
    Some(format!("SELECT '{}' AS r, {key} AS k, {values} FROM x {join} GROUP BY {group}", kind.code()))
}

impl Store {
    /// One report, every row (at most `REPORT_ROWS_MAX`), in `scope`. The resellers' report
    /// exists only for the provider: `None` for a reseller.
    pub async fn report(
        &self,
        scope: Scope,
        kind: ReportKind,
        q: &ReportQuery,
    ) -> Result<Option<Report>, StoreError> {
        if kind == ReportKind::ByReseller && scope != Scope::All {
            return Ok(None);
        }
        Ok(self.reports_of(scope, &[kind], q).await?.pop())
    }

    /// Every report of the page, in the page's order (the resellers' only for the provider).
    /// The mailboxes are counted once for all of them.
    pub async fn reports(&self, scope: Scope, q: &ReportQuery) -> Result<Vec<Report>, StoreError> {
        let kinds: Vec<ReportKind> = ReportKind::ALL
            .into_iter()
            .filter(|k| *k != ReportKind::ByReseller || scope == Scope::All)
            .collect();
        self.reports_of(scope, &kinds, q).await
    }

    async fn reports_of(
        &self,
        scope: Scope,
        kinds: &[ReportKind],
        q: &ReportQuery,
    ) -> Result<Vec<Report>, StoreError> {
        let mut counted = self.mailbox_counts(scope, kinds, q).await?;
        let mut reports = Vec::with_capacity(kinds.len());
        for kind in kinds {
            let mut counted_at = None;
            let rows = match kind {
                ReportKind::ByOperator => self.orders_by_operator(scope, q).await?,
                ReportKind::Monthly => self.monthly(scope, q).await?,
                ReportKind::DiskByCustomer => {
                    let (rows, at) = self.disk_by_customer(scope, q).await?;
                    counted_at = Some(at);
                    rows
                }
                _ => {
                    let mut rows = counted.remove(kind).unwrap_or_default();
                    rows.sort_by(|a, b| b.values[0].cmp(&a.values[0]).then_with(|| a.label.cmp(&b.label)));
                    rows.truncate(REPORT_ROWS_MAX as usize);
                    rows
                }
            };
            reports.push(Report { kind: *kind, rows, counted_at });
        }
        Ok(reports)
    }

    /// The mailbox reports among `kinds`, in one statement: the mailboxes of the scope and
    /// filter counted once per order, state, offer and domain (from the `mailboxes_report`
    /// index, in its order), then each report summed from those groups.
    async fn mailbox_counts(
        &self,
        scope: Scope,
        kinds: &[ReportKind],
        q: &ReportQuery,
    ) -> Result<std::collections::HashMap<ReportKind, Vec<ReportRow>>, StoreError> {
        let filter = Filter::of(scope, q, 1);
        let branches: Vec<String> = kinds.iter().filter_map(|k| branch(*k)).collect();
        let mut out = std::collections::HashMap::new();
        if branches.is_empty() {
            return Ok(out);
        }
        // The groups follow the index's column order, so that it is read in order.
        let sql = format!(
            "WITH x AS MATERIALIZED (SELECT m.order_id, m.state, m.offer_id, m.domain, COUNT(*) AS n \
             FROM mailboxes m WHERE 1 = 1{} GROUP BY m.order_id, m.state, m.offer_id, m.domain) {}",
            filter.and(),
            branches.join(" UNION ALL ")
        );
        let mut query = sqlx::query(AssertSqlSafe(&*sql));
        for p in &filter.params {
            query = query.bind(p.clone());
        }
        for r in query.fetch_all(&self.pool).await? {
            let code: String = r.try_get("r")?;
            let Some(kind) = ReportKind::from_code(&code) else { continue };
            // A state, a domain or a month may be missing (NULL) only for booked mailboxes.
            let label: Option<String> = r.try_get("k")?;
            let width = match kind {
                ReportKind::Monthly => 1,
                _ => kind.series().len(),
            };
            let values = [r.try_get::<i64, _>("v0")?, r.try_get::<i64, _>("v1")?][..width].to_vec();
            out.entry(kind)
                .or_insert_with(Vec::new)
                .push(ReportRow { label: label.unwrap_or_default(), values });
        }
        Ok(out)
    }

    async fn fetch_rows(
        &self,
        sql: &str,
        params: &[String],
        width: usize,
    ) -> Result<Vec<ReportRow>, StoreError> {
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for p in params {
            query = query.bind(p.clone());
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let label: String = r.try_get("k")?;
                let values = (0..width)
                    .map(|i| r.try_get::<i64, _>(format!("v{i}").as_str()))
                    .collect::<Result<_, _>>()?;
                Ok(ReportRow { label, values })
            })
            .collect()
    }

    /// The disk space per customer, in MB, from the last count ([`Store::recount_disk_usage`]):
    /// used and assigned; and when it was counted ("" = not yet).
    async fn disk_by_customer(
        &self,
        scope: Scope,
        q: &ReportQuery,
    ) -> Result<(Vec<ReportRow>, String), StoreError> {
        // The counts have the columns the filter reads (order_id, offer_id) under the same name.
        let filter = Filter::of(scope, q, 1);
        let sql = format!(
            "SELECT c.name AS k, CAST(SUM(m.used_bytes) AS BIGINT) / 1048576 AS v0, \
             CAST(SUM(m.assigned_mb) AS BIGINT) AS v1 \
             FROM disk_usage_counts m JOIN orders o ON o.id = m.order_id JOIN customers c ON c.id = o.customer_id \
             WHERE 1 = 1{} GROUP BY c.id, c.name",
            filter.and()
        );
        let mut rows = self.fetch_rows(&sql, &filter.params, 2).await?;
        rows.sort_by(|a, b| b.values[0].cmp(&a.values[0]).then_with(|| a.label.cmp(&b.label)));
        rows.truncate(REPORT_ROWS_MAX as usize);
        let at: Option<String> =
            sqlx::query_scalar("SELECT counted_at FROM report_counts WHERE name = 'disk_usage'")
                .fetch_optional(&self.pool)
                .await?;
        Ok((rows, at.unwrap_or_default()))
    }

    /// Counts again, per order and offer, the disk space of the mailboxes in service
    /// ([`DISK_COUNTED`]): used (what the mail server reports in `mail_usage`, else the
    /// last imported figure) and assigned. Only if the last count is older than `every`, and
    /// only one process: it claims the count by moving `counted_at` forward in one statement.
    /// Whether this call counted.
    pub async fn recount_disk_usage(&self, every: chrono::Duration) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let claimed = sqlx::query(
            "UPDATE report_counts SET counted_at = $1 WHERE name = 'disk_usage' AND counted_at < $2",
        )
        .bind(now())
        .bind(from_now(-every + chrono::Duration::seconds(1)))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if claimed == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query("DELETE FROM disk_usage_counts").execute(&mut *tx).await?;
        // The states are the domain's codes, written in the statement.
        let states: Vec<String> = DISK_COUNTED.iter().map(|s| format!("'{}'", s.code())).collect();
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO disk_usage_counts (order_id, offer_id, used_bytes, assigned_mb) \
             SELECT m.order_id, m.offer_id, SUM(COALESCE(u.bytes, m.disk_used_mb * 1048576)), SUM(m.disk_gb) * 1024 \
             FROM mailboxes m LEFT JOIN mail_usage u ON u.login = m.address \
             WHERE m.state IN ({}) GROUP BY m.order_id, m.offer_id",
            states.join(", ")
        )))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Activations, expiries and renewals per month of the period.
    async fn monthly(&self, scope: Scope, q: &ReportQuery) -> Result<Vec<ReportRow>, StoreError> {
        let filter = Filter::of(scope, q, 2);
        let mut params = vec![q.since()];
        params.extend(filter.params.iter().cloned());
        let mut series = Vec::with_capacity(3);
        // What happened, when, from which table: activations (the mailbox's own date, in the
        // `mailboxes_report` index), expiries (the hourly job's history line), renewals (the
        // renewal order's date).
        for (from, at) in [
            ("FROM mailboxes m WHERE m.activated_at >= $1", "m.activated_at"),
            (
                "FROM activity a JOIN mailboxes m ON m.id = a.mailbox_id WHERE a.kind = 'CASELLA_SCADUTA' AND a.at >= $1",
                "a.at",
            ),
            (
                "FROM renewals r JOIN orders ro ON ro.id = r.order_id JOIN mailboxes m ON m.id = r.mailbox_id \
                 WHERE ro.created_at >= $1",
                "ro.created_at",
            ),
        ] {
            let sql = format!(
                "SELECT substr({at}, 1, 7) AS k, COUNT(*) AS v0 {from}{} GROUP BY substr({at}, 1, 7)",
                filter.and()
            );
            let rows = self.fetch_rows(&sql, &params, 1).await?;
            series.push(rows.into_iter().map(|r| (r.label, r.values[0])).collect::<Vec<_>>());
        }
        Ok(monthly_rows(&q.months, &series))
    }

    /// Orders placed in the period per operator, activations and renewals apart.
    async fn orders_by_operator(&self, scope: Scope, q: &ReportQuery) -> Result<Vec<ReportRow>, StoreError> {
        let mut conditions = vec!["o.created_at >= $1".to_string()];
        let mut params = vec![q.since()];
        if let Some(org) = match (scope, q.reseller) {
            (Scope::Organisation(org), _) => Some(org),
            (Scope::All, reseller) => reseller,
        } {
            conditions.push(format!("o.organisation_id = {org}"));
        }
        if !q.customer.is_empty() {
            params.push(format!("{}%", escape_like(&pec_domain::fields::name_key(&q.customer))));
            conditions.push(format!(
                "o.customer_id IN (SELECT id FROM customers WHERE name_key LIKE ${} ESCAPE '\\')",
                params.len()
            ));
        }
        if !q.offer.is_empty() {
            params.push(q.offer.clone());
            conditions.push(format!("o.offer_id IN (SELECT id FROM offers WHERE code = ${})", params.len()));
        }
        let sql = format!(
            "SELECT p.username AS k, SUM(CASE WHEN o.kind = 'ATTIVAZIONE' THEN 1 ELSE 0 END) AS v0, \
             SUM(CASE WHEN o.kind = 'RINNOVO' THEN 1 ELSE 0 END) AS v1 FROM orders o \
             JOIN operators p ON p.id = o.operator_id WHERE {} \
             GROUP BY p.id, p.username ORDER BY COUNT(*) DESC, k LIMIT {REPORT_ROWS_MAX}",
            conditions.join(" AND ")
        );
        self.fetch_rows(&sql, &params, 2).await
    }
}
