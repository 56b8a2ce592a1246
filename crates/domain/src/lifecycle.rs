//! A mailbox's life after the order: the one table of allowed state transitions, revocation
//! reasons, the expiry date rule and the password a holder may choose (docs/DOMAIN.md, "States").

use super::states::MailboxState;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Why a mailbox is revoked (the three the guide offers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RevocationReason {
    ContractExpiry,
    CustomerRequest,
    Immediate,
}

impl RevocationReason {
    pub const ALL: [RevocationReason; 3] = [Self::ContractExpiry, Self::CustomerRequest, Self::Immediate];

    pub fn code(self) -> &'static str {
        match self {
            Self::ContractExpiry => "SCADENZA_CONTRATTO",
            Self::CustomerRequest => "RICHIESTA_CLIENTE",
            Self::Immediate => "IMMEDIATA",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::ContractExpiry => "revoca per scadenza del contratto",
            Self::CustomerRequest => "revoca anticipata su richiesta del cliente",
            Self::Immediate => "revoca immediata (esempio a causa di mancato pagamento)",
        }
    }
}

/// What may happen to a mailbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Transition {
    /// The signed contract arrived.
    Activate,
    Suspend,
    Reactivate,
    Revoke(RevocationReason),
    /// The expiry date passed.
    Expire,
    /// A renewal order extended it (an expired one within the grace period comes back).
    Renew,
}

impl Transition {
    /// Every transition, for tables and tests.
    pub const ALL: [Transition; 8] = [
        Self::Activate,
        Self::Suspend,
        Self::Reactivate,
        Self::Revoke(RevocationReason::ContractExpiry),
        Self::Revoke(RevocationReason::CustomerRequest),
        Self::Revoke(RevocationReason::Immediate),
        Self::Expire,
        Self::Renew,
    ];

    /// Form value.
    pub fn code(self) -> String {
        match self {
            Self::Activate => "ATTIVA".into(),
            Self::Suspend => "SOSPENDI".into(),
            Self::Reactivate => "RIATTIVA".into(),
            Self::Revoke(r) => format!("REVOCA_{}", r.code()),
            Self::Expire => "SCADENZA".into(),
            Self::Renew => "RINNOVO".into(),
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.code() == s)
    }

    /// The name of its button.
    pub fn label(self) -> &'static str {
        match self {
            Self::Activate => "attivazione",
            Self::Suspend => "sospensione",
            Self::Reactivate => "riattivazione",
            Self::Revoke(r) => r.label(),
            Self::Expire => "scadenza",
            Self::Renew => "rinnovo",
        }
    }

    /// Whether an operator may ask for it from the mailbox page (activation comes with the
    /// contract, expiry with the calendar, renewal with a renewal order).
    pub fn by_operator(self) -> bool {
        matches!(self, Self::Suspend | Self::Reactivate | Self::Revoke(_))
    }
}

/// The one table of allowed transitions: from, what, to.
const TABLE: [(MailboxState, Transition, MailboxState); 13] = {
    use MailboxState::*;
    use RevocationReason::*;
    [
        (Prenotata, Transition::Activate, Attiva),
        (Attiva, Transition::Suspend, Sospesa),
        (Sospesa, Transition::Reactivate, Attiva),
        (Attiva, Transition::Revoke(ContractExpiry), Revocata),
        (Attiva, Transition::Revoke(CustomerRequest), Revocata),
        (Attiva, Transition::Revoke(Immediate), Revocata),
        (Sospesa, Transition::Revoke(ContractExpiry), Revocata),
        (Sospesa, Transition::Revoke(CustomerRequest), Revocata),
        (Sospesa, Transition::Revoke(Immediate), Revocata),
        (Attiva, Transition::Expire, Scaduta),
        // The grace period after expiry is `renewals::renew`'s.
        (Attiva, Transition::Renew, Attiva),
        (Sospesa, Transition::Renew, Sospesa),
        (Scaduta, Transition::Renew, Attiva),
    ]
};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Error)]
#[error("Operazione non consentita: una casella {from} non ammette la {what}")]
pub struct TransitionRefused {
    pub from: String,
    pub what: String,
}

/// The state after `t`, or why `t` is not allowed from `from`.
pub fn apply(from: MailboxState, t: Transition) -> Result<MailboxState, TransitionRefused> {
    TABLE
        .iter()
        .find(|(f, what, _)| *f == from && *what == t)
        .map(|(_, _, to)| *to)
        .ok_or_else(|| TransitionRefused { from: from.code().to_string(), what: t.label().to_string() })
}

