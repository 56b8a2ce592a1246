//! Normalisation and validation of single fields (docs/DOMAIN.md, "Validation rules").
//! Every function takes what the user typed and returns the normalised value or a typed error.

use super::tax_code::{self, TaxCodeError};
use serde::{Deserialize, Serialize};
use thiserror::Error;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Error)]
pub enum FieldError {
    #[error("Campo obbligatorio")]
    Required,
    #[error("Carattere non ammesso: {}", describe_char(*.0))]
    ForbiddenChar(char),
    #[error("Indirizzo incompleto: manca @ seguito dal dominio")]
    MissingAt,
    #[error("Manca il nome della casella prima di @")]
    EmptyLocalPart,
    #[error("Manca il dominio dopo @")]
    EmptyDomain,
    #[error("Il nome della casella deve iniziare e finire con una lettera o una cifra")]
    LocalPartEdge,
    #[error("Due punti consecutivi non ammessi")]
    DoubleDot,
    #[error("Troppo lungo: massimo {0} caratteri")]
    TooLong(usize),
    #[error("Troppo corto: minimo {0} caratteri")]
    TooShort(usize),
    #[error("Dominio non gestito: {0}")]
    UnmanagedDomain(String),
    #[error("Indirizzo e-mail non valido")]
    InvalidEmail,
    #[error("Caratteri di controllo non ammessi")]
    ControlChar,
    #[error("Sono ammessi solo lettere, spazi, apostrofi e trattini")]
    NameChar,
    #[error("Spazi, apostrofi e trattini non possono stare all'inizio né essere ripetuti")]
    NameSeparator,
    #[error("{0}")]
    TaxCode(TaxCodeError),
    #[error("Anno non valido: scegliere un anno tra {0} e {1}")]
    YearOutOfRange(i32, i32),
    #[error("Valore non valido: scegliere una delle opzioni")]
    UnknownOption,
    #[error("Casella già esistente")]
    AddressTaken,
    #[error("Casella duplicata nella richiesta (riga {0})")]
    DuplicateAddress(usize),
    #[error("Nickname già in uso")]
    NicknameTaken,
    #[error("Nickname duplicato nella richiesta (riga {0})")]
    DuplicateNickname(usize),
}

/// Non-blocking remarks: shown, but they do not stop the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Error)]
pub enum FieldWarning {
    #[error("Il codice fiscale non corrisponde a nome e cognome")]
    TaxCodeNameMismatch,
}

fn describe_char(c: char) -> String {
    match c {
        ' ' => "spazio".into(),
        '\t' => "tabulazione".into(),
        c if c.is_whitespace() => "spazio".into(),
        c if c.is_control() => format!("U+{:04X}", c as u32),
        c => format!("«{c}»"),
    }
}

pub const ADDRESS_MAX: usize = 254;
pub const LOCAL_PART_MAX: usize = 64;
pub const DESCRIPTION_MAX: usize = 255;
pub const NAME_MAX: usize = 64;
pub const NICKNAME_MIN: usize = 3;
pub const NICKNAME_MAX: usize = 64;
pub const CUSTOMER_NAME_MAX: usize = 200;
pub const CUSTOMER_PO_MAX: usize = 50;
/// How many years ahead the mailboxes of a request may expire.
pub const EXPIRY_YEARS_AHEAD: i32 = 5;

fn is_mailbox_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')
}

/// How mailbox addresses and nicknames are compared and stored: trimmed, lower-case. The one
/// definition of "the same name", for duplicates in a request and against the platform.
pub fn name_key(raw: &str) -> String {
    raw.trim().to_lowercase()
}

/// A PEC mailbox address on one of the managed `domains` (which are lower-case).
pub fn mailbox_address(raw: &str, domains: &[String]) -> Result<String, FieldError> {
    let s = name_key(raw);
    if s.is_empty() {
        return Err(FieldError::Required);
    }
    let Some((local, domain)) = s.split_once('@') else {
        if let Some(c) = s.chars().find(|&c| !is_mailbox_char(c)) {
            return Err(FieldError::ForbiddenChar(c));
        }
        return Err(FieldError::MissingAt);
    };
    if let Some(c) = local.chars().find(|&c| !is_mailbox_char(c)) {
        return Err(FieldError::ForbiddenChar(c));
    }
    if let Some(c) =
        domain.chars().find(|&c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-'))
    {
        return Err(FieldError::ForbiddenChar(c));
    }
    if local.is_empty() {
        return Err(FieldError::EmptyLocalPart);
    }
    if local.chars().count() > LOCAL_PART_MAX {
        return Err(FieldError::TooLong(LOCAL_PART_MAX));
    }
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !edge_ok(local.chars().next()) || !edge_ok(local.chars().last()) {
        return Err(FieldError::LocalPartEdge);
    }
    if local.contains("..") {
        return Err(FieldError::DoubleDot);
    }
    if domain.is_empty() {
        return Err(FieldError::EmptyDomain);
    }
    if s.len() > ADDRESS_MAX {
        return Err(FieldError::TooLong(ADDRESS_MAX));
    }
    if !domains.iter().any(|d| d == domain) {
        return Err(FieldError::UnmanagedDomain(domain.to_string()));
    }
    Ok(s)
}

/// An ordinary e-mail address (RFC 5321 lengths, dot-atom local part, DNS host name).
pub fn email(raw: &str, required: bool) -> Result<String, FieldError> {
    let s = raw.trim();
    if s.is_empty() {
        return if required { Err(FieldError::Required) } else { Ok(String::new()) };
    }
    let Some((local, domain)) = s.rsplit_once('@') else {
        return Err(FieldError::InvalidEmail);
    };
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c);
    let local_ok = !local.is_empty()
        && local.len() <= LOCAL_PART_MAX
        && local.split('.').all(|atom| !atom.is_empty() && atom.chars().all(atext));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = domain.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels.last().is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
    if !local_ok || !domain_ok || s.len() > ADDRESS_MAX {
        return Err(FieldError::InvalidEmail);
    }
    // The domain part is case-insensitive; the local part is kept as typed.
    Ok(format!("{local}@{}", domain.to_ascii_lowercase()))
}

