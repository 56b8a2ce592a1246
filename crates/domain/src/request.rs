//! A request for PEC mailboxes as the wizard collects it (a draft of raw strings, exactly
//! as typed) and its validation as a whole: the one place that decides what may be ordered.

use super::fields::{self, FieldError};
// The mailbox types, also under this module's name (where callers have always found them).
use super::mailbox::check_all;
pub use super::mailbox::{
    validate_mailbox_after, validate_mailboxes, validate_one, MailboxField, MailboxInput, MailboxReport,
    Rules, ValidMailbox,
};
use serde::{Deserialize, Serialize};

/// Tipo cliente.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CustomerKind {
    PaCentrale,
    PaLocale,
    Impresa,
    Professionista,
    Privato,
}

impl CustomerKind {
    pub const ALL: [CustomerKind; 5] =
        [Self::PaCentrale, Self::PaLocale, Self::Impresa, Self::Professionista, Self::Privato];

    pub fn code(self) -> &'static str {
        match self {
            Self::PaCentrale => "PA_CENTRALE",
            Self::PaLocale => "PA_LOCALE",
            Self::Impresa => "IMPRESA",
            Self::Professionista => "PROFESSIONISTA",
            Self::Privato => "PRIVATO",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::PaCentrale => "P.A. Centrale",
            Self::PaLocale => "P.A. Locale",
            Self::Impresa => "Impresa",
            Self::Professionista => "Professionista",
            Self::Privato => "Privato",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// Fields of step 1 ("Dati richiesta").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RequestField {
    CustomerName,
    CustomerKind,
    LegalRep,
    ContactEmail,
    Offer,
    ExpiryYear,
    CustomerPo,
}

impl RequestField {
    pub const STEP1: [RequestField; 5] =
        [Self::CustomerName, Self::CustomerKind, Self::LegalRep, Self::ContactEmail, Self::Offer];

    pub fn key(self) -> &'static str {
        match self {
            Self::CustomerName => "customer_name",
            Self::CustomerKind => "customer_kind",
            Self::LegalRep => "legal_rep_cf",
            Self::ContactEmail => "contact_email",
            Self::Offer => "offer",
            Self::ExpiryYear => "expiry_year",
            Self::CustomerPo => "customer_po",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::CustomerName => "Denominazione",
            Self::CustomerKind => "Tipo cliente",
            Self::LegalRep => "Legale rappresentante",
            Self::ContactEmail => "E-mail di contatto",
            Self::Offer => "Tipologia casella",
            Self::ExpiryYear => "Anno scadenza caselle",
            Self::CustomerPo => "Numero ordine",
        }
    }

    pub fn required(self) -> bool {
        !matches!(self, Self::ContactEmail | Self::CustomerPo)
    }
}

/// The whole wizard as typed so far. Stored as is, so that nothing typed is ever lost.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDraft {
    pub customer_name: String,
    pub customer_kind: String,
    pub legal_rep_cf: String,
    pub contact_email: String,
    pub offer: String,
    pub consent: bool,
    pub expiry_year: String,
    pub customer_po: String,
    pub mailboxes: Vec<MailboxInput>,
    /// The user asked to go past step 1 / step 2: from then on every error is shown.
    pub attempted_request: bool,
    pub attempted_mailboxes: bool,
    /// The outcome of the last CSV upload, until the next save.
    #[serde(default)]
    pub last_import: Option<super::csv_file::ImportNote>,
}

impl OrderDraft {
    pub fn new(current_year: i32) -> Self {
        Self {
            expiry_year: (current_year + 1).to_string(),
            mailboxes: vec![MailboxInput::default()],
            ..Self::default()
        }
    }

    pub fn get(&self, f: RequestField) -> &str {
        match f {
            RequestField::CustomerName => &self.customer_name,
            RequestField::CustomerKind => &self.customer_kind,
            RequestField::LegalRep => &self.legal_rep_cf,
            RequestField::ContactEmail => &self.contact_email,
            RequestField::Offer => &self.offer,
            RequestField::ExpiryYear => &self.expiry_year,
            RequestField::CustomerPo => &self.customer_po,
        }
    }