/// The one (from, to) of a transition that starts from a single state (activation, expiry,
/// suspension), for the store's changes of many mailboxes at once; `None` for the others.
pub fn single_edge(t: Transition) -> Option<(MailboxState, MailboxState)> {
    let mut edges = TABLE.iter().filter(|(_, what, _)| *what == t).map(|(from, _, to)| (*from, *to));
    match (edges.next(), edges.next()) {
        (Some(edge), None) => Some(edge),
        _ => None,
    }
}

/// What an operator may do to a mailbox in this state, in the order of the page.
pub fn offered(from: MailboxState) -> Vec<Transition> {
    Transition::ALL.into_iter().filter(|t| t.by_operator() && apply(from, *t).is_ok()).collect()
}

/// A calendar date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// `YYYY-MM-DD`.
    pub fn iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    pub fn parse_iso(s: &str) -> Option<Self> {
        let mut parts = s.get(..10)?.split('-');
        let (y, m, d) =
            (parts.next()?.parse().ok()?, parts.next()?.parse().ok()?, parts.next()?.parse().ok()?);
        Some(Self { year: y, month: m, day: d })
    }

    /// `DD/MM/YYYY`, as the guide shows dates.
    pub fn italian(self) -> String {
        format!("{:02}/{:02}/{:04}", self.day, self.month, self.year)
    }

    /// Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's
    /// `days_from_civil`), so that dates differ and move by days without a time library.
    pub fn day_number(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date of day number `z` (the inverse of `day_number`).
    pub fn from_day_number(z: i64) -> Self {
        let z = z + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = (if mp < 10 { mp + 3 } else { mp - 9 }) as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Self { year, month, day }
    }

    pub fn add_days(self, days: i64) -> Self {
        Self::from_day_number(self.day_number() + days)
    }

    /// Days from `self` to `later` (negative if `later` is earlier).
    pub fn days_until(self, later: Self) -> i64 {
        later.day_number() - self.day_number()
    }

    /// The same day `months` later, or the last day of that month if it is shorter (31
    /// January + 1 month is 28 or 29 February; 29 February + 12 months is 28 February).
    pub fn add_months(self, months: u32) -> Self {
        let index = i64::from(self.year) * 12 + i64::from(self.month) - 1 + i64::from(months);
        let (year, month) = (index.div_euclid(12) as i32, index.rem_euclid(12) as u32 + 1);
        Self { year, month, day: self.day.min(days_in_month(year, month)) }
    }
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Legalmail expires on the activation anniversary in the chosen expiry year; 29 February
/// becomes 28 February in a common year.
pub fn expiry_date(activated: Date, expiry_year: i32) -> Date {
    let day =
        if activated.month == 2 && activated.day == 29 && !is_leap(expiry_year) { 28 } else { activated.day };
    Date { year: expiry_year, month: activated.month, day }
}

/// The rules of a mailbox password, each with whether `pw` meets it (shown live, checked again
/// by the server).
pub fn password_checks(pw: &str) -> [(&'static str, bool); 5] {
    let len = pw.chars().count();
    [
        ("almeno 8 caratteri (al massimo 64)", (8..=64).contains(&len)),
        ("una lettera maiuscola", pw.chars().any(char::is_uppercase)),
        ("una lettera minuscola", pw.chars().any(char::is_lowercase)),
        ("una cifra", pw.chars().any(|c| c.is_ascii_digit())),
        (
            "un carattere speciale, senza spazi",
            pw.chars().any(|c| !c.is_alphanumeric()) && !pw.contains(char::is_whitespace),
        ),
    ]
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Error)]
pub enum PasswordError {
    #[error("La password non rispetta le regole: {0}")]
    Weak(String),
    #[error("Le due password non coincidono")]
    Mismatch,
}

impl PasswordError {
    /// The code of the refusal in the password page's URL (`?errore=`).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Mismatch => "diverse",
            Self::Weak(_) => "regole",
        }
    }
}

