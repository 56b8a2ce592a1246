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

/// A product with its own term ("Gestione scadenze prodotti"; rules in `products`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ProductKind {
    /// "Conservazione a norma" (LegalDoc).
    LegalPreservation,
    /// Disk space beyond the offer's, in GB.
    ExtraDisk,
    /// "Notifica SMS": a yearly credit of SMS.
    SmsCredit,
}

impl ProductKind {
    pub const ALL: [Self; 3] = [Self::LegalPreservation, Self::ExtraDisk, Self::SmsCredit];

    pub fn code(self) -> &'static str {
        match self {
            Self::LegalPreservation => "CONSERVAZIONE",
            Self::ExtraDisk => "SPAZIO_DISCO",
            Self::SmsCredit => "CREDITO_SMS",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::LegalPreservation => "Conservazione a norma",
            Self::ExtraDisk => "Spazio disco aggiuntivo",
            Self::SmsCredit => "Credito SMS",
        }
    }

    /// The price list's code of one term.
    pub fn price_code(self) -> &'static str {
        match self {
            Self::LegalPreservation => "LM-CONS-12",
            Self::ExtraDisk => "LM-DISCO-12",
            Self::SmsCredit => "LM-SMS-12",
        }
    }

    /// "20 GB", "100 SMS", or nothing for a product without a quantity.
    pub fn quantity_text(self, quantity: i64) -> String {
        match self {
            Self::LegalPreservation => String::new(),
            Self::ExtraDisk => format!("{quantity} GB"),
            Self::SmsCredit => format!("{quantity} SMS"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProductState {
    Attivo,
    /// Past its end and not renewed (renewable within the grace period).
    Scaduto,
    /// The service was switched off: kept for the record, never renewed.
    Cessato,
}

impl ProductState {
    pub const ALL: [Self; 3] = [Self::Attivo, Self::Scaduto, Self::Cessato];

    pub fn code(self) -> &'static str {
        match self {
            Self::Attivo => "ATTIVO",
            Self::Scaduto => "SCADUTO",
            Self::Cessato => "CESSATO",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}
