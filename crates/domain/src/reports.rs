//! "Report": what each report counts, its filter as typed in the address, its table's header
//! and the bars of its chart. The store computes the numbers with SQL aggregates; the page
//! draws them; the export writes the same rows.

use crate::dates::italian_stamp;
use crate::lifecycle::Date;
use crate::MailboxState;
use serde::{Deserialize, Serialize};

/// The mailboxes "Spazio disco per cliente" counts: those in service on the mail platform,
/// whose space is given and used (a booked one has none yet, a revoked one's is being emptied).
pub const DISK_COUNTED: [MailboxState; 3] =
    [MailboxState::Attiva, MailboxState::Sospesa, MailboxState::Scaduta];

/// The reports, in the page's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ReportKind {
    ByState,
    ByOffer,
    ByCustomer,
    ByDomain,
    /// The disk space used (what the mail server reports, else the last import) and assigned.
    DiskByCustomer,
    Monthly,
    ByOperator,
    /// Only for the provider.
    ByReseller,
}

impl ReportKind {
    pub const ALL: [Self; 8] = [
        Self::ByState,
        Self::ByOffer,
        Self::ByCustomer,
        Self::ByDomain,
        Self::DiskByCustomer,
        Self::Monthly,
        Self::ByOperator,
        Self::ByReseller,
    ];

    /// The code in addresses and file names.
    pub fn code(self) -> &'static str {
        match self {
            Self::ByState => "stato",
            Self::ByOffer => "offerta",
            Self::ByCustomer => "cliente",
            Self::ByDomain => "dominio",
            Self::DiskByCustomer => "spazio",
            Self::Monthly => "mensile",
            Self::ByOperator => "operatori",
            Self::ByReseller => "rivenditori",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::ByState => "Caselle per stato",
            Self::ByOffer => "Caselle per offerta",
            Self::ByCustomer => "Caselle per cliente",
            Self::ByDomain => "Caselle per dominio",
            Self::DiskByCustomer => "Spazio disco per cliente",
            Self::Monthly => "Attivazioni, scadenze e rinnovi per mese",
            Self::ByOperator => "Ordini per operatore",
            Self::ByReseller => "Caselle per rivenditore",
        }
    }

    /// The first column's name.
    pub fn label_column(self) -> &'static str {
        match self {
            Self::ByState => "Stato",
            Self::ByOffer => "Offerta",
            Self::ByCustomer | Self::DiskByCustomer => "Cliente",
            Self::ByDomain => "Dominio",
            Self::Monthly => "Mese",
            Self::ByOperator => "Operatore",
            Self::ByReseller => "Rivenditore",
        }
    }

    /// The numbers of each row (the chart draws one bar per series).
    pub fn series(self) -> &'static [&'static str] {
        match self {
            Self::ByState | Self::ByOffer | Self::ByCustomer | Self::ByDomain => &["Caselle"],
            Self::DiskByCustomer => &["Spazio usato (MB)", "Spazio assegnato (MB)"],
            Self::Monthly => &["Attivazioni", "Scadenze", "Rinnovi"],
            Self::ByOperator => &["Ordini di attivazione", "Ordini di rinnovo"],
            Self::ByReseller => &["Caselle", "Caselle attive"],
        }
    }

    /// Whether the period filter applies (the others count what exists today).
    pub fn by_period(self) -> bool {
        matches!(self, Self::Monthly | Self::ByOperator)
    }

    /// Rows shown on the page before the rest are summed as "Altri" (the export has them all).
    pub fn shown(self) -> Option<usize> {
        match self {
            Self::ByCustomer
            | Self::ByDomain
            | Self::ByOffer
            | Self::ByOperator
            | Self::ByReseller
            | Self::DiskByCustomer => Some(20),
            Self::ByState | Self::Monthly => None,
        }
    }

    pub fn csv_header(self) -> Vec<&'static str> {
        let mut h = vec![self.label_column()];
        h.extend_from_slice(self.series());
        h
    }
}

/// One row of a report: its label and a number per series.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportRow {
    pub label: String,
    pub values: Vec<i64>,
}

impl ReportRow {
    pub fn cells(&self) -> Vec<String> {
        let mut c = vec![self.label.clone()];
        c.extend(self.values.iter().map(|v| v.to_string()));
        c
    }
}

/// A report's rows; `others` sums the rows past those shown (same series).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub kind: ReportKind,
    pub rows: Vec<ReportRow>,
    /// When a report read from counts made beforehand was counted (stored time, "" = never);
    /// `None` for a report counted as it is asked for.
    pub counted_at: Option<String>,
}

