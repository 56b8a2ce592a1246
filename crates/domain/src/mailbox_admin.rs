//! The small forms of "Dettaglio casella" (services, notes, additional users, SERVIZI EXTRA):
//! their values and rules, shared by the page and the server.

use super::fields::{self, FieldError};
use super::ids::{OrderNumber, UserId};
use super::offers::Services;
use serde::{Deserialize, Serialize};
use thiserror::Error;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Error)]
pub enum AdminError {
    #[error("{label}: {error}")]
    Field { label: String, error: FieldError },
    #[error("Spazio disco: un numero intero di GB tra 1 e {0}")]
    Disk(i64),
    #[error("La nota è vuota o supera {0} caratteri")]
    Note(usize),
    #[error("Riga {line} ({label}): {error}")]
    Line { line: usize, label: String, error: FieldError },
    #[error("Troppe righe: al massimo {0}")]
    TooMany(usize),
    #[error("Cellulare: solo cifre, con o senza +, da 6 a 15 cifre")]
    Phone,
    #[error("Numero d'ordine non valido: solo cifre")]
    OrderNumber,
    #[error("Userid non valido: solo lettere e cifre")]
    UserId,
    #[error("Utente aggiuntivo da rimuovere non indicato")]
    NoUser,
}

pub const MAX_DISK_GB: i64 = 100;
pub const NOTE_MAX: usize = 2000;
pub const LIST_MAX: usize = 200;

fn field(label: &str, r: Result<String, FieldError>) -> Result<String, AdminError> {
    r.map_err(|error| AdminError::Field { label: label.into(), error })
}

/// RIEPILOGO SERVIZI → "Modifica": the disk space as typed, the switches as checked.
pub fn services(disk_gb: &str, mut s: Services) -> Result<Services, AdminError> {
    let gb: i64 = disk_gb.trim().parse().map_err(|_| AdminError::Disk(MAX_DISK_GB))?;
    if !(1..=MAX_DISK_GB).contains(&gb) {
        return Err(AdminError::Disk(MAX_DISK_GB));
    }
    s.disk_gb = gb;
    Ok(s)
}

/// "Inserisci nota".
pub fn note(text: &str) -> Result<String, AdminError> {
    let t = text.trim();
    if t.is_empty() || t.chars().count() > NOTE_MAX {
        return Err(AdminError::Note(NOTE_MAX));
    }
    Ok(t.to_string())
}

/// RIEPILOGO SERVIZI's disk line: "Spazio disco 6 GB (usato 0,3 GB) Azz. al 27/11/2026", the
/// used space to a tenth of a GB (rounded down, so never more than used), "Azz. al -" if the
/// counter was never reset.
pub fn disk_line(disk_gb: i64, used_mb: i64, reset_at: &str) -> String {
    let tenths = used_mb.max(0) * 10 / 1024;
    let reset = if reset_at.is_empty() { "-".to_string() } else { crate::dates::italian_date(reset_at) };
    format!("Spazio disco {disk_gb} GB (usato {},{} GB) Azz. al {reset}", tenths / 10, tenths % 10)
}

/// Most MB a mailbox may be said to use (10 TB): a larger figure is a mistake in the file.
pub const USED_MB_MAX: i64 = 10_000_000;

