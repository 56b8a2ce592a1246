//! CSV files of mailboxes, both ways: the one reader (used by the browser for an instant
//! preview, by the server authoritatively and by `pec-manager check-csv`) and the one writer
//! (template, error reports, later exports), which neutralises spreadsheet formulas.
//!
//! Files are read as Excel and friends really write them: UTF-8 with or without BOM, UTF-16
//! with BOM, otherwise Windows-1252; `;`, `,` or TAB chosen from the header; columns found by
//! name in any order. Parsing itself is the `csv` crate's (RFC 4180 quoting, any line ending).

use super::mailbox::{validate_mailboxes, MailboxField, MailboxInput, MailboxReport, Rules};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use thiserror::Error;

/// Largest file accepted.
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;
/// Most data rows accepted in one file.
pub const MAX_ROWS: usize = 20_000;
/// The template's example row, which the guide says need not be deleted: it is skipped.
pub const EXAMPLE: [&str; 7] = [
    "mario.rossi@legalmail.it",
    "PEC Mario Rossi",
    "mail-pwd@mail.com",
    "Mario",
    "Rossi",
    "RSSMRA70A01H501S",
    "mario.rossi",
];

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Error)]
pub enum CsvError {
    #[error("Scegliere un file CSV da caricare")]
    NoFile,
    #[error("Il file è vuoto")]
    Empty,
    #[error("Il file contiene solo l'intestazione: nessuna casella da importare")]
    HeaderOnly,
    #[error("Il file non è un CSV: il contenuto non è testo")]
    Binary,
    #[error("Manca la colonna obbligatoria «{0}»")]
    MissingColumn(String),
    #[error("File troppo grande: il massimo è {0} MB")]
    TooLarge(usize),
    #[error("Troppe righe: il massimo è {0} caselle per file")]
    TooManyRows(usize),
    #[error("Riga {line}: {message}")]
    Malformed { line: u64, message: String },
}

/// One data row of the file, with its row number as a spreadsheet shows it (1 = header).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsvRow {
    pub line: u64,
    pub mailbox: MailboxInput,
}

/// What a file holds, and what was left out of it and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsvImport {
    pub rows: Vec<CsvRow>,
    /// Line of the template's example row, skipped.
    pub example_line: Option<u64>,
    /// Headers of columns that are not ours, ignored.
    pub ignored_columns: Vec<String>,
    pub encoding: String,
    pub separator: char,
}

/// What the last upload did, shown once on step 2.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportNote {
    pub file_name: String,
    pub added: usize,
    pub example_line: Option<u64>,
    pub ignored_columns: Vec<String>,
    /// The file was refused: nothing was added.
    pub error: Option<CsvError>,
}

/// A file checked as it would join a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileCheck {
    /// Rows it would add.
    pub rows: usize,
    /// Of those, rows with errors (duplicates with `existing` included).
    pub errors: usize,
    pub example_line: Option<u64>,
}

/// Reads a file and validates its rows after the `existing` ones of a request, with the rules
/// of typed mailboxes: the browser's instant answer before it sends the file.
pub fn check(bytes: &[u8], existing: &[MailboxInput], rules: &Rules) -> Result<FileCheck, CsvError> {
    let import = read(bytes)?;
    let rows = import.rows.len();
    let mut all = existing.to_vec();
    all.extend(import.rows.into_iter().map(|r| r.mailbox));
    let errors = validate_mailboxes(&all, rules).iter().skip(existing.len()).filter(|r| !r.is_ok()).count();
    Ok(FileCheck { rows, errors, example_line: import.example_line })
}

/// A CSV file as rows of cells, read with the platform's rules: at most 5 MB and `MAX_ROWS`
/// rows, text only (UTF-8, UTF-16 or Windows-1252), `,` or `;`, blank rows skipped. Shared by
/// the mailbox import and `pec-manager import-offers`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    /// The first non-blank row, cells trimmed.
    pub header: Vec<String>,
    /// (row number as a spreadsheet shows it, cells trimmed).
    pub rows: Vec<(u64, Vec<String>)>,
    pub encoding: &'static str,
    pub separator: char,
}

