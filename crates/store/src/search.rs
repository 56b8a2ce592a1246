//! Ricerca: mailboxes and orders found by name, userid, codice fiscale or reference.

use super::*;
use pec_domain::auth::Scope;
use pec_domain::lists::Paged;
use pec_domain::search::SearchHit;
use pec_domain::search::SearchQuery;
use pec_domain::MailboxState;
use sqlx::Row;

impl Store {
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
        // Counted up to a bound (the page's, or the export's when larger): past it the exact
        // number is not worth reading every row.
        let cap = pec_domain::search::SEARCH_COUNT_MAX.max(per_page);
        let count_sql = format!("SELECT COUNT(*) FROM (SELECT 1 {FROM} {filter} LIMIT {}) t", cap + 1);
        let mut count = sqlx::query_scalar::<_, i64>(AssertSqlSafe(count_sql));
        for p in &params {
            count = count.bind(p.clone());
        }
        let total = count.fetch_one(&self.pool).await?;
        if total == 0 {
            return Ok(Paged { items: Vec::new(), page: 1, pages: 1, total });
        }
        let pages = ((total + per_page - 1) / per_page).max(1);
        let page = page.clamp(1, pages);
        // Few hits: PostgreSQL reads them by the prefix indexes and sorts them (`+ 0` keeps it
        // from walking the whole primary key backwards, hoping to meet 50 matches early:
        // 0.5 s at 1,000,000 mailboxes). Many hits: walking newest first meets them at once.
        let order = if total <= cap { "m.id + 0" } else { "m.id" };
        let sql = format!(
            "SELECT m.userid, m.address, m.state, m.reference, m.first_name, m.last_name, m.tax_code, \
             o.number, c.name AS customer, f.name AS offer {FROM} {filter} ORDER BY {order} DESC LIMIT {per_page} OFFSET {}",
            (page - 1) * per_page
        );
        let mut rows = sqlx::query(AssertSqlSafe(&*sql));
        for p in &params {
            rows = rows.bind(p.clone());
        }
        let rows = rows.fetch_all(&self.pool).await?;
        let items = rows
            .iter()
            .map(|r| {
                Ok(SearchHit {
                    userid: user_id_of(r, "userid")?,
                    address: r.try_get("address")?,
                    state: code_of(r, "state", MailboxState::from_code)?,
                    reference: r.try_get("reference")?,
                    holder: format!(
                        "{} {}",
                        r.try_get::<String, _>("first_name")?,
                        r.try_get::<String, _>("last_name")?
                    )
                    .trim()
                    .to_string(),
                    tax_code: r.try_get("tax_code")?,
                    order_number: order_number_of(r, "number")?,
                    customer: r.try_get("customer")?,
                    offer: r.try_get("offer")?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(Paged { items, page, pages, total })
    }
}
