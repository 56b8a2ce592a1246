//! The signed contract of an order, judged by its content (never its file name): a PDF, or a
//! CAdES envelope (`.p7m`) as Italian signing tools make it.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Largest signed contract accepted.
pub const MAX_CONTRACT_BYTES: usize = 5 * 1024 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Error)]
pub enum ContractFileError {
    #[error("Scegliere il contratto firmato da caricare")]
    Missing,
    #[error("Il file è troppo grande: il massimo è 5 MB")]
    TooLarge,
    #[error("Il file non è un PDF né un documento firmato CAdES (.p7m)")]
    NotAContract,
}

impl ContractFileError {
    pub fn code(self) -> &'static str {
        match self {
            Self::Missing => "mancante",
            Self::TooLarge => "grande",
            Self::NotAContract => "formato",
        }
    }
}

/// `PDF` or `P7M`, judged by the content, never by the file name.
pub fn contract_kind(bytes: &[u8]) -> Result<&'static str, ContractFileError> {
    if bytes.is_empty() {
        return Err(ContractFileError::Missing);
    }
    if bytes.len() > MAX_CONTRACT_BYTES {
        return Err(ContractFileError::TooLarge);
    }
    // A PDF header may follow a little garbage (the format allows 1024 bytes of it).
    let head = &bytes[..bytes.len().min(1024)];
    if head.windows(5).any(|w| w == b"%PDF-") {
        return Ok("PDF");
    }
    if is_cades(bytes) {
        return Ok("P7M");
    }
    Err(ContractFileError::NotAContract)
}

/// A CAdES envelope (`.p7m`) by its first bytes: a DER SEQUENCE holding the PKCS#7 signedData
/// OID 1.2.840.113549.1.7.2 first, or the same in PEM, as some signing tools save it. The
/// signed contract and an order's documents both use this one test.
pub fn is_cades(bytes: &[u8]) -> bool {
    const SIGNED_DATA: [u8; 11] = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02];
    let start = &bytes[..bytes.len().min(32)];
    let der = bytes.first() == Some(&0x30) && start.windows(SIGNED_DATA.len()).any(|w| w == SIGNED_DATA);
    der || bytes.starts_with(b"-----BEGIN PKCS7-----") || bytes.starts_with(b"-----BEGIN CMS-----")
}

/// Why a signed contract was refused after its signature was checked (`pec-signature`).
/// Each refusal changes nothing; its text tells the operator what to fix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Error)]
pub enum SignatureRefusal {
    #[error("Il file non contiene una firma digitale: caricare il contratto firmato digitalmente (CAdES .p7m o PDF firmato PAdES)")]
    NotSigned,
    #[error("Firma non valida: il documento è stato modificato dopo la firma oppure la firma è danneggiata")]
    Invalid,
    #[error("Certificato scaduto o non attendibile: il certificato del firmatario non era valido alla data della firma")]
    Expired,
    #[error("Certificato scaduto o non attendibile: il certificato del firmatario non è emesso da un'autorità di certificazione riconosciuta")]
    Untrusted,
    #[error("Firma non verificabile: algoritmo di firma non supportato")]
    Unsupported,
    #[error("Firmatario diverso dal legale rappresentante: il contratto va firmato dal legale rappresentante indicato nella richiesta")]
    WrongSigner,
    #[error("Documento diverso dal contratto dell'ordine: firmare il contratto scaricato con \"Download Contratto\" per questo ordine")]
    OtherDocument,
}

impl SignatureRefusal {
    pub const ALL: [Self; 7] = [
        Self::NotSigned,
        Self::Invalid,
        Self::Expired,
        Self::Untrusted,
        Self::Unsupported,
        Self::WrongSigner,
        Self::OtherDocument,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::NotSigned => "non_firmato",
            Self::Invalid => "firma",
            Self::Expired => "certificato_scaduto",
            Self::Untrusted => "certificato_non_attendibile",
            Self::Unsupported => "algoritmo",
            Self::WrongSigner => "firmatario",
            Self::OtherDocument => "documento",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.code() == code)
    }

    /// What a test installation may accept with a warning (`PEC_ACCEPT_UNVERIFIED_SIGNATURES`):
    /// a signature this platform cannot vouch for, never one it found wrong.
    pub fn unverifiable(self) -> bool {
        matches!(self, Self::NotSigned | Self::Untrusted | Self::Unsupported)
    }
}

/// Who signed a contract and when, as the verified signature says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractSigner {
    /// The certificate's common name (or given name and surname).
    pub name: String,
    /// The codice fiscale of the certificate's `serialNumber` (`TINIT-<CF>`).
    pub tax_code: String,
    /// Seconds since 1970 (UTC), from the signature's signing time.
    pub signed_at: i64,
}

impl ContractFileError {
    /// The error a `?errore=` code stands for (the order page after an upload).
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Missing, Self::TooLarge, Self::NotAContract].into_iter().find(|e| e.code() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_judged_by_content() {
        assert_eq!(contract_kind(b"%PDF-1.7\n..."), Ok("PDF"));
        assert_eq!(contract_kind(b"\xEF\xBB\xBF%PDF-1.4"), Ok("PDF"));
        let mut p7m =
            vec![0x30, 0x80, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02, 0xA0];
        p7m.extend([0u8; 40]);
        assert_eq!(contract_kind(&p7m), Ok("P7M"));
        assert_eq!(contract_kind(b"-----BEGIN PKCS7-----\nMIAG"), Ok("P7M"));
        assert_eq!(contract_kind(b""), Err(ContractFileError::Missing));
        assert_eq!(contract_kind(b"\x89PNG\r\n\x1a\n"), Err(ContractFileError::NotAContract));
        assert_eq!(contract_kind(b"Nome casella;Descrizione"), Err(ContractFileError::NotAContract));
        assert_eq!(contract_kind(&vec![b'%'; MAX_CONTRACT_BYTES + 1]), Err(ContractFileError::TooLarge));
    }
}
