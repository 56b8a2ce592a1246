//! Domains on which mailboxes are created ("Gestione domini"): the rules of a domain name, the
//! three kinds of domain, and the certification states of a customer's own domain.
//!
//! A name is stored as ASCII in lower case; an internationalised name is converted to its
//! punycode form (`città.it` → `xn--citt-3na.it`), label by label (RFC 3492, the `idna` crate's
//! encoder). Full UTS #46 mapping is not applied: its tables would sit in every visitor's WASM
//! (data cannot be split into lazy chunks), and lower-casing covers what operators type.

use crate::dates::Timestamp;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The longest name (RFC 1035: 253 characters written without the final dot).
pub const NAME_MAX: usize = 253;
/// The longest label.
pub const LABEL_MAX: usize = 63;
/// The longest text accepted before any work is done on it.
pub const INPUT_MAX: usize = 1024;

#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum DomainNameError {
    #[error("Indicare il nome del dominio")]
    Empty,
    #[error("Nome dominio troppo lungo: al massimo {NAME_MAX} caratteri (nella forma punycode)")]
    TooLong,
    #[error("Serve almeno un punto: nome e estensione (es. esempio.it)")]
    OneLabel,
    #[error("Un punto all'inizio, alla fine o due punti di seguito")]
    EmptyLabel,
    #[error("Una parte del nome supera {LABEL_MAX} caratteri")]
    LabelTooLong,
    #[error("Solo lettere, cifre e trattini; «{0}» non è ammesso")]
    Char(char),
    #[error("Un trattino all'inizio o alla fine di una parte del nome")]
    Hyphen,
    #[error("L'estensione finale deve essere di sole lettere (es. .it)")]
    TopLevel,
    #[error("Forma punycode non valida: «{0}»")]
    Punycode(String),
}

/// A domain name as typed → its stored form: trimmed, lower case, punycode, checked.
pub fn domain_name(input: &str) -> Result<String, DomainNameError> {
    if input.len() > INPUT_MAX {
        return Err(DomainNameError::TooLong);
    }
    let typed = input.trim().trim_end_matches('.').to_lowercase();
    if typed.is_empty() {
        return Err(DomainNameError::Empty);
    }
    let labels = typed.split('.').map(ascii_label).collect::<Result<Vec<_>, _>>()?;
    if labels.len() < 2 {
        return Err(DomainNameError::OneLabel);
    }
    let name = labels.join(".");
    if name.len() > NAME_MAX {
        return Err(DomainNameError::TooLong);
    }
    let top = labels.last().map(String::as_str).unwrap_or_default();
    if !(top.starts_with("xn--") || top.chars().all(|c| c.is_ascii_lowercase())) || top.len() < 2 {
        return Err(DomainNameError::TopLevel);
    }
    Ok(name)
}

/// One label in its ASCII form, checked (letters, digits and inner hyphens).
fn ascii_label(label: &str) -> Result<String, DomainNameError> {
    if label.is_empty() {
        return Err(DomainNameError::EmptyLabel);
    }
    let ascii = if label.is_ascii() {
        label.to_string()
    } else {
        if let Some(c) = label.chars().find(|c| !c.is_alphanumeric() && *c != '-') {
            return Err(DomainNameError::Char(c));
        }
        let encoded = idna::punycode::encode_str(label).ok_or(DomainNameError::TooLong)?;
        format!("xn--{encoded}")
    };
    if ascii.len() > LABEL_MAX {
        return Err(DomainNameError::LabelTooLong);
    }
    if let Some(c) = ascii.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-')) {
        return Err(DomainNameError::Char(c));
    }
    if ascii.starts_with('-') || ascii.ends_with('-') {
        return Err(DomainNameError::Hyphen);
    }
    // "xn--" marks punycode: what follows must decode, or the name is not what it claims.
    if let Some(rest) = ascii.strip_prefix("xn--") {
        if rest.is_empty() || idna::punycode::decode_to_string(rest).is_none() {
            return Err(DomainNameError::Punycode(ascii));
        }
    } else if ascii.get(2..4) == Some("--") {
        return Err(DomainNameError::Hyphen);
    }
    Ok(ascii)
}

