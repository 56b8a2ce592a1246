//! "Verifica DNS": looks up a customer's domain (MX and TXT) with a time limit, and files the
//! outcome. The judgement of what was found is the shared core's (`domain::dns`).

use crate::domain::auth::Operator;
use crate::domain::dns::{DnsCheck, DnsOutcome, Found, LookupFailure};
use crate::domain::domains::{DomainState, DomainStateError};
use crate::store::{DomainChangeError, Store};
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::NetError;
use hickory_resolver::proto::rr::RData;
use hickory_resolver::TokioResolver;
use std::net::SocketAddr;
use std::time::Duration;

/// Where lookups go: the system's resolvers (`/etc/resolv.conf`), or one server.
#[derive(Clone, Debug, Default)]
pub struct DnsResolver {
    server: Option<SocketAddr>,
}

/// The whole verification's limit: the page answers within it even if the DNS does not.
pub const TIMEOUT_SECONDS: u64 = 5;

impl DnsResolver {
    /// One name server (`PEC_DNS_SERVER=127.0.0.1:5353`): the provider's own resolver, or the
    /// tests' server.
    pub fn server(addr: SocketAddr) -> Self {
        Self { server: Some(addr) }
    }

    /// From `PEC_DNS_SERVER`, else the system's resolvers.
    pub fn from_env() -> Result<Self, String> {
        match std::env::var("PEC_DNS_SERVER") {
            Ok(v) if !v.trim().is_empty() => {
                v.trim().parse().map(Self::server).map_err(|_| {
                    format!("PEC_DNS_SERVER non valido (indirizzo:porta, es. 127.0.0.1:53): {v}")
                })
            }
            _ => Ok(Self::default()),
        }
    }

    fn resolver(&self) -> Result<TokioResolver, NetError> {
        let mut builder = match self.server {
            Some(addr) => {
                let mut udp = ConnectionConfig::udp();
                udp.port = addr.port();
                let mut tcp = ConnectionConfig::tcp();
                tcp.port = addr.port();
                let server = NameServerConfig::new(addr.ip(), true, vec![udp, tcp]);
                TokioResolver::builder_with_config(
                    ResolverConfig::from_parts(None, vec![], vec![server]),
                    TokioRuntimeProvider::default(),
                )
            }
            None => TokioResolver::builder_tokio()?,
        };
        let opts = builder.options_mut();
        opts.timeout = Duration::from_secs(2);
        opts.attempts = 1;
        opts.use_hosts_file = ResolveHosts::Never;
        builder.build()
    }

    /// The MX and TXT records of `domain` (a checked ASCII name), asked as an absolute name
    /// so that no search domain is appended.
    pub async fn lookup(&self, domain: &str) -> Result<Found, LookupFailure> {
        let limit = Duration::from_secs(TIMEOUT_SECONDS);
        match tokio::time::timeout(limit, self.ask(domain)).await {
            Ok(found) => found,
            Err(_) => Err(LookupFailure::Timeout(TIMEOUT_SECONDS)),
        }
    }

    async fn ask(&self, domain: &str) -> Result<Found, LookupFailure> {
        let resolver = self.resolver().map_err(|e| failed("resolver", &e))?;
        let name = format!("{domain}.");
        let (mx, txt) = tokio::join!(resolver.mx_lookup(name.as_str()), resolver.txt_lookup(name.as_str()));
        let mut found = Found::default();
        match mx {
            Ok(l) => {
                found.mx = l
                    .answers()
                    .iter()
                    .filter_map(|r| match &r.data {
                        RData::MX(mx) => Some(mx.exchange.to_ascii()),
                        _ => None,
                    })
                    .collect()
            }
            Err(e) if e.is_nx_domain() => found.no_domain = true,
            Err(e) if e.is_no_records_found() => {}
            Err(e) => return Err(failed("MX", &e)),
        }
        match txt {
            Ok(l) => {
                found.txt = l
                    .answers()
                    .iter()
                    .filter_map(|r| match &r.data {
                        // A TXT record's strings are one text (RFC 7208 §3.3).
                        RData::TXT(t) => {
                            Some(t.txt_data.iter().map(|s| String::from_utf8_lossy(s)).collect::<String>())
                        }
                        _ => None,
                    })
                    .collect()
            }
            Err(e) if e.is_nx_domain() || e.is_no_records_found() => {}
            Err(e) => return Err(failed("TXT", &e)),
        }
        Ok(found)
    }
}

/// A lookup that failed for a reason other than "no such records" (server failure, refused,
/// unreachable): logged for the administrator, answered as a retry later.
fn failed(what: &str, e: &NetError) -> LookupFailure {
    tracing::warn!("DNS lookup ({what}) failed: {e}");
    LookupFailure::Failed
}

/// "Verifica DNS" of domain `name`: only an own domain awaiting certification is looked up
/// (no lookups of arbitrary names on the server's behalf); the outcome is filed with the
/// state it leads to.
pub async fn verify(
    store: &Store,
    resolver: &DnsResolver,
    op: &Operator,
    name: &str,
) -> Result<DnsCheck, DomainChangeError> {
    let state = store.owned_domain_state(op, name).await?;
    if state != DomainState::Pending {
        return Err(DomainChangeError::Refused(DomainStateError::NotAllowed(state)));
    }
    let provider = store.settings().await?.provider_dns();
    let outcome = DnsOutcome::of(resolver.lookup(name).await, &provider);
    store.record_dns_check(op, name, &outcome).await?;
    Ok(DnsCheck { domain: name.to_string(), outcome })
}
