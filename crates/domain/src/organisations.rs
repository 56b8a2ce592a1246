//! "Organizzazioni": the provider's resellers, each created with its first administrator.

use crate::auth;
use crate::dates::Timestamp;
use serde::{Deserialize, Serialize};

pub const NAME_MAX: usize = 100;

/// "Nuova organizzazione" as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewResellerForm {
    pub name: String,
    pub username: String,
    pub display_name: String,
}

/// A checked new reseller and its first administrator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewReseller {
    pub name: String,
    pub username: String,
    pub display_name: String,
}

/// Why an organisation was not created or changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OrganisationRefusal {
    #[error("Indicare il nome dell'organizzazione (al massimo 100 caratteri)")]
    Name,
    #[error("Nome utente non valido: da 3 a 64 caratteri tra lettere minuscole, cifre, punto, trattino e trattino basso")]
    Username,
    #[error("Indicare nome e cognome dell'amministratore (al massimo 100 caratteri)")]
    DisplayName,
    #[error("Esiste già un'organizzazione con questo nome")]
    NameTaken,
    #[error("Nome utente già in uso")]
    UsernameTaken,
    #[error("Organizzazione non trovata")]
    NotFound,
    #[error("Il fornitore non si disattiva")]
    Provider,
}

impl OrganisationRefusal {
    pub const ALL: [Self; 7] = [
        Self::Name,
        Self::Username,
        Self::DisplayName,
        Self::NameTaken,
        Self::UsernameTaken,
        Self::NotFound,
        Self::Provider,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Name => "nome",
            Self::Username => "utente",
            Self::DisplayName => "nome-amministratore",
            Self::NameTaken => "nome-esistente",
            Self::UsernameTaken => "utente-esistente",
            Self::NotFound => "non-trovata",
            Self::Provider => "fornitore",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }
}

/// An organisation's name: trimmed, 1 to 100 characters, no control characters.
pub fn organisation_name(text: &str) -> Result<String, OrganisationRefusal> {
    crate::fields::free_text(text, NAME_MAX, true).map_err(|_| OrganisationRefusal::Name)
}

pub fn check_reseller(form: &NewResellerForm) -> Result<NewReseller, OrganisationRefusal> {
    let name = organisation_name(&form.name)?;
    let username = auth::username(&form.username).map_err(|_| OrganisationRefusal::Username)?;
    // The same rule as "Nuovo operatore"'s name.
    let display_name =
        auth::display_name(&form.display_name).map_err(|_| OrganisationRefusal::DisplayName)?;
    Ok(NewReseller { name, username, display_name })
}

/// An operator as listed to administrators.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorRow {
    pub username: String,
    pub display_name: String,
    pub role: crate::auth::Role,
    pub organisation: String,
    pub active: bool,
    pub created_at: Timestamp,
    /// Failed logins have locked this user name from at least one source address.
    pub locked: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    pub id: i64,
    pub name: String,
    pub kind: crate::auth::OrganisationKind,
}

/// One line of "Organizzazioni".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganisationRow {
    pub id: i64,
    pub name: String,
    pub kind: crate::auth::OrganisationKind,
    pub active: bool,
    pub operators: i64,
    pub created_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reseller_needs_a_name_and_a_valid_first_administrator() {
        let form = NewResellerForm {
            name: " Rivenditore Gamma ".into(),
            username: "Gamma.Admin".into(),
            display_name: "Gina Gamma".into(),
        };
        let r = check_reseller(&form).unwrap();
        assert_eq!((r.name.as_str(), r.username.as_str()), ("Rivenditore Gamma", "gamma.admin"));
        assert_eq!(
            check_reseller(&NewResellerForm { name: " ".into(), ..form.clone() }),
            Err(OrganisationRefusal::Name)
        );
        assert_eq!(
            check_reseller(&NewResellerForm { username: "a b".into(), ..form.clone() }),
            Err(OrganisationRefusal::Username)
        );
        assert_eq!(
            check_reseller(&NewResellerForm { display_name: String::new(), ..form }),
            Err(OrganisationRefusal::DisplayName)
        );
        for r in OrganisationRefusal::ALL {
            assert_eq!(OrganisationRefusal::from_code(r.code()), Some(r));
        }
    }
}
