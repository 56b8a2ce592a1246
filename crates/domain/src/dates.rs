//! Dates as the guide shows them. The store keeps times as UTC text (`2026-11-26 10:00:00`).

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
}