impl Report {
    /// What the numbers describe, after the title in the chart's caption: the period, today, or
    /// when counts made beforehand were counted.
    pub fn when(&self, months: u32) -> String {
        match (&self.counted_at, self.kind.by_period()) {
            (Some(at), _) if at.is_empty() => "non ancora contato".to_string(),
            (Some(at), _) => format!("conteggio del {}", italian_stamp(at)),
            (None, true) => format!("ultimi {months} mesi"),
            (None, false) => "situazione attuale".to_string(),
        }
    }

    /// The rows to show: the first `shown`, then one "Altri" row summing the rest.
    pub fn shown_rows(&self) -> Vec<ReportRow> {
        match self.kind.shown() {
            Some(n) if self.rows.len() > n + 1 => {
                let mut rows = self.rows[..n].to_vec();
                let width = self.kind.series().len();
                let mut rest = vec![0; width];
                for r in &self.rows[n..] {
                    for (sum, v) in rest.iter_mut().zip(&r.values) {
                        *sum += v;
                    }
                }
                rows.push(ReportRow { label: format!("Altri ({})", self.rows.len() - n), values: rest });
                rows
            }
            _ => self.rows.clone(),
        }
    }
}

/// "Periodo" choices, in months.
pub const PERIODS: [u32; 2] = [12, 24];

/// Longest value of a filter field (echoed into addresses and links): the expiry lists' bound.
pub use crate::renewals::VALUE_MAX;

/// The page's filter as typed in the address (empty means any).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReportFilter {
    /// "12" or "24".
    pub months: String,
    /// The start of the customer's name.
    pub customer: String,
    /// An offer code.
    pub offer: String,
    /// A reseller's organisation id (the provider's filter).
    pub reseller: String,
}

impl ReportFilter {
    /// Each field by the name the address gives it: the one mapping, read back by `from_pairs`.
    pub fn pairs(&self) -> [(&'static str, &str); 4] {
        [
            ("periodo", &self.months),
            ("cliente", &self.customer),
            ("offerta", &self.offer),
            ("rivenditore", &self.reseller),
        ]
    }

    /// The filter from named values, each cut to `VALUE_MAX` characters.
    pub fn from_pairs(get: impl Fn(&str) -> String) -> Self {
        let mut f = Self::default();
        for (key, field) in [
            ("periodo", &mut f.months),
            ("cliente", &mut f.customer),
            ("offerta", &mut f.offer),
            ("rivenditore", &mut f.reseller),
        ] {
            *field = get(key).chars().take(VALUE_MAX).collect();
        }
        f
    }

    pub fn months(&self) -> u32 {
        self.months.parse().ok().filter(|m| PERIODS.contains(m)).unwrap_or(PERIODS[0])
    }

    /// What the store counts on `today`. Unusable values mean "any" (a filter never fails).
    pub fn query(&self, today: Date) -> ReportQuery {
        let months = self.months();
        ReportQuery {
            months: month_keys(today, months),
            customer: self.customer.trim().to_string(),
            offer: self.offer.trim().to_uppercase(),
            reseller: self.reseller.trim().parse().ok().filter(|id| *id > 0),
        }
    }
}

/// A checked report filter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportQuery {
    /// The period's months, `YYYY-MM`, oldest first; the first is where the period starts.
    pub months: Vec<String>,
    pub customer: String,
    pub offer: String,
    pub reseller: Option<i64>,
}

impl ReportQuery {
    /// The period's first instant, as stored times and dates compare (`YYYY-MM-01`).
    pub fn since(&self) -> String {
        self.months.first().map(|m| format!("{m}-01")).unwrap_or_default()
    }
}

/// The last `months` months up to `today`'s, `YYYY-MM`, oldest first.
pub fn month_keys(today: Date, months: u32) -> Vec<String> {
    let index = today.year * 12 + today.month as i32 - 1;
    (0..months as i32)
        .rev()
        .map(|back| {
            let i = index - back;
            format!("{:04}-{:02}", i.div_euclid(12), i.rem_euclid(12) + 1)
        })
        .collect()
}

/// A month key as shown: `11/2026`.
pub fn month_label(key: &str) -> String {
    match key.split_once('-') {
        Some((y, m)) => format!("{m}/{y}"),
        None => key.to_string(),
    }
}

/// The monthly report's rows: every month of the period, zero where nothing happened, from
/// counts per month key of each series.
pub fn monthly_rows(months: &[String], series: &[Vec<(String, i64)>]) -> Vec<ReportRow> {
    months
        .iter()
        .map(|m| ReportRow {
            label: month_label(m),
            values: series.iter().map(|s| s.iter().filter(|(k, _)| k == m).map(|(_, n)| n).sum()).collect(),
        })
        .collect()
}