pub fn read_table(bytes: &[u8]) -> Result<Table, CsvError> {
    read_table_within(bytes, Limits::default())
}

/// How much one file may hold: the platform's maxima, or the lower ones of the settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub max_bytes: usize,
    pub max_rows: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_bytes: MAX_FILE_BYTES, max_rows: MAX_ROWS }
    }
}

impl Limits {
    /// `mb` and `rows` as the settings hold them, never above the platform's maxima.
    pub fn of(mb: i64, rows: i64) -> Self {
        let mb = usize::try_from(mb).unwrap_or(1).clamp(1, MAX_FILE_BYTES / (1024 * 1024));
        Self { max_bytes: mb * 1024 * 1024, max_rows: usize::try_from(rows).unwrap_or(1).clamp(1, MAX_ROWS) }
    }
}

fn read_table_within(bytes: &[u8], limits: Limits) -> Result<Table, CsvError> {
    if bytes.len() > limits.max_bytes {
        return Err(CsvError::TooLarge(limits.max_bytes / (1024 * 1024)));
    }
    let (text, encoding) = decode(bytes);
    if text.chars().take(8192).any(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n')) {
        return Err(CsvError::Binary);
    }
    if text.trim().is_empty() {
        return Err(CsvError::Empty);
    }
    let separator = separator_of(&text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(separator as u8)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    // Rows as a spreadsheet numbers them: a quoted multi-line cell is still one row.
    let mut row_number: u64 = 0;
    let header = loop {
        row_number += 1;
        match records.next() {
            Some(Ok(r)) if r.iter().all(|c| clean(c).is_empty()) => continue,
            Some(Ok(r)) => break r,
            Some(Err(_)) => return Err(malformed(row_number)),
            None => return Err(CsvError::Empty),
        }
    };
    let header = header.iter().map(|c| clean(c).to_string()).collect();
    let mut rows = Vec::new();
    for record in records {
        row_number += 1;
        let record = record.map_err(|_| malformed(row_number))?;
        if record.iter().all(|c| clean(c).is_empty()) {
            continue;
        }
        // One more than a file may hold, so that the caller can tell it was too long.
        if rows.len() > limits.max_rows {
            return Err(CsvError::TooManyRows(limits.max_rows));
        }
        rows.push((row_number, record.iter().map(|c| clean(c).to_string()).collect()));
    }
    Ok(Table { header, rows, encoding, separator })
}

/// Reads a whole file of mailboxes, within the platform's maxima.
pub fn read(bytes: &[u8]) -> Result<CsvImport, CsvError> {
    read_within(bytes, Limits::default())
}

/// Reads a whole file of mailboxes within `limits` (the settings' on the server).
pub fn read_within(bytes: &[u8], limits: Limits) -> Result<CsvImport, CsvError> {
    let table = read_table_within(bytes, limits)?;
    let mut columns: Vec<Option<MailboxField>> = Vec::with_capacity(table.header.len());
    let mut ignored_columns = Vec::new();
    for name in &table.header {
        let field = field_of(name).filter(|f| !columns.contains(&Some(*f)));
        if field.is_none() && !name.is_empty() {
            ignored_columns.push(name.clone());
        }
        columns.push(field);
    }
    for required in MailboxField::ALL.into_iter().filter(|f| f.required()) {
        if !columns.contains(&Some(required)) {
            return Err(CsvError::MissingColumn(required.label().into()));
        }
    }
    let mut rows = Vec::new();
    let mut example_line = None;
    for (line, cells) in table.rows {
        let mut mailbox = MailboxInput::default();
        for (value, field) in cells.into_iter().zip(&columns) {
            if let Some(f) = field {
                mailbox.set(*f, value);
            }
        }
        if example_line.is_none() && mailbox.address.trim().eq_ignore_ascii_case(EXAMPLE[0]) {
            example_line = Some(line);
            continue;
        }
        if rows.len() == limits.max_rows {
            return Err(CsvError::TooManyRows(limits.max_rows));
        }
        rows.push(CsvRow { line, mailbox });
    }
    if rows.is_empty() && example_line.is_none() {
        return Err(CsvError::HeaderOnly);
    }
    Ok(CsvImport {
        rows,
        example_line,
        ignored_columns,
        encoding: table.encoding.into(),
        separator: table.separator,
    })
}

fn malformed(line: u64) -> CsvError {
    CsvError::Malformed { line, message: "riga non leggibile".into() }
}

/// Text of the file and the name of its encoding.
///
/// Decoding goes through encoding_rs's `mem` functions rather than its `Encoding` objects: the
/// latter dispatch over every encoding of the Web, whose tables then all land in the browser
/// bundle (measured: about 100 kB of its 440 kB brotli) for the three encodings read here.
fn decode(bytes: &[u8]) -> (Cow<'_, str>, &'static str) {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return (String::from_utf8_lossy(rest), "UTF-8");
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return (Cow::Owned(utf16(rest, u16::from_le_bytes)), "UTF-16LE");
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return (Cow::Owned(utf16(rest, u16::from_be_bytes)), "UTF-16BE");
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => (Cow::Borrowed(s), "UTF-8"),
        // What Excel writes as "CSV" on an Italian Windows.
        Err(_) => (Cow::Owned(windows_1252(bytes)), "Windows-1252"),
    }
}

