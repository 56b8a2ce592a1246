//! "Offerte": the catalogue of mailbox types. The rules of an offer as typed in "Nuova offerta"
//! (or in a line of `import-offers`), checked field by field, in the browser and on the server.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The six services an offer gives besides its disk space, as (form key, label in the guide).
pub const SERVICES: [(&str, &str); 6] = [
    ("sms", "Notifica SMS"),
    ("security_archive", "Archivio di sicurezza"),
    ("legal_preservation", "Conservazione a norma"),
    ("shadow_pec", "Shadow PEC"),
    ("push_imap", "Push IMAP"),
    ("phishing_protection", "Phishing Protection"),
];

pub const CODE_MAX: usize = 20;
pub const NAME_MAX: usize = 100;
pub const DESCRIPTION_MAX: usize = 500;
pub const MONTHS_MAX: i64 = 120;
pub const DISK_MAX: i64 = 1000;
/// Price list values up to 100,000.00 euro, in cents.
pub const PRICE_MAX_CENTS: i64 = 10_000_000;

/// "Nuova offerta" (and its edit form) exactly as typed. Checkboxes are present when ticked.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OfferForm {
    pub code: String,
    pub name: String,
    pub description: String,
    pub months: String,
    pub disk_gb: String,
    pub price: String,
    pub sms: Option<String>,
    pub security_archive: Option<String>,
    pub legal_preservation: Option<String>,
    pub shadow_pec: Option<String>,
    pub push_imap: Option<String>,
    pub phishing_protection: Option<String>,
    pub active: Option<String>,
    /// Resellers allowed to sell it: organisation id → "1" (one checkbox each).
    pub resellers: BTreeMap<String, String>,
}

impl OfferForm {
    pub fn service(&self, key: &str) -> bool {
        let v = match key {
            "sms" => &self.sms,
            "security_archive" => &self.security_archive,
            "legal_preservation" => &self.legal_preservation,
            "shadow_pec" => &self.shadow_pec,
            "push_imap" => &self.push_imap,
            "phishing_protection" => &self.phishing_protection,
            _ => &None,
        };
        v.is_some()
    }

    /// The form that shows a stored offer, for editing.
    pub fn of(offer: &NewOffer) -> Self {
        let on = |b: bool| b.then(|| "1".to_string());
        Self {
            code: offer.code.clone(),
            name: offer.name.clone(),
            description: offer.description.clone(),
            months: offer.months.to_string(),
            disk_gb: offer.disk_gb.to_string(),
            price: price_text(offer.price_cents),
            sms: on(offer.services[0]),
            security_archive: on(offer.services[1]),
            legal_preservation: on(offer.services[2]),
            shadow_pec: on(offer.services[3]),
            push_imap: on(offer.services[4]),
            phishing_protection: on(offer.services[5]),
            active: on(offer.active),
            resellers: offer.resellers.iter().map(|id| (id.to_string(), "1".to_string())).collect(),
        }
    }
}

/// A checked offer, ready to store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewOffer {
    pub code: String,
    pub name: String,
    pub description: String,
    pub months: i64,
    pub disk_gb: i64,
    pub price_cents: i64,
    /// In the order of [`SERVICES`].
    pub services: [bool; 6],
    pub active: bool,
    /// Organisation ids of the resellers that may sell it (the provider always may).
    pub resellers: Vec<i64>,
}

/// The fields of the form, for errors shown next to them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OfferField {
    Code,
    Name,
    Description,
    Months,
    DiskGb,
    Price,
    Resellers,
}

/// The errors of a form, each with its field, in the form's order.
pub type OfferErrors = Vec<(OfferField, String)>;

fn whole(text: &str, min: i64, max: i64, what: &str) -> Result<i64, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err(format!("Indicare {what}"));
    }
    match t.parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) && t.len() <= 6 => Ok(n),
        _ => Err(format!("Un numero intero da {min} a {max}")),
    }
}

/// "12", "12,5", "12,50", "1.234,50" or "12.50" euro → cents. At most two decimals.
pub fn price_cents(text: &str) -> Result<i64, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("Indicare il prezzo di listino (0 se gratuita)".into());
    }
    let bad = || format!("Un importo in euro, es. 25,00 (al massimo {})", price_text(PRICE_MAX_CENTS));
    if t.len() > 16 {
        return Err(bad());
    }
    // The last comma (or a dot followed by one or two digits) separates the decimals; other
    // dots group thousands.
    let (int_part, dec_part) = match t.rfind(',') {
        Some(i) => (&t[..i], &t[i + 1..]),
        None => match t.rfind('.') {
            Some(i) if t.len() - i - 1 <= 2 => (&t[..i], &t[i + 1..]),
            _ => (t, ""),
        },
    };
    let int_digits: String = int_part.chars().filter(|c| *c != '.').collect();
    if int_digits.is_empty()
        || !int_digits.chars().all(|c| c.is_ascii_digit())
        || dec_part.len() > 2
        || !dec_part.chars().all(|c| c.is_ascii_digit())
    {
        return Err(bad());
    }
    let euros: i64 = int_digits.parse().map_err(|_| bad())?;
    let cents: i64 =
        if dec_part.is_empty() { 0 } else { format!("{dec_part:0<2}").parse().map_err(|_| bad())? };
    let total = euros.checked_mul(100).and_then(|e| e.checked_add(cents)).ok_or_else(bad)?;
    if total > PRICE_MAX_CENTS {
        return Err(bad());
    }
    Ok(total)
}