/// The name as people read it (punycode labels decoded), for display next to the stored form.
pub fn display_name(name: &str) -> String {
    name.split('.')
        .map(|l| {
            l.strip_prefix("xn--").and_then(idna::punycode::decode_to_string).unwrap_or_else(|| l.to_string())
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// True when `name` is `parent` or one of its sub-domains (both in stored form).
pub fn is_within(name: &str, parent: &str) -> bool {
    name == parent || name.strip_suffix(parent).is_some_and(|rest| rest.ends_with('.'))
}

/// "Tipo" of a domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DomainKind {
    /// The provider's public domains (`legalmail.it`): every organisation may use them.
    Shared,
    /// A customer's name under a provider's domain (`comune.legalmail.it`): the provider's DNS.
    ThirdLevel,
    /// The customer's own domain: usable once its DNS records are certified.
    Customer,
}

impl DomainKind {
    pub const ALL: [Self; 3] = [Self::Shared, Self::ThirdLevel, Self::Customer];

    pub fn code(self) -> &'static str {
        match self {
            Self::Shared => "CONDIVISO",
            Self::ThirdLevel => "TERZO_LIVELLO",
            Self::Customer => "CLIENTE",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Shared => "condiviso",
            Self::ThirdLevel => "di terzo livello",
            Self::Customer => "del cliente",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The state a new domain starts in: only a customer's own domain waits for its DNS.
    pub fn initial_state(self) -> DomainState {
        match self {
            Self::Customer => DomainState::Pending,
            Self::Shared | Self::ThirdLevel => DomainState::Certified,
        }
    }
}

/// Certification state of a domain; mailboxes are created only on a certified one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DomainState {
    Pending,
    Certified,
    Suspended,
    Dismissed,
}

impl DomainState {
    pub const ALL: [Self; 4] = [Self::Pending, Self::Certified, Self::Suspended, Self::Dismissed];

    pub fn code(self) -> &'static str {
        match self {
            Self::Pending => "IN_ATTESA",
            Self::Certified => "CERTIFICATO",
            Self::Suspended => "SOSPESO",
            Self::Dismissed => "DISMESSO",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn usable(self) -> bool {
        self == Self::Certified
    }
}

/// What an operator may do to a domain's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DomainAction {
    /// After "Verifica DNS" found the provider's records.
    Certify,
    Suspend,
    Resume,
    Dismiss,
}

#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum DomainStateError {
    #[error("Il dominio è {}: operazione non ammessa", .0.code())]
    NotAllowed(DomainState),
    #[error("Il dominio ha {0} caselle: non si può dismettere né rimuovere")]
    InUse(i64),
}

impl DomainAction {
    pub const ALL: [Self; 4] = [Self::Certify, Self::Suspend, Self::Resume, Self::Dismiss];

    pub fn code(self) -> &'static str {
        match self {
            Self::Certify => "certifica",
            Self::Suspend => "sospendi",
            Self::Resume => "riattiva",
            Self::Dismiss => "dismetti",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.code() == code)
    }

    /// The state table: IN_ATTESA → CERTIFICATO ⇄ SOSPESO; any of them → DISMESSO when no
    /// mailbox uses the domain. DISMESSO is final.
    pub fn apply(self, from: DomainState, mailboxes: i64) -> Result<DomainState, DomainStateError> {
        use DomainState as S;
        match (self, from) {
            (Self::Certify, S::Pending) => Ok(S::Certified),
            (Self::Suspend, S::Certified) => Ok(S::Suspended),
            (Self::Resume, S::Suspended) => Ok(S::Certified),
            (Self::Dismiss, S::Pending | S::Certified | S::Suspended) if mailboxes > 0 => {
                Err(DomainStateError::InUse(mailboxes))
            }
            (Self::Dismiss, S::Pending | S::Certified | S::Suspended) => Ok(S::Dismissed),
            (_, from) => Err(DomainStateError::NotAllowed(from)),
        }
    }
}

/// "Nuovo dominio" as posted (kept as typed when refused).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewDomainForm {
    pub name: String,
    pub customer: String,
    pub kind: String,
}

/// A domain to add, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDomain {
    pub name: String,
    pub kind: DomainKind,
    /// The customer it serves, by name, in the operator's organisation.
    pub customer: Option<String>,
}

