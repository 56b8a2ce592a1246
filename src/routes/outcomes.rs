//! What a page says on arrival after an action, as the code its address carries (`?esito=`,
//! `?errore=`, `?documento=`…): one enum each, with the code and, where the page has no
//! other place for it, the Italian text. Only `routes` writes them into addresses; the pages
//! read them back with `from_code`.

use crate::domain::auth::PasswordChangeRefusal;
use crate::domain::contract::{ContractFileError, SignatureRefusal};
use crate::domain::documents::DocumentRefusal;

/// What "Dettaglio ordine" announces after a change (`?esito=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderOutcome {
    Cancelled,
    Fulfilled,
}

impl OrderOutcome {
    pub fn code(self) -> &'static str {
        match self {
            Self::Cancelled => "annullato",
            Self::Fulfilled => "evaso",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Cancelled, Self::Fulfilled].into_iter().find(|o| o.code() == code)
    }
}

/// Why "Upload Firma Contratto" changed nothing (`?errore=`): the file, or the order's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContractRefusal {
    File(ContractFileError),
    Signature(SignatureRefusal),
    NotBooked,
    /// The order lacks documents the settings require (the page lists which).
    MissingDocuments,
}

impl ContractRefusal {
    pub fn code(self) -> &'static str {
        match self {
            Self::File(e) => e.code(),
            Self::Signature(e) => e.code(),
            Self::NotBooked => "stato",
            Self::MissingDocuments => "documenti",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "stato" => Some(Self::NotBooked),
            "documenti" => Some(Self::MissingDocuments),
            _ => ContractFileError::from_code(code)
                .map(Self::File)
                .or_else(|| SignatureRefusal::from_code(code).map(Self::Signature)),
        }
    }
}

/// Why an edit of a mailbox was not saved (`?errore=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EditRefusal {
    /// A field is not valid (the form says which).
    Invalid,
    /// The name or nickname was taken meanwhile.
    Taken,
}

impl EditRefusal {
    pub fn code(self) -> &'static str {
        match self {
            Self::Invalid => "dati",
            Self::Taken => "uso",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Invalid, Self::Taken].into_iter().find(|o| o.code() == code)
    }
}

/// Why a login did not open a session (`?errore=` on the login page).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginRefusal {
    /// Wrong name or password (the same answer for both, and for unknown names).
    Invalid,
    /// Too many failures: the name is locked for a while from this address.
    Locked,
    /// Too many attempts in a short time (rate limit).
    TooMany,
    /// The server is saturated.
    Busy,
}

impl LoginRefusal {
    pub const ALL: [Self; 4] = [Self::Invalid, Self::Locked, Self::TooMany, Self::Busy];

    pub fn code(self) -> &'static str {
        match self {
            Self::Invalid => "credenziali",
            Self::Locked => "bloccato",
            Self::TooMany => "troppi",
            Self::Busy => "occupato",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn message(self) -> &'static str {
        match self {
            Self::Invalid => "Nome utente o password non validi.",
            Self::Locked => "Troppi tentativi non riusciti: l'accesso è bloccato per 15 minuti.",
            Self::TooMany => "Troppi tentativi in poco tempo: attendere qualche minuto e riprovare.",
            Self::Busy => "Il server è momentaneamente sovraccarico: riprovare tra qualche secondo.",
        }
    }
}

/// What the documents' section says after one of its forms (`?documento=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocumentNotice {
    Uploaded,
    Removed,
    Refused(DocumentRefusal),
}

impl DocumentNotice {
    pub fn code(self) -> &'static str {
        match self {
            Self::Uploaded => "caricato",
            Self::Removed => "rimosso",
            Self::Refused(why) => why.code(),
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "caricato" => Some(Self::Uploaded),
            "rimosso" => Some(Self::Removed),
            _ => DocumentRefusal::from_code(code).map(Self::Refused),
        }
    }
}

/// What "Dettaglio casella" says on arrival after one of its forms was done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailboxNotice {
    LinkSent,
    Edited,
    StateChanged,
}

impl MailboxNotice {
    pub const ALL: [Self; 3] = [Self::LinkSent, Self::Edited, Self::StateChanged];

    /// The query parameter that carries it, and its value.
    pub(super) fn param(self) -> (&'static str, &'static str) {
        match self {
            Self::LinkSent => ("link", "inviato"),
            Self::Edited => ("modificata", "1"),
            Self::StateChanged => ("stato", "cambiato"),
        }
    }

    pub fn text(self) -> &'static str {
        match self {
            Self::LinkSent => {
                "Nuovo collegamento per la password inviato al titolare; i precedenti non funzionano più."
            }
            Self::Edited => "Dati della casella salvati.",
            Self::StateChanged => "Stato della casella cambiato.",
        }
    }

    /// The notices an address's query carries; `get` reads one of its parameters.
    pub fn in_query(get: impl Fn(&str) -> Option<String>) -> Vec<Self> {
        Self::ALL
            .into_iter()
            .filter(|n| {
                let (key, value) = n.param();
                get(key).as_deref() == Some(value)
            })
            .collect()
    }
}

/// What "Il mio profilo" says after one of its forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProfileNotice {
    PasswordChanged,
    SessionEnded,
    OthersEnded,
    /// "Cambia password" changed nothing.
    Refused(PasswordChangeRefusal),
}

impl ProfileNotice {
    pub fn code(self) -> &'static str {
        match self {
            Self::PasswordChanged => "password",
            Self::SessionEnded => "sessione",
            Self::OthersEnded => "sessioni",
            Self::Refused(why) => why.code(),
        }
    }

    /// From the page's `esito` and `errore`.
    pub fn from_query(esito: Option<&str>, errore: Option<&str>) -> Option<Self> {
        if let Some(why) = errore.and_then(PasswordChangeRefusal::from_code) {
            return Some(Self::Refused(why));
        }
        [Self::PasswordChanged, Self::SessionEnded, Self::OthersEnded]
            .into_iter()
            .find(|n| Some(n.code()) == esito)
    }

    pub fn text(self) -> String {
        match self {
            Self::PasswordChanged => "Password cambiata. Le altre sessioni sono state terminate.".into(),
            Self::SessionEnded => "Sessione terminata.".into(),
            Self::OthersEnded => "Tutte le altre sessioni sono state terminate.".into(),
            Self::Refused(why) => why.message(),
        }
    }
}
