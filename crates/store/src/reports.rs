//! "Report": counts by SQL aggregates (`GROUP BY`), never by loading rows. Joins and conditions
//! are written only when a report or a filter needs them, so that the provider's unfiltered
//! counts read the mailboxes table alone.

use super::*;
use pec_domain::auth::Scope;
use pec_domain::reports::{monthly_rows, Report, ReportKind, ReportQuery, ReportRow};
use sqlx::Row;

/// Most rows of one report (its export included): a row is a customer, a domain, an operator…
pub const REPORT_ROWS_MAX: i64 = 100_000;

/// The joins and conditions of one aggregate, built as it is needed.
struct Aggregate {
    joins: Vec<&'static str>,
    conditions: Vec<String>,
    params: Vec<String>,
}

impl Aggregate {
    fn new() -> Self {
        Self { joins: Vec::new(), conditions: Vec::new(), params: Vec::new() }
    }

    fn join(&mut self, j: &'static str) {
        if !self.joins.contains(&j) {
            self.joins.push(j);
        }
    }

    fn param(&mut self, value: String) -> String {
        self.params.push(value);
        format!("${}", self.params.len())
    }

    fn where_clause(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.conditions.join(" AND "))
        }
    }
}

const ORDERS: &str = "JOIN orders o ON o.id = m.order_id";
const CUSTOMERS: &str = "JOIN customers c ON c.id = o.customer_id";
const OFFERS: &str = "JOIN offers f ON f.id = m.offer_id";

/// The scope and the filters on mailboxes `m` (the orders' filters use `orders_filter`).
fn mailbox_filter(a: &mut Aggregate, scope: Scope, q: &ReportQuery) {
    // Integers from the session or parsed as such, not text: written in the statement.
    if let Scope::Organisation(org) = scope {
        a.join(ORDERS);
        a.conditions.push(format!("o.organisation_id = {org}"));
    }
    if let (Scope::All, Some(reseller)) = (scope, q.reseller) {
        a.join(ORDERS);
        a.conditions.push(format!("o.organisation_id = {reseller}"));
    }
    if !q.customer.is_empty() {
        a.join(ORDERS);
        a.join(CUSTOMERS);
        let p = a.param(format!("{}%", escape_like(&pec_domain::fields::name_key(&q.customer))));
        a.conditions.push(format!("c.name_key LIKE {p} ESCAPE '\\'"));
    }
    if !q.offer.is_empty() {
        a.join(OFFERS);
        let p = a.param(q.offer.clone());
        a.conditions.push(format!("f.code = {p}"));
    }
}