/// The top of a chart's scale: the largest value rounded up to 1, 2 or 5 times a power of
/// ten, so that the gridlines fall on round numbers.
pub fn scale_top(max: i64) -> i64 {
    if max <= 0 {
        return 1;
    }
    let mut step = 1i64;
    loop {
        for m in [1, 2, 5] {
            if step.saturating_mul(m) >= max {
                return step * m;
            }
        }
        step = step.saturating_mul(10);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_period_is_the_last_months_up_to_today() {
        let today = Date { year: 2026, month: 2, day: 27 };
        let keys = month_keys(today, 12);
        assert_eq!(keys.len(), 12);
        assert_eq!((keys[0].as_str(), keys[11].as_str()), ("2025-03", "2026-02"));
        assert_eq!(month_keys(today, 24)[0], "2024-03");
        let q = ReportFilter { months: "24".into(), ..Default::default() }.query(today);
        assert_eq!(q.since(), "2024-03-01");
        // Unknown values fall back to the defaults.
        let q = ReportFilter { months: "7".into(), reseller: "x".into(), ..Default::default() }.query(today);
        assert_eq!((q.months.len(), q.reseller), (12, None));
        assert_eq!(month_label("2026-02"), "02/2026");
    }

    #[test]
    fn monthly_rows_have_every_month_and_zeros() {
        let months = vec!["2026-01".to_string(), "2026-02".to_string(), "2026-03".to_string()];
        let rows = monthly_rows(
            &months,
            &[vec![("2026-01".into(), 4), ("2026-03".into(), 1)], vec![], vec![("2026-02".into(), 2)]],
        );
        assert_eq!(
            rows.iter().map(|r| (r.label.as_str(), r.values.clone())).collect::<Vec<_>>(),
            vec![("01/2026", vec![4, 0, 0]), ("02/2026", vec![0, 0, 2]), ("03/2026", vec![1, 0, 0])]
        );
    }

    #[test]
    fn the_caption_says_the_period_today_or_when_it_was_counted() {
        let report = |kind, counted_at: Option<&str>| Report {
            kind,
            rows: Vec::new(),
            counted_at: counted_at.map(str::to_string),
        };
        assert_eq!(report(ReportKind::Monthly, None).when(24), "ultimi 24 mesi");
        assert_eq!(report(ReportKind::ByState, None).when(12), "situazione attuale");
        assert_eq!(report(ReportKind::DiskByCustomer, Some("")).when(12), "non ancora contato");
        assert_eq!(
            report(ReportKind::DiskByCustomer, Some("2026-12-07 04:00:12")).when(12),
            "conteggio del 07/12/2026 04:00"
        );
    }

    #[test]
    fn long_reports_sum_the_rest_as_others() {
        let rows: Vec<ReportRow> =
            (0..25).map(|i| ReportRow { label: format!("c{i}"), values: vec![100 - i] }).collect();
        let r = Report { kind: ReportKind::ByCustomer, rows, counted_at: None };
        let shown = r.shown_rows();
        assert_eq!(shown.len(), 21);
        assert_eq!(shown[20], ReportRow { label: "Altri (5)".into(), values: vec![80 + 79 + 78 + 77 + 76] });
        // One row past the limit is shown as itself, not as "Altri (1)".
        let r = Report { kind: ReportKind::ByCustomer, rows: r.rows[..21].to_vec(), counted_at: None };
        assert_eq!(r.shown_rows().len(), 21);
    }

    #[test]
    fn the_scale_ends_on_a_round_number() {
        assert_eq!(
            [0, 1, 3, 7, 10, 11, 180, 501, 1_000_000].map(scale_top),
            [1, 1, 5, 10, 10, 20, 200, 1000, 1_000_000]
        );
    }

    #[test]
    fn filters_round_trip_and_are_bounded() {
        let f = ReportFilter {
            months: "24".into(),
            customer: "Ros".into(),
            offer: "PEC".into(),
            reseller: "2".into(),
        };
        let back = ReportFilter::from_pairs(|k| {
            f.pairs().iter().find(|(key, _)| *key == k).map(|(_, v)| v.to_string()).unwrap_or_default()
        });
        assert_eq!(back, f);
        let long = ReportFilter::from_pairs(|_| "é".repeat(1000));
        assert!(long.pairs().iter().all(|(_, v)| v.chars().count() == VALUE_MAX));
        assert_eq!(ReportKind::from_code("mensile"), Some(ReportKind::Monthly));
        assert_eq!(ReportKind::Monthly.csv_header(), vec!["Mese", "Attivazioni", "Scadenze", "Rinnovi"]);
    }
}
