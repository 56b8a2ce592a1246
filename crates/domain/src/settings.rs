//! "Impostazioni": the values a provider tunes without a new release, each with its range. The
//! code that uses one reads it from here (through the store), never from a constant.

use serde::{Deserialize, Serialize};

/// The settings in force.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Letters before each userid's number (`VIT` in `VIT03933`).
    pub userid_prefix: String,
    /// The number the next order gets (numbers already given are never given again).
    pub next_order_number: i64,
    /// Largest CSV file of mailboxes, in MB (at most the platform's 5 MB).
    pub csv_max_mb: i64,
    /// Most rows in one CSV file (at most the platform's 20,000).
    pub csv_max_rows: i64,
    /// Days a password link stays valid.
    pub link_valid_days: i64,
    /// Minutes without requests that end a session.
    pub session_idle_minutes: i64,
    /// Hours after login that end a session in any case.
    pub session_max_hours: i64,
    /// Failed logins in a row that lock a user name from one address.
    pub lockout_failures: i64,
    /// The provider's mail exchanger, which a customer's domain names in its MX record.
    pub dns_mx: String,
    /// The provider's SPF domain, which a customer's SPF record includes.
    pub dns_spf: String,
    /// Days after expiry in which a SCADUTA mailbox may still be renewed.
    pub renewal_grace_days: i64,
    /// Days before expiry on which reminders go out, largest first (e.g. 60, 30, 7).
    pub reminder_days: Vec<i64>,
    /// Days a revoked mailbox's mail is kept on the mail platform before it is removed.
    pub mail_retention_days: i64,
    /// The documents an order needs before its signed contract fulfils it (none by default).
    pub required_documents: Vec<crate::documents::DocumentType>,
    /// Days a cancelled order's documents are kept before they are removed.
    pub document_retention_days: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            userid_prefix: "PEC".into(),
            next_order_number: 1,
            csv_max_mb: 5,
            csv_max_rows: crate::csv_file::MAX_ROWS as i64,
            link_valid_days: 7,
            session_idle_minutes: 120,
            session_max_hours: 12,
            lockout_failures: 5,
            dns_mx: "mx.pec.fornitore.it".into(),
            dns_spf: "spf.pec.fornitore.it".into(),
            renewal_grace_days: 30,
            reminder_days: vec![60, 30, 7],
            mail_retention_days: 90,
            required_documents: Vec::new(),
            document_retention_days: 90,
        }
    }
}

impl Settings {
    /// What "Verifica DNS" expects of a customer's domain.
    pub fn provider_dns(&self) -> crate::dns::ProviderDns {
        crate::dns::ProviderDns { mx_host: self.dns_mx.clone(), spf_include: self.dns_spf.clone() }
    }
}

/// One setting: its key in the `settings` table and the form, its label and its range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SettingField {
    UseridPrefix,
    NextOrderNumber,
    CsvMaxMb,
    CsvMaxRows,
    LinkValidDays,
    SessionIdleMinutes,
    SessionMaxHours,
    LockoutFailures,
    DnsMx,
    DnsSpf,
    RenewalGraceDays,
    ReminderDays,
    MailRetentionDays,
    RequiredDocuments,
    DocumentRetentionDays,
}

pub const ORDER_NUMBER_MAX: i64 = 99_999_999;

