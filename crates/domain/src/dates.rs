//! Dates as the guide shows them. The store keeps times as UTC text (`2026-11-26 10:00:00`);
//! read models carry them as a [`Timestamp`].

use crate::lifecycle::Date;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A moment as the store keeps it: UTC to the second. It reads and writes (in JSON too) as
/// `YYYY-MM-DD HH:MM:SS`, the text that sorts as the time does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Timestamp {
    pub date: Date,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

impl Timestamp {
    /// `YYYY-MM-DD HH:MM:SS` (a `T` is taken for the space); anything else is `None`.
    pub fn parse(text: &str) -> Option<Self> {
        let b = text.as_bytes();
        if b.len() != 19 || !matches!(b[10], b' ' | b'T') || b[13] != b':' || b[16] != b':' {
            return None;
        }
        let date = Date::parse_iso(text.get(..10)?)?;
        let num = |r: std::ops::Range<usize>| text.get(r)?.parse::<u32>().ok();
        let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
        let valid = (1..=12).contains(&date.month)
            && (1..=31).contains(&date.day)
            && hour < 24
            && minute < 60
            && second < 60;
        valid.then_some(Self { date, hour, minute, second })
    }

    /// `26/11/2026`, as the guide shows dates.
    pub fn italian_date(&self) -> String {
        self.date.italian()
    }

    /// `26/11/2026 10:00`.
    pub fn italian_stamp(&self) -> String {
        format!("{} {:02}:{:02}", self.date.italian(), self.hour, self.minute)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {:02}:{:02}:{:02}", self.date.iso(), self.hour, self.minute, self.second)
    }
}

impl TryFrom<String> for Timestamp {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        Self::parse(&text).ok_or_else(|| format!("data e ora non valide: {text:.40}"))
    }
}

impl From<Timestamp> for String {
    fn from(t: Timestamp) -> String {
        t.to_string()
    }
}

/// `2026-11-26 10:00:00` (stored, UTC) → `26/11/2026` (as the guide shows dates).
pub fn italian_date(stored: &str) -> String {
    match (stored.get(0..4), stored.get(5..7), stored.get(8..10)) {
        (Some(y), Some(m), Some(d)) => format!("{d}/{m}/{y}"),
        _ => stored.to_string(),
    }
}

/// `2026-11-26 10:00:00` (stored, UTC) → `26/11/2026 10:00`; "—" for never.
pub fn italian_stamp(stored: &str) -> String {
    if stored.is_empty() {
        return "—".into();
    }
    format!("{} {}", italian_date(stored), stored.get(11..16).unwrap_or(""))
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates() {
        assert_eq!(super::italian_date("2022-03-11 09:00:00"), "11/03/2022");
        assert_eq!(super::italian_date("x"), "x");
        assert_eq!(super::italian_stamp("2022-03-11 09:05:00"), "11/03/2022 09:05");
        assert_eq!(super::italian_stamp(""), "—");
    }

    #[test]
    fn timestamps_read_and_write_as_the_store_keeps_them() {
        use super::Timestamp;
        let t = Timestamp::parse("2022-03-11 09:05:07").unwrap();
        assert_eq!(t.to_string(), "2022-03-11 09:05:07");
        assert_eq!(t.italian_date(), "11/03/2022");
        assert_eq!(t.italian_stamp(), "11/03/2022 09:05");
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"2022-03-11 09:05:07\"");
        assert_eq!(serde_json::from_str::<Timestamp>("\"2022-03-11 09:05:07\"").unwrap(), t);
        assert!(Timestamp::parse("2022-03-11T09:05:07").is_some());
        assert!(t < Timestamp::parse("2022-03-11 09:05:08").unwrap());
        for bad in [
            "",
            "2022-03-11",
            "2022-13-11 09:05:07",
            "2022-03-11 24:00:00",
            "2022-03-11 09:05:07Z",
            "x022-03-11 09:05:07",
        ] {
            assert_eq!(Timestamp::parse(bad), None, "{bad}");
        }
    }
}
