//! Who is acting: operators, their organisation and role, and what they may see. Shared so
//! that pages can show or hide controls; the server decides (src/server/auth.rs).

use super::fields::FieldError;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrganisationKind {
    /// The PEC provider: sees and manages everything.
    Fornitore,
    /// A reseller: sees only its own customers, orders, mailboxes and domains.
    Rivenditore,
}

impl OrganisationKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::Fornitore => "FORNITORE",
            Self::Rivenditore => "RIVENDITORE",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Fornitore => "Fornitore",
            Self::Rivenditore => "Rivenditore",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        [Self::Fornitore, Self::Rivenditore].into_iter().find(|k| k.code() == s)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    /// Manages the operators of the organisation and its configuration; reads the audit log.
    Amministratore,
    /// Orders and manages mailboxes.
    Operatore,
}

impl Role {
    pub const ALL: [Role; 2] = [Self::Amministratore, Self::Operatore];
    pub fn code(self) -> &'static str {
        match self {
            Self::Amministratore => "AMMINISTRATORE",
            Self::Operatore => "OPERATORE",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Amministratore => "Amministratore",
            Self::Operatore => "Operatore",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == s)
    }
}

/// The operator of the current session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operator {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub organisation_id: i64,
    pub organisation_name: String,
    pub organisation_kind: OrganisationKind,
    /// The password was typed by an administrator: it must be changed before anything else.
    #[serde(default)]
    pub must_change_password: bool,
}

/// Which organisations' data a query may return.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    All,
    Organisation(i64),
}

impl Scope {
    /// As bound in SQL: `($1 = 0 OR organisation_id = $1)`; ids start at 1.
    pub fn sql_value(self) -> i64 {
        match self {
            Self::All => 0,
            Self::Organisation(id) => id,
        }
    }
}

impl Operator {
    pub fn scope(&self) -> Scope {
        match self.organisation_kind {
            OrganisationKind::Fornitore => Scope::All,
            OrganisationKind::Rivenditore => Scope::Organisation(self.organisation_id),
        }
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Amministratore
    }

    /// An administrator of the provider: manages the catalogue, the resellers and the settings.
    pub fn is_provider_admin(&self) -> bool {
        self.is_admin() && self.scope() == Scope::All
    }

    /// May this operator see or change data of that organisation?
    pub fn can_access(&self, organisation_id: i64) -> bool {
        match self.scope() {
            Scope::All => true,
            Scope::Organisation(own) => own == organisation_id,
        }
    }
}

pub const USERNAME_MIN: usize = 3;
pub const USERNAME_MAX: usize = 64;
pub const PASSWORD_MIN: usize = 12;
pub const PASSWORD_MAX: usize = 128;

/// A login name: lower-case letters, digits, `.`, `_`, `-`.
pub fn username(raw: &str) -> Result<String, FieldError> {
    let s = raw.trim().to_lowercase();
    if s.is_empty() {
        return Err(FieldError::Required);
    }
    if let Some(c) = s.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_".contains(*c)))
    {
        return Err(FieldError::ForbiddenChar(c));
    }
    match s.chars().count() {
        n if n < USERNAME_MIN => Err(FieldError::TooShort(USERNAME_MIN)),
        n if n > USERNAME_MAX => Err(FieldError::TooLong(USERNAME_MAX)),
        _ => Ok(s),
    }
}

/// A new operator password: long enough to resist guessing, bounded to keep hashing cheap.
pub fn new_password(raw: &str) -> Result<(), FieldError> {
    match raw.chars().count() {
        0 => Err(FieldError::Required),
        n if n < PASSWORD_MIN => Err(FieldError::TooShort(PASSWORD_MIN)),
        n if n > PASSWORD_MAX => Err(FieldError::TooLong(PASSWORD_MAX)),
        _ => Ok(()),
    }
}

/// Why "Nuovo operatore" was refused. Its code travels in the page's URL (`?errore=`): no
/// typed value does (those are kept on the server for the session).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NewOperatorError {
    Username,
    Name,
    Role,
    Password,
    Organisation,
    Taken,
}

impl NewOperatorError {
    pub const ALL: [Self; 6] =
        [Self::Username, Self::Name, Self::Role, Self::Password, Self::Organisation, Self::Taken];

    pub fn code(self) -> &'static str {
        match self {
            Self::Username => "utente",
            Self::Name => "nome",
            Self::Role => "ruolo",
            Self::Password => "password",
            Self::Organisation => "organizzazione",
            Self::Taken => "esistente",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.code() == code)
    }

    pub fn message(self) -> &'static str {
        match self {
            Self::Username => "Nome utente non valido: da 3 a 64 caratteri tra lettere minuscole, cifre, punto, trattino e trattino basso.",
            Self::Name => "Indicare nome e cognome dell'operatore (massimo 100 caratteri).",
            Self::Role => "Scegliere il ruolo.",
            Self::Password => "La password iniziale deve avere almeno 12 caratteri.",
            Self::Organisation => "Organizzazione non consentita.",
            Self::Taken => "Nome utente già in uso.",
        }
    }
}

