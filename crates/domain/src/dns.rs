//! "Verifica DNS" of a customer's own domain: the records the customer must publish so that the
//! provider's servers receive and send its certified mail, and the check of what a resolver
//! found against them. Pure: the lookup itself (with its timeout) is the server's.

use serde::{Deserialize, Serialize};

/// The provider's values a customer's domain must point to (from the server's configuration).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderDns {
    /// The provider's mail exchanger, e.g. `mx.pec.fornitore.it`.
    pub mx_host: String,
    /// The domain whose SPF record the customer includes, e.g. `spf.pec.fornitore.it`.
    pub spf_include: String,
}

/// One record to publish, as a DNS zone editor asks for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordToPublish {
    pub kind: &'static str,
    pub name: String,
    pub value: String,
}

/// What the customer publishes for `domain` (a checked, lower-case name).
pub fn records_to_publish(domain: &str, provider: &ProviderDns) -> Vec<RecordToPublish> {
    vec![
        RecordToPublish {
            kind: "MX",
            name: domain.to_string(),
            value: format!("10 {}.", host(&provider.mx_host)),
        },
        RecordToPublish {
            kind: "TXT",
            name: domain.to_string(),
            value: format!("v=spf1 include:{} -all", host(&provider.spf_include)),
        },
    ]
}

/// What the resolver found for the domain.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Found {
    /// The name does not exist at all (NXDOMAIN).
    pub no_domain: bool,
    /// MX exchanges (any case, with or without the final dot).
    pub mx: Vec<String>,
    /// TXT strings (each record's strings joined).
    pub txt: Vec<String>,
}

/// Why a domain is not ready to be certified; each says what to fix, in Italian.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum DnsProblem {
    #[error("Il dominio non esiste nel DNS: va prima registrato")]
    NoDomain,
    #[error("Nessun record MX: pubblicare MX 10 {0}.")]
    NoMx(String),
    #[error("Il record MX non punta a {0} (trovati: {1})")]
    WrongMx(String, String),
    #[error("Nessun record SPF (TXT «v=spf1 …»): pubblicare «v=spf1 include:{0} -all»")]
    NoSpf(String),
    #[error("Più record SPF: ne deve restare uno solo")]
    ManySpf,
    #[error("Il record SPF non include {0}")]
    SpfWithoutProvider(String),
}

/// A host name as compared: lower case, without the final dot.
fn host(name: &str) -> String {
    name.trim().trim_end_matches('.').to_lowercase()
}

/// Checks what was found against the provider's values: every problem, in the order a
/// customer would fix them; empty means the domain may be certified.
pub fn check(found: &Found, provider: &ProviderDns) -> Vec<DnsProblem> {
    if found.no_domain {
        return vec![DnsProblem::NoDomain];
    }
    let mut problems = Vec::new();
    let mx_host = host(&provider.mx_host);
    if found.mx.is_empty() {
        problems.push(DnsProblem::NoMx(mx_host));
    } else if !found.mx.iter().any(|m| host(m) == mx_host) {
        let seen: Vec<String> = found.mx.iter().map(|m| host(m)).take(5).collect();
        problems.push(DnsProblem::WrongMx(mx_host, seen.join(", ")));
    }
    let include = host(&provider.spf_include);
    let spf: Vec<&String> = found
        .txt
        .iter()
        .filter(|t| t.trim().to_lowercase().split_whitespace().next() == Some("v=spf1"))
        .collect();
    match spf.as_slice() {
        [] => problems.push(DnsProblem::NoSpf(include)),
        [one] => {
            let includes = one
                .split_whitespace()
                .filter_map(|term| term.trim_start_matches(['+', '~', '?']).strip_prefix("include:"))
                .any(|d| host(d) == include);
            if !includes {
                problems.push(DnsProblem::SpfWithoutProvider(include));
            }
        }
        _ => problems.push(DnsProblem::ManySpf),
    }
    problems
}

/// Why the resolver gave nothing to judge: the domain's state is left as it was.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum LookupFailure {
    #[error("Il DNS non ha risposto entro {0} secondi: riprovare più tardi")]
    Timeout(u64),
    #[error("Interrogazione DNS non riuscita: riprovare più tardi")]
    Failed,
}