/// Cents → "1.234,50" (as Italian price lists write it).
pub fn price_text(cents: i64) -> String {
    let euros = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in euros.chars().enumerate() {
        if i > 0 && (euros.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(c);
    }
    format!("{grouped},{:02}", cents % 100)
}

/// An offer's code: upper case letters, digits, `_` and `-`, starting with a letter.
pub fn offer_code(text: &str) -> Result<String, String> {
    let code = text.trim().to_uppercase();
    if code.is_empty() {
        return Err("Indicare il codice dell'offerta".into());
    }
    if code.chars().count() > CODE_MAX {
        return Err(format!("Al massimo {CODE_MAX} caratteri"));
    }
    let mut chars = code.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_uppercase());
    if !first_ok
        || !code.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == '-')
    {
        return Err("Lettere, cifre, _ e -, iniziando con una lettera (es. PEC_BASE)".into());
    }
    Ok(code)
}

fn text(value: &str, max: usize, required: Option<&str>) -> Result<String, String> {
    let v = value.trim();
    if v.is_empty() {
        if let Some(what) = required {
            return Err(format!("Indicare {what}"));
        }
    }
    if v.chars().count() > max {
        return Err(format!("Al massimo {max} caratteri"));
    }
    if v.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        return Err("Caratteri non ammessi".into());
    }
    Ok(v.to_string())
}

/// The error of one typed field, as the form shows it on every keystroke (the resellers are
/// chosen from a list, so only the server checks them).
pub fn field_error(field: OfferField, value: &str) -> Option<String> {
    match field {
        OfferField::Code => offer_code(value).err(),
        OfferField::Name => text(value, NAME_MAX, Some("il nome dell'offerta")).err(),
        OfferField::Description => text(value, DESCRIPTION_MAX, None).err(),
        OfferField::Months => whole(value, 1, MONTHS_MAX, "la durata in mesi").err(),
        OfferField::DiskGb => whole(value, 1, DISK_MAX, "lo spazio disco").err(),
        OfferField::Price => price_cents(value).err(),
        OfferField::Resellers => None,
    }
}

/// Checks every field; `resellers` are the organisations that may be chosen.
pub fn check_offer(form: &OfferForm, resellers: &[i64]) -> Result<NewOffer, OfferErrors> {
    fn keep<T>(errors: &mut OfferErrors, field: OfferField, r: Result<T, String>) -> Option<T> {
        r.map_err(|e| errors.push((field, e))).ok()
    }
    let mut errors = OfferErrors::new();
    let e = &mut errors;
    let code = keep(e, OfferField::Code, offer_code(&form.code));
    let name = keep(e, OfferField::Name, text(&form.name, NAME_MAX, Some("il nome dell'offerta")));
    let description = keep(e, OfferField::Description, text(&form.description, DESCRIPTION_MAX, None));
    let months = keep(e, OfferField::Months, whole(&form.months, 1, MONTHS_MAX, "la durata in mesi"));
    let disk_gb = keep(e, OfferField::DiskGb, whole(&form.disk_gb, 1, DISK_MAX, "lo spazio disco"));
    let price = keep(e, OfferField::Price, price_cents(&form.price));
    let chosen: Result<Vec<i64>, String> = if form.resellers.len() > 10_000 {
        Err("Troppi rivenditori".into())
    } else {
        form.resellers
            .keys()
            .map(|k| {
                k.parse::<i64>()
                    .ok()
                    .filter(|id| resellers.contains(id))
                    .ok_or("Rivenditore sconosciuto".into())
            })
            .collect()
    };
    let chosen = keep(e, OfferField::Resellers, chosen);
    match (code, name, description, months, disk_gb, price, chosen) {
        (
            Some(code),
            Some(name),
            Some(description),
            Some(months),
            Some(disk_gb),
            Some(price_cents),
            Some(chosen),
        ) => Ok(NewOffer {
            code,
            name,
            description,
            months,
            disk_gb,
            price_cents,
            services: SERVICES.map(|(k, _)| form.service(k)),
            active: form.active.is_some(),
            resellers: chosen,
        }),
        _ => Err(errors),
    }
}