/// An operator's name and surname as shown: 1 to 100 characters of text.
pub fn display_name(raw: &str) -> Result<String, super::fields::FieldError> {
    super::fields::free_text(raw, 100, true)
}

/// A new operator's fields, checked: the user name normalised, the display name trimmed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewOperatorFields {
    pub username: String,
    pub display_name: String,
    pub role: Role,
}

/// One live session of an operator, as "Sessioni attive" shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRow {
    /// Its public name (not its token, nor the token's hash).
    pub id: String,
    pub started_at: crate::dates::Timestamp,
    pub last_seen_at: crate::dates::Timestamp,
    /// The address it was opened from, and the browser's own description ("" if unknown).
    pub address: String,
    pub browser: String,
    /// The session of the page showing the list.
    pub current: bool,
}

/// Why "Cambia password" changed nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PasswordChangeRefusal {
    /// The current password is not the one given.
    WrongCurrent,
    /// The new password breaks the rules.
    Rules,
    /// The new password and its repetition differ.
    Mismatch,
    /// The new password is the current one.
    Same,
}

impl PasswordChangeRefusal {
    pub const ALL: [Self; 4] = [Self::WrongCurrent, Self::Rules, Self::Mismatch, Self::Same];

    pub fn code(self) -> &'static str {
        match self {
            Self::WrongCurrent => "attuale",
            Self::Rules => "regole",
            Self::Mismatch => "diverse",
            Self::Same => "uguale",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn message(self) -> String {
        match self {
            Self::WrongCurrent => "La password attuale non è corretta: la password non è cambiata.".into(),
            Self::Rules => format!(
                "La nuova password deve avere da {PASSWORD_MIN} a {PASSWORD_MAX} caratteri: la password non è cambiata."
            ),
            Self::Mismatch => "Le due nuove password non coincidono: la password non è cambiata.".into(),
            Self::Same => "La nuova password è uguale a quella attuale: sceglierne un'altra.".into(),
        }
    }
}

/// Checks "Nuovo operatore" as typed (the password only for its length: it is hashed, never kept).
pub fn new_operator(
    username: &str,
    display_name: &str,
    role: &str,
    password: &str,
) -> Result<NewOperatorFields, NewOperatorError> {
    let username = self::username(username).map_err(|_| NewOperatorError::Username)?;
    let display_name = self::display_name(display_name).map_err(|_| NewOperatorError::Name)?;
    let role = Role::from_code(role).ok_or(NewOperatorError::Role)?;
    new_password(password).map_err(|_| NewOperatorError::Password)?;
    Ok(NewOperatorFields { username, display_name, role })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_operators_are_checked_field_by_field() {
        let ok = new_operator(" Mario.Rossi ", "Mario Rossi", "OPERATORE", "una-password-lunga").unwrap();
        assert_eq!(ok.username, "mario.rossi");
        assert_eq!(
            new_operator("x", "Mario", "OPERATORE", "una-password-lunga"),
            Err(NewOperatorError::Username)
        );
        assert_eq!(new_operator("mario", "", "OPERATORE", "una-password-lunga"), Err(NewOperatorError::Name));
        assert_eq!(new_operator("mario", "Mario", "CAPO", "una-password-lunga"), Err(NewOperatorError::Role));
        assert_eq!(new_operator("mario", "Mario", "OPERATORE", "corta"), Err(NewOperatorError::Password));
        for e in NewOperatorError::ALL {
            assert_eq!(NewOperatorError::from_code(e.code()), Some(e));
        }
    }

    fn op(kind: OrganisationKind, org: i64, role: Role) -> Operator {
        Operator {
            id: 1,
            username: "u".into(),
            display_name: "U".into(),
            role,
            organisation_id: org,
            organisation_name: "O".into(),
            organisation_kind: kind,
            must_change_password: false,
        }
    }

    #[test]
    fn scopes() {
        let provider = op(OrganisationKind::Fornitore, 1, Role::Operatore);
        let reseller = op(OrganisationKind::Rivenditore, 2, Role::Amministratore);
        assert_eq!(provider.scope(), Scope::All);
        assert!(provider.can_access(2) && provider.can_access(3));
        assert_eq!(reseller.scope(), Scope::Organisation(2));
        assert!(reseller.can_access(2) && !reseller.can_access(1) && !reseller.can_access(3));
        assert!(reseller.is_admin() && !provider.is_admin());
        assert_eq!(Scope::All.sql_value(), 0);
    }

    #[test]
    fn usernames_and_passwords() {
        assert_eq!(username(" Alfa.Operatore "), Ok("alfa.operatore".into()));
        assert_eq!(username("a b"), Err(FieldError::ForbiddenChar(' ')));
        assert_eq!(username("ab"), Err(FieldError::TooShort(3)));
        assert_eq!(new_password("corta"), Err(FieldError::TooShort(12)));
        assert!(new_password("una frase abbastanza lunga").is_ok());
        for k in [OrganisationKind::Fornitore, OrganisationKind::Rivenditore] {
            assert_eq!(OrganisationKind::from_code(k.code()), Some(k));
        }
        for r in Role::ALL {
            assert_eq!(Role::from_code(r.code()), Some(r));
        }
    }
}