/// UTF-16 to text; unpaired surrogates (and an odd last byte) become U+FFFD.
fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> String {
    let mut units: Vec<u16> = bytes.chunks_exact(2).map(|p| unit([p[0], p[1]])).collect();
    if bytes.len() % 2 == 1 {
        units.push(0xFFFD);
    }
    // encoding_rs needs room for 3 bytes per unit, and writes valid UTF-8.
    let mut buffer = vec![0u8; units.len() * 3];
    let written = encoding_rs::mem::convert_utf16_to_utf8(&units, &mut buffer);
    buffer.truncate(written);
    String::from_utf8(buffer).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Windows-1252 as the WHATWG Encoding Standard defines it (what encoding_rs implements):
/// Latin-1, except 0x80–0x9F. The unit test compares every byte with encoding_rs.
fn windows_1252(bytes: &[u8]) -> String {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž', '\u{8F}',
        '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}', 'ž', 'Ÿ',
    ];
    bytes
        .iter()
        .map(|&b| if (0x80..0xA0).contains(&b) { HIGH[usize::from(b - 0x80)] } else { char::from(b) })
        .collect()
}

/// The separator used in the header line: the most frequent of `;`, `,` and TAB.
fn separator_of(text: &str) -> char {
    let header = text.lines().find(|l| !l.trim().is_empty()).unwrap_or_default();
    let count = |c: char| header.chars().filter(|&x| x == c).count();
    [';', ',', '\t'].into_iter().max_by_key(|&c| (count(c), c == ';')).unwrap_or(';')
}

/// Values without surrounding white space (the no-break space Excel likes included).
fn clean(value: &str) -> &str {
    value.trim()
}

/// Header names compared without case, spaces, punctuation or accents.
fn header_key(name: &str) -> String {
    name.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'á' => 'a',
            'è' | 'é' => 'e',
            'ì' | 'í' => 'i',
            'ò' | 'ó' => 'o',
            'ù' | 'ú' => 'u',
            c => c,
        })
        .filter(|c| c.is_ascii_alphanumeric())
        .collect()
}

fn field_of(header: &str) -> Option<MailboxField> {
    let key = header_key(header);
    let alias = match key.as_str() {
        "emailgestionepassword" | "mailgestionepassword" | "emailpassword" => {
            Some(MailboxField::PasswordEmail)
        }
        "cf" | "codicefiscaletitolare" => Some(MailboxField::TaxCode),
        "casella" | "indirizzo" | "indirizzopec" => Some(MailboxField::Address),
        _ => None,
    };
    alias.or_else(|| MailboxField::ALL.into_iter().find(|f| header_key(f.label()) == key))
}