/// Columns of an offers file (`pec-manager import-offers`): Codice, Nome, Descrizione,
/// Durata (mesi), Spazio disco (GB), Prezzo di listino, one per service (sì/no, also x, 1, true)
/// and Attiva (missing means active).
fn yes(value: &str) -> bool {
    matches!(value.trim().to_lowercase().as_str(), "sì" | "si" | "s" | "x" | "1" | "true" | "vero")
}

/// Reads an offers file with the shared CSV reader and checks every row as "Nuova offerta"
/// does. All or nothing: any error gives the list of errors, by row.
pub fn read_offers(bytes: &[u8]) -> Result<Vec<NewOffer>, Vec<String>> {
    let table = crate::csv_file::read_table(bytes).map_err(|e| vec![e.to_string()])?;
    let key = |h: &str| h.trim().to_lowercase();
    let col = |name: &str| table.header.iter().position(|h| key(h) == key(name));
    let missing: Vec<String> = ["Codice", "Nome", "Durata (mesi)", "Spazio disco (GB)", "Prezzo di listino"]
        .iter()
        .filter(|c| col(c).is_none())
        .map(|c| format!("Manca la colonna obbligatoria «{c}»"))
        .collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    if table.rows.is_empty() {
        return Err(vec![crate::csv_file::CsvError::HeaderOnly.to_string()]);
    }
    let mut offers = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (line, cells) in &table.rows {
        let cell = |name: &str| col(name).and_then(|i| cells.get(i)).cloned().unwrap_or_default();
        let service = |label: &str| yes(&cell(label)).then(|| "1".to_string());
        let form = OfferForm {
            code: cell("Codice"),
            name: cell("Nome"),
            description: cell("Descrizione"),
            months: cell("Durata (mesi)"),
            disk_gb: cell("Spazio disco (GB)"),
            price: cell("Prezzo di listino"),
            sms: service(SERVICES[0].1),
            security_archive: service(SERVICES[1].1),
            legal_preservation: service(SERVICES[2].1),
            shadow_pec: service(SERVICES[3].1),
            push_imap: service(SERVICES[4].1),
            phishing_protection: service(SERVICES[5].1),
            active: (col("Attiva").is_none() || yes(&cell("Attiva"))).then(|| "1".to_string()),
            resellers: BTreeMap::new(),
        };
        match check_offer(&form, &[]) {
            Ok(o) if !seen.insert(o.code.clone()) => {
                errors.push(format!("Riga {line}: codice {} ripetuto", o.code))
            }
            Ok(o) => offers.push(o),
            Err(e) => errors.extend(e.into_iter().map(|(f, m)| format!("Riga {line}: {}: {m}", f.label()))),
        }
    }
    if errors.is_empty() {
        Ok(offers)
    } else {
        Err(errors)
    }
}

impl OfferField {
    pub fn label(self) -> &'static str {
        match self {
            Self::Code => "Codice",
            Self::Name => "Nome",
            Self::Description => "Descrizione",
            Self::Months => "Durata (mesi)",
            Self::DiskGb => "Spazio disco (GB)",
            Self::Price => "Prezzo di listino",
            Self::Resellers => "Rivenditori",
        }
    }
}

/// Refusals only the catalogue can tell (the form was valid).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OfferRefusal {
    #[error("Esiste già un'offerta con questo codice")]
    DuplicateCode,
    #[error("Offerta non trovata")]
    NotFound,
    #[error("Il codice di un'offerta già usata da caselle non si cambia")]
    CodeInUse,
}

impl crate::forms::Coded for OfferRefusal {
    const ALL: &'static [Self] = &[Self::DuplicateCode, Self::NotFound, Self::CodeInUse];

    fn code(self) -> &'static str {
        match self {
            Self::DuplicateCode => "codice-duplicato",
            Self::NotFound => "non-trovata",
            Self::CodeInUse => "codice-in-uso",
        }
    }
}

/// RIEPILOGO SERVIZI of a mailbox (from its offer at activation).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Services {
    pub disk_gb: i64,
    pub disk_used_mb: i64,
    pub sms: bool,
    pub security_archive: bool,
    pub legal_preservation: bool,
    pub shadow_pec: bool,
    pub push_imap: bool,
    pub phishing_protection: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offer {
    pub code: String,
    pub name: String,
    pub disk_gb: i64,
    pub sms: bool,
    pub security_archive: bool,
    pub legal_preservation: bool,
    pub shadow_pec: bool,
    pub push_imap: bool,
    pub phishing_protection: bool,
}

