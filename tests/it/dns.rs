//! "Verifica DNS" against a small DNS server of the test's own on 127.0.0.1, on SQLite and
//! PostgreSQL: what certifies a customer's domain, what leaves it waiting, who may ask.

use crate::common;
use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::rdata::{MX, TXT};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use pec_manager::domain::dns::{DnsOutcome, DnsProblem, LookupFailure};
use pec_manager::domain::domains::{new_domain, DomainKind, DomainState, DomainStateError, NewDomainForm};
use pec_manager::server::dns::{verify, DnsResolver};
use pec_manager::store::DomainChangeError;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// What the test server knows of one name.
#[derive(Clone, Default)]
pub struct Zone {
    pub mx: Vec<&'static str>,
    pub txt: Vec<&'static str>,
    /// Answer SERVFAIL.
    pub broken: bool,
    /// Never answer.
    pub silent: bool,
}

/// The test's DNS server: answers MX and TXT questions from `zones` (other names: NXDOMAIN)
/// and counts the questions per name. Stops with the test's runtime.
pub struct FakeDns {
    pub addr: SocketAddr,
    asked: Arc<Mutex<HashMap<String, usize>>>,
}

impl FakeDns {
    pub async fn start(zones: HashMap<&'static str, Zone>) -> Self {
        let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = socket.local_addr().unwrap();
        let asked = Arc::new(Mutex::new(HashMap::new()));
        let counts = asked.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 1500];
            loop {
                let Ok((n, from)) = socket.recv_from(&mut buf).await else { return };
                let Ok(query) = Message::from_vec(&buf[..n]) else { continue };
                let Some(q) = query.queries.first().cloned() else { continue };
                let name = q.name.to_ascii().trim_end_matches('.').to_lowercase();
                *counts.lock().unwrap().entry(name.clone()).or_insert(0) += 1;
                let zone = zones.get(name.as_str());
                if zone.is_some_and(|z| z.silent) {
                    continue;
                }
                let mut reply =
                    Message::new(query.metadata.id, MessageType::Response, query.metadata.op_code);
                reply.metadata.recursion_desired = query.metadata.recursion_desired;
                reply.metadata.recursion_available = true;
                reply.add_query(q.clone());
                match zone {
                    None => reply.metadata.response_code = ResponseCode::NXDomain,
                    Some(z) if z.broken => reply.metadata.response_code = ResponseCode::ServFail,
                    Some(z) => {
                        let records: Vec<RData> = match q.query_type {
                            RecordType::MX => {
                                z.mx.iter()
                                    .map(|h| RData::MX(MX::new(10, Name::from_ascii(h).unwrap())))
                                    .collect()
                            }
                            RecordType::TXT => {
                                z.txt.iter().map(|t| RData::TXT(TXT::new(vec![t.to_string()]))).collect()
                            }
                            _ => vec![],
                        };
                        for r in records {
                            reply.add_answer(Record::from_rdata(q.name.clone(), 60, r));
                        }
                    }
                }
                if let Ok(bytes) = reply.to_vec() {
                    let _ = socket.send_to(&bytes, from).await;
                }
            }
        });
        Self { addr, asked }
    }

    pub fn resolver(&self) -> DnsResolver {
        DnsResolver::server(self.addr)
    }

    pub fn questions_about(&self, name: &str) -> usize {
        self.asked.lock().unwrap().get(name).copied().unwrap_or(0)
    }
}

/// The provider's records (the settings' defaults).
pub fn good_zone() -> Zone {
    Zone {
        mx: vec!["mx.pec.fornitore.it."],
        txt: vec!["v=spf1 include:spf.pec.fornitore.it -all", "altro=1"],
        ..Zone::default()
    }
}