/// Why a new domain is refused; its code travels in the page's address.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum NewDomainError {
    #[error("Nome dominio: {0}")]
    Name(DomainNameError),
    #[error("Scegliere il tipo di dominio")]
    Kind,
    #[error("Solo il fornitore aggiunge domini condivisi")]
    SharedByProvider,
    #[error("Un dominio condiviso non appartiene a un cliente")]
    SharedWithCustomer,
    #[error("Il dominio del cliente richiede il cliente")]
    CustomerRequired,
    #[error("Cliente sconosciuto: lo si crea con la sua prima richiesta")]
    UnknownCustomer,
    #[error("Dominio già presente")]
    Taken,
    #[error(
        "Il dominio, o un dominio che lo contiene o che esso contiene, appartiene a un'altra organizzazione"
    )]
    OwnedElsewhere,
    #[error("Un dominio di terzo livello sta sotto un dominio condiviso (es. comune.legalmail.it)")]
    NotUnderShared,
    #[error("Sotto un dominio condiviso si aggiungono solo domini di terzo livello")]
    UnderShared,
}

impl NewDomainError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Name(_) => "nome",
            Self::Kind => "tipo",
            Self::SharedByProvider => "condiviso",
            Self::SharedWithCustomer => "condiviso-cliente",
            Self::CustomerRequired => "cliente",
            Self::UnknownCustomer => "cliente-sconosciuto",
            Self::Taken => "presente",
            Self::OwnedElsewhere => "altrui",
            Self::NotUnderShared => "terzo-livello",
            Self::UnderShared => "sotto-condiviso",
        }
    }

    /// The message of a code read back from an address (the name's own error is re-checked on
    /// the page from what was typed).
    pub fn message_of(code: &str) -> String {
        let all = [
            Self::Kind,
            Self::SharedByProvider,
            Self::SharedWithCustomer,
            Self::CustomerRequired,
            Self::UnknownCustomer,
            Self::Taken,
            Self::OwnedElsewhere,
            Self::NotUnderShared,
            Self::UnderShared,
        ];
        all.into_iter()
            .find(|e| e.code() == code)
            .map_or_else(|| "Nome dominio non valido".to_string(), |e| e.to_string())
    }
}

/// Checks "Nuovo dominio" for an operator of the provider (`provider`) or of a reseller. What
/// needs the database (duplicates, other organisations' domains, the customer) the store checks
/// in the same transaction as the insert.
pub fn new_domain(form: &NewDomainForm, provider: bool) -> Result<NewDomain, NewDomainError> {
    let name = domain_name(&form.name).map_err(NewDomainError::Name)?;
    let kind = DomainKind::from_code(&form.kind).ok_or(NewDomainError::Kind)?;
    let customer = Some(form.customer.trim()).filter(|c| !c.is_empty()).map(str::to_string);
    match (kind, &customer) {
        (DomainKind::Shared, _) if !provider => Err(NewDomainError::SharedByProvider),
        (DomainKind::Shared, Some(_)) => Err(NewDomainError::SharedWithCustomer),
        (DomainKind::Customer, None) => Err(NewDomainError::CustomerRequired),
        _ => Ok(NewDomain { name, kind, customer }),
    }
}

/// One line of "Gestione domini".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainRow {
    pub name: String,
    /// The customer it serves; none for the provider's shared domains.
    pub customer: Option<String>,
    pub kind: DomainKind,
    pub state: DomainState,
    pub mailboxes: i64,
    pub created_at: Timestamp,
}

/// "Gestione domini" filter: a prefix of the name, a customer, a state (empty means any).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DomainFilter {
    pub name: String,
    pub customer: String,
    pub state: String,
}

/// What an administrator asks of a domain from its row on "Gestione domini".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DomainRequest {
    /// Sospendi, Riattiva, Dismetti (certification follows "Verifica DNS" only).
    Change(DomainAction),
    /// "Verifica DNS": certifies a domain whose records point at the provider.
    VerifyDns,
    /// "Rimuovi": a domain without mailboxes.
    Remove,
}

