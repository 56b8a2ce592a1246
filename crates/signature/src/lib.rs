//! Verification of a signed contract: is it the contract this platform issued for the order,
//! signed by the order's legal representative with a certificate that was valid and issued by a
//! trusted certification authority?
//!
//! Two formats, as Italian signing tools make them:
//! - CAdES (`.p7m`, DER or PEM): a CMS SignedData that carries the signed PDF inside it;
//! - PAdES (a signed PDF): the issued PDF with an incremental update appended, holding a
//!   detached CMS SignedData over the file's `/ByteRange`.
//!
//! The checks, in order, each with its own refusal ([`SignatureRefusal`]): the file holds a
//! signature; every signature is mathematically valid over the content; the content is one of
//! the documents issued for the order; the signer's certificate chains to the trust store and
//! was valid at the signing time; the signer's codice fiscale is the legal representative's.
//!
//! Algorithms: RSA PKCS#1 v1.5 and ECDSA (P-256, P-384) with SHA-256/384/512, which is what
//! qualified certificates use; SHA-1 and anything else is refused as unsupported.

mod crypto;
mod pdf;
mod trust;

#[cfg(any(test, feature = "testing"))]
pub mod testing;
#[cfg(test)]
mod tests;

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use der::asn1::{ObjectIdentifier, OctetString};
use der::{Decode, Encode};
pub use pec_domain::contract::{ContractSigner, SignatureRefusal};
use sha2::{Digest, Sha256};
pub use trust::TrustStore;
use x509_cert::Certificate;

use crypto::Hash;

const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const ID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const ID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const ID_SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
const AT_COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
const AT_SURNAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.4");
const AT_SERIAL_NUMBER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.5");
const AT_GIVEN_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.42");

/// A signing time may run this far ahead of our clock, or before the contract was issued
/// (clocks of signing devices drift); beyond it the time is not believed.
const CLOCK_SKEW_SECS: i64 = 15 * 60;
/// At most this many signers and certificates in one envelope: a bound on the work a file can
/// ask for (each costs a signature verification).
const MAX_SIGNERS: usize = 8;
const MAX_CERTIFICATES: usize = 32;

/// A contract this platform issued for the order ("Download Contratto").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issued {
    pub sha256: [u8; 32],
    pub len: u64,
    /// Seconds since 1970 (UTC).
    pub issued_at: i64,
}

impl Issued {
    pub fn of(pdf: &[u8], issued_at: i64) -> Self {
        Self { sha256: Sha256::digest(pdf).into(), len: pdf.len() as u64, issued_at }
    }

    fn is(&self, content: &[u8]) -> bool {
        content.len() as u64 == self.len && Sha256::digest(content).as_slice() == self.sha256
    }
}

/// The file's format, as found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Cades,
    Pades,
}

/// What a verification found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    pub format: Format,
    pub signer: ContractSigner,
}

/// What the contract must be.
pub struct Expected<'a> {
    /// The documents issued for the order.
    pub issued: &'a [Issued],
    /// "Legale rappresentante" of the request (a codice fiscale, upper case).
    pub legal_rep: &'a str,
    /// Now, seconds since 1970 (UTC).
    pub now: i64,
}

/// Verifies a signed contract (see the module's text for the checks and their order).
pub fn verify(file: &[u8], expected: &Expected, trust: &TrustStore) -> Result<Verified, SignatureRefusal> {
    // A .p7m begins with its envelope (DER or PEM); it carries the PDF inside, so the PDF
    // header may well be in its first kilobyte too.
    let (format, signed_data, content, issued_at) = match cades_der(file) {
        Some(der) => {
            let signed_data = signed_data(&der)?;
            // The content is inside the envelope, and must be an issued PDF exactly.
            let content = signed_data
                .encap_content_info
                .econtent
                .as_ref()
                .and_then(|c| c.decode_as::<OctetString>().ok())
                .map(|o| o.into_bytes())
                .ok_or(SignatureRefusal::Invalid)?;
            let issued_at = expected.issued.iter().find(|i| i.is(&content)).map(|i| i.issued_at);
            (Format::Cades, signed_data, content, issued_at)
        }
        None => {
            let signed = pdf::signed_ranges(file)?;
            // The issued PDF must be the start of the signed bytes, untouched.
            let issued = expected
                .issued
                .iter()
                .find(|i| i.len <= signed.first_range_len && i.is(&file[..i.len as usize]));
            (Format::Pades, signed_data(&signed.envelope)?, signed.content, issued.map(|i| i.issued_at))
        }
    };
    let certificates = certificates(&signed_data)?;
    let signers = &signed_data.signer_infos.0;
    if signers.is_empty() {
        return Err(SignatureRefusal::NotSigned);
    }
    if signers.len() > MAX_SIGNERS {
        return Err(SignatureRefusal::Invalid);
    }
    // Every signature must hold over the content before anything else is judged.
    let mut checked = Vec::with_capacity(signers.len());
    for info in signers.iter() {
        let cert = signer_certificate(info, &certificates)?;
        let signed_at = check_signer_info(info, cert, &content)?;
        checked.push((cert, signed_at));
    }
    let issued_at = issued_at.ok_or(SignatureRefusal::OtherDocument)?;
    let mut found = None;
    for (cert, signed_at) in checked {
        let at = match signed_at {
            // A signing time before the contract existed, or in the future, is not believed.
            Some(t) if t >= issued_at - CLOCK_SKEW_SECS && t <= expected.now + CLOCK_SKEW_SECS => t,
            Some(_) => return Err(SignatureRefusal::Invalid),
            None => expected.now,
        };
        trust.check_chain(cert, &certificates, at)?;
        let signer = signer_of(cert, at);
        if signer.tax_code.eq_ignore_ascii_case(expected.legal_rep.trim()) {
            found = Some(signer);
        }
    }
    let signer = found.ok_or(SignatureRefusal::WrongSigner)?;
    Ok(Verified { format, signer })
}