/// A value as it may be written into a spreadsheet cell: text that a spreadsheet would run as
/// a formula gets an apostrophe (OWASP "CSV injection"), at the start and after any character
/// that some spreadsheet may take for a separator or a line break (`x,=cmd` opened with `,`).
pub fn safe_cell(value: &str) -> Cow<'_, str> {
    const FORMULA: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];
    const BREAKS: [char; 5] = [',', ';', '\t', '\r', '\n'];
    let risky = |i: usize, c: char| {
        FORMULA.contains(&c)
            && (i == 0 || value[..i].chars().next_back().is_some_and(|p| BREAKS.contains(&p)))
    };
    if !value.char_indices().any(|(i, c)| risky(i, c)) {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len() + 4);
    for (i, c) in value.char_indices() {
        if risky(i, c) {
            out.push('\'');
        }
        out.push(c);
    }
    Cow::Owned(out)
}

/// A CSV file as Excel in an Italian locale opens it: UTF-8 with BOM, `;`, CRLF; every cell
/// passed through [`safe_cell`], and quoted when it holds a character that any reader may take
/// for a separator, a quote or a line break (`;` `,` tab `"` CR LF), so that no reader splits it
/// differently whatever separator it assumes.
pub fn write<I, R, S>(header: &[&str], rows: I) -> Vec<u8>
where
    I: IntoIterator<Item = R>,
    R: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    fn line(out: &mut String, cells: impl IntoIterator<Item = String>) {
        for (i, cell) in cells.into_iter().enumerate() {
            if i > 0 {
                out.push(';');
            }
            if cell.contains([';', ',', '\t', '"', '\r', '\n']) {
                out.push('"');
                out.push_str(&cell.replace('"', "\"\""));
                out.push('"');
            } else {
                out.push_str(&cell);
            }
        }
        out.push_str("\r\n");
    }
    let mut out = String::from("\u{feff}");
    line(&mut out, header.iter().map(|h| h.to_string()));
    for row in rows {
        line(&mut out, row.into_iter().map(|c| safe_cell(c.as_ref()).into_owned()));
    }
    out.into_bytes()
}

fn column_labels() -> Vec<&'static str> {
    MailboxField::ALL.iter().map(|f| f.label()).collect()
}

/// "Scarica un esempio": the seven columns and the example row.
pub fn template() -> Vec<u8> {
    write(&column_labels(), [EXAMPLE])
}