/// The mail platform's daily disk usage file (columns "Userid" and "Spazio usato (MB)"), read
/// all or nothing: each bad line is named.
pub fn read_disk_usage(bytes: &[u8]) -> Result<Vec<(UserId, i64)>, Vec<String>> {
    let table = crate::csv_file::read_table(bytes).map_err(|e| vec![e.to_string()])?;
    let key = |h: &str| h.trim().to_lowercase();
    let col = |name: &str| table.header.iter().position(|h| key(h) == key(name));
    let (Some(user_col), Some(mb_col)) = (col("Userid"), col("Spazio usato (MB)")) else {
        return Err(vec!["Servono le colonne «Userid» e «Spazio usato (MB)»".into()]);
    };
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (line, cells) in &table.rows {
        let cell = |i: usize| cells.get(i).map(|c| c.trim().to_string()).unwrap_or_default();
        let userid = UserId::parse(&cell(user_col).to_uppercase());
        let mb = cell(mb_col).parse::<i64>().ok().filter(|mb| (0..=USED_MB_MAX).contains(mb));
        match (userid, mb) {
            (Some(u), Some(mb)) => out.push((u, mb)),
            (None, _) => errors.push(format!("Riga {line}: userid non valido")),
            (_, None) => {
                errors.push(format!("Riga {line}: spazio usato non valido (MB, da 0 a {USED_MB_MAX})"))
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// An additional user of a mailbox ("Aggiungi Multiutenza").
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExtraUser {
    /// Its row's id once stored (to remove it); ignored when added.
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub tax_code: String,
    pub email: String,
    /// Once stored: the login of their own on the mail platform
    /// ([`crate::mail_platform::extra_user_login`]), and whether they chose its password.
    pub login: String,
    pub has_password: bool,
}

pub fn extra_user(u: &ExtraUser) -> Result<ExtraUser, AdminError> {
    Ok(ExtraUser {
        id: 0,
        first_name: field("Nome", fields::person_name(&u.first_name).and_then(required))?,
        last_name: field("Cognome", fields::person_name(&u.last_name).and_then(required))?,
        tax_code: field("Codice fiscale", fields::tax_code(&u.tax_code, true))?,
        email: field("E-mail", fields::email(&u.email, true))?,
        ..ExtraUser::default()
    })
}

fn required(s: String) -> Result<String, FieldError> {
    if s.is_empty() {
        Err(FieldError::Required)
    } else {
        Ok(s)
    }
}

/// SERVIZI EXTRA of a mailbox, kept together.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExtraSettings {
    /// "Configura filtri di ricezione": senders whose messages are refused, one per line.
    pub blocked_senders: Vec<String>,
    /// Refuse ordinary (non-PEC) e-mail.
    pub pec_only: bool,
    /// "Configurazione informazioni di sicurezza": for recovering access.
    pub recovery_phone: String,
    pub recovery_email: String,
    /// "Contatti della casella": `Nome;indirizzo` per line.
    pub contacts: Vec<(String, String)>,
}

fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().map(str::trim).enumerate().filter(|(_, l)| !l.is_empty()).map(|(i, l)| (i + 1, l))
}

/// The reception filter as typed: one address per line.
pub fn blocked_senders(text: &str) -> Result<Vec<String>, AdminError> {
    let mut out = Vec::new();
    for (line, l) in lines(text) {
        let e = fields::email(l, true)
            .map_err(|error| AdminError::Line { line, label: "Mittente".into(), error })?
            .to_lowercase();
        if !out.contains(&e) {
            out.push(e);
        }
    }
    if out.len() > LIST_MAX {
        return Err(AdminError::TooMany(LIST_MAX));
    }
    Ok(out)
}

pub fn security_info(phone: &str, email: &str) -> Result<(String, String), AdminError> {
    let p: String = phone.chars().filter(|c| !c.is_whitespace()).collect();
    let digits = p.strip_prefix('+').unwrap_or(&p);
    if !p.is_empty() && (!digits.chars().all(|c| c.is_ascii_digit()) || !(6..=15).contains(&digits.len())) {
        return Err(AdminError::Phone);
    }
    Ok((p, field("E-mail di recupero", fields::email(email, false))?))
}

/// Contacts as typed: `Nome;indirizzo` per line.
pub fn contacts(text: &str) -> Result<Vec<(String, String)>, AdminError> {
    let mut out = Vec::new();
    for (line, l) in lines(text) {
        let (name, address) = l.split_once(';').unwrap_or(("", l));
        let address = fields::email(address, true).map_err(|error| AdminError::Line {
            line,
            label: "Indirizzo".into(),
            error,
        })?;
        out.push((name.trim().to_string(), address));
    }
    if out.len() > LIST_MAX {
        return Err(AdminError::TooMany(LIST_MAX));
    }
    Ok(out)
}

/// The small forms of the mailbox page, by the `azione` their button posts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MailboxAction {
    Services,
    Transform,
    Move,
    Note,
    AddUser,
    RemoveUser,
    Associate,
    Dissociate,
    Filters,
    Security,
    Contacts,
    /// "Azz." of the used disk space.
    ResetDisk,
}

impl MailboxAction {
    pub const ALL: [Self; 12] = [
        Self::Services,
        Self::Transform,
        Self::Move,
        Self::Note,
        Self::AddUser,
        Self::RemoveUser,
        Self::Associate,
        Self::Dissociate,
        Self::Filters,
        Self::Security,
        Self::Contacts,
        Self::ResetDisk,
    ];

    /// The value of the form's button, also the page's anchor and the `?fatto=` of its outcome.
    pub fn code(self) -> &'static str {
        match self {
            Self::Services => "servizi",
            Self::Transform => "trasforma",
            Self::Move => "sposta",
            Self::Note => "nota",
            Self::AddUser => "multiutenza",
            Self::RemoveUser => "rimuovi-utente",
            Self::Associate => "associa",
            Self::Dissociate => "rimuovi-associazione",
            Self::ResetDisk => "azzera-disco",
            Self::Filters => "filtri",
            Self::Security => "sicurezza",
            Self::Contacts => "contatti",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.code() == code)
    }
}