impl SettingField {
    pub const ALL: [SettingField; 15] = [
        Self::UseridPrefix,
        Self::NextOrderNumber,
        Self::CsvMaxMb,
        Self::CsvMaxRows,
        Self::LinkValidDays,
        Self::SessionIdleMinutes,
        Self::SessionMaxHours,
        Self::LockoutFailures,
        Self::DnsMx,
        Self::DnsSpf,
        Self::RenewalGraceDays,
        Self::ReminderDays,
        Self::MailRetentionDays,
        Self::RequiredDocuments,
        Self::DocumentRetentionDays,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Self::UseridPrefix => "userid_prefix",
            Self::NextOrderNumber => "next_order_number",
            Self::CsvMaxMb => "csv_max_mb",
            Self::CsvMaxRows => "csv_max_rows",
            Self::LinkValidDays => "link_valid_days",
            Self::SessionIdleMinutes => "session_idle_minutes",
            Self::SessionMaxHours => "session_max_hours",
            Self::LockoutFailures => "lockout_failures",
            Self::DnsMx => "dns_mx",
            Self::DnsSpf => "dns_spf",
            Self::RenewalGraceDays => "renewal_grace_days",
            Self::ReminderDays => "reminder_days",
            Self::MailRetentionDays => "mail_retention_days",
            Self::RequiredDocuments => "required_documents",
            Self::DocumentRetentionDays => "document_retention_days",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::UseridPrefix => "Prefisso userid",
            Self::NextOrderNumber => "Prossimo numero d'ordine",
            Self::CsvMaxMb => "Dimensione massima CSV (MB)",
            Self::CsvMaxRows => "Righe massime per CSV",
            Self::LinkValidDays => "Validità link password (giorni)",
            Self::SessionIdleMinutes => "Inattività massima sessione (minuti)",
            Self::SessionMaxHours => "Durata massima sessione (ore)",
            Self::LockoutFailures => "Tentativi di accesso prima del blocco",
            Self::DnsMx => "Server MX del fornitore",
            Self::DnsSpf => "Dominio SPF del fornitore",
            Self::RenewalGraceDays => "Giorni di tolleranza per il rinnovo dopo la scadenza",
            Self::ReminderDays => "Promemoria di scadenza (giorni prima)",
            Self::MailRetentionDays => "Conservazione della posta delle caselle revocate (giorni)",
            Self::RequiredDocuments => "Documenti richiesti per l'evasione",
            Self::DocumentRetentionDays => "Conservazione dei documenti degli ordini annullati (giorni)",
        }
    }

    /// Whether the field may be left empty (none of the documents is required).
    pub fn optional(self) -> bool {
        self == Self::RequiredDocuments
    }

    /// The numeric range, for number fields.
    pub fn range(self) -> Option<(i64, i64)> {
        match self {
            Self::UseridPrefix
            | Self::DnsMx
            | Self::DnsSpf
            | Self::ReminderDays
            | Self::RequiredDocuments => None,
            Self::RenewalGraceDays => Some((0, 365)),
            Self::DocumentRetentionDays => Some((0, 3650)),
            Self::MailRetentionDays => Some((0, 3650)),
            Self::NextOrderNumber => Some((1, ORDER_NUMBER_MAX)),
            Self::CsvMaxMb => Some((1, 5)),
            Self::CsvMaxRows => Some((1, crate::csv_file::MAX_ROWS as i64)),
            Self::LinkValidDays => Some((1, 30)),
            Self::SessionIdleMinutes => Some((5, 24 * 60)),
            Self::SessionMaxHours => Some((1, 24)),
            Self::LockoutFailures => Some((3, 20)),
        }
    }

    pub fn value_of(self, s: &Settings) -> String {
        match self {
            Self::UseridPrefix => s.userid_prefix.clone(),
            Self::NextOrderNumber => s.next_order_number.to_string(),
            Self::CsvMaxMb => s.csv_max_mb.to_string(),
            Self::CsvMaxRows => s.csv_max_rows.to_string(),
            Self::LinkValidDays => s.link_valid_days.to_string(),
            Self::SessionIdleMinutes => s.session_idle_minutes.to_string(),
            Self::SessionMaxHours => s.session_max_hours.to_string(),
            Self::LockoutFailures => s.lockout_failures.to_string(),
            Self::DnsMx => s.dns_mx.clone(),
            Self::DnsSpf => s.dns_spf.clone(),
            Self::RenewalGraceDays => s.renewal_grace_days.to_string(),
            Self::MailRetentionDays => s.mail_retention_days.to_string(),
            Self::DocumentRetentionDays => s.document_retention_days.to_string(),
            Self::RequiredDocuments => {
                s.required_documents.iter().map(|t| t.code().to_lowercase()).collect::<Vec<_>>().join(", ")
            }
            Self::ReminderDays => {
                s.reminder_days.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
            }
        }
    }

    fn set(self, s: &mut Settings, text: &str) -> Result<(), String> {
        match self {
            Self::UseridPrefix => {
                s.userid_prefix = userid_prefix(text)?;
                return Ok(());
            }
            Self::DnsMx => {
                s.dns_mx = host_name(text)?;
                return Ok(());
            }
            Self::DnsSpf => {
                s.dns_spf = host_name(text)?;
                return Ok(());
            }
            Self::ReminderDays => {
                s.reminder_days = reminder_days(text)?;
                return Ok(());
            }
            Self::RequiredDocuments => {
                s.required_documents = crate::documents::required_types(text)?;
                return Ok(());
            }
            _ => {}
        }
        let (min, max) = self.range().unwrap_or((0, 0));
        let t = text.trim().replace('.', "");
        let n = t
            .parse::<i64>()
            .ok()
            .filter(|n| (min..=max).contains(n) && t.len() <= 9)
            .ok_or_else(|| format!("Un numero intero da {min} a {max}"))?;
        match self {
            Self::UseridPrefix
            | Self::DnsMx
            | Self::DnsSpf
            | Self::ReminderDays
            | Self::RequiredDocuments => {}
            Self::RenewalGraceDays => s.renewal_grace_days = n,
            Self::DocumentRetentionDays => s.document_retention_days = n,
            Self::MailRetentionDays => s.mail_retention_days = n,
            Self::NextOrderNumber => s.next_order_number = n,
            Self::CsvMaxMb => s.csv_max_mb = n,
            Self::CsvMaxRows => s.csv_max_rows = n,
            Self::LinkValidDays => s.link_valid_days = n,
            Self::SessionIdleMinutes => s.session_idle_minutes = n,
            Self::SessionMaxHours => s.session_max_hours = n,
            Self::LockoutFailures => s.lockout_failures = n,
        }
        Ok(())
    }
}

