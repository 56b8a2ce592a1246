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
        assert_eq!(renew(S::Attiva, d(2026, 12, 15), 12, today, 30), Ok(Renewed { expires: d(2027, 12, 15), state: S::Attiva }));
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
        assert_eq!(renew(S::Revocata, expired, 12, d(2026, 11, 1), 30), Err(RenewalRefused::State(S::Revocata)));
        assert_eq!(renew(S::Prenotata, expired, 12, d(2026, 11, 1), 30), Err(RenewalRefused::State(S::Prenotata)));
        assert_eq!(
            RenewalRefused::PastGrace(30).to_string(),
            "Scaduta da oltre 30 giorni: non più rinnovabile (serve un nuovo ordine)"
        );
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