fn customer_domain(name: &str) -> pec_manager::domain::domains::NewDomain {
    let form = NewDomainForm {
        name: name.into(),
        customer: "Collaudo".into(),
        kind: DomainKind::Customer.code().into(),
    };
    new_domain(&form, true).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verifica_dns_certifies_only_a_domain_whose_records_point_at_the_provider() {
    let zones = HashMap::from([
        ("pronto.it", good_zone()),
        ("sbagliato.it", Zone { mx: vec!["mail.altro.it"], txt: vec!["v=spf1 a -all"], ..Zone::default() }),
        ("guasto.it", Zone { broken: true, ..Zone::default() }),
        ("muto.it", Zone { silent: true, ..Zone::default() }),
    ]);
    let dns = FakeDns::start(zones).await;
    let resolver = dns.resolver();
    for store in common::stores().await {
        let admin = common::operator(&store, "admin").await;
        let beta = common::operator(&store, "beta").await;
        for name in ["pronto.it", "sbagliato.it", "guasto.it", "muto.it", "assente.it"] {
            store.create_domain(&admin, &customer_domain(name)).await.unwrap();
        }
        let state = |name: &'static str| {
            let store = store.clone();
            let admin = admin.clone();
            async move { store.owned_domain_state(&admin, name).await.unwrap() }
        };

        // Another organisation's domain: not found, and not even looked up.
        let before = dns.questions_about("pronto.it");
        assert!(matches!(
            verify(&store, &resolver, &beta, "pronto.it").await,
            Err(DomainChangeError::NotFound)
        ));
        assert_eq!(dns.questions_about("pronto.it"), before);

        // Wrong records: each problem named, the domain still waiting.
        let check = verify(&store, &resolver, &admin, "sbagliato.it").await.unwrap();
        assert_eq!(
            check.outcome,
            DnsOutcome::Problems(vec![
                DnsProblem::WrongMx("mx.pec.fornitore.it".into(), "mail.altro.it".into()),
                DnsProblem::SpfWithoutProvider("spf.pec.fornitore.it".into()),
            ])
        );
        assert_eq!(state("sbagliato.it").await, DomainState::Pending);
        let check = verify(&store, &resolver, &admin, "assente.it").await.unwrap();
        assert_eq!(check.outcome, DnsOutcome::Problems(vec![DnsProblem::NoDomain]));

        // A DNS that fails or does not answer decides nothing.
        let check = verify(&store, &resolver, &admin, "guasto.it").await.unwrap();
        assert_eq!(check.outcome, DnsOutcome::Unanswered(LookupFailure::Failed));
        let started = std::time::Instant::now();
        let check = verify(&store, &resolver, &admin, "muto.it").await.unwrap();
        assert!(matches!(check.outcome, DnsOutcome::Unanswered(_)), "{check:?}");
        assert!(started.elapsed() <= std::time::Duration::from_secs(7), "{:?}", started.elapsed());
        assert_eq!(state("guasto.it").await, DomainState::Pending);
        assert_eq!(state("muto.it").await, DomainState::Pending);

        // The provider's values come from Impostazioni: another MX there, and the same records
        // no longer pass.
        let mut form = pec_manager::domain::settings::form_of(&store.settings().await.unwrap());
        form.insert("dns_mx".into(), "mx.nuovo-fornitore.it".into());
        let moved = pec_manager::domain::settings::check_settings(&form).unwrap();
        store.save_settings(&admin, &moved).await.unwrap();
        let check = verify(&store, &resolver, &admin, "pronto.it").await.unwrap();
        assert!(
            matches!(check.outcome, DnsOutcome::Problems(ref p) if matches!(p[..], [DnsProblem::WrongMx(..)]))
        );
        form.insert("dns_mx".into(), "mx.pec.fornitore.it".into());
        let back = pec_manager::domain::settings::check_settings(&form).unwrap();
        store.save_settings(&admin, &back).await.unwrap();

        // Right records: certified, usable by the wizard, and not verified twice.
        let check = verify(&store, &resolver, &admin, "pronto.it").await.unwrap();
        assert_eq!(check.outcome, DnsOutcome::Certified);
        assert_eq!(state("pronto.it").await, DomainState::Certified);
        assert!(store.usable_domains(admin.scope()).await.unwrap().contains(&"pronto.it".to_string()));
        assert!(matches!(
            verify(&store, &resolver, &admin, "pronto.it").await,
            Err(DomainChangeError::Refused(DomainStateError::NotAllowed(DomainState::Certified)))
        ));

        // Every verification is in the audit log with its outcome and who asked.
        let log = store
            .audit_entries(pec_manager::domain::auth::Scope::All, &Default::default(), 1, 100)
            .await
            .unwrap();
        let checks: Vec<_> = log.items.iter().filter(|e| e.action == "DOMINIO_VERIFICA_DNS").collect();
        assert_eq!(checks.len(), 6, "{checks:?}");
        let certified =
            checks.iter().find(|e| e.object_id == "pronto.it" && e.after.starts_with("CERTIFICATO")).unwrap();
        assert_eq!((certified.before.as_str(), certified.username.as_str()), ("IN_ATTESA", "admin"));
        assert!(checks.iter().any(|e| e.object_id == "sbagliato.it" && e.after.contains("non superata")));
    }
}