/// Every field of every small form, as posted (each form posts its own).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AdminForm {
    pub disk_gb: String,
    pub sms: Option<String>,
    pub security_archive: Option<String>,
    pub legal_preservation: Option<String>,
    pub shadow_pec: Option<String>,
    pub push_imap: Option<String>,
    pub phishing_protection: Option<String>,
    pub offer: String,
    pub order: String,
    pub note: String,
    pub user: ExtraUser,
    pub associate: String,
    /// What a "Rimuovi" button removes: an additional user's id, or an associated userid.
    pub remove: String,
    pub blocked: String,
    pub pec_only: Option<String>,
    pub phone: String,
    pub recovery_email: String,
    pub contacts: String,
}

/// One change of a mailbox, validated by the rules above; the store applies it with its
/// history entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MailboxChange {
    Services(Services),
    /// Trasforma: another offer, whose services the mailbox takes.
    Offer(String),
    /// Sposta: to another order of the same organisation.
    Move(OrderNumber),
    Note(String),
    AddUser(ExtraUser),
    /// An additional user, by its id.
    RemoveUser(i64),
    Associate(UserId),
    Dissociate(UserId),
    Settings(ExtraSettings),
    /// "Azz.": the used disk space counted again from zero, from today.
    ResetDiskUsage,
}

impl MailboxChange {
    /// The audit log's name of the change.
    pub fn audit_action(&self) -> &'static str {
        match self {
            Self::Services(_) => "SERVIZI_MODIFICATI",
            Self::Offer(_) => "CASELLA_TRASFORMATA",
            Self::Move(_) => "CASELLA_SPOSTATA",
            Self::Note(_) => "NOTA_INSERITA",
            Self::AddUser(_) => "MULTIUTENZA_AGGIUNTA",
            Self::RemoveUser(_) => "MULTIUTENZA_RIMOSSA",
            Self::Dissociate(_) => "ASSOCIAZIONE_RIMOSSA",
            Self::ResetDiskUsage => "SPAZIO_DISCO_AZZERATO",
            Self::Associate(_) => "ASSOCIAZIONE_AGGIUNTA",
            Self::Settings(_) => "SERVIZI_EXTRA_MODIFICATI",
        }
    }
}

