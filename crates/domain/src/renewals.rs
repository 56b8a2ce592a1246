//! Renewals and expiry reminders: the date a renewal extends a mailbox to, whether it may be
//! renewed at all (the grace period after expiry), and which reminder is due. Pure: the store
//! applies them in its transactions, the hourly job calls them with today's date.

use crate::lifecycle::{apply, Date, Transition};
use crate::states::MailboxState;
use serde::{Deserialize, Serialize};

/// Why a mailbox cannot be renewed, in Italian.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum RenewalRefused {
    #[error("Una casella {} non si rinnova", .0.code())]
    State(MailboxState),
    #[error("Scaduta da oltre {0} giorni: non più rinnovabile (serve un nuovo ordine)")]
    PastGrace(i64),
    /// A product whose service was switched off.
    #[error("Prodotto cessato: non si rinnova (riattivare il servizio sulla casella)")]
    Ceased,
}

/// A renewal of one mailbox: its new expiry and the state it is in afterwards.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Renewed {
    pub expires: Date,
    pub state: MailboxState,
}

/// Renewing a mailbox in `state` that expires (or expired) on `expires`, by an offer of
/// `months`, on `today`: the new expiry counts from the current one, not from today; an
/// expired mailbox comes back to ATTIVA within `grace_days` of its expiry, not after.
pub fn renew(
    state: MailboxState,
    expires: Date,
    months: u32,
    today: Date,
    grace_days: i64,
) -> Result<Renewed, RenewalRefused> {
    let after = apply(state, Transition::Renew).map_err(|_| RenewalRefused::State(state))?;
    if state == MailboxState::Scaduta && expires.add_days(grace_days) < today {
        return Err(RenewalRefused::PastGrace(grace_days));
    }
    Ok(Renewed { expires: expires.add_months(months), state: after })
}

/// The reminder due on `today` for a mailbox expiring on `expires`: the smallest of `windows`
/// (days before expiry) that has been reached. One a window; a window missed while the
/// server was down is skipped for the next one, so a customer never gets two at once.
pub fn due_reminder(expires: Date, today: Date, windows: &[i64]) -> Option<i64> {
    let left = today.days_until(expires);
    if left < 0 {
        return None;
    }
    windows.iter().copied().filter(|w| *w >= left).min()
}

/// The reminder e-mail for a mailbox expiring on `expires` (`days` before it): subject and body.
pub fn reminder_mail(address: &str, userid: &str, expires: Date, days: i64, tacit: bool) -> (String, String) {
    let subject = format!("Casella PEC {address}: scade il {}", expires.italian());
    let what_next = if tacit {
        "La casella ha il rinnovo tacito: sarà rinnovata automaticamente alla scadenza."
    } else {
        "Per non perdere la casella, ne chieda il rinnovo al suo fornitore prima della scadenza."
    };
    let body = format!(
        "Gentile cliente,\r\n\r\nla casella PEC {address} (userid {userid}) scade il {} (tra {days} giorni).\r\n\
         {what_next}\r\n\r\nQuesto è un promemoria automatico: non risponda a questo messaggio.\r\n",
        expires.italian()
    );
    (subject, body)
}

/// Longest value of one filter field (a customer's name is at most 200 in step 1, but a prefix
/// is what a filter needs).
pub const VALUE_MAX: usize = 100;

/// Most mailboxes (or products) one renewal order may hold: as many as one CSV file of an order.
pub const RENEW_MAX: usize = crate::csv_file::MAX_ROWS;

/// "Scadenza entro" choices, in days.
pub const WINDOWS: [i64; 3] = [30, 60, 90];

/// "Gestione scadenze caselle" filter, as typed in the address (empty means any; the window
/// defaults to the first).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExpiryFilter {
    /// "30", "60" or "90".
    pub within: String,
    /// "Dal" and "Al", `YYYY-MM-DD` (what a date input sends).
    pub from: String,
    pub to: String,
    pub customer: String,
    pub offer: String,
    pub domain: String,
    pub state: String,
    /// "si", "no" or empty.
    pub tacit: String,
    /// A product kind's code (the products' page).
    pub product: String,
}