/// The outcome of one "Verifica DNS".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DnsOutcome {
    /// The records are right: the domain is now certified.
    Certified,
    /// What the customer still has to publish or correct.
    Problems(Vec<DnsProblem>),
    Unanswered(LookupFailure),
}

impl DnsOutcome {
    /// The outcome of a lookup.
    pub fn of(found: Result<Found, LookupFailure>, provider: &ProviderDns) -> Self {
        match found.map(|f| check(&f, provider)) {
            Ok(problems) if problems.is_empty() => Self::Certified,
            Ok(problems) => Self::Problems(problems),
            Err(e) => Self::Unanswered(e),
        }
    }

    /// One line for the audit log.
    pub fn summary(&self) -> String {
        match self {
            Self::Certified => "superata".into(),
            Self::Problems(p) => {
                let named: Vec<String> = p.iter().map(ToString::to_string).collect();
                format!("non superata: {}", named.join("; "))
            }
            Self::Unanswered(e) => format!("non eseguita: {e}"),
        }
    }
}

/// A "Verifica DNS" as the page shows it after the redirect.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsCheck {
    pub domain: String,
    pub outcome: DnsOutcome,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider() -> ProviderDns {
        ProviderDns { mx_host: "MX.pec.fornitore.it.".into(), spf_include: "spf.pec.fornitore.it".into() }
    }

    #[test]
    fn the_records_to_publish_name_the_providers_hosts() {
        let r = records_to_publish("rossi.it", &provider());
        assert_eq!(r[0].value, "10 mx.pec.fornitore.it.");
        assert_eq!(r[1].value, "v=spf1 include:spf.pec.fornitore.it -all");
        assert!(r.iter().all(|r| r.name == "rossi.it"));
    }

    #[test]
    fn a_domain_pointing_at_the_provider_passes() {
        let found = Found {
            mx: vec!["mx.PEC.fornitore.it.".into()],
            txt: vec!["google-site-verification=x".into(), "v=spf1 include:spf.pec.fornitore.it ~all".into()],
            ..Found::default()
        };
        assert_eq!(check(&found, &provider()), vec![]);
        assert_eq!(DnsOutcome::of(Ok(found), &provider()), DnsOutcome::Certified);
        let late = DnsOutcome::of(Err(LookupFailure::Timeout(5)), &provider());
        assert_eq!(
            late.summary(),
            "non eseguita: Il DNS non ha risposto entro 5 secondi: riprovare più tardi"
        );
    }

    #[test]
    fn each_problem_is_named() {
        let gone = Found { no_domain: true, ..Found::default() };
        assert_eq!(check(&gone, &provider()), vec![DnsProblem::NoDomain]);
        assert_eq!(
            check(&Found::default(), &provider()),
            vec![
                DnsProblem::NoMx("mx.pec.fornitore.it".into()),
                DnsProblem::NoSpf("spf.pec.fornitore.it".into())
            ]
        );
        let found = Found {
            mx: vec!["mail.altro.it".into()],
            txt: vec!["v=spf1 include:_spf.altro.it -all".into(), "v=spf1 a -all".into()],
            ..Found::default()
        };
        assert_eq!(
            check(&found, &provider()),
            vec![
                DnsProblem::WrongMx("mx.pec.fornitore.it".into(), "mail.altro.it".into()),
                DnsProblem::ManySpf
            ]
        );
        let found = Found {
            mx: vec!["mx.pec.fornitore.it".into()],
            txt: vec!["v=spf1 include:_spf.altro.it -all".into()],
            ..Found::default()
        };
        assert_eq!(
            check(&found, &provider()),
            vec![DnsProblem::SpfWithoutProvider("spf.pec.fornitore.it".into())]
        );
        // "v=spf10" is not an SPF record; a longer include that merely contains the name is not it.
        let found = Found {
            mx: vec!["mx.pec.fornitore.it".into()],
            txt: vec![
                "v=spf10 include:spf.pec.fornitore.it".into(),
                "v=spf1 include:spf.pec.fornitore.it.evil.example -all".into(),
            ],
            ..Found::default()
        };
        assert_eq!(
            check(&found, &provider()),
            vec![DnsProblem::SpfWithoutProvider("spf.pec.fornitore.it".into())]
        );
    }
}