/// The rows of a file with their errors, to fix them in a spreadsheet.
pub fn error_report(rows: &[CsvRow], reports: &[MailboxReport]) -> Vec<u8> {
    let mut header = column_labels();
    header.push("Errori");
    let lines = rows.iter().zip(reports).filter(|(_, r)| !r.is_ok()).map(|(row, report)| {
        let mut cells: Vec<String> =
            MailboxField::ALL.iter().map(|f| row.mailbox.get(*f).to_string()).collect();
        let errors: Vec<String> = report.errors.iter().map(|(f, e)| format!("{}: {e}", f.label())).collect();
        cells.push(errors.join("; "));
        cells
    });
    write(&header, lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mailbox::validate_mailboxes;
    use crate::Rules;

    fn rules() -> Rules {
        Rules {
            current_year: 2026,
            domains: vec!["legalmail.it".into(), "testcert.legalmail.it".into()],
            ..Rules::default()
        }
    }

    #[test]
    fn the_template_is_excel_italian() {
        let t = template();
        assert!(t.starts_with(b"\xEF\xBB\xBF"));
        let text = String::from_utf8(t[3..].to_vec()).unwrap();
        assert_eq!(
            text,
            "Nome casella;Descrizione;Email gestione password;Nome;Cognome;Codice fiscale;Nickname\r\n\
             mario.rossi@legalmail.it;PEC Mario Rossi;mail-pwd@mail.com;Mario;Rossi;RSSMRA70A01H501S;mario.rossi\r\n"
        );
        // Read back: only the example row, which is skipped and reported.
        let import = read(&template()).unwrap();
        assert!(import.rows.is_empty());
        assert_eq!(import.example_line, Some(2));
    }

    #[test]
    fn decoders_agree_with_encoding_rs() {
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(windows_1252(&all), encoding_rs::WINDOWS_1252.decode_without_bom_handling(&all).0);
        let text = "Nicolò € 😀 \u{FEFF}x";
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(utf16(&le, u16::from_le_bytes), text);
        assert_eq!(utf16(&be, u16::from_be_bytes), text);
        // A lone surrogate and an odd last byte, as encoding_rs reads them.
        let bad = [0x00, 0xD8, 0x41, 0x00, 0x42];
        let mut with_bom = vec![0xFF, 0xFE];
        with_bom.extend_from_slice(&bad);
        assert_eq!(
            utf16(&bad, u16::from_le_bytes),
            encoding_rs::UTF_16LE.decode_with_bom_removal(&with_bom).0
        );
    }

    #[test]
    fn excel_italian_windows_1252() {
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(
            "Nome casella;Descrizione;Email gestione password;Nome;Cognome;Codice fiscale;Nickname\r\n\
             nicolo@legalmail.it;Caffè € più;pwd@mail.com;Nicolò;Bernabò;;nicolo\r\n",
        );
        let import = read(&bytes).unwrap();
        assert_eq!(import.encoding, "Windows-1252");
        assert_eq!(import.separator, ';');
        let m = &import.rows[0].mailbox;
        assert_eq!(m.description, "Caffè € più");
        assert_eq!(m.first_name, "Nicolò");
        assert_eq!(import.rows[0].line, 2);
    }

    #[test]
    fn utf8_bom_utf16_comma_lf_and_reordered_lower_case_headers() {
        let text = "nickname,EMAIL GESTIONE PASSWORD , nome casella,Colore preferito\nnick1,pwd@x.it,uno@legalmail.it,blu\n";
        for bytes in [
            text.as_bytes().to_vec(),
            [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
            [b"\xFF\xFE".to_vec(), text.encode_utf16().flat_map(u16::to_le_bytes).collect()].concat(),
            [b"\xFE\xFF".to_vec(), text.encode_utf16().flat_map(u16::to_be_bytes).collect()].concat(),
        ] {
            let import = read(&bytes).unwrap();
            assert_eq!(import.separator, ',');
            assert_eq!(import.ignored_columns, vec!["Colore preferito"]);
            let m = &import.rows[0].mailbox;
            assert_eq!(
                (m.address.as_str(), m.password_email.as_str(), m.nickname.as_str()),
                ("uno@legalmail.it", "pwd@x.it", "nick1")
            );
        }
    }

    #[test]
    fn tabs_quotes_multiline_blank_rows_cr_and_nbsp() {
        let text = "Nome casella\tEmail gestione password\tDescrizione\r\r\
                    \"a@legalmail.it\"\t\u{a0}pwd@x.it\u{a0}\t\"riga uno\r\nriga \"\"due\"\"\"\r\
                    \t\t\r\
                    b@legalmail.it\tpwd@x.it\t\r";
        let import = read(text.as_bytes()).unwrap();
        assert_eq!(import.separator, '\t');
        assert_eq!(import.rows.len(), 2);
        assert_eq!(import.rows[0].mailbox.password_email, "pwd@x.it");
        assert_eq!(import.rows[0].mailbox.description, "riga uno\r\nriga \"due\"");
        assert_eq!(import.rows[1].mailbox.address, "b@legalmail.it");
    }

    /// The guide's own file: the example row and nine rows whose codici fiscali have a zero
    /// instead of the letter O.
    #[test]
    fn the_seed_file() {
        let mut text = String::from(
            "Nome casella;Descrizione;Email gestione password;Nome;Cognome;Codice fiscale;Nickname\n",
        );
        text.push_str("mario.rossi@legalmail.it;PEC Mario Rossi;mail_pwd@mail.com;Mario;Rossi;RSSMRA70A01H5015;mario.rossi\n");
        for i in 1..=9 {
            text.push_str(&format!(
                "Nuova_da_csv_{i}@testcert.legalmail.it;Nova casella da CSV;mail_gestione_password@infocert.it;Nome;Cognome;CGNNM080A01H501M;nuovodacsv{i}\n"
            ));
        }
        let import = read(text.as_bytes()).unwrap();
        assert_eq!(import.example_line, Some(2));
        assert_eq!(import.rows.len(), 9);
        let inputs: Vec<MailboxInput> = import.rows.iter().map(|r| r.mailbox.clone()).collect();
        let reports = validate_mailboxes(&inputs, &rules());
        for r in &reports {
            assert!(r.error(MailboxField::TaxCode).is_some(), "CGNNM080A01H501M accepted");
            assert!(r.error(MailboxField::Address).is_none());
        }
        let report = String::from_utf8(error_report(&import.rows, &reports)[3..].to_vec()).unwrap();
        assert_eq!(report.lines().count(), 10);
        assert!(report.lines().next().unwrap().ends_with(";Errori"));
        assert!(report.contains("Codice fiscale: Codice fiscale non valido"));
    }

    #[test]
    fn bad_files_get_one_clear_message() {
        assert_eq!(read(b""), Err(CsvError::Empty));
        assert_eq!(read(b" \r\n \r\n"), Err(CsvError::Empty));
        assert_eq!(read(b"Nome casella;Email gestione password\r\n"), Err(CsvError::HeaderOnly));
        assert_eq!(read(b"Nome casella;Email gestione password\r\n;\r\n"), Err(CsvError::HeaderOnly));
        assert_eq!(read(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), Err(CsvError::Binary));
        assert_eq!(read(b"%PDF-1.7\n\x00\x01\x02"), Err(CsvError::Binary));
        assert_eq!(
            read(b"Nome casella;Descrizione\r\na@legalmail.it;x\r\n").unwrap_err().to_string(),
            "Manca la colonna obbligatoria «Email gestione password»"
        );
        assert_eq!(read(&vec![b'a'; MAX_FILE_BYTES + 1]), Err(CsvError::TooLarge(5)));
        // The settings may lower the limits, never raise them.
        let small = Limits::of(1, 2);
        assert_eq!(read_within(&vec![b'a'; 1024 * 1024 + 1], small), Err(CsvError::TooLarge(1)));
        let three = "Email gestione password,Nome casella\na@b.it,a@legalmail.it\nb@b.it,b@legalmail.it\nc@b.it,c@legalmail.it\n";
        assert_eq!(read_within(three.as_bytes(), small), Err(CsvError::TooManyRows(2)));
        assert_eq!(Limits::of(50, 1_000_000), Limits::default());
        let mut many = String::from("Nome casella;Email gestione password\n");
        for i in 0..=MAX_ROWS {
            many.push_str(&format!("c{i}@legalmail.it;p@x.it\n"));
        }
        assert_eq!(read(many.as_bytes()), Err(CsvError::TooManyRows(MAX_ROWS)));
        // An unclosed quote runs to the end of the file (as spreadsheets read it): one value.
        let import = read(b"Nome casella;Email gestione password\n\"a;b\nc;d\n").unwrap();
        assert_eq!(import.rows.len(), 1);
        assert_eq!(import.rows[0].mailbox.address, "a;b\nc;d");
    }

    #[test]
    fn formulas_are_neutralised() {
        for (v, safe) in [
            ("=1+1", "'=1+1"),
            ("+39", "'+39"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("ok", "ok"),
            ("a-b", "a-b"),
            ("x,=cmd|' /C calc'!A0", "x,'=cmd|' /C calc'!A0"),
            ("x;+1", "x;'+1"),
            ("riga\n@SUM(A1)", "riga\n'@SUM(A1)"),
            ("è,-1", "è,'-1"),
        ] {
            assert_eq!(safe_cell(v), safe);
        }
        let out =
            String::from_utf8(write(&["a", "b", "c"], [["=HYPERLINK(\"x\")", "x,=1", "ok"]])[3..].to_vec())
                .unwrap();
        assert_eq!(out, "a;b;c\r\n\"'=HYPERLINK(\"\"x\"\")\";\"x,'=1\";ok\r\n");
    }
}
