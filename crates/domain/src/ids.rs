//! Identifiers that travel as text (in URLs, forms and rows) and must never be confused with one
//! another: a function that wants an order number does not accept a userid.
//!
//! Each one is checked where it enters from outside (`parse`, and when deserialised from a request):
//! bounded length and characters, so that hostile input is refused before any query is built.
//! Values read back from the database are trusted (`from_stored`).

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! text_id {
    ($(#[$doc:meta])* $name:ident, max = $max:expr, allowed = $allowed:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The longest value accepted from outside.
            pub const MAX_LEN: usize = $max;

            /// The identifier, when `text` could be one; `None` for anything else.
            pub fn parse(text: &str) -> Option<Self> {
                let ok = !text.is_empty() && text.len() <= Self::MAX_LEN && text.chars().all($allowed);
                ok.then(|| Self(text.to_owned()))
            }

            /// A value the store wrote itself, read back from the database.
            pub fn from_stored(text: String) -> Self {
                Self(text)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        // Comparisons with text, for tests and for the pages' checks.
        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidId;
            fn try_from(text: String) -> Result<Self, InvalidId> {
                Self::parse(&text).ok_or(InvalidId)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }
    };
}

/// A value that cannot be an identifier of the kind asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("identificativo non valido")]
pub struct InvalidId;

text_id!(
    /// The userid of a mailbox (`AB12345678`): the provider's prefix and a sequence number.
    UserId,
    max = 32,
    allowed = |c: char| c.is_ascii_alphanumeric()
);

text_id!(
    /// An order's number (`000123`), shown to customers and printed on the contract.
    OrderNumber,
    max = 20,
    allowed = |c: char| c.is_ascii_digit()
);

text_id!(
    /// A draft request's id: 32 random hex digits, also its address (`/richiesta/<id>`).
    DraftId,
    max = 32,
    allowed = |c: char| c.is_ascii_hexdigit()
);

/// Digits of a generated userid after its prefix (seed: `VIT03933`).
pub const USERID_DIGITS: usize = 5;

/// Past 99,999 userids simply get longer (`VIT100000`): the seed's five digits are a minimum,
/// not a ceiling. This is the ceiling (eleven characters after a three-letter prefix).
pub const USERID_MAX: i64 = 99_999_999;

/// Digits of an order number (seed: `10295763`).
pub const ORDER_DIGITS: usize = 8;

impl UserId {
    /// The `n`th userid of the platform with the provider's `prefix` (Impostazioni); `None`
    /// past [`USERID_MAX`] or below 1: numbering is exhausted, nothing may be made up.
    pub fn numbered(prefix: &str, n: i64) -> Option<UserId> {
        (1..=USERID_MAX).contains(&n).then(|| UserId(format!("{prefix}{n:0USERID_DIGITS$}")))
    }
}

impl OrderNumber {
    /// The `n`th order number (at least [`ORDER_DIGITS`] digits, zero-padded).
    pub fn numbered(n: i64) -> OrderNumber {
        OrderNumber(format!("{n:0ORDER_DIGITS$}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbering_pads_and_stops_at_its_ceiling() {
        assert_eq!(UserId::numbered("VIT", 3933).map(String::from).as_deref(), Some("VIT03933"));
        assert_eq!(UserId::numbered("VIT", 100_000).map(String::from).as_deref(), Some("VIT100000"));
        assert!(UserId::numbered("VIT", USERID_MAX).is_some());
        assert!(UserId::numbered("VIT", USERID_MAX + 1).is_none());
        assert!(UserId::numbered("VIT", 0).is_none());
        assert_eq!(OrderNumber::numbered(42).as_str(), "00000042");
        assert_eq!(OrderNumber::numbered(10_295_763).as_str(), "10295763");
    }

    #[test]
    fn ids_refuse_what_they_cannot_be() {
        assert!(UserId::parse("PEC00000001").is_some());
        assert!(UserId::parse("").is_none());
        assert!(UserId::parse("a/b").is_none());
        assert!(UserId::parse(&"A".repeat(33)).is_none());
        assert!(OrderNumber::parse("000123").is_some());
        assert!(OrderNumber::parse("12a").is_none());
        assert!(DraftId::parse("0123456789abcdef0123456789abcdef").is_some());
        assert!(DraftId::parse("../../etc").is_none());
    }

    #[test]
    fn ids_are_checked_when_deserialised() {
        let ok: Result<OrderNumber, _> = serde_json::from_str("\"000042\"");
        assert_eq!(ok.map(|n| n.to_string()).ok(), Some("000042".to_owned()));
        let bad: Result<OrderNumber, _> = serde_json::from_str("\"<script>\"");
        assert!(bad.is_err());
        assert_eq!(serde_json::to_string(&DraftId::from_stored("ab".into())).ok(), Some("\"ab\"".to_owned()));
    }
}
