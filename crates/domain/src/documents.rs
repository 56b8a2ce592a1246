//! An order's documents ("caricare eventuale documentazione"): the legal representative's
//! identity document, a chamber-of-commerce extract, a delegation or another paper, uploaded
//! on the order. A file is judged by its content, never by its name or the browser's type.

use crate::dates::Timestamp;
use serde::{Deserialize, Serialize};

/// Largest document accepted.
pub const DOCUMENT_MAX_BYTES: usize = 10 * 1024 * 1024;
/// Most documents one order holds.
pub const DOCUMENTS_PER_ORDER_MAX: i64 = 20;
/// Longest file name kept (in characters).
pub const FILE_NAME_MAX: usize = 120;

/// What a document is, as its uploader says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum DocumentType {
    /// "Documento d'identità del legale rappresentante".
    Identity,
    /// "Visura camerale".
    ChamberExtract,
    /// "Delega".
    Delegation,
    /// "Altro".
    Other,
}

impl DocumentType {
    pub const ALL: [Self; 4] = [Self::Identity, Self::ChamberExtract, Self::Delegation, Self::Other];

    /// The code stored, posted by the form and taken by the API (`?type=`).
    pub fn code(self) -> &'static str {
        match self {
            Self::Identity => "IDENTITA",
            Self::ChamberExtract => "VISURA",
            Self::Delegation => "DELEGA",
            Self::Other => "ALTRO",
        }
    }

    /// A code, in any case (`identita`, `VISURA`).
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.code().eq_ignore_ascii_case(code.trim()))
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Identity => "Documento d'identità del legale rappresentante",
            Self::ChamberExtract => "Visura camerale",
            Self::Delegation => "Delega",
            Self::Other => "Altro",
        }
    }
}

/// The kind of file a document is, read from its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DocumentFormat {
    Pdf,
    Jpeg,
    Png,
    /// A CAdES envelope (`.p7m`), DER or PEM.
    P7m,
}

impl DocumentFormat {
    pub const ALL: [Self; 4] = [Self::Pdf, Self::Jpeg, Self::Png, Self::P7m];

    pub fn code(self) -> &'static str {
        match self {
            Self::Pdf => "PDF",
            Self::Jpeg => "JPEG",
            Self::Png => "PNG",
            Self::P7m => "P7M",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.code() == code)
    }

    /// The media type it is served with (always as an attachment).
    pub fn mime(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::P7m => "application/pkcs7-mime",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::P7m => "p7m",
        }
    }
}

/// Why a document was not taken, or not removed. Each changes nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DocumentRefusal {
    /// No file, or an empty one.
    Empty,
    TooLarge,
    /// Neither PDF, JPEG, PNG nor a signed `.p7m`, judged by the content.
    Format,
    /// The order holds `DOCUMENTS_PER_ORDER_MAX` already.
    TooMany,
    /// No type chosen (or one the platform does not know).
    Type,
    /// The order is no longer PRENOTATO: its documents are read-only.
    NotBooked,
}

impl DocumentRefusal {
    pub const ALL: [Self; 6] =
        [Self::Empty, Self::TooLarge, Self::Format, Self::TooMany, Self::Type, Self::NotBooked];

    /// Its code in the page's address and the API's problem.
    pub fn code(self) -> &'static str {
        match self {
            Self::Empty => "vuoto",
            Self::TooLarge => "troppo_grande",
            Self::Format => "formato",
            Self::TooMany => "troppi",
            Self::Type => "tipo",
            Self::NotBooked => "non_prenotato",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The reason, in Italian.
    pub fn reason(self) -> String {
        match self {
            Self::Empty => "il file è vuoto o non è stato scelto".into(),
            Self::TooLarge => format!("supera i {} MB consentiti", DOCUMENT_MAX_BYTES / (1024 * 1024)),
            Self::Format => {
                "non è un PDF, un'immagine JPEG o PNG né un documento firmato .p7m (il contenuto, non il nome, decide)".into()
            }
            Self::TooMany => format!("l'ordine ha già {DOCUMENTS_PER_ORDER_MAX} documenti, il massimo"),
            Self::Type => "scegliere il tipo di documento".into(),
            Self::NotBooked => {
                "l'ordine non è più prenotato: i suoi documenti non si possono più modificare".into()
            }
        }
    }

    /// The whole message, naming the file when there is one.
    pub fn message(self, file_name: &str) -> String {
        if file_name.is_empty() {
            format!("Documento non caricato: {}.", self.reason())
        } else {
            format!("Documento «{file_name}» non caricato: {}.", self.reason())
        }
    }
}

/// The format of a document by its content: PDF, JPEG, PNG or a CAdES envelope.
pub fn document_format(bytes: &[u8]) -> Result<DocumentFormat, DocumentRefusal> {
    if bytes.is_empty() {
        return Err(DocumentRefusal::Empty);
    }
    if bytes.len() > DOCUMENT_MAX_BYTES {
        return Err(DocumentRefusal::TooLarge);
    }
    // At the very start: a file that only holds `%PDF-` further on (an HTML page) is not one.
    if bytes.starts_with(b"%PDF-") {
        return Ok(DocumentFormat::Pdf);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(DocumentFormat::Jpeg);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(DocumentFormat::Png);
    }
    if crate::contract::is_cades(bytes) {
        return Ok(DocumentFormat::P7m);
    }
    Err(DocumentRefusal::Format)
}

/// The name a document is listed under: the last part of what the browser sent (never a
/// path), without control characters, at most `FILE_NAME_MAX` characters; "documento" for
/// none.
pub fn document_file_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = last.chars().filter(|c| !c.is_control()).take(FILE_NAME_MAX).collect();
    let clean = clean.trim();
    if clean.is_empty() || clean.chars().all(|c| c == '.') {
        "documento".into()
    } else {
        clean.to_string()
    }
}