impl Store {
    /// The domain of a mailbox's address, in this database's dialect.
    fn address_domain(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "substr(m.address, instr(m.address, '@') + 1)",
            Backend::Postgres => "split_part(m.address, '@', 2)",
        }
    }

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
        let rows = match kind {
            ReportKind::Monthly => self.monthly(scope, q).await?,
            ReportKind::ByOperator => self.orders_by_operator(scope, q).await?,
            _ => self.mailboxes_by(scope, kind, q).await?,
        };
        Ok(Some(Report { kind, rows }))
    }

    async fn fetch_rows(
        &self,
        sql: &str,
        params: &[String],
        width: usize,
    ) -> Result<Vec<ReportRow>, StoreError> {
        let mut query = sqlx::query(sql);
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

    /// Mailboxes counted by state, offer, customer, domain or reseller, as they are today.
    async fn mailboxes_by(
        &self,
        scope: Scope,
        kind: ReportKind,
        q: &ReportQuery,
    ) -> Result<Vec<ReportRow>, StoreError> {
        let mut a = Aggregate::new();
        mailbox_filter(&mut a, scope, q);
        let (key, group, values) = match kind {
            ReportKind::ByState => ("m.state", "m.state", "COUNT(*) AS v0"),
            ReportKind::ByOffer => {
                a.join(OFFERS);
                ("f.name", "f.id, f.name", "COUNT(*) AS v0")
            }
            ReportKind::ByCustomer => {
                a.join(ORDERS);
                a.join(CUSTOMERS);
                ("c.name", "c.id, c.name", "COUNT(*) AS v0")
            }
            ReportKind::ByDomain => (self.address_domain(), self.address_domain(), "COUNT(*) AS v0"),
            _ => {
                a.join(ORDERS);
                a.join("JOIN organisations g ON g.id = o.organisation_id");
                (
                    "g.name",
                    "g.id, g.name",
                    "COUNT(*) AS v0, SUM(CASE WHEN m.state = 'ATTIVA' THEN 1 ELSE 0 END) AS v1",
                )
            }
        };
        let sql = format!(
            "SELECT {key} AS k, {values} FROM mailboxes m {} {} GROUP BY {group} ORDER BY v0 DESC, k LIMIT {REPORT_ROWS_MAX}",
            a.joins.join(" "),
            a.where_clause()
        );
        self.fetch_rows(&sql, &a.params, kind.series().len()).await
    }

    /// Activations, expiries and renewals per month of the period.
    async fn monthly(&self, scope: Scope, q: &ReportQuery) -> Result<Vec<ReportRow>, StoreError> {
        let since = q.since();
        let mut series = Vec::with_capacity(3);
        // What happened, when, from which table: activations (the mailbox's own date),
        // expiries (the hourly job's history line), renewals (the renewal order's date).
        for (from, at) in [
            ("FROM mailboxes m", "m.activated_at"),
            ("FROM activity a JOIN mailboxes m ON m.id = a.mailbox_id", "a.at"),
            ("FROM renewals r JOIN orders ro ON ro.id = r.order_id JOIN mailboxes m ON m.id = r.mailbox_id", "ro.created_at"),
        ] {
            let mut a = Aggregate::new();
            mailbox_filter(&mut a, scope, q);
            let p = a.param(since.clone());
            a.conditions.push(format!("{at} >= {p}"));
            if at == "a.at" {
                a.conditions.push("a.kind = 'CASELLA_SCADUTA'".into());
            }
            let sql = format!(
                "SELECT substr({at}, 1, 7) AS k, COUNT(*) AS v0 {from} {} {} GROUP BY substr({at}, 1, 7)",
                a.joins.join(" "),
                a.where_clause()
            );
            let rows = self.fetch_rows(&sql, &a.params, 1).await?;
            series.push(rows.into_iter().map(|r| (r.label, r.values[0])).collect::<Vec<_>>());
        }
        Ok(monthly_rows(&q.months, &series))
    }

    /// Orders placed in the period per operator, activations and renewals apart.
    async fn orders_by_operator(&self, scope: Scope, q: &ReportQuery) -> Result<Vec<ReportRow>, StoreError> {
        let mut a = Aggregate::new();
        a.join("JOIN operators p ON p.id = o.operator_id");
        if let Scope::Organisation(org) = scope {
            a.conditions.push(format!("o.organisation_id = {org}"));
        }
        if let (Scope::All, Some(reseller)) = (scope, q.reseller) {
            a.conditions.push(format!("o.organisation_id = {reseller}"));
        }
        if !q.customer.is_empty() {
            a.join("JOIN customers c ON c.id = o.customer_id");
            let p = a.param(format!("{}%", escape_like(&pec_domain::fields::name_key(&q.customer))));
            a.conditions.push(format!("c.name_key LIKE {p} ESCAPE '\\'"));
        }
        if !q.offer.is_empty() {
            a.join("JOIN offers f ON f.id = o.offer_id");
            let p = a.param(q.offer.clone());
            a.conditions.push(format!("f.code = {p}"));
        }
        let p = a.param(q.since());
        a.conditions.push(format!("o.created_at >= {p}"));
        let sql = format!(
            "SELECT p.username AS k, SUM(CASE WHEN o.kind = 'ATTIVAZIONE' THEN 1 ELSE 0 END) AS v0, \
             SUM(CASE WHEN o.kind = 'RINNOVO' THEN 1 ELSE 0 END) AS v1 FROM orders o {} {} \
             GROUP BY p.id, p.username ORDER BY COUNT(*) DESC, k LIMIT {REPORT_ROWS_MAX}",
            a.joins.join(" "),
            a.where_clause()
        );
        self.fetch_rows(&sql, &a.params, 2).await
    }
}