    pub fn set(&mut self, f: RequestField, value: String) {
        let slot = match f {
            RequestField::CustomerName => &mut self.customer_name,
            RequestField::CustomerKind => &mut self.customer_kind,
            RequestField::LegalRep => &mut self.legal_rep_cf,
            RequestField::ContactEmail => &mut self.contact_email,
            RequestField::Offer => &mut self.offer,
            RequestField::ExpiryYear => &mut self.expiry_year,
            RequestField::CustomerPo => &mut self.customer_po,
        };
        *slot = value;
    }
}

/// The request-level values of a draft, normalised, as far as they are valid.
struct Header {
    customer_name: String,
    customer_kind: Option<CustomerKind>,
    legal_rep_cf: String,
    contact_email: String,
    offer: String,
    expiry_year: i32,
    customer_po: String,
}

/// The one check of the request-level fields (steps 1 and 2); the step checks and the order
/// check all come from here.
fn check_header(d: &OrderDraft, rules: &Rules) -> (Header, Vec<(RequestField, FieldError)>) {
    let mut errors = Vec::new();
    let mut take = |f: RequestField, r: Result<String, FieldError>| {
        r.unwrap_or_else(|e| {
            errors.push((f, e));
            String::new()
        })
    };
    let customer_name = take(
        RequestField::CustomerName,
        fields::free_text(&d.customer_name, fields::CUSTOMER_NAME_MAX, true),
    );
    let customer_kind = take(
        RequestField::CustomerKind,
        match d.customer_kind.trim() {
            "" => Err(FieldError::Required),
            code => {
                CustomerKind::from_code(code).map(|k| k.code().to_string()).ok_or(FieldError::UnknownOption)
            }
        },
    );
    let legal_rep_cf = take(RequestField::LegalRep, fields::tax_code(&d.legal_rep_cf, true));
    let contact_email = take(RequestField::ContactEmail, fields::email(&d.contact_email, false));
    let offer = take(
        RequestField::Offer,
        match d.offer.trim() {
            "" => Err(FieldError::Required),
            code if rules.offers.iter().any(|o| o == code) => Ok(code.to_string()),
            _ => Err(FieldError::UnknownOption),
        },
    );
    let expiry_year = fields::expiry_year(&d.expiry_year, rules.current_year).unwrap_or_else(|e| {
        errors.push((RequestField::ExpiryYear, e));
        0
    });
    let customer_po = fields::free_text(&d.customer_po, fields::CUSTOMER_PO_MAX, false).unwrap_or_else(|e| {
        errors.push((RequestField::CustomerPo, e));
        String::new()
    });
    let header = Header {
        customer_name,
        customer_kind: CustomerKind::from_code(&customer_kind),
        legal_rep_cf,
        contact_email,
        offer,
        expiry_year,
        customer_po,
    };
    (header, errors)
}

/// Errors of step 1 ("Dati richiesta").
pub fn validate_request_step(d: &OrderDraft, rules: &Rules) -> Vec<(RequestField, FieldError)> {
    let (_, errors) = check_header(d, rules);
    errors.into_iter().filter(|(f, _)| RequestField::STEP1.contains(f)).collect()
}

/// Errors of the request-level fields of step 2 ("Caselle PEC").
pub fn validate_mailboxes_header(d: &OrderDraft, rules: &Rules) -> Vec<(RequestField, FieldError)> {
    let (_, errors) = check_header(d, rules);
    errors.into_iter().filter(|(f, _)| !RequestField::STEP1.contains(f)).collect()
}

/// An order that may be stored: everything normalised and checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidOrder {
    pub customer_name: String,
    pub customer_kind: CustomerKind,
    pub legal_rep_cf: String,
    pub contact_email: String,
    pub offer: String,
    pub consent: bool,
    pub expiry_year: i32,
    pub customer_po: String,
    pub mailboxes: Vec<ValidMailbox>,
}

/// Why a draft cannot be ordered, field by field.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderErrors {
    pub request: Vec<(RequestField, FieldError)>,
    pub mailboxes: Vec<MailboxReport>,
    pub no_mailboxes: bool,
}