/// One document of an order, as its page and the API list it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentRow {
    pub id: i64,
    pub doc_type: DocumentType,
    pub file_name: String,
    pub format: DocumentFormat,
    pub bytes: i64,
    /// SHA-256 of the content, lower-case hex.
    pub sha256: String,
    /// The display name of the operator who uploaded it.
    pub uploaded_by: String,
    pub uploaded_at: Timestamp,
}

/// The documents of an order, and whether they may still change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDocuments {
    pub documents: Vec<DocumentRow>,
    /// The order is PRENOTATO: documents may be added and removed.
    pub editable: bool,
    /// The types the settings require that no document has yet.
    pub missing: Vec<DocumentType>,
}

/// Why a signed contract did not fulfil its order: the required documents it lacks.
pub fn missing_message(missing: &[DocumentType]) -> String {
    let names: Vec<_> = missing.iter().map(|t| t.label()).collect();
    format!(
        "Mancano documenti richiesti per l'evasione: {}. Caricarli con «Carica documentazione»; l'ordine non è cambiato.",
        names.join(", ")
    )
}

/// The required types that `present` lacks, in their order.
pub fn missing_types(required: &[DocumentType], present: &[DocumentType]) -> Vec<DocumentType> {
    required.iter().copied().filter(|t| !present.contains(t)).collect()
}

/// "Documenti richiesti per l'evasione" as typed: type codes separated by commas or spaces;
/// empty is none.
pub fn required_types(text: &str) -> Result<Vec<DocumentType>, String> {
    let bad = || {
        let codes: Vec<_> = DocumentType::ALL.iter().map(|t| t.code().to_lowercase()).collect();
        format!("Tipi separati da virgole tra {} (vuoto: nessuno)", codes.join(", "))
    };
    if text.len() > 60 {
        return Err(bad());
    }
    let mut types = Vec::new();
    for part in text.split([',', ' ', ';']).filter(|p| !p.is_empty()) {
        types.push(DocumentType::from_code(part).ok_or_else(bad)?);
    }
    types.sort_unstable();
    types.dedup();
    Ok(types)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_judged_by_their_content() {
        assert_eq!(document_format(b"%PDF-1.7\n"), Ok(DocumentFormat::Pdf));
        assert_eq!(document_format(b"\xFF\xD8\xFF\xE0\x00\x10JFIF"), Ok(DocumentFormat::Jpeg));
        assert_eq!(document_format(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Ok(DocumentFormat::Png));
        let mut p7m = vec![0x30, 0x80, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02];
        p7m.extend([0u8; 40]);
        assert_eq!(document_format(&p7m), Ok(DocumentFormat::P7m));
        assert_eq!(document_format(b""), Err(DocumentRefusal::Empty));
        // A renamed executable, an HTML page that mentions %PDF-, an SVG with a script.
        assert_eq!(document_format(b"MZ\x90\0\x03\0\0\0"), Err(DocumentRefusal::Format));
        assert_eq!(document_format(b"\x7fELF\x02\x01\x01"), Err(DocumentRefusal::Format));
        assert_eq!(
            document_format(b"<html><!-- %PDF-1.4 --><script>x()</script>"),
            Err(DocumentRefusal::Format)
        );
        assert_eq!(
            document_format(b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"),
            Err(DocumentRefusal::Format)
        );
        let mut big = b"%PDF-".to_vec();
        big.resize(DOCUMENT_MAX_BYTES + 1, b' ');
        assert_eq!(document_format(&big), Err(DocumentRefusal::TooLarge));
    }

    #[test]
    fn file_names_are_tamed() {
        assert_eq!(document_file_name("C:\\Users\\m\\carta identità.pdf"), "carta identità.pdf");
        assert_eq!(document_file_name("../../etc/passwd"), "passwd");
        assert_eq!(document_file_name("a\u{0}b\r\n.pdf"), "ab.pdf");
        assert_eq!(document_file_name(".."), "documento");
        assert_eq!(document_file_name(""), "documento");
        assert_eq!(document_file_name(&"x".repeat(500)).chars().count(), FILE_NAME_MAX);
    }

    #[test]
    fn codes_round_trip_and_required_types_are_read() {
        for t in DocumentType::ALL {
            assert_eq!(DocumentType::from_code(t.code()), Some(t));
        }
        for r in DocumentRefusal::ALL {
            assert_eq!(DocumentRefusal::from_code(r.code()), Some(r));
        }
        assert_eq!(required_types(""), Ok(vec![]));
        assert_eq!(
            required_types("visura, identita VISURA"),
            Ok(vec![DocumentType::Identity, DocumentType::ChamberExtract])
        );
        assert!(required_types("passaporto").is_err());
        assert_eq!(
            missing_types(&[DocumentType::Identity, DocumentType::Delegation], &[DocumentType::Delegation]),
            vec![DocumentType::Identity]
        );
        assert!(DocumentRefusal::TooLarge.message("scan.pdf").contains("«scan.pdf»"));
    }
}