/// The CMS envelope of a `.p7m`, in DER (PEM is decoded); `None` when the file is none.
fn cades_der(file: &[u8]) -> Option<Vec<u8>> {
    if file.starts_with(b"-----BEGIN") {
        let pem = std::str::from_utf8(file).ok()?;
        return der::pem::decode_vec(pem.trim().as_bytes()).ok().map(|(_, der)| der);
    }
    (file.first() == Some(&0x30)).then(|| file.to_vec())
}

fn signed_data(der: &[u8]) -> Result<SignedData, SignatureRefusal> {
    // A PAdES /Contents is zero-padded after the DER: read the first value only.
    let der = pdf::first_der_value(der).ok_or(SignatureRefusal::Invalid)?;
    let info = ContentInfo::from_der(der).map_err(|_| SignatureRefusal::Invalid)?;
    if info.content_type != ID_SIGNED_DATA {
        return Err(SignatureRefusal::NotSigned);
    }
    info.content.decode_as::<SignedData>().map_err(|_| SignatureRefusal::Invalid)
}

fn certificates(sd: &SignedData) -> Result<Vec<Certificate>, SignatureRefusal> {
    let certs: Vec<Certificate> = sd
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|c| match c {
            CertificateChoices::Certificate(c) => Some(c.clone()),
            CertificateChoices::Other(_) => None,
        })
        .collect();
    if certs.len() > MAX_CERTIFICATES {
        return Err(SignatureRefusal::Invalid);
    }
    Ok(certs)
}

/// The certificate a signer info names (its issuer and serial number, or its key identifier).
fn signer_certificate<'c>(
    info: &SignerInfo,
    certs: &'c [Certificate],
) -> Result<&'c Certificate, SignatureRefusal> {
    let found = certs.iter().find(|c| match &info.sid {
        SignerIdentifier::IssuerAndSerialNumber(ias) => {
            c.tbs_certificate.issuer == ias.issuer && c.tbs_certificate.serial_number == ias.serial_number
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => {
            trust::key_identifier(c).as_deref() == Some(ski.0.as_bytes())
        }
    });
    // A signature whose certificate is not in the file cannot be checked against anything.
    found.ok_or(SignatureRefusal::Untrusted)
}

/// Checks one signature over `content`; answers its signing time, if it says one.
fn check_signer_info(
    info: &SignerInfo,
    cert: &Certificate,
    content: &[u8],
) -> Result<Option<i64>, SignatureRefusal> {
    let hash = Hash::of_digest_oid(&info.digest_alg.oid).ok_or(SignatureRefusal::Unsupported)?;
    let digest = hash.digest(content);
    let spki = &cert.tbs_certificate.subject_public_key_info;
    let signature = info.signature.as_bytes();
    let Some(attrs) = &info.signed_attrs else {
        // No signed attributes: the signature is over the content itself.
        crypto::verify(spki, &info.signature_algorithm.oid, hash, &digest, signature)?;
        return Ok(None);
    };
    let value = |oid: ObjectIdentifier| {
        attrs
            .iter()
            .find(|a| a.oid == oid)
            .and_then(|a| if a.values.len() == 1 { a.values.get(0) } else { None })
    };
    let message_digest = value(ID_MESSAGE_DIGEST)
        .and_then(|v| v.decode_as::<OctetString>().ok())
        .ok_or(SignatureRefusal::Invalid)?;
    if message_digest.as_bytes() != digest.as_slice() {
        return Err(SignatureRefusal::Invalid);
    }
    if value(ID_CONTENT_TYPE).is_none() {
        return Err(SignatureRefusal::Invalid);
    }
    // RFC 5652 §5.4: the signature is over the attributes' DER as a SET OF, not as [0].
    let signed = attrs.to_der().map_err(|_| SignatureRefusal::Invalid)?;
    let signed_digest = hash.digest(&signed);
    crypto::verify(spki, &info.signature_algorithm.oid, hash, &signed_digest, signature)?;
    let signing_time = match value(ID_SIGNING_TIME) {
        Some(v) => {
            let der = v.to_der().map_err(|_| SignatureRefusal::Invalid)?;
            let time = x509_cert::time::Time::from_der(&der).map_err(|_| SignatureRefusal::Invalid)?;
            Some(time.to_unix_duration().as_secs() as i64)
        }
        None => None,
    };
    Ok(signing_time)
}

/// The signer as the certificate names them.
fn signer_of(cert: &Certificate, signed_at: i64) -> ContractSigner {
    let subject = &cert.tbs_certificate.subject;
    let attr = |oid: ObjectIdentifier| {
        subject
            .0
            .iter()
            .flat_map(|rdn| rdn.0.iter())
            .find(|a| a.oid == oid)
            .and_then(|a| std::str::from_utf8(a.value.value()).ok().map(|s| s.trim().to_string()))
    };
    let name = attr(AT_COMMON_NAME)
        .or_else(|| match (attr(AT_GIVEN_NAME), attr(AT_SURNAME)) {
            (Some(g), Some(s)) => Some(format!("{g} {s}")),
            _ => None,
        })
        .unwrap_or_default();
    let tax_code = attr(AT_SERIAL_NUMBER)
        .and_then(|s| s.get(..6).filter(|p| p.eq_ignore_ascii_case("TINIT-")).map(|_| s[6..].to_uppercase()))
        .unwrap_or_default();
    // Names are shown on the order page: keep them short and printable.
    let name: String = name.chars().filter(|c| !c.is_control()).take(200).collect();
    ContractSigner { name, tax_code, signed_at }
}