impl DomainRequest {
    /// Its button's value, which the notice after it repeats.
    pub fn code(self) -> &'static str {
        match self {
            Self::Change(a) => a.code(),
            Self::VerifyDns => "verifica-dns",
            Self::Remove => "rimuovi",
        }
    }

    /// A request the page may send.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "verifica-dns" => Some(Self::VerifyDns),
            "rimuovi" => Some(Self::Remove),
            _ => DomainAction::from_code(code).filter(|a| *a != DomainAction::Certify).map(Self::Change),
        }
    }

    /// What the domain is afterwards, in the notice ("Dominio x sospeso."); a verification's
    /// outcome is shown whole instead.
    pub fn done(self) -> Option<&'static str> {
        match self {
            Self::Change(DomainAction::Suspend) => Some("sospeso"),
            Self::Change(DomainAction::Resume) => Some("riattivato"),
            Self::Change(DomainAction::Dismiss) => Some("dismesso"),
            Self::Remove => Some("rimosso"),
            Self::Change(DomainAction::Certify) | Self::VerifyDns => None,
        }
    }
}

/// Why a request on a domain changed nothing; in the page's address as its code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DomainChangeRefusal {
    NotFound,
    InUse,
    WrongState,
}

impl DomainChangeRefusal {
    pub const ALL: [Self; 3] = [Self::NotFound, Self::InUse, Self::WrongState];

