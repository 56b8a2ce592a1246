//! Order and mailbox states (docs/DOMAIN.md, "States").

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderState {
    /// Booked: confirmed by the operator, waiting for the signed contract.
    Prenotato,
    /// Fulfilled: contract received, mailboxes activated.
    Evaso,
    Annullato,
}

impl OrderState {
    pub fn code(self) -> &'static str {
        match self {
            Self::Prenotato => "PRENOTATO",
            Self::Evaso => "EVASO",
            Self::Annullato => "ANNULLATO",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        [Self::Prenotato, Self::Evaso, Self::Annullato].into_iter().find(|x| x.code() == s)
    }
}

/// What an order is for: new mailboxes, or renewing existing ones (its lines are in
/// `renewals`, its mailboxes keep their activation order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderKind {
    Activation,
    Renewal,
}

impl OrderKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::Activation => "ATTIVAZIONE",
            Self::Renewal => "RINNOVO",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        [Self::Activation, Self::Renewal].into_iter().find(|x| x.code() == s)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MailboxState {
    Prenotata,
    Attiva,
    Sospesa,
    Revocata,
    Scaduta,
}

impl MailboxState {
    pub const ALL: [MailboxState; 5] =
        [Self::Prenotata, Self::Attiva, Self::Sospesa, Self::Revocata, Self::Scaduta];

    pub fn code(self) -> &'static str {
        match self {
            Self::Prenotata => "PRENOTATA",
            Self::Attiva => "ATTIVA",
            Self::Sospesa => "SOSPESA",
            Self::Revocata => "REVOCATA",
            Self::Scaduta => "SCADUTA",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }
}

impl std::fmt::Display for OrderState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

impl std::fmt::Display for MailboxState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for s in MailboxState::ALL {
            assert_eq!(MailboxState::from_code(s.code()), Some(s));
        }
        for s in [OrderState::Prenotato, OrderState::Evaso, OrderState::Annullato] {
            assert_eq!(OrderState::from_code(s.code()), Some(s));
        }
        assert_eq!(OrderState::from_code("X"), None);
    }
}
