//! Test fixtures: a certification authority of the test's own (rcgen), signers with `TINIT-`
//! serial numbers, and contracts signed by Debian's `openssl cms -sign`, so that what signs is
//! not the code that verifies. Test code only: it panics on any failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::TrustStore;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A certification authority, with its files in `dir`.
pub struct Authority {
    pub dir: PathBuf,
    cert: rcgen::Certificate,
    key: KeyPair,
    pub name: String,
}

/// A signer's certificate and key, as PEM files.
pub struct Signer {
    pub cert: PathBuf,
    pub key: PathBuf,
    /// The issuing authority's certificate, sent along in the envelope.
    pub chain: PathBuf,
}

/// A signer's key: RSA 2048 (what most Italian qualified certificates use) or ECDSA P-256.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    Rsa,
    Ec,
}

/// Validity of a certificate: calendar years, both inclusive.
pub type Years = (i32, i32);

impl Authority {
    /// A new authority whose files go in `dir` (made if missing).
    pub fn new(dir: &Path, name: &str) -> Self {
        std::fs::create_dir_all(dir).unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.distinguished_name.push(DnType::OrganizationName, "Prova CA");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.not_before = rcgen::date_time_ymd(2000, 1, 1);
        params.not_after = rcgen::date_time_ymd(2099, 12, 31);
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        let file = dir.join(format!("{}.pem", file_name(name)));
        std::fs::write(&file, cert.pem()).unwrap();
        Self { dir: dir.to_path_buf(), cert, key, name: name.to_string() }
    }

    /// The authority's certificate, PEM.
    pub fn pem(&self) -> String {
        self.cert.pem()
    }

    /// A trust store holding only this authority.
    pub fn trust_store(&self) -> TrustStore {
        TrustStore::new(TrustStore::parse(self.pem().as_bytes()).unwrap())
    }

    /// A signer `name` with `serialNumber` = `TINIT-<tax_code>`, valid in `years`.
    pub fn signer(&self, name: &str, tax_code: &str, years: Years, key: Key) -> Signer {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.distinguished_name.push(DnType::CountryName, "IT");
        params.distinguished_name.push(DnType::CustomDnType(vec![2, 5, 4, 5]), format!("TINIT-{tax_code}"));
        params.key_usages = vec![KeyUsagePurpose::ContentCommitment];
        params.not_before = rcgen::date_time_ymd(years.0, 1, 1);
        params.not_after = rcgen::date_time_ymd(years.1, 12, 31);
        let key_pem = match key {
            Key::Ec => KeyPair::generate().unwrap().serialize_pem(),
            Key::Rsa => {
                let out = Command::new("openssl")
                    .args(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"])
                    .output()
                    .expect("openssl (Debian's package) must be installed for the signature tests");
                assert!(out.status.success(), "openssl genpkey: {}", String::from_utf8_lossy(&out.stderr));
                String::from_utf8(out.stdout).unwrap()
            }
        };
        let key_pair = KeyPair::from_pem(&key_pem).unwrap();
        let cert = params.signed_by(&key_pair, &self.cert, &self.key).unwrap();
        let base = self.dir.join(format!("{}-{}-{}", file_name(name), years.0, years.1));
        let signer = Signer {
            cert: base.with_extension("crt.pem"),
            key: base.with_extension("key.pem"),
            chain: self.dir.join(format!("{}.pem", file_name(&self.name))),
        };
        std::fs::write(&signer.cert, cert.pem()).unwrap();
        std::fs::write(&signer.key, key_pem).unwrap();
        signer
    }
}

fn file_name(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect()
}

fn openssl_cms_sign(signer: &Signer, content: &[u8], attached: bool) -> Vec<u8> {
    let dir = signer.cert.parent().unwrap();
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let id = format!("{}-{}", std::process::id(), N.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let input = dir.join(format!("content-{id}-{stamp}.bin"));
    let output = dir.join(format!("signed-{id}-{stamp}.der"));
    std::fs::write(&input, content).unwrap();
    let mut cmd = Command::new("openssl");
    cmd.args(["cms", "-sign", "-binary", "-md", "sha256", "-outform", "DER", "-nosmimecap"]);
    if attached {
        cmd.arg("-nodetach");
    }
    cmd.arg("-in").arg(&input).arg("-out").arg(&output);
    cmd.arg("-signer").arg(&signer.cert).arg("-inkey").arg(&signer.key).arg("-certfile").arg(&signer.chain);
    let out = cmd.output().expect("openssl (Debian's package) must be installed for the signature tests");
    assert!(out.status.success(), "openssl cms -sign: {}", String::from_utf8_lossy(&out.stderr));
    let signed = std::fs::read(&output).unwrap();
    let _ = std::fs::remove_file(&input);
    let _ = std::fs::remove_file(&output);
    signed
}

/// A CAdES `.p7m` (DER) of `content`.
pub fn cades(signer: &Signer, content: &[u8]) -> Vec<u8> {
    openssl_cms_sign(signer, content, true)
}

/// The same envelope in PEM, as some signing tools save it.
pub fn cades_pem(signer: &Signer, content: &[u8]) -> Vec<u8> {
    let der = cades(signer, content);
    der::pem::encode_string("CMS", der::pem::LineEnding::LF, &der).unwrap().into_bytes()
}

/// A PAdES signed PDF: `pdf` with an incremental update appended that holds a signature
/// dictionary whose `/Contents` is a detached CMS over the `/ByteRange`.
pub fn pades(signer: &Signer, pdf: &[u8]) -> Vec<u8> {
    const HEX: usize = 16_384;
    let mut file = pdf.to_vec();
    file.extend_from_slice(
        b"\n9000 0 obj\n<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange [",
    );
    let range_at = file.len();
    file.extend_from_slice(format!("{:010} {:010} {:010} {:010}", 0, 0, 0, 0).as_bytes());
    file.extend_from_slice(b"] /Contents ");
    let a = file.len();
    file.push(b'<');
    file.extend(std::iter::repeat_n(b'0', HEX));
    file.push(b'>');
    let b = file.len();
    file.extend_from_slice(b" >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n");
    let len = file.len();
    let ranges = format!("{:010} {:010} {:010} {:010}", 0, a, b, len - b);
    file[range_at..range_at + ranges.len()].copy_from_slice(ranges.as_bytes());
    let mut signed = file[..a].to_vec();
    signed.extend_from_slice(&file[b..]);
    let cms = openssl_cms_sign(signer, &signed, false);
    let hex: String = cms.iter().map(|b| format!("{b:02x}")).collect();
    assert!(hex.len() <= HEX);
    file[a + 1..a + 1 + hex.len()].copy_from_slice(hex.as_bytes());
    file
}