/// Free text (descriptions, customer names, order numbers): no control characters, bounded length.
pub fn free_text(raw: &str, max: usize, required: bool) -> Result<String, FieldError> {
    let s = raw.trim();
    if s.is_empty() && required {
        return Err(FieldError::Required);
    }
    if s.chars().any(char::is_control) {
        return Err(FieldError::ControlChar);
    }
    if s.chars().count() > max {
        return Err(FieldError::TooLong(max));
    }
    Ok(s.to_string())
}

/// A first name or surname (optional).
pub fn person_name(raw: &str) -> Result<String, FieldError> {
    let s = raw.trim();
    if s.chars().count() > NAME_MAX {
        return Err(FieldError::TooLong(NAME_MAX));
    }
    let is_sep = |c: char| matches!(c, ' ' | '\'' | '’' | '-');
    let mut prev_sep = true; // a separator may not come first
    for c in s.chars() {
        if is_sep(c) {
            if prev_sep {
                return Err(FieldError::NameSeparator);
            }
            prev_sep = true;
        } else if c.is_alphabetic() {
            prev_sep = false;
        } else {
            return Err(FieldError::NameChar);
        }
    }
    Ok(s.to_string())
}

/// A codice fiscale; `required` for the legal representative, optional for holders.
pub fn tax_code(raw: &str, required: bool) -> Result<String, FieldError> {
    let s = tax_code::normalize(raw);
    if s.is_empty() {
        return if required { Err(FieldError::Required) } else { Ok(s) };
    }
    tax_code::validate(&s).map_err(FieldError::TaxCode)?;
    Ok(s)
}

/// The optional alternative login name.
pub fn nickname(raw: &str) -> Result<String, FieldError> {
    let s = name_key(raw);
    if s.is_empty() {
        return Ok(s);
    }
    if let Some(c) = s.chars().find(|&c| !is_mailbox_char(c)) {
        return Err(FieldError::ForbiddenChar(c));
    }
    let n = s.chars().count();
    if n < NICKNAME_MIN {
        return Err(FieldError::TooShort(NICKNAME_MIN));
    }
    if n > NICKNAME_MAX {
        return Err(FieldError::TooLong(NICKNAME_MAX));
    }
    Ok(s)
}