/// 1 to 6 upper-case letters (userids stay short: the prefix and 8 digits).
pub fn userid_prefix(text: &str) -> Result<String, String> {
    let p = text.trim().to_uppercase();
    if p.is_empty() || p.chars().count() > 6 || !p.chars().all(|c| c.is_ascii_uppercase()) {
        return Err("Da 1 a 6 lettere (es. PEC)".into());
    }
    Ok(p)
}

/// A host name of the provider's, checked as a domain name in ASCII; a label may begin with
/// `_`, as SPF domains often do (`_spf.fornitore.it`).
fn host_name(text: &str) -> Result<String, String> {
    let typed = text.trim().trim_end_matches('.').to_lowercase();
    let plain: Vec<&str> = typed.split('.').map(|l| l.strip_prefix('_').unwrap_or(l)).collect();
    let plain = plain.join(".");
    match crate::domains::domain_name(&plain) {
        Ok(checked) if checked == plain => Ok(typed),
        _ => Err("Un nome host valido in ASCII (es. mx.pec.fornitore.it)".into()),
    }
}

/// One to five distinct numbers of days from 1 to 365, separated by commas or spaces; kept
/// largest first.
fn reminder_days(text: &str) -> Result<Vec<i64>, String> {
    let bad = || "Da 1 a 5 numeri di giorni da 1 a 365, separati da virgole (es. 60, 30, 7)".to_string();
    if text.len() > 40 {
        return Err(bad());
    }
    let mut days = Vec::new();
    for part in text.split([',', ' ', ';']).filter(|p| !p.is_empty()) {
        let n: i64 = part.parse().map_err(|_| bad())?;
        if !(1..=365).contains(&n) {
            return Err(bad());
        }
        days.push(n);
    }
    days.sort_unstable_by(|a, b| b.cmp(a));
    days.dedup();
    if days.is_empty() || days.len() > 5 {
        return Err(bad());
    }
    Ok(days)
}

/// The error of one field as typed.
pub fn field_error(field: SettingField, value: &str) -> Option<String> {
    field.set(&mut Settings::default(), value).err()
}

/// "Impostazioni" as typed: one text per field, by key.
pub type SettingsForm = std::collections::BTreeMap<String, String>;

