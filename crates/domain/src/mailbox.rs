//! One mailbox of a request: its fields as typed, the rules it is checked against, and its
//! validation alone, after the rows before it (duplicates), or among all of a request's rows.
//! Shared by the request as a whole (`request`) and by CSV files (`csv_file`).

use super::fields::{self, FieldError, FieldWarning};
use super::tax_code;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

/// The fields of one mailbox block, in the order of the form and of the CSV template.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum MailboxField {
    Address,
    Description,
    PasswordEmail,
    FirstName,
    LastName,
    TaxCode,
    Nickname,
}

impl MailboxField {
    pub const ALL: [MailboxField; 7] = [
        Self::Address,
        Self::Description,
        Self::PasswordEmail,
        Self::FirstName,
        Self::LastName,
        Self::TaxCode,
        Self::Nickname,
    ];

    /// Stable key used in form field names and element ids.
    pub fn key(self) -> &'static str {
        match self {
            Self::Address => "address",
            Self::Description => "description",
            Self::PasswordEmail => "password_email",
            Self::FirstName => "first_name",
            Self::LastName => "last_name",
            Self::TaxCode => "tax_code",
            Self::Nickname => "nickname",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.key() == key)
    }

    /// The Italian label (UI_CONTRACT.md).
    pub fn label(self) -> &'static str {
        match self {
            Self::Address => "Nome casella",
            Self::Description => "Descrizione",
            Self::PasswordEmail => "Email gestione password",
            Self::FirstName => "Nome",
            Self::LastName => "Cognome",
            Self::TaxCode => "Codice fiscale",
            Self::Nickname => "Nickname",
        }
    }

    pub fn required(self) -> bool {
        matches!(self, Self::Address | Self::PasswordEmail)
    }
}

/// One mailbox as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MailboxInput {
    pub address: String,
    pub description: String,
    pub password_email: String,
    pub first_name: String,
    pub last_name: String,
    pub tax_code: String,
    pub nickname: String,
}

impl MailboxInput {
    pub fn get(&self, f: MailboxField) -> &str {
        match f {
            MailboxField::Address => &self.address,
            MailboxField::Description => &self.description,
            MailboxField::PasswordEmail => &self.password_email,
            MailboxField::FirstName => &self.first_name,
            MailboxField::LastName => &self.last_name,
            MailboxField::TaxCode => &self.tax_code,
            MailboxField::Nickname => &self.nickname,
        }
    }

    pub fn set(&mut self, f: MailboxField, value: String) {
        let slot = match f {
            MailboxField::Address => &mut self.address,
            MailboxField::Description => &mut self.description,
            MailboxField::PasswordEmail => &mut self.password_email,
            MailboxField::FirstName => &mut self.first_name,
            MailboxField::LastName => &mut self.last_name,
            MailboxField::TaxCode => &mut self.tax_code,
            MailboxField::Nickname => &mut self.nickname,
        };
        *slot = value;
    }

    pub fn is_blank(&self) -> bool {
        MailboxField::ALL.iter().all(|&f| self.get(f).trim().is_empty())
    }
}

/// What validation needs to know about the platform.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rules {
    pub current_year: i32,
    /// Managed domains, lower-case.
    pub domains: Vec<String>,
    /// Codes of the offers that may be ordered.
    pub offers: Vec<String>,
    /// Normalised addresses and nicknames already in the platform (only those asked about).
    pub taken_addresses: BTreeSet<String>,
    pub taken_nicknames: BTreeSet<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxReport {
    pub errors: Vec<(MailboxField, FieldError)>,
    pub warnings: Vec<(MailboxField, FieldWarning)>,
}

impl MailboxReport {
    pub fn error(&self, f: MailboxField) -> Option<&FieldError> {
        self.errors.iter().find(|(g, _)| *g == f).map(|(_, e)| e)
    }
    pub fn warning(&self, f: MailboxField) -> Option<&FieldWarning> {
        self.warnings.iter().find(|(g, _)| *g == f).map(|(_, w)| w)
    }
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// "Nome casella: Campo obbligatorio", the first error of a row, as a table shows it.
    pub fn first_error(&self) -> Option<String> {
        self.errors.first().map(|(f, e)| format!("{}: {e}", f.label()))
    }
}

/// A mailbox that passed validation, normalised for storage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidMailbox {
    pub address: String,
    pub description: String,
    pub password_email: String,
    pub first_name: String,
    pub last_name: String,
    pub tax_code: String,
    /// `None` when not given (the database allows many missing nicknames).
    pub nickname: Option<String>,
}