/// A password a holder may set, typed twice.
pub fn mailbox_password(pw: &str, again: &str) -> Result<(), PasswordError> {
    let missing: Vec<&str> = password_checks(pw).into_iter().filter(|(_, ok)| !ok).map(|(r, _)| r).collect();
    if !missing.is_empty() {
        return Err(PasswordError::Weak(missing.join(", ")));
    }
    if pw != again {
        return Err(PasswordError::Mismatch);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use MailboxState::*;

    #[test]
    fn every_transition_from_every_state() {
        use RevocationReason::*;
        let revoke = [
            Transition::Revoke(ContractExpiry),
            Transition::Revoke(CustomerRequest),
            Transition::Revoke(Immediate),
        ];
        for from in MailboxState::ALL {
            for t in Transition::ALL {
                let expected = match (from, t) {
                    (Prenotata, Transition::Activate) => Some(Attiva),
                    (Attiva, Transition::Suspend) => Some(Sospesa),
                    (Sospesa, Transition::Reactivate) => Some(Attiva),
                    (Attiva | Sospesa, t) if revoke.contains(&t) => Some(Revocata),
                    (Attiva, Transition::Expire) => Some(Scaduta),
                    (Attiva | Scaduta, Transition::Renew) => Some(Attiva),
                    (Sospesa, Transition::Renew) => Some(Sospesa),
                    _ => None,
                };
                assert_eq!(apply(from, t).ok(), expected, "{from:?} {t:?}");
            }
        }
        let e = apply(Revocata, Transition::Reactivate).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Operazione non consentita: una casella REVOCATA non ammette la riattivazione"
        );
    }

    #[test]
    fn operators_are_offered_only_allowed_manual_transitions() {
        assert!(offered(Prenotata).is_empty());
        assert_eq!(offered(Attiva).len(), 4);
        assert!(offered(Attiva).contains(&Transition::Suspend));
        assert_eq!(offered(Sospesa)[0], Transition::Reactivate);
        assert!(offered(Revocata).is_empty() && offered(Scaduta).is_empty());
        for t in Transition::ALL {
            assert_eq!(Transition::from_code(&t.code()), Some(t));
        }
    }

    #[test]
    fn bulk_changes_read_their_edge_from_the_table() {
        assert_eq!(single_edge(Transition::Activate), Some((Prenotata, Attiva)));
        assert_eq!(single_edge(Transition::Expire), Some((Attiva, Scaduta)));
        assert_eq!(single_edge(Transition::Revoke(RevocationReason::Immediate)), None, "two starting states");
    }

    fn d(year: i32, month: u32, day: u32) -> Date {
        Date { year, month, day }
    }

    #[test]
    fn dates_move_by_days_and_months() {
        assert_eq!(d(1970, 1, 1).day_number(), 0);
        assert_eq!(d(2000, 3, 1).day_number(), 11_017);
        assert_eq!(d(2026, 12, 31).add_days(1), d(2027, 1, 1));
        assert_eq!(d(2028, 2, 28).add_days(1), d(2028, 2, 29));
        assert_eq!(d(2027, 2, 28).add_days(1), d(2027, 3, 1));
        assert_eq!(d(2026, 11, 27).days_until(d(2027, 1, 26)), 60);
        assert_eq!(d(2027, 1, 26).days_until(d(2026, 11, 27)), -60);
        assert_eq!(d(2027, 1, 31).add_months(1), d(2027, 2, 28));
        assert_eq!(d(2024, 2, 29).add_months(12), d(2025, 2, 28));
        assert_eq!(d(2026, 11, 30).add_months(3), d(2027, 2, 28));
        assert_eq!(d(2026, 5, 15).add_months(36), d(2029, 5, 15));
        // Every day of four centuries survives the round trip, in order.
        let start = d(1900, 1, 1).day_number();
        let mut previous = d(1899, 12, 31);
        for n in start..start + 146_097 {
            let date = Date::from_day_number(n);
            assert_eq!(date.day_number(), n);
            assert!(date > previous && date.day <= days_in_month(date.year, date.month));
            previous = date;
        }
    }

    #[test]
    fn expiry_is_the_anniversary() {
        assert_eq!(expiry_date(d(2022, 3, 11), 2025), d(2025, 3, 11));
        assert_eq!(expiry_date(d(2024, 2, 29), 2027), d(2027, 2, 28));
        assert_eq!(expiry_date(d(2024, 2, 29), 2028), d(2028, 2, 29));
        assert_eq!(Date::parse_iso("2026-11-26T10:00:00Z"), Some(d(2026, 11, 26)));
        assert_eq!(d(2026, 1, 5).italian(), "05/01/2026");
    }

    #[test]
    fn passwords() {
        assert!(mailbox_password("Segreta!2026", "Segreta!2026").is_ok());
        assert_eq!(mailbox_password("Segreta!2026", "Segreta!2027"), Err(PasswordError::Mismatch));
        let e = mailbox_password("segreta", "segreta").unwrap_err().to_string();
        assert!(e.contains("almeno 8") && e.contains("maiuscola") && e.contains("cifra"), "{e}");
        assert!(mailbox_password("Segreta 2026!", "Segreta 2026!").is_err(), "no spaces");
    }
}