/// One offer of the catalogue ("Offerte"), with the resellers that may sell it and how many
/// mailboxes have it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferRow {
    pub offer: crate::offers::NewOffer,
    /// Names of the resellers in `offer.resellers`, in the same order.
    pub reseller_names: Vec<String>,
    pub mailboxes: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> OfferForm {
        OfferForm {
            code: " pec_base ".into(),
            name: "PEC Base".into(),
            months: "12".into(),
            disk_gb: "2".into(),
            price: "25,00".into(),
            sms: Some("1".into()),
            active: Some("1".into()),
            resellers: [("7".to_string(), "1".to_string())].into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_valid_form_gives_the_offer() {
        let o = check_offer(&form(), &[7, 8]).unwrap();
        assert_eq!(o.code, "PEC_BASE");
        assert_eq!((o.months, o.disk_gb, o.price_cents), (12, 2, 2500));
        assert_eq!(o.services, [true, false, false, false, false, false]);
        assert!(o.active);
        assert_eq!(o.resellers, vec![7]);
        // What is stored shows again as the same form values.
        let again = check_offer(&OfferForm::of(&o), &[7, 8]).unwrap();
        assert_eq!(again, o);
    }

    #[test]
    fn every_field_is_checked_and_all_errors_are_given() {
        let bad = OfferForm {
            code: "1ABC".into(),
            name: String::new(),
            description: "x".repeat(DESCRIPTION_MAX + 1),
            months: "0".into(),
            disk_gb: "abc".into(),
            price: "12,345".into(),
            resellers: [("99".to_string(), "1".to_string())].into(),
            ..Default::default()
        };
        let errors = check_offer(&bad, &[7]).unwrap_err();
        let fields: Vec<OfferField> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            vec![
                OfferField::Code,
                OfferField::Name,
                OfferField::Description,
                OfferField::Months,
                OfferField::DiskGb,
                OfferField::Price,
                OfferField::Resellers
            ]
        );
        assert!(check_offer(&OfferForm { months: "121".into(), ..form() }, &[7]).is_err());
        assert!(check_offer(&OfferForm { code: "A".repeat(CODE_MAX + 1), ..form() }, &[7]).is_err());
        assert!(check_offer(&OfferForm { name: "a\u{0}b".into(), ..form() }, &[7]).is_err());
        // The keystroke check says what the server says.
        assert_eq!(field_error(OfferField::Code, "1ABC"), Some(errors[0].1.clone()));
        assert_eq!(field_error(OfferField::Price, "12,345"), Some(errors[5].1.clone()));
        assert_eq!(field_error(OfferField::Months, "12"), None);
    }

    #[test]
    fn prices_are_read_as_italian_price_lists_write_them() {
        assert_eq!(price_cents("0"), Ok(0));
        assert_eq!(price_cents("12"), Ok(1200));
        assert_eq!(price_cents("12,5"), Ok(1250));
        assert_eq!(price_cents("1.234,50"), Ok(123_450));
        assert_eq!(price_cents("12.50"), Ok(1250));
        assert_eq!(price_cents("1.234"), Ok(123_400));
        for bad in ["", "-1", "12,345", "abc", "1e3", "100.000,01", "99999999999999999"] {
            assert!(price_cents(bad).is_err(), "{bad}");
        }
        assert_eq!(price_text(123_450), "1.234,50");
        assert_eq!(price_text(5), "0,05");
        assert_eq!(price_text(PRICE_MAX_CENTS), "100.000,00");
    }

    #[test]
    fn an_offers_file_is_read_with_the_shared_reader_and_checked_row_by_row() {
        let file = "Codice;Nome;Durata (mesi);Spazio disco (GB);Prezzo di listino;Push IMAP;Attiva\r\n\
                    base;PEC Base;12;2;25,00;sì;sì\r\n\
                    PRO;PEC Pro;24;10;1.200,50;no;no\r\n";
        let offers = read_offers(file.as_bytes()).unwrap();
        assert_eq!(offers.len(), 2);
        assert_eq!((offers[0].code.as_str(), offers[0].services[4], offers[0].active), ("BASE", true, true));
        assert_eq!((offers[1].price_cents, offers[1].active), (120_050, false));

        let bad = "Codice,Nome,Durata (mesi),Spazio disco (GB),Prezzo di listino\nBASE,PEC Base,0,2,1\nBASE,Altra,12,2,1\nBASE,Ancora,12,2,1\n";
        let errors = read_offers(bad.as_bytes()).unwrap_err();
        assert_eq!(
            errors,
            vec!["Riga 2: Durata (mesi): Un numero intero da 1 a 120", "Riga 4: codice BASE ripetuto"]
        );
        let errors = read_offers(b"Codice,Nome\nA,B\n").unwrap_err();
        assert!(errors[0].contains("Durata (mesi)"), "{errors:?}");
        assert!(read_offers(b"\x89PNG\r\n\x1a\n\x00").is_err());
    }
}