impl OrderErrors {
    pub fn is_empty(&self) -> bool {
        self.request.is_empty() && !self.no_mailboxes && self.mailboxes.iter().all(MailboxReport::is_ok)
    }
}

/// The authoritative check the server runs before storing an order.
pub fn validate_order(d: &OrderDraft, rules: &Rules) -> Result<ValidOrder, OrderErrors> {
    let (header, request) = check_header(d, rules);
    let (valids, reports) = check_all(&d.mailboxes, rules);
    let errors = OrderErrors { request, mailboxes: reports, no_mailboxes: d.mailboxes.is_empty() };
    let customer_kind = match header.customer_kind {
        Some(kind) if errors.is_empty() => kind,
        _ => return Err(errors),
    };
    Ok(ValidOrder {
        customer_name: header.customer_name,
        customer_kind,
        legal_rep_cf: header.legal_rep_cf,
        contact_email: header.contact_email,
        offer: header.offer,
        consent: d.consent,
        expiry_year: header.expiry_year,
        customer_po: header.customer_po,
        mailboxes: valids.into_iter().flatten().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields::FieldWarning;

    fn rules() -> Rules {
        Rules {
            current_year: 2026,
            domains: vec!["legalmail.it".into(), "testcert.legalmail.it".into()],
            offers: vec!["CONSIP".into()],
            ..Rules::default()
        }
    }

    fn mailbox(address: &str, nickname: &str) -> MailboxInput {
        MailboxInput {
            address: address.into(),
            description: "Descrizione nuova casella".into(),
            password_email: "mail_gestione_password@infocert.it".into(),
            first_name: "Nome".into(),
            last_name: "Cognome".into(),
            tax_code: "CGNNMO80A01H501M".into(),
            nickname: nickname.into(),
        }
    }

    fn draft(mailboxes: Vec<MailboxInput>) -> OrderDraft {
        OrderDraft {
            customer_name: "Collaudo".into(),
            customer_kind: "PA_CENTRALE".into(),
            legal_rep_cf: "RCLMRA74D15F205V".into(),
            contact_email: "".into(),
            offer: "CONSIP".into(),
            consent: true,
            expiry_year: "2027".into(),
            customer_po: "".into(),
            mailboxes,
            ..OrderDraft::default()
        }
    }

    #[test]
    fn the_seed_request_is_valid() {
        let d = draft(vec![
            mailbox("nuova_casella_pec@testcert.legalmail.it", "nickname.utente"),
            mailbox("altra_nuova_casella_pec@testcert.legalmail.it", "altro.nickname.utente"),
        ]);
        let order = validate_order(&d, &rules()).expect("valid");
        assert_eq!(order.mailboxes.len(), 2);
        assert_eq!(order.customer_kind, CustomerKind::PaCentrale);
        assert_eq!(order.expiry_year, 2027);
        // The order holds normalised values, as the checks produced them.
        let mut typed = d.clone();
        typed.legal_rep_cf = " rclmra74d15f205v ".into();
        typed.contact_email = "Referente@Collaudo.IT".into();
        typed.customer_name = "  Collaudo ".into();
        let order = validate_order(&typed, &rules()).expect("valid");
        assert_eq!(order.legal_rep_cf, "RCLMRA74D15F205V");
        assert_eq!(order.contact_email, "Referente@collaudo.it");
        assert_eq!(order.customer_name, "Collaudo");
        assert_eq!(order.mailboxes[0].nickname.as_deref(), Some("nickname.utente"));
    }

    #[test]
    fn duplicates_inside_the_request_are_case_insensitive() {
        let reports = validate_mailboxes(
            &[
                mailbox("uno@legalmail.it", "nick.uno"),
                mailbox("UNO@legalmail.it ", "Nick.Uno"),
                mailbox("due@legalmail.it", ""),
                mailbox("tre@legalmail.it", ""),
            ],
            &rules(),
        );
        assert!(reports[0].is_ok());
        assert_eq!(reports[1].error(MailboxField::Address), Some(&FieldError::DuplicateAddress(1)));
        assert_eq!(
            reports[1].error(MailboxField::Address).unwrap().to_string(),
            "Casella duplicata nella richiesta (riga 1)"
        );
        assert_eq!(reports[1].error(MailboxField::Nickname), Some(&FieldError::DuplicateNickname(1)));
        // Empty nicknames are not duplicates of each other.
        assert!(reports[2].is_ok() && reports[3].is_ok());
    }

    #[test]
    fn taken_names_are_reported_on_their_field() {
        let mut r = rules();
        r.taken_addresses.insert("uno@legalmail.it".into());
        r.taken_nicknames.insert("nick.uno".into());
        let reports = validate_mailboxes(&[mailbox("Uno@legalmail.it", "NICK.uno")], &r);
        assert_eq!(reports[0].error(MailboxField::Address), Some(&FieldError::AddressTaken));
        assert_eq!(reports[0].error(MailboxField::Nickname), Some(&FieldError::NicknameTaken));
    }

    #[test]
    fn required_fields_and_warning() {
        let m = MailboxInput {
            first_name: "Luigi".into(),
            last_name: "Rossi".into(),
            tax_code: "RSSMRA70A01H501S".into(),
            ..MailboxInput::default()
        };
        let reports = validate_mailboxes(&[m], &rules());
        assert_eq!(reports[0].error(MailboxField::Address), Some(&FieldError::Required));
        assert_eq!(reports[0].error(MailboxField::PasswordEmail), Some(&FieldError::Required));
        assert_eq!(reports[0].warning(MailboxField::TaxCode), Some(&FieldWarning::TaxCodeNameMismatch));
        // A warning alone does not block.
        let mut ok = mailbox("x1@legalmail.it", "");
        ok.first_name = "Luigi".into();
        let reports = validate_mailboxes(&[ok], &rules());
        assert!(reports[0].is_ok());
        assert!(reports[0].warning(MailboxField::TaxCode).is_some());
    }

    #[test]
    fn step_one_errors() {
        let mut d = draft(vec![]);
        d.customer_name = " ".into();
        d.customer_kind = "ALIENI".into();
        d.legal_rep_cf = "RSSMRA70A01H5015".into();
        d.contact_email = "non-una-mail".into();
        d.offer = "".into();
        let e = validate_request_step(&d, &rules());
        let fields: Vec<RequestField> = e.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            vec![
                RequestField::CustomerName,
                RequestField::CustomerKind,
                RequestField::LegalRep,
                RequestField::ContactEmail,
                RequestField::Offer
            ]
        );
    }

    #[test]
    fn an_order_needs_mailboxes_and_a_valid_year() {
        let mut d = draft(vec![]);
        d.expiry_year = "2040".into();
        let e = validate_order(&d, &rules()).unwrap_err();
        assert!(e.no_mailboxes);
        assert_eq!(e.request, vec![(RequestField::ExpiryYear, FieldError::YearOutOfRange(2026, 2031))]);
    }

    #[test]
    fn field_keys_round_trip() {
        for f in MailboxField::ALL {
            assert_eq!(MailboxField::from_key(f.key()), Some(f));
        }
        for k in CustomerKind::ALL {
            assert_eq!(CustomerKind::from_code(k.code()), Some(k));
        }
    }

    proptest::proptest! {
        #[test]
        fn one_row_matches_the_whole_check(
            picks in proptest::collection::vec((0usize..6, 0usize..4), 1..12),
            index in 0usize..12,
        ) {
            // Few distinct values, so that duplicates, taken names and invalid ones all occur.
            let addresses = ["a@legalmail.it", "A@legalmail.it ", "b@legalmail.it", "c@altro.it", "taken@legalmail.it", ""];
            let nicknames = ["", "nick", "NICK", "taken.nick"];
            let inputs: Vec<MailboxInput> =
                picks.iter().map(|&(a, n)| mailbox(addresses[a], nicknames[n])).collect();
            let mut r = rules();
            r.taken_addresses.insert("taken@legalmail.it".into());
            r.taken_nicknames.insert("taken.nick".into());
            let all = validate_mailboxes(&inputs, &r);
            let index = index % inputs.len();
            let one = validate_mailbox_after(&inputs[..index], &inputs[index], &r);
            proptest::prop_assert_eq!(one, all[index].clone());
        }
    }
}
