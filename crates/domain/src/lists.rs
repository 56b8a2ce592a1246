//! Long lists: pages of rows, and how much one export may hold.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paged<T> {
    pub items: Vec<T>,
    /// 1-based.
    pub page: i64,
    pub pages: i64,
    pub total: i64,
}

/// Rows a page shows of a long list (an order's mailboxes, a large request): pages stay small
/// however large the order (10,000 mailboxes would be megabytes of HTML).
pub const LIST_PAGE_ROWS: usize = 100;

/// Which slice of a long list a page shows: page `page` (1-based) of `pages`, over `total` rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageOf {
    pub page: usize,
    pub pages: usize,
    pub total: usize,
}

impl PageOf {
    /// The page asked for, brought within the list (an old link past the end shows the last page).
    pub fn new(asked: usize, total: usize, per_page: usize) -> Self {
        let pages = total.div_ceil(per_page.max(1)).max(1);
        Self { page: asked.clamp(1, pages), pages, total }
    }

    /// Every row on one page.
    pub fn whole(total: usize) -> Self {
        Self { page: 1, pages: 1, total }
    }

    /// Index of the first row shown, for a page of `per_page` rows.
    pub fn offset(&self, per_page: usize) -> usize {
        (self.page - 1) * per_page
    }

    /// "?pagina=N" from a query value; anything else is page 1.
    pub fn asked(value: Option<&str>) -> usize {
        value.and_then(|v| v.trim().parse().ok()).filter(|p| *p > 0).unwrap_or(1)
    }
}

/// Most rows of one export of a list (Ricerca, Registro attività): past it the file says so.
pub const EXPORT_ROWS_MAX: i64 = 100_000;

/// The line an export ends with when the list had more than the `limit` rows exported.
pub fn export_cut_note(limit: i64) -> String {
    format!("Esportate solo le prime {limit} righe: restringere il filtro per esportare le altre")
}

#[cfg(test)]
mod tests {
    use super::PageOf;

    #[test]
    fn pages_are_clamped_to_the_list() {
        assert_eq!(PageOf::new(1, 0, 100), PageOf { page: 1, pages: 1, total: 0 });
        assert_eq!(PageOf::new(7, 10_000, 100), PageOf { page: 7, pages: 100, total: 10_000 });
        assert_eq!(PageOf::new(500, 10_001, 100), PageOf { page: 101, pages: 101, total: 10_001 });
        assert_eq!(PageOf::new(0, 50, 100).page, 1);
        assert_eq!(PageOf::new(3, 250, 100).offset(100), 200);
        assert_eq!(PageOf::asked(Some("12")), 12);
        assert_eq!(PageOf::asked(Some("-1")), 1);
        assert_eq!(PageOf::asked(Some("x")), 1);
        assert_eq!(PageOf::asked(None), 1);
    }
}
