//! Filtered, paged lists: their SQL (`RowList`), one page of one (`Store::page_of`), and the
//! filter both expiry lists bind (`ListFilter`).

use crate::{Store, StoreError};
use pec_domain::auth::Scope;
use pec_domain::lifecycle::Date;
use sqlx::AssertSqlSafe;

/// A filtered list's SQL: which rows (`condition` over `$1`…), from where, in which order.
/// Its queries bind the filter first, then `LIMIT` (and `OFFSET`) as the last parameters.
pub(crate) struct RowList {
    pub columns: &'static str,
    pub from: &'static str,
    pub condition: fn() -> String,
    pub order: &'static str,
}

impl RowList {
    /// The count and the page of rows (`LIMIT $n OFFSET $n+1`, `n` one past the filter's).
    pub(crate) fn page_sql(&self) -> (String, String) {
        let RowList { columns, from, order, .. } = self;
        let condition = (self.condition)();
        let n = next_parameter(&condition);
        (
            format!("SELECT COUNT(*) AS n {from} WHERE {condition}"),
            format!(
                "SELECT {columns} {from} WHERE {condition} ORDER BY {order} LIMIT ${n} OFFSET ${}",
                n + 1
            ),
        )
    }

    /// Every row up to a limit (`LIMIT $n`).
    pub(crate) fn rows_sql(&self) -> String {
        let RowList { columns, from, order, .. } = self;
        let condition = (self.condition)();
        let n = next_parameter(&condition);
        format!("SELECT {columns} {from} WHERE {condition} ORDER BY {order} LIMIT ${n}")
    }
}

/// The number of the parameter after the highest `$n` of `sql`.
fn next_parameter(sql: &str) -> usize {
    let highest = sql
        .split('$')
        .skip(1)
        .filter_map(|rest| rest.split(|c: char| !c.is_ascii_digit()).next()?.parse::<usize>().ok())
        .max();
    highest.unwrap_or(0) + 1
}

impl Store {
    /// One page of a list: `count` (its total as `n`), then `rows` with the page's `LIMIT` and
    /// `OFFSET` bound last; a page past the end is the last one.
    pub(crate) async fn page_of<'q, T>(
        &self,
        count: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
        rows: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
        page: i64,
        per_page: i64,
        row: fn(&sqlx::any::AnyRow) -> Result<T, StoreError>,
    ) -> Result<pec_domain::lists::Paged<T>, StoreError> {
        use sqlx::Row;
        let total: i64 = count.fetch_one(&self.pool).await?.try_get("n")?;
        let pages = ((total + per_page - 1) / per_page).max(1);
        let page = page.clamp(1, pages);
        let found = rows.bind(per_page).bind((page - 1) * per_page).fetch_all(&self.pool).await?;
        let items = found.iter().map(row).collect::<Result<Vec<_>, _>>()?;
        Ok(pec_domain::lists::Paged { items, page, pages, total })
    }
}

/// The values both expiry lists filter by, bound as `$1` to `$7` (each list binds its own `$8`).
pub(crate) struct ListFilter<'a> {
    pub from: Date,
    pub to: Date,
    /// One state's code, or empty for every listed state.
    pub state: &'a str,
    pub customer: &'a str,
    pub offer: &'a str,
}

impl ListFilter<'_> {
    pub(crate) fn bind<'q>(
        &self,
        sql: &'q str,
        scope: Scope,
        domain: Option<&str>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
        let customer = if self.customer.is_empty() {
            String::new()
        } else {
            format!("{}%", crate::audit::escape_like(&pec_domain::fields::name_key(self.customer)))
        };
        let domain = domain.map(|d| format!("%@{}", crate::audit::escape_like(d))).unwrap_or_default();
        sqlx::query(AssertSqlSafe(sql))
            .bind(scope.sql_value())
            .bind(self.from.iso())
            .bind(self.to.iso())
            .bind(self.state.to_string())
            .bind(customer)
            .bind(self.offer.to_uppercase())
            .bind(domain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lists_limit_and_offset_follow_its_highest_parameter() {
        assert_eq!(
            next_parameter("($1 = 0 OR o.organisation_id = $1) AND m.expires_at <= $3 AND $8 = -1"),
            9
        );
        assert_eq!(next_parameter("$12 > 0"), 13);
        assert_eq!(next_parameter("1 = 1"), 1);
        let list = RowList {
            columns: "a",
            from: "FROM t",
            condition: || "($1 = 0 OR b = $1) AND c = $2".into(),
            order: "a",
        };
        let (count, rows) = list.page_sql();
        assert_eq!(count, "SELECT COUNT(*) AS n FROM t WHERE ($1 = 0 OR b = $1) AND c = $2");
        assert_eq!(rows, "SELECT a FROM t WHERE ($1 = 0 OR b = $1) AND c = $2 ORDER BY a LIMIT $3 OFFSET $4");
        assert_eq!(
            list.rows_sql(),
            "SELECT a FROM t WHERE ($1 = 0 OR b = $1) AND c = $2 ORDER BY a LIMIT $3"
        );
    }
}
