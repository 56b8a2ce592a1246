//! API keys ("Chiavi API"): created and revoked by an organisation's administrator, each with
//! a name and a scope; a key acts for its organisation exactly as an operator's pages do.

use crate::dates::Timestamp;
use serde::{Deserialize, Serialize};

/// Longest key name.
pub const NAME_MAX: usize = 60;
/// Most live keys one organisation may hold.
pub const KEYS_MAX: i64 = 50;
/// How a key starts: `pec_` and 64 hex digits. Anything else is refused before it is hashed.
pub const PREFIX: &str = "pec_";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ApiKeyScope {
    /// Reads only: GET.
    Lettura,
    /// Reads and writes.
    Scrittura,
}

impl ApiKeyScope {
    pub const ALL: [Self; 2] = [Self::Lettura, Self::Scrittura];

    pub fn code(self) -> &'static str {
        match self {
            Self::Lettura => "LETTURA",
            Self::Scrittura => "SCRITTURA",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Lettura => "Sola lettura",
            Self::Scrittura => "Lettura e scrittura",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// A key as the list shows it (never the key itself: only its first characters).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyRow {
    pub id: i64,
    pub name: String,
    pub scope: ApiKeyScope,
    /// `pec_1a2b3c4d…`: enough to tell keys apart.
    pub hint: String,
    pub organisation: String,
    pub created_by: String,
    pub created_at: Timestamp,
    /// None until first used.
    pub last_used_at: Option<Timestamp>,
    /// None while the key works.
    pub revoked_at: Option<Timestamp>,
}

/// The name of a new key, trimmed: 1 to 60 printable characters.
pub fn check_name(name: &str) -> Result<String, &'static str> {
    let name = name.trim();
    if name.is_empty() {
        return Err("Indicare un nome per la chiave (per esempio il gestionale che la usa)");
    }
    if name.chars().count() > NAME_MAX || name.chars().any(char::is_control) {
        return Err("Nome non valido: al massimo 60 caratteri stampabili");
    }
    Ok(name.to_string())
}

/// Has `key` the shape of a key we hand out? Checked before it is hashed or looked up.
pub fn is_key(key: &str) -> bool {
    key.strip_prefix(PREFIX)
        .is_some_and(|rest| rest.len() == 64 && rest.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Why "Chiavi API" made or revoked no key; in the page's address as its code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApiKeyRefusal {
    #[error("Indicare un nome per la chiave: al massimo 60 caratteri stampabili.")]
    Name,
    #[error("Scegliere l'ambito della chiave.")]
    Scope,
    #[error("Esiste già una chiave attiva con questo nome.")]
    NameTaken,
    #[error("Raggiunto il numero massimo di chiavi attive (50): revocarne una prima di crearne un'altra.")]
    TooMany,
    #[error("Chiave non trovata o già revocata.")]
    NotRevoked,
}

impl crate::forms::Coded for ApiKeyRefusal {
    const ALL: &'static [Self] = &[Self::Name, Self::Scope, Self::NameTaken, Self::TooMany, Self::NotRevoked];

    fn code(self) -> &'static str {
        match self {
            Self::Name => "nome",
            Self::Scope => "ambito",
            Self::NameTaken => "uso",
            Self::TooMany => "troppe",
            Self::NotRevoked => "revoca",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_key_shapes() {
        assert_eq!(check_name("  Gestionale  "), Ok("Gestionale".into()));
        assert!(check_name(" ").is_err());
        assert!(check_name(&"x".repeat(61)).is_err());
        assert!(check_name("a\u{7}b").is_err());
        assert!(is_key(&format!("pec_{}", "a1".repeat(32))));
        assert!(!is_key(&format!("pec_{}", "a1".repeat(33))));
        assert!(!is_key(&format!("pec_{}", "zz".repeat(32))));
        assert!(!is_key("Bearer x"));
        for s in ApiKeyScope::ALL {
            assert_eq!(ApiKeyScope::from_code(s.code()), Some(s));
        }
    }
}
