//! Every refusal, with files signed by `openssl cms -sign` under a CA of the test's own.

use super::testing::{cades, cades_pem, pades, Authority, Key, Signer};
use super::*;

const REP: &str = "RCLMRA74D15F205V";
const OTHER: &str = "BNCGVN80A01H501U";

struct World {
    ca: Authority,
    rogue: Authority,
    contract: Vec<u8>,
    issued: Vec<Issued>,
    now: i64,
    _dir: TempDir,
}

struct TempDir(std::path::PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

fn world(tag: &str) -> World {
    let dir = std::env::temp_dir().join(format!("pec-signature-{tag}-{}", std::process::id()));
    let ca = Authority::new(&dir.join("ca"), "CA Prova Qualificata");
    let rogue = Authority::new(&dir.join("rogue"), "CA Sconosciuta");
    let contract = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n% Ordine 2026-000042\n%%EOF\n".to_vec();
    let issued = vec![Issued::of(&contract, now() - 3600)];
    World { ca, rogue, contract, issued, now: now(), _dir: TempDir(dir) }
}

impl World {
    fn check(&self, file: &[u8]) -> Result<Verified, SignatureRefusal> {
        verify(
            file,
            &Expected { issued: &self.issued, legal_rep: REP, now: self.now },
            &self.ca.trust_store(),
        )
    }

    fn rep(&self, key: Key) -> Signer {
        self.ca.signer("Mario Rossi", REP, (2024, 2030), key)
    }
}

#[test]
fn a_cades_signature_by_the_legal_representative_is_accepted() {
    let w = world("cades");
    for key in [Key::Rsa, Key::Ec] {
        let signer = w.rep(key);
        let v = w.check(&cades(&signer, &w.contract)).unwrap();
        assert_eq!(v.format, Format::Cades);
        assert_eq!((v.signer.name.as_str(), v.signer.tax_code.as_str()), ("Mario Rossi", REP));
        assert!((v.signer.signed_at - w.now).abs() < 120, "signing time {} vs {}", v.signer.signed_at, w.now);
        // PEM, as some tools save it.
        assert_eq!(w.check(&cades_pem(&signer, &w.contract)).unwrap().signer.tax_code, REP);
    }
}

#[test]
fn a_pades_signature_of_the_issued_pdf_is_accepted() {
    let w = world("pades");
    let v = w.check(&pades(&w.rep(Key::Rsa), &w.contract)).unwrap();
    assert_eq!(v.format, Format::Pades);
    assert_eq!(v.signer.tax_code, REP);
}

#[test]
fn an_unsigned_file_is_refused() {
    let w = world("unsigned");
    assert_eq!(w.check(&w.contract), Err(SignatureRefusal::NotSigned));
    assert_eq!(w.check(b"Nome;Cognome\n"), Err(SignatureRefusal::NotSigned));
    // A .p7m-looking file that is no envelope.
    let mut fake = vec![0x30, 0x80, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02];
    fake.extend([1u8; 64]);
    assert_eq!(w.check(&fake), Err(SignatureRefusal::Invalid));
}

#[test]
fn tampered_content_is_an_invalid_signature() {
    let w = world("tampered");
    let signer = w.rep(Key::Rsa);
    // CAdES: one byte of the contract inside the envelope.
    let mut p7m = cades(&signer, &w.contract);
    let at = p7m.windows(w.contract.len()).position(|x| x == w.contract.as_slice()).unwrap();
    p7m[at + 20] ^= 1;
    assert_eq!(w.check(&p7m), Err(SignatureRefusal::Invalid));
    // PAdES: one byte of the signed range.
    let mut pdf = pades(&signer, &w.contract);
    pdf[20] ^= 1;
    assert_eq!(w.check(&pdf), Err(SignatureRefusal::Invalid));
    // PAdES: a byte appended after the signed ranges.
    let mut pdf = pades(&signer, &w.contract);
    pdf.push(b'\n');
    assert_eq!(w.check(&pdf), Err(SignatureRefusal::Invalid));
}

#[test]
fn another_document_is_refused() {
    let w = world("other");
    let signer = w.rep(Key::Ec);
    let other = b"%PDF-1.7\n% Ordine 2026-000043\n%%EOF\n";
    assert_eq!(w.check(&cades(&signer, other)), Err(SignatureRefusal::OtherDocument));
    assert_eq!(w.check(&pades(&signer, other)), Err(SignatureRefusal::OtherDocument));
}

#[test]
fn another_signer_is_refused() {
    let w = world("signer");
    let someone = w.ca.signer("Giovanni Bianchi", OTHER, (2024, 2030), Key::Ec);
    assert_eq!(w.check(&cades(&someone, &w.contract)), Err(SignatureRefusal::WrongSigner));
    assert_eq!(w.check(&pades(&someone, &w.contract)), Err(SignatureRefusal::WrongSigner));
}

#[test]
fn an_expired_certificate_is_refused() {
    let w = world("expired");
    let old = w.ca.signer("Mario Rossi", REP, (2019, 2021), Key::Ec);
    assert_eq!(w.check(&cades(&old, &w.contract)), Err(SignatureRefusal::Expired));
}

#[test]
fn an_untrusted_authority_is_refused() {
    let w = world("untrusted");
    let forged = w.rogue.signer("Mario Rossi", REP, (2024, 2030), Key::Ec);
    assert_eq!(w.check(&cades(&forged, &w.contract)), Err(SignatureRefusal::Untrusted));
    // An empty trust store trusts nobody.
    let signed = cades(&w.rep(Key::Ec), &w.contract);
    let expected = Expected { issued: &w.issued, legal_rep: REP, now: w.now };
    assert_eq!(verify(&signed, &expected, &TrustStore::default()), Err(SignatureRefusal::Untrusted));
}

#[test]
fn a_signing_time_before_the_contract_was_issued_is_not_believed() {
    let mut w = world("backdated");
    let signed = cades(&w.rep(Key::Ec), &w.contract);
    w.issued[0].issued_at = w.now + 3600;
    assert_eq!(w.check(&signed), Err(SignatureRefusal::Invalid));
}

#[test]
fn the_trust_store_is_read_from_a_folder() {
    let w = world("folder");
    std::fs::write(w.ca.dir.join("leggimi.txt"), "non un certificato").unwrap();
    std::fs::write(w.ca.dir.join("rotto.pem"), "-----BEGIN CERTIFICATE-----\nxx\n").unwrap();
    let (store, skipped) = TrustStore::load_dir(&w.ca.dir).unwrap();
    assert_eq!(store.len(), 1);
    assert_eq!(skipped, vec!["leggimi.txt".to_string(), "rotto.pem".to_string()]);
}

#[test]
fn garbage_never_panics() {
    let w = world("garbage");
    let signed = cades(&w.rep(Key::Ec), &w.contract);
    // Every truncation of a real envelope, and of a PAdES file, is refused cleanly.
    for cut in (0..signed.len()).step_by(7) {
        assert!(w.check(&signed[..cut]).is_err());
    }
    let pdf = pades(&w.rep(Key::Ec), &w.contract);
    for cut in (w.contract.len()..pdf.len()).step_by(97) {
        assert!(w.check(&pdf[..cut]).is_err());
    }
    assert!(w.check(b"%PDF-1.7 /ByteRange [0 99999999999999999999 1 1] /Contents <00>").is_err());
    assert!(w.check(b"%PDF-1.7 /ByteRange [0 5 3 1]").is_err());
}
