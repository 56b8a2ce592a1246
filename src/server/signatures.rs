//! How this installation judges signed contracts: the trust store (the folder named by
//! `PEC_TRUST_DIR`) and whether unverifiable signatures are accepted with a warning
//! (`PEC_ACCEPT_UNVERIFIED_SIGNATURES=1`, test installations only; off by default).
//!
//! Both are settings of the installation, not of the Impostazioni page: an administrator's
//! session must not be able to switch signature checks off.

use crate::domain::contract::SignatureRefusal;
use crate::store::{IssuedContract, SignatureCheck};
use pec_signature::{Expected, Issued, TrustStore};

#[derive(Clone, Debug, Default)]
pub struct SignaturePolicy {
    pub trust: TrustStore,
    pub accept_unverified: bool,
}

impl SignaturePolicy {
    pub fn from_env() -> Result<Self, String> {
        let accept_unverified = std::env::var("PEC_ACCEPT_UNVERIFIED_SIGNATURES").is_ok_and(|v| v == "1");
        let trust = match std::env::var("PEC_TRUST_DIR").ok().filter(|d| !d.is_empty()) {
            Some(dir) => {
                let (trust, skipped) = TrustStore::load_dir(std::path::Path::new(&dir))
                    .map_err(|e| format!("PEC_TRUST_DIR ({dir}): {e}"))?;
                for name in skipped {
                    tracing::warn!("trust store: {name} holds no certificate, skipped");
                }
                tracing::info!("trust store: {} certification authorities", trust.len());
                trust
            }
            None => {
                tracing::warn!(
                    "PEC_TRUST_DIR not set: no signature can be verified, signed contracts are refused"
                );
                TrustStore::default()
            }
        };
        if accept_unverified {
            tracing::warn!("PEC_ACCEPT_UNVERIFIED_SIGNATURES=1: unverifiable contracts are accepted (test installations only)");
        }
        Ok(Self { trust, accept_unverified })
    }

    /// Checks a signed contract against the documents issued for the order and its legal
    /// representative; answers what to record, or why it is refused. CPU work: call it off
    /// the async threads.
    pub fn check(
        &self,
        file: &[u8],
        issued: &[IssuedContract],
        legal_rep: &str,
        now: i64,
    ) -> Result<SignatureCheck, SignatureRefusal> {
        let issued: Vec<Issued> = issued
            .iter()
            .filter_map(|i| {
                let bytes = hex32(&i.sha256)?;
                Some(Issued {
                    sha256: bytes,
                    len: u64::try_from(i.bytes).ok()?,
                    issued_at: crate::store::unstamp(&i.issued_at)?,
                })
            })
            .collect();
        match pec_signature::verify(file, &Expected { issued: &issued, legal_rep, now }, &self.trust) {
            Ok(v) => Ok(SignatureCheck::Verified(v.signer)),
            Err(why) if why.unverifiable() && self.accept_unverified => Ok(SignatureCheck::Accepted(why)),
            Err(why) => Err(why),
        }
    }
}

/// The hex SHA-256 the store keeps, as bytes.
fn hex32(text: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    if text.len() != 64 {
        return None;
    }
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// The hex SHA-256 of an issued contract, as the store keeps it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}