/// What a small form asks for, checked: `used_mb` is the disk space the mailbox uses now,
/// `settings` its current SERVIZI EXTRA (a form changes only its own part of them).
pub fn change_from_form(
    action: MailboxAction,
    form: &AdminForm,
    used_mb: i64,
    settings: &ExtraSettings,
) -> Result<MailboxChange, AdminError> {
    let on = |o: &Option<String>| o.is_some();
    Ok(match action {
        MailboxAction::Services => MailboxChange::Services(services(
            &form.disk_gb,
            Services {
                disk_used_mb: used_mb,
                sms: on(&form.sms),
                security_archive: on(&form.security_archive),
                legal_preservation: on(&form.legal_preservation),
                shadow_pec: on(&form.shadow_pec),
                push_imap: on(&form.push_imap),
                phishing_protection: on(&form.phishing_protection),
                ..Services::default()
            },
        )?),
        MailboxAction::Transform => MailboxChange::Offer(form.offer.trim().to_string()),
        MailboxAction::Move => {
            MailboxChange::Move(OrderNumber::parse(form.order.trim()).ok_or(AdminError::OrderNumber)?)
        }
        MailboxAction::Note => MailboxChange::Note(note(&form.note)?),
        MailboxAction::AddUser => MailboxChange::AddUser(extra_user(&form.user)?),
        MailboxAction::Associate => MailboxChange::Associate(
            UserId::parse(&form.associate.trim().to_uppercase()).ok_or(AdminError::UserId)?,
        ),
        MailboxAction::RemoveUser => MailboxChange::RemoveUser(
            form.remove.trim().parse::<i64>().ok().filter(|id| *id > 0).ok_or(AdminError::NoUser)?,
        ),
        MailboxAction::Dissociate => MailboxChange::Dissociate(
            UserId::parse(&form.remove.trim().to_uppercase()).ok_or(AdminError::UserId)?,
        ),
        MailboxAction::ResetDisk => MailboxChange::ResetDiskUsage,
        MailboxAction::Filters => MailboxChange::Settings(ExtraSettings {
            blocked_senders: blocked_senders(&form.blocked)?,
            pec_only: on(&form.pec_only),
            ..settings.clone()
        }),
        MailboxAction::Security => {
            let (recovery_phone, recovery_email) = security_info(&form.phone, &form.recovery_email)?;
            MailboxChange::Settings(ExtraSettings { recovery_phone, recovery_email, ..settings.clone() })
        }
        MailboxAction::Contacts => {
            MailboxChange::Settings(ExtraSettings { contacts: contacts(&form.contacts)?, ..settings.clone() })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_round_trip_and_forms_become_changes() {
        for a in MailboxAction::ALL {
            assert_eq!(MailboxAction::from_code(a.code()), Some(a));
        }
        let settings = ExtraSettings::default();
        let remove = |what: &str| AdminForm { remove: what.into(), ..AdminForm::default() };
        assert_eq!(
            change_from_form(MailboxAction::RemoveUser, &remove(" 12 "), 0, &settings),
            Ok(MailboxChange::RemoveUser(12))
        );
        for bad in ["", "0", "-3", "x"] {
            assert_eq!(
                change_from_form(MailboxAction::RemoveUser, &remove(bad), 0, &settings),
                Err(AdminError::NoUser)
            );
        }
        assert!(matches!(
            change_from_form(MailboxAction::Dissociate, &remove("vit03934"), 0, &settings),
            Ok(MailboxChange::Dissociate(u)) if u.as_str() == "VIT03934"
        ));
        assert_eq!(
            change_from_form(MailboxAction::Dissociate, &remove("../x"), 0, &settings),
            Err(AdminError::UserId)
        );
        assert_eq!(
            change_from_form(MailboxAction::ResetDisk, &AdminForm::default(), 0, &settings),
            Ok(MailboxChange::ResetDiskUsage)
        );
        assert_eq!(disk_line(6, 0, ""), "Spazio disco 6 GB (usato 0,0 GB) Azz. al -");
        let file = "Userid;Spazio usato (MB)\r\nvit03933;2048\r\nVIT03934; 0\r\n".as_bytes();
        let read = read_disk_usage(file).unwrap();
        assert_eq!(
            read.iter().map(|(u, mb)| (u.as_str(), *mb)).collect::<Vec<_>>(),
            [("VIT03933", 2048), ("VIT03934", 0)]
        );
        let bad = "Userid;Spazio usato (MB)\r\n../x;1\r\nVIT1;-1\r\nVIT2;99999999999\r\n".as_bytes();
        assert_eq!(read_disk_usage(bad).unwrap_err().len(), 3);
        assert!(read_disk_usage(b"Userid;MB\r\nVIT1;1\r\n").is_err());
        assert_eq!(disk_line(6, 1023, "2026-11-27"), "Spazio disco 6 GB (usato 0,9 GB) Azz. al 27/11/2026");
        assert_eq!(disk_line(10, 5 * 1024 + 512, ""), "Spazio disco 10 GB (usato 5,5 GB) Azz. al -");
        assert_eq!(MailboxAction::from_code("rubbish"), None);
        let settings = ExtraSettings { pec_only: true, ..ExtraSettings::default() };
        let form = AdminForm { contacts: "Mario Rossi;mario@example.it".into(), ..AdminForm::default() };
        let MailboxChange::Settings(s) =
            change_from_form(MailboxAction::Contacts, &form, 0, &settings).unwrap()
        else {
            panic!("contacts change settings")
        };
        assert!(s.pec_only, "the other settings stay");
        assert_eq!(s.contacts.len(), 1);
        let form = AdminForm { disk_gb: "0".into(), ..AdminForm::default() };
        assert!(change_from_form(MailboxAction::Services, &form, 0, &settings).is_err());
    }

    #[test]
    fn small_forms() {
        assert_eq!(services("12", Services::default()).unwrap().disk_gb, 12);
        assert_eq!(services("0", Services::default()), Err(AdminError::Disk(MAX_DISK_GB)));
        assert!(services("tanti", Services::default()).is_err());
        assert_eq!(note("  ciao "), Ok("ciao".into()));
        assert!(note("   ").is_err());
        let u = ExtraUser {
            id: 0,
            first_name: "Anna".into(),
            last_name: "Verdi".into(),
            tax_code: "qswtfg44d62r632z".into(),
            email: "a@b.it".into(),
            ..ExtraUser::default()
        };
        assert_eq!(extra_user(&u).unwrap().tax_code, "QSWTFG44D62R632Z");
        let bad = ExtraUser { tax_code: "X".into(), ..u.clone() };
        assert!(extra_user(&bad).unwrap_err().to_string().starts_with("Codice fiscale"));
        assert_eq!(blocked_senders("a@b.it\n\nA@B.it\nc@d.it").unwrap().len(), 2);
        assert!(blocked_senders("a@b.it\nnon valido").unwrap_err().to_string().starts_with("Riga 2"));
        assert_eq!(security_info("+39 333 1234567", "").unwrap().0, "+393331234567");
        assert_eq!(security_info("333-12", ""), Err(AdminError::Phone));
        assert_eq!(
            contacts("Mario;m@x.it\nn@y.it").unwrap(),
            vec![("Mario".into(), "m@x.it".into()), ("".into(), "n@y.it".into())]
        );
    }
}