/// The year in which the mailboxes of a request expire.
pub fn expiry_year(raw: &str, current_year: i32) -> Result<i32, FieldError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(FieldError::Required);
    }
    let last = current_year + EXPIRY_YEARS_AHEAD;
    match s.parse::<i32>() {
        Ok(y) if (current_year..=last).contains(&y) => Ok(y),
        _ => Err(FieldError::YearOutOfRange(current_year, last)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domains() -> Vec<String> {
        vec!["legalmail.it".into(), "testcert.legalmail.it".into()]
    }

    #[test]
    fn mailbox_address_rules() {
        let d = domains();
        assert_eq!(
            mailbox_address(" Nuova_Casella@TestCert.LegalMail.it ", &d),
            Ok("nuova_casella@testcert.legalmail.it".into())
        );
        assert_eq!(mailbox_address("", &d), Err(FieldError::Required));
        assert_eq!(mailbox_address("mario rossi@legalmail.it", &d), Err(FieldError::ForbiddenChar(' ')));
        assert_eq!(
            mailbox_address("mario rossi@legalmail.it", &d).unwrap_err().to_string(),
            "Carattere non ammesso: spazio"
        );
        assert_eq!(mailbox_address("mario", &d), Err(FieldError::MissingAt));
        assert_eq!(mailbox_address("@legalmail.it", &d), Err(FieldError::EmptyLocalPart));
        assert_eq!(mailbox_address("mario@", &d), Err(FieldError::EmptyDomain));
        assert_eq!(mailbox_address(".mario@legalmail.it", &d), Err(FieldError::LocalPartEdge));
        assert_eq!(mailbox_address("mario-@legalmail.it", &d), Err(FieldError::LocalPartEdge));
        assert_eq!(mailbox_address("ma..rio@legalmail.it", &d), Err(FieldError::DoubleDot));
        assert_eq!(mailbox_address("mar@io@legalmail.it", &d), Err(FieldError::ForbiddenChar('@')));
        assert_eq!(mailbox_address("perché@legalmail.it", &d), Err(FieldError::ForbiddenChar('é')));
        assert_eq!(
            mailbox_address("mario@gmail.com", &d).unwrap_err().to_string(),
            "Dominio non gestito: gmail.com"
        );
        let long = format!("{}@legalmail.it", "a".repeat(65));
        assert_eq!(mailbox_address(&long, &d), Err(FieldError::TooLong(64)));
        let ok = format!("{}@legalmail.it", "a".repeat(64));
        assert!(mailbox_address(&ok, &d).is_ok());
    }

    #[test]
    fn email_rules() {
        assert_eq!(
            email("mail_gestione_password@infocert.it", true),
            Ok("mail_gestione_password@infocert.it".into())
        );
        assert_eq!(email("Mail.Pwd@Mail.COM", true), Ok("Mail.Pwd@mail.com".into()));
        assert_eq!(email("", true), Err(FieldError::Required));
        assert_eq!(email("", false), Ok(String::new()));
        for bad in [
            "a",
            "a@b",
            "a@@b.it",
            "a..b@c.it",
            ".a@b.it",
            "a@b..it",
            "a@-b.it",
            "a b@c.it",
            "a@b.i",
            "a@b.12",
        ] {
            assert_eq!(email(bad, true), Err(FieldError::InvalidEmail), "{bad}");
        }
        let long_local = format!("{}@b.it", "a".repeat(65));
        assert_eq!(email(&long_local, true), Err(FieldError::InvalidEmail));
    }

    #[test]
    fn free_text_rules() {
        assert_eq!(free_text("  PEC ufficio ", 255, false), Ok("PEC ufficio".into()));
        assert_eq!(free_text("a\u{7}b", 255, false), Err(FieldError::ControlChar));
        assert_eq!(free_text(&"x".repeat(256), 255, false), Err(FieldError::TooLong(255)));
        assert!(free_text(&"è".repeat(255), 255, false).is_ok());
        assert_eq!(free_text(" ", 10, true), Err(FieldError::Required));
    }

    #[test]
    fn person_name_rules() {
        for ok in ["", "Mario", "Anna Maria", "D'Amico", "Dell’Orto", "Rossi-Bianchi", "Nicolò", "Zoë"] {
            assert!(person_name(ok).is_ok(), "{ok}");
        }
        assert_eq!(person_name("Mario2"), Err(FieldError::NameChar));
        assert_eq!(person_name("-Mario"), Err(FieldError::NameSeparator));
        assert_eq!(person_name("Anna  Maria"), Err(FieldError::NameSeparator));
        assert_eq!(person_name("D''Amico"), Err(FieldError::NameSeparator));
        assert_eq!(person_name(&"a".repeat(65)), Err(FieldError::TooLong(64)));
    }

    #[test]
    fn tax_code_field() {
        assert_eq!(tax_code(" cgnnmo80a01h501m ", false), Ok("CGNNMO80A01H501M".into()));
        assert_eq!(tax_code("", false), Ok(String::new()));
        assert_eq!(tax_code("", true), Err(FieldError::Required));
        assert_eq!(
            tax_code("CGNNMO80A01H501X", false).unwrap_err().to_string(),
            "Codice fiscale non valido: carattere di controllo errato"
        );
        assert!(tax_code("CGNNM080A01H501M", false).is_err());
        assert!(tax_code("RSSMRA70A01H5015", false).is_err());
    }

    #[test]
    fn nickname_rules() {
        assert_eq!(nickname(" Nickname.Utente "), Ok("nickname.utente".into()));
        assert_eq!(nickname(""), Ok(String::new()));
        assert_eq!(nickname("ab"), Err(FieldError::TooShort(3)));
        assert_eq!(nickname("a b c"), Err(FieldError::ForbiddenChar(' ')));
        assert_eq!(nickname(&"a".repeat(65)), Err(FieldError::TooLong(64)));
    }

    #[test]
    fn expiry_year_rules() {
        assert_eq!(expiry_year("2027", 2026), Ok(2027));
        assert_eq!(expiry_year("2026", 2026), Ok(2026));
        assert_eq!(expiry_year("2031", 2026), Ok(2031));
        assert_eq!(expiry_year("2032", 2026), Err(FieldError::YearOutOfRange(2026, 2031)));
        assert_eq!(expiry_year("2025", 2026), Err(FieldError::YearOutOfRange(2026, 2031)));
        assert_eq!(expiry_year("abc", 2026), Err(FieldError::YearOutOfRange(2026, 2031)));
        assert_eq!(expiry_year("", 2026), Err(FieldError::Required));
    }
}