/// The states an expiry list shows: those that expire or have just expired.
pub const LISTED_STATES: [MailboxState; 3] =
    [MailboxState::Attiva, MailboxState::Sospesa, MailboxState::Scaduta];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ExpiryFilterError {
    #[error("Data non valida: usare il formato gg/mm/aaaa")]
    Date,
    #[error("«Dal» deve precedere «Al»")]
    Order,
}

impl ExpiryFilter {
    /// Each field by the name the address and the forms give it: the one mapping, read back
    /// by `from_pairs`.
    pub fn pairs(&self) -> [(&'static str, &str); 9] {
        [
            ("entro", &self.within),
            ("dal", &self.from),
            ("al", &self.to),
            ("cliente", &self.customer),
            ("offerta", &self.offer),
            ("dominio", &self.domain),
            ("stato", &self.state),
            ("tacito", &self.tacit),
            ("prodotto", &self.product),
        ]
    }

    /// The filter from named values (`get` answers "" for a missing one), each cut to
    /// `VALUE_MAX` characters: the filter is echoed into addresses and forms.
    pub fn from_pairs(get: impl Fn(&str) -> String) -> Self {
        let mut f = Self::default();
        for (key, field) in [
            ("entro", &mut f.within),
            ("dal", &mut f.from),
            ("al", &mut f.to),
            ("cliente", &mut f.customer),
            ("offerta", &mut f.offer),
            ("dominio", &mut f.domain),
            ("stato", &mut f.state),
            ("tacito", &mut f.tacit),
            ("prodotto", &mut f.product),
        ] {
            *field = get(key).chars().take(VALUE_MAX).collect();
        }
        f
    }

    /// The window in days ("Scadenza entro").
    pub fn window(&self) -> i64 {
        self.within.parse().ok().filter(|d| WINDOWS.contains(d)).unwrap_or(WINDOWS[0])
    }

    /// The expiry dates listed: "Dal"/"Al" when given; otherwise from the start of the grace
    /// period (mailboxes expired and still renewable) to the window's end.
    pub fn range(&self, today: Date, grace_days: i64) -> Result<(Date, Date), ExpiryFilterError> {
        let date = |s: &str, default: Date| -> Result<Date, ExpiryFilterError> {
            let s = s.trim();
            if s.is_empty() {
                return Ok(default);
            }
            Date::parse_iso(s)
                .filter(|d| s.len() == 10 && d.month >= 1 && d.month <= 12 && d.day >= 1 && d.day <= 31)
                .filter(|d| Date::from_day_number(d.day_number()) == *d)
                .ok_or(ExpiryFilterError::Date)
        };
        let from = date(&self.from, today.add_days(-grace_days))?;
        let to = date(&self.to, today.add_days(self.window()))?;
        if from > to {
            return Err(ExpiryFilterError::Order);
        }
        Ok((from, to))
    }

    /// The states asked for (one, or all those listed).
    pub fn states(&self) -> Vec<MailboxState> {
        match MailboxState::from_code(&self.state) {
            Some(s) if LISTED_STATES.contains(&s) => vec![s],
            _ => LISTED_STATES.to_vec(),
        }
    }

    pub fn tacit(&self) -> Option<bool> {
        match self.tacit.as_str() {
            "si" => Some(true),
            "no" => Some(false),
            _ => None,
        }
    }

    /// What the store selects, or why the filter cannot be used.
    pub fn query(&self, today: Date, grace_days: i64) -> Result<ExpiryQuery, ExpiryFilterError> {
        let (from, to) = self.range(today, grace_days)?;
        let domain = crate::domains::domain_name(&self.domain).ok();
        Ok(ExpiryQuery {
            from,
            to,
            states: self.states(),
            customer: self.customer.trim().chars().take(200).collect(),
            offer: self.offer.trim().chars().take(40).collect(),
            domain,
            tacit: self.tacit(),
        })
    }
}

/// A checked expiry filter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpiryQuery {
    pub from: Date,
    pub to: Date,
    pub states: Vec<MailboxState>,
    /// The start of the customer's name (any case); empty means any.
    pub customer: String,
    /// An offer code; empty means any.
    pub offer: String,
    pub domain: Option<String>,
    pub tacit: Option<bool>,
}

