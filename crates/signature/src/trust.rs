//! The trust store: the certification authorities whose certificates a signer's chain must
//! end at. The operator fills a folder with them (Italy's qualified CAs come from the EU
//! trusted list); this platform ships none.

use crate::crypto::{self, Hash};
use der::{Decode, Encode};
use pec_domain::contract::SignatureRefusal;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, SubjectKeyIdentifier};
use x509_cert::Certificate;

/// The longest chain followed from a signer to a trusted authority.
const MAX_DEPTH: usize = 6;
/// Bounds on the folder: the files read, and each file's size.
const MAX_FILES: usize = 2_000;
const MAX_FILE_BYTES: u64 = 1024 * 1024;

#[derive(Clone, Debug, Default)]
pub struct TrustStore {
    anchors: Vec<Certificate>,
}

impl TrustStore {
    pub fn new(anchors: Vec<Certificate>) -> Self {
        Self { anchors }
    }

    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }

    /// Certificates in a file, PEM (one or more) or DER.
    pub fn parse(bytes: &[u8]) -> Option<Vec<Certificate>> {
        if bytes.starts_with(b"-----BEGIN") {
            Certificate::load_pem_chain(bytes).ok().filter(|c| !c.is_empty())
        } else {
            Certificate::from_der(bytes).ok().map(|c| vec![c])
        }
    }

    /// Every certificate in the files of `dir` (`.pem`, `.crt`, `.cer`, `.der`); the names of
    /// the files that held none are answered too, for the log.
    pub fn load_dir(dir: &std::path::Path) -> std::io::Result<(Self, Vec<String>)> {
        let mut anchors = Vec::new();
        let mut skipped = Vec::new();
        let mut entries: Vec<_> = std::fs::read_dir(dir)?.filter_map(Result::ok).take(MAX_FILES).collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            let known = path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| ["pem", "crt", "cer", "der"].contains(&e.to_ascii_lowercase().as_str()));
            let name = entry.file_name().to_string_lossy().into_owned();
            if !known || !entry.metadata().is_ok_and(|m| m.is_file() && m.len() <= MAX_FILE_BYTES) {
                skipped.push(name);
                continue;
            }
            match Self::parse(&std::fs::read(&path)?) {
                Some(certs) => anchors.extend(certs),
                None => skipped.push(name),
            }
        }
        Ok((Self { anchors }, skipped))
    }

    /// The signer's certificate must be for signing, chain (through the envelope's own
    /// certificates) to a trusted authority, and every certificate on the way must have been
    /// valid at `at` (seconds since 1970).
    pub fn check_chain(
        &self,
        leaf: &Certificate,
        pool: &[Certificate],
        at: i64,
    ) -> Result<(), SignatureRefusal> {
        if let Some(usage) = extension::<KeyUsage>(leaf, const_oid::db::rfc5280::ID_CE_KEY_USAGE) {
            if !usage.digital_signature() && !usage.non_repudiation() {
                return Err(SignatureRefusal::Untrusted);
            }
        }
        let mut chain = vec![leaf];
        let mut cert = leaf;
        let anchored = loop {
            if self.anchors.iter().any(|a| a == cert) {
                break true;
            }
            if let Some(anchor) = self.anchors.iter().find(|a| issued_by(cert, a)) {
                chain.push(anchor);
                break true;
            }
            if chain.len() >= MAX_DEPTH {
                break false;
            }
            match pool.iter().find(|c| !chain.contains(c) && is_authority(c) && issued_by(cert, c)) {
                Some(next) => {
                    chain.push(next);
                    cert = next;
                }
                None => break false,
            }
        };
        if !anchored {
            return Err(SignatureRefusal::Untrusted);
        }
        if chain.iter().all(|c| valid_at(c, at)) {
            Ok(())
        } else {
            Err(SignatureRefusal::Expired)
        }
    }
}

fn extension<'a, T: Decode<'a>>(cert: &'a Certificate, oid: der::asn1::ObjectIdentifier) -> Option<T> {
    let ext = cert.tbs_certificate.extensions.as_ref()?.iter().find(|e| e.extn_id == oid)?;
    T::from_der(ext.extn_value.as_bytes()).ok()
}

/// The subject key identifier of a certificate, if it says one.
pub fn key_identifier(cert: &Certificate) -> Option<Vec<u8>> {
    extension::<SubjectKeyIdentifier>(cert, const_oid::db::rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER)
        .map(|k| k.0.as_bytes().to_vec())
}

/// A certification authority: basic constraints say so.
fn is_authority(cert: &Certificate) -> bool {
    extension::<BasicConstraints>(cert, const_oid::db::rfc5280::ID_CE_BASIC_CONSTRAINTS).is_some_and(|b| b.ca)
}

fn valid_at(cert: &Certificate, at: i64) -> bool {
    let validity = &cert.tbs_certificate.validity;
    let from = validity.not_before.to_unix_duration().as_secs() as i64;
    let to = validity.not_after.to_unix_duration().as_secs() as i64;
    from <= at && at <= to
}

/// `cert` names `issuer` as its issuer and carries its signature.
fn issued_by(cert: &Certificate, issuer: &Certificate) -> bool {
    if cert.tbs_certificate.issuer != issuer.tbs_certificate.subject {
        return false;
    }
    let Some(hash) = Hash::of_signature_oid(&cert.signature_algorithm.oid) else {
        return false;
    };
    let Ok(tbs) = cert.tbs_certificate.to_der() else {
        return false;
    };
    let Some(signature) = cert.signature.as_bytes() else {
        return false;
    };
    crypto::verify(
        &issuer.tbs_certificate.subject_public_key_info,
        &cert.signature_algorithm.oid,
        hash,
        &hash.digest(&tbs),
        signature,
    )
    .is_ok()
}