fn check_mailbox(m: &MailboxInput, rules: &Rules) -> (Result<ValidMailbox, ()>, MailboxReport) {
    let mut report = MailboxReport::default();
    let mut take = |f: MailboxField, r: Result<String, FieldError>| match r {
        Ok(v) => v,
        Err(e) => {
            report.errors.push((f, e));
            String::new()
        }
    };
    let address = take(MailboxField::Address, fields::mailbox_address(&m.address, &rules.domains));
    let description =
        take(MailboxField::Description, fields::free_text(&m.description, fields::DESCRIPTION_MAX, false));
    let password_email = take(MailboxField::PasswordEmail, fields::email(&m.password_email, true));
    let first_name = take(MailboxField::FirstName, fields::person_name(&m.first_name));
    let last_name = take(MailboxField::LastName, fields::person_name(&m.last_name));
    let tax_code = take(MailboxField::TaxCode, fields::tax_code(&m.tax_code, false));
    let nickname = take(MailboxField::Nickname, fields::nickname(&m.nickname));
    if report.error(MailboxField::Address).is_none() && rules.taken_addresses.contains(&address) {
        report.errors.push((MailboxField::Address, FieldError::AddressTaken));
    }
    if !nickname.is_empty()
        && report.error(MailboxField::Nickname).is_none()
        && rules.taken_nicknames.contains(&nickname)
    {
        report.errors.push((MailboxField::Nickname, FieldError::NicknameTaken));
    }
    if report.error(MailboxField::TaxCode).is_none()
        && report.error(MailboxField::FirstName).is_none()
        && report.error(MailboxField::LastName).is_none()
        && tax_code::names_mismatch(&tax_code, &first_name, &last_name)
    {
        report.warnings.push((MailboxField::TaxCode, FieldWarning::TaxCodeNameMismatch));
    }
    let valid = ValidMailbox {
        address,
        description,
        password_email,
        first_name,
        last_name,
        tax_code,
        nickname: (!nickname.is_empty()).then_some(nickname),
    };
    (if report.is_ok() { Ok(valid) } else { Err(()) }, report)
}

/// One existing mailbox edited on its own: its normalised values, or what is wrong with them.
/// (Names taken by other mailboxes come in `rules`; its own are not taken.)
pub fn validate_one(m: &MailboxInput, rules: &Rules) -> Result<ValidMailbox, MailboxReport> {
    match check_mailbox(m, rules) {
        (Ok(valid), _) => Ok(valid),
        (Err(()), report) => Err(report),
    }
}

/// Validates every mailbox of a request, including duplicates inside it (case-insensitive).
/// Returns one report per input, in order.
pub fn validate_mailboxes(inputs: &[MailboxInput], rules: &Rules) -> Vec<MailboxReport> {
    check_all(inputs, rules).1
}

pub(crate) fn check_all(
    inputs: &[MailboxInput],
    rules: &Rules,
) -> (Vec<Option<ValidMailbox>>, Vec<MailboxReport>) {
    let mut valids = Vec::with_capacity(inputs.len());
    let mut reports = Vec::with_capacity(inputs.len());
    let mut first_address: HashMap<String, usize> = HashMap::new();
    let mut first_nickname: HashMap<String, usize> = HashMap::new();
    for (i, m) in inputs.iter().enumerate() {
        let (valid, mut report) = check_mailbox(m, rules);
        // Duplicates are judged on the normalised values, so "A@x" and "a@x " collide.
        let address = fields::name_key(&m.address);
        if report.error(MailboxField::Address).is_none() {
            if let Some(&first) = first_address.get(&address) {
                report.errors.push((MailboxField::Address, FieldError::DuplicateAddress(first + 1)));
            } else {
                first_address.insert(address, i);
            }
        }
        let nickname = fields::name_key(&m.nickname);
        if !nickname.is_empty() && report.error(MailboxField::Nickname).is_none() {
            if let Some(&first) = first_nickname.get(&nickname) {
                report.errors.push((MailboxField::Nickname, FieldError::DuplicateNickname(first + 1)));
            } else {
                first_nickname.insert(nickname, i);
            }
        }
        valids.push(valid.ok().filter(|_| report.is_ok()));
        reports.push(report);
    }
    (valids, reports)
}

/// The report of mailbox `m` placed after `earlier` in a request: the same as the last report
/// of `validate_mailboxes([earlier.., m])`, without checking every earlier row again (the row
/// editor of a large import runs it on every keystroke).
pub fn validate_mailbox_after(earlier: &[MailboxInput], m: &MailboxInput, rules: &Rules) -> MailboxReport {
    let (_, mut report) = check_mailbox(m, rules);
    // An earlier row "owns" a name when that name is valid and free: then this row repeats it.
    if report.error(MailboxField::Address).is_none() {
        let key = fields::name_key(&m.address);
        let owner = earlier.iter().position(|o| {
            fields::name_key(&o.address) == key
                && fields::mailbox_address(&o.address, &rules.domains)
                    .is_ok_and(|a| !rules.taken_addresses.contains(&a))
        });
        if let Some(first) = owner {
            report.errors.push((MailboxField::Address, FieldError::DuplicateAddress(first + 1)));
        }
    }
    let key = fields::name_key(&m.nickname);
    if !key.is_empty() && report.error(MailboxField::Nickname).is_none() {
        let owner = earlier.iter().position(|o| {
            fields::name_key(&o.nickname) == key
                && fields::nickname(&o.nickname).is_ok_and(|n| !rules.taken_nicknames.contains(&n))
        });
        if let Some(first) = owner {
            report.errors.push((MailboxField::Nickname, FieldError::DuplicateNickname(first + 1)));
        }
    }
    report
}