/// Every field checked, and the session's idle time within its maximum.
pub fn check_settings(form: &SettingsForm) -> Result<Settings, Vec<(SettingField, String)>> {
    let mut s = Settings::default();
    let mut errors = Vec::new();
    for f in SettingField::ALL {
        let text = form.get(f.key()).map(String::as_str).unwrap_or_default();
        if let Err(e) = f.set(&mut s, text) {
            errors.push((f, e));
        }
    }
    if errors.is_empty() && s.session_idle_minutes > s.session_max_hours * 60 {
        errors.push((SettingField::SessionIdleMinutes, "Non oltre la durata massima della sessione".into()));
    }
    if errors.is_empty() {
        Ok(s)
    } else {
        Err(errors)
    }
}

/// The form showing `s`.
pub fn form_of(s: &Settings) -> SettingsForm {
    SettingField::ALL.iter().map(|f| (f.key().to_string(), f.value_of(s))).collect()
}

/// Settings from the stored (key, value) pairs; a missing or unreadable value is its default
/// (the database holds only what was checked, but must never stop the service).
pub fn from_stored<'a>(
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    next_order_number: i64,
) -> Settings {
    let mut s = Settings::default();
    for (key, value) in pairs {
        if let Some(f) =
            SettingField::ALL.into_iter().find(|f| f.key() == key && *f != SettingField::NextOrderNumber)
        {
            let _ = f.set(&mut s, value);
        }
    }
    s.next_order_number = next_order_number;
    s
}

/// Why "Impostazioni" saved nothing that the fields themselves do not tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettingsRefusal {
    /// The next order number is not past the last one given.
    OrderNumberUsed,
}

impl crate::forms::Coded for SettingsRefusal {
    const ALL: &'static [Self] = &[Self::OrderNumberUsed];

    fn code(self) -> &'static str {
        match self {
            Self::OrderNumberUsed => "numero-ordine",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked_by_range_and_format() {
        let mut form = form_of(&Settings::default());
        assert_eq!(check_settings(&form), Ok(Settings::default()));
        form.insert("userid_prefix".into(), " vit ".into());
        form.insert("next_order_number".into(), "10.295.763".into());
        form.insert("dns_spf".into(), "_SPF.Fornitore.it.".into());
        let s = check_settings(&form).unwrap();
        assert_eq!((s.userid_prefix.as_str(), s.next_order_number), ("VIT", 10_295_763));
        assert_eq!(s.dns_spf, "_spf.fornitore.it");
        form.insert("reminder_days".into(), "7 30,60, 30".into());
        assert_eq!(check_settings(&form).unwrap().reminder_days, vec![60, 30, 7]);

        for (key, bad) in [
            ("userid_prefix", "V1T"),
            ("userid_prefix", "ABCDEFG"),
            ("next_order_number", "0"),
            ("next_order_number", "100000000"),
            ("csv_max_mb", "6"),
            ("csv_max_rows", "20001"),
            ("link_valid_days", "0"),
            ("session_idle_minutes", "4"),
            ("session_max_hours", "25"),
            ("lockout_failures", "2"),
            ("lockout_failures", "tre"),
            ("dns_mx", "mx pec"),
            ("dns_spf", ""),
            ("dns_spf", "_"),
            ("dns_mx", "mx.pèc.it"),
            ("renewal_grace_days", "366"),
            ("reminder_days", "60, 0"),
            ("reminder_days", "1 2 3 4 5 6"),
            ("reminder_days", ""),
            ("required_documents", "passaporto"),
            ("document_retention_days", "-1"),
        ] {
            let mut f = form_of(&Settings::default());
            f.insert(key.into(), bad.into());
            let errors = check_settings(&f).unwrap_err();
            assert_eq!(errors[0].0.key(), key, "{key}={bad}");
            assert_eq!(field_error(errors[0].0, bad).as_ref(), Some(&errors[0].1));
        }
        let mut f = form_of(&Settings::default());
        f.insert("session_idle_minutes".into(), "600".into());
        f.insert("session_max_hours".into(), "8".into());
        assert_eq!(check_settings(&f).unwrap_err()[0].0, SettingField::SessionIdleMinutes);
    }

    #[test]
    fn stored_values_fall_back_to_their_defaults() {
        let s = from_stored([("userid_prefix", "VIT"), ("csv_max_rows", "garbage"), ("other", "x")], 42);
        assert_eq!(s.userid_prefix, "VIT");
        assert_eq!(s.csv_max_rows, Settings::default().csv_max_rows);
        assert_eq!(s.next_order_number, 42);
    }
}