    pub fn code(self) -> &'static str {
        match self {
            Self::NotFound => "non-trovato",
            Self::InUse => "in-uso",
            Self::WrongState => "stato",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn text(self) -> &'static str {
        match self {
            Self::NotFound => "Dominio non trovato",
            Self::InUse => "Il dominio ha caselle: non si può dismettere né rimuovere",
            Self::WrongState => "Operazione non ammessa nello stato attuale del dominio",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DomainNameError as E;

    #[test]
    fn names_are_lower_case_ascii_and_checked() {
        assert_eq!(domain_name("  Comune.Esempio.IT. "), Ok("comune.esempio.it".into()));
        assert_eq!(domain_name("città.it"), Ok("xn--citt-3na.it".into()));
        assert_eq!(display_name("xn--citt-3na.it"), "città.it");
        assert_eq!(domain_name("xn--citt-3na.it"), Ok("xn--citt-3na.it".into()));
        assert_eq!(domain_name(""), Err(E::Empty));
        assert_eq!(domain_name("esempio"), Err(E::OneLabel));
        assert_eq!(domain_name("esempio..it"), Err(E::EmptyLabel));
        assert_eq!(domain_name(".esempio.it"), Err(E::EmptyLabel));
        assert_eq!(domain_name("es_empio.it"), Err(E::Char('_')));
        assert_eq!(domain_name("es empio.it"), Err(E::Char(' ')));
        assert_eq!(domain_name("-esempio.it"), Err(E::Hyphen));
        assert_eq!(domain_name("esempio-.it"), Err(E::Hyphen));
        assert_eq!(domain_name("ab--cd.it"), Err(E::Hyphen));
        assert_eq!(domain_name("esempio.123"), Err(E::TopLevel));
        assert_eq!(domain_name("esempio.i"), Err(E::TopLevel));
        assert!(matches!(domain_name("xn--zz!.it"), Err(E::Char('!'))));
        assert_eq!(domain_name(&format!("{}.it", "a".repeat(64))), Err(E::LabelTooLong));
        assert_eq!(domain_name(&format!("{}.it", "a".repeat(63))).map(|n| n.len()), Ok(66));
        let long = vec!["a".repeat(63); 4].join(".") + ".it";
        assert_eq!(domain_name(&long), Err(E::TooLong));
        assert_eq!(domain_name(&"a".repeat(INPUT_MAX + 1)), Err(E::TooLong));
    }

    proptest::proptest! {
        /// Whatever is typed, checking never panics, and a stored name checks again to itself.
        #[test]
        fn a_stored_name_checks_again_to_itself(typed in "\\PC{0,80}|[a-zA-Zà-ù0-9.-]{0,80}") {
            if let Ok(name) = domain_name(&typed) {
                proptest::prop_assert!(name.len() <= NAME_MAX && name.is_ascii());
                proptest::prop_assert_eq!(domain_name(&name), Ok(name.clone()));
            }
        }
    }

    #[test]
    fn sub_domains_are_recognised() {
        assert!(is_within("comune.legalmail.it", "legalmail.it"));
        assert!(is_within("legalmail.it", "legalmail.it"));
        assert!(!is_within("altralegalmail.it", "legalmail.it"));
        assert!(!is_within("legalmail.it", "comune.legalmail.it"));
    }

    #[test]
    fn new_domains_by_kind_and_organisation() {
        let form = |name: &str, customer: &str, kind: DomainKind| NewDomainForm {
            name: name.into(),
            customer: customer.into(),
            kind: kind.code().into(),
        };
        let ok = new_domain(&form("Comune.Legalmail.it", "", DomainKind::ThirdLevel), false);
        assert_eq!(ok.map(|d| d.name), Ok("comune.legalmail.it".into()));
        let e = |f: NewDomainForm, provider| new_domain(&f, provider).err();
        assert_eq!(e(form("pec.it", "", DomainKind::Shared), false), Some(NewDomainError::SharedByProvider));
        assert_eq!(
            e(form("pec.it", "Rossi", DomainKind::Shared), true),
            Some(NewDomainError::SharedWithCustomer)
        );
        assert_eq!(
            e(form("rossi.it", " ", DomainKind::Customer), true),
            Some(NewDomainError::CustomerRequired)
        );
        assert_eq!(
            e(form("rossi", "Rossi", DomainKind::Customer), true),
            Some(NewDomainError::Name(DomainNameError::OneLabel))
        );
        assert_eq!(
            e(NewDomainForm { name: "a.it".into(), ..Default::default() }, true),
            Some(NewDomainError::Kind)
        );
        assert_eq!(NewDomainError::message_of("presente"), "Dominio già presente");
        assert_eq!(NewDomainError::message_of("???"), "Nome dominio non valido");
    }

    #[test]
    fn the_certification_table() {
        use DomainAction as A;
        use DomainState as S;
        assert_eq!(DomainKind::Customer.initial_state(), S::Pending);
        assert_eq!(DomainKind::Shared.initial_state(), S::Certified);
        assert_eq!(A::Certify.apply(S::Pending, 0), Ok(S::Certified));
        assert_eq!(A::Suspend.apply(S::Certified, 3), Ok(S::Suspended));
        assert_eq!(A::Resume.apply(S::Suspended, 3), Ok(S::Certified));
        assert_eq!(A::Dismiss.apply(S::Suspended, 0), Ok(S::Dismissed));
        assert_eq!(A::Dismiss.apply(S::Certified, 2), Err(DomainStateError::InUse(2)));
        assert_eq!(A::Certify.apply(S::Certified, 0), Err(DomainStateError::NotAllowed(S::Certified)));
        assert_eq!(A::Resume.apply(S::Pending, 0), Err(DomainStateError::NotAllowed(S::Pending)));
        for a in A::ALL {
            assert_eq!(a.apply(S::Dismissed, 0), Err(DomainStateError::NotAllowed(S::Dismissed)), "final");
            assert_eq!(A::from_code(a.code()), Some(a));
        }
        for s in S::ALL {
            assert_eq!(S::from_code(s.code()), Some(s));
        }
        for k in DomainKind::ALL {
            assert_eq!(DomainKind::from_code(k.code()), Some(k));
        }
        assert!(S::Certified.usable() && !S::Pending.usable() && !S::Suspended.usable());
    }

    #[test]
    fn a_rows_requests_and_refusals_read_back_their_codes() {
        for r in [
            DomainRequest::VerifyDns,
            DomainRequest::Remove,
            DomainRequest::Change(DomainAction::Suspend),
            DomainRequest::Change(DomainAction::Resume),
            DomainRequest::Change(DomainAction::Dismiss),
        ] {
            assert_eq!(DomainRequest::from_code(r.code()), Some(r));
        }
        // Certification is not a button: only "Verifica DNS" certifies.
        assert_eq!(DomainRequest::from_code("certifica"), None);
        for r in DomainChangeRefusal::ALL {
            assert_eq!(DomainChangeRefusal::from_code(r.code()), Some(r));
        }
    }
}
