//! "Upload Firma Contratto": any file, as a CAdES envelope or a PAdES PDF. With no trusted
//! authority nothing may ever be accepted, whatever the file claims.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pec_signature::{verify, Expected, Issued, TrustStore};

fuzz_target!(|data: &[u8]| {
    let issued = [Issued::of(b"%PDF-1.7\n% contratto di prova\n", 1_700_000_000)];
    let expected = Expected { issued: &issued, legal_rep: "RCLMRA74D15F205V", now: 1_800_000_000 };
    let result = verify(data, &expected, &TrustStore::new(Vec::new()));
    assert!(result.is_err(), "accepted without any trusted authority: {result:?}");
    let _ = TrustStore::parse(data);
});