/// One mailbox of "Gestione scadenze caselle".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpiryRow {
    pub userid: crate::ids::UserId,
    pub address: String,
    pub description: String,
    pub customer: String,
    pub offer: String,
    pub order_number: crate::ids::OrderNumber,
    pub state: MailboxState,
    pub expires_at: Date,
    pub tacit: bool,
}

/// The export's header and a row's cells (the CSV writer makes them formula-safe).
pub const EXPORT_HEADER: [&str; 9] = [
    "Userid",
    "Casella",
    "Descrizione",
    "Cliente",
    "Offerta",
    "Ordine",
    "Stato",
    "Scadenza",
    "Rinnovo tacito",
];

impl ExpiryRow {
    pub fn cells(&self) -> [String; 9] {
        [
            self.userid.to_string(),
            self.address.clone(),
            self.description.clone(),
            self.customer.clone(),
            self.offer.clone(),
            self.order_number.to_string(),
            self.state.code().to_string(),
            self.expires_at.italian(),
            if self.tacit { "sì" } else { "no" }.to_string(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use MailboxState as S;

    fn d(year: i32, month: u32, day: u32) -> Date {
        Date { year, month, day }
    }

    #[test]
    fn a_renewal_counts_from_the_current_expiry() {
        let today = d(2026, 11, 27);
        assert_eq!(
            renew(S::Attiva, d(2026, 12, 15), 12, today, 30),
            Ok(Renewed { expires: d(2027, 12, 15), state: S::Attiva })
        );
        assert_eq!(renew(S::Sospesa, d(2027, 3, 1), 24, today, 30).map(|r| r.state), Ok(S::Sospesa));
        // End of month and leap years.
        assert_eq!(renew(S::Attiva, d(2028, 2, 29), 12, today, 30).unwrap().expires, d(2029, 2, 28));
        assert_eq!(renew(S::Attiva, d(2027, 2, 28), 12, today, 30).unwrap().expires, d(2028, 2, 28));
        assert_eq!(renew(S::Attiva, d(2027, 1, 31), 1, today, 30).unwrap().expires, d(2027, 2, 28));
        assert_eq!(renew(S::Attiva, d(2028, 1, 31), 1, today, 30).unwrap().expires, d(2028, 2, 29));
        assert_eq!(renew(S::Attiva, d(2027, 8, 31), 6, today, 30).unwrap().expires, d(2028, 2, 29));
        assert_eq!(renew(S::Attiva, d(2027, 12, 31), 3, today, 30).unwrap().expires, d(2028, 3, 31));
    }

    #[test]
    fn an_expired_mailbox_comes_back_only_within_the_grace_period() {
        let expired = d(2026, 10, 28);
        // 30 days after: still within; 31: past.
        assert_eq!(
            renew(S::Scaduta, expired, 12, d(2026, 11, 27), 30),
            Ok(Renewed { expires: d(2027, 10, 28), state: S::Attiva })
        );
        assert_eq!(renew(S::Scaduta, expired, 12, d(2026, 11, 28), 30), Err(RenewalRefused::PastGrace(30)));
        assert_eq!(renew(S::Scaduta, expired, 12, d(2026, 11, 28), 31).map(|r| r.state), Ok(S::Attiva));
        assert_eq!(
            renew(S::Revocata, expired, 12, d(2026, 11, 1), 30),
            Err(RenewalRefused::State(S::Revocata))
        );
        assert_eq!(
            renew(S::Prenotata, expired, 12, d(2026, 11, 1), 30),
            Err(RenewalRefused::State(S::Prenotata))
        );
        assert_eq!(
            RenewalRefused::PastGrace(30).to_string(),
            "Scaduta da oltre 30 giorni: non più rinnovabile (serve un nuovo ordine)"
        );
    }

    #[test]
    fn the_expiry_filter_covers_the_grace_period_and_the_window() {
        let today = d(2026, 11, 27);
        let f = ExpiryFilter::default();
        assert_eq!(f.range(today, 30), Ok((d(2026, 10, 28), d(2026, 12, 27))));
        let f = ExpiryFilter { within: "90".into(), ..ExpiryFilter::default() };
        assert_eq!(f.range(today, 0), Ok((today, d(2027, 2, 25))));
        let f = ExpiryFilter { within: "45".into(), ..ExpiryFilter::default() };
        assert_eq!(f.window(), 30);
        let f =
            ExpiryFilter { from: "2027-01-01".into(), to: "2027-03-31".into(), ..ExpiryFilter::default() };
        assert_eq!(f.range(today, 30), Ok((d(2027, 1, 1), d(2027, 3, 31))));
        for bad in ["2027-02-30", "2027-13-01", "01/02/2027", "2027-1-1x"] {
            let f = ExpiryFilter { from: bad.into(), ..ExpiryFilter::default() };
            assert_eq!(f.range(today, 30), Err(ExpiryFilterError::Date), "{bad}");
        }
        let f =
            ExpiryFilter { from: "2027-03-31".into(), to: "2027-01-01".into(), ..ExpiryFilter::default() };
        assert_eq!(f.range(today, 30), Err(ExpiryFilterError::Order));
        let f = ExpiryFilter { state: "REVOCATA".into(), tacit: "si".into(), ..ExpiryFilter::default() };
        assert_eq!((f.states().len(), f.tacit()), (3, Some(true)));
        let back = ExpiryFilter::from_pairs(|k| {
            f.pairs().iter().find(|(key, _)| *key == k).map(|(_, v)| v.to_string()).unwrap_or_default()
        });
        assert_eq!(back, f);
        let long = ExpiryFilter::from_pairs(|_| "x".repeat(5_000));
        assert!(long.pairs().iter().all(|(_, v)| v.chars().count() == VALUE_MAX));
    }

    #[test]
    fn the_reminder_names_the_mailbox_the_date_and_what_to_do() {
        let (subject, body) = reminder_mail("info@rossi.it", "VIT03933", d(2027, 3, 31), 30, false);
        assert_eq!(subject, "Casella PEC info@rossi.it: scade il 31/03/2027");
        assert!(
            body.contains("(userid VIT03933) scade il 31/03/2027 (tra 30 giorni)")
                && body.contains("rinnovo")
        );
        assert!(reminder_mail("a@b.it", "U", d(2027, 3, 31), 7, true).1.contains("rinnovo tacito"));
    }

    #[test]
    fn the_reminder_due_is_the_nearest_window_reached() {
        let expires = d(2027, 3, 31);
        let windows = [60, 30, 7];
        assert_eq!(due_reminder(expires, d(2027, 1, 29), &windows), None); // 61 days before
        assert_eq!(due_reminder(expires, d(2027, 1, 30), &windows), Some(60));
        assert_eq!(due_reminder(expires, d(2027, 3, 1), &windows), Some(30));
        assert_eq!(due_reminder(expires, d(2027, 3, 10), &windows), Some(30));
        assert_eq!(due_reminder(expires, d(2027, 3, 24), &windows), Some(7));
        assert_eq!(due_reminder(expires, d(2027, 3, 31), &windows), Some(7));
        assert_eq!(due_reminder(expires, d(2027, 4, 1), &windows), None);
    }
}
