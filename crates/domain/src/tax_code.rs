//! Italian codice fiscale: the 16-character personal code (with omocodia) and the
//! 11-digit numeric code of organisations. Pure functions, shared by server and browser.

use serde::{Deserialize, Serialize};
use thiserror::Error;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Error)]
pub enum TaxCodeError {
    #[error("Codice fiscale non valido: deve avere 16 caratteri (persona) o 11 cifre")]
    Length,
    #[error("Codice fiscale non valido: carattere non ammesso in posizione {0}")]
    Structure(u8),
    #[error("Codice fiscale non valido: mese di nascita errato")]
    Month,
    #[error("Codice fiscale non valido: giorno di nascita errato")]
    Day,
    #[error("Codice fiscale non valido: carattere di controllo errato")]
    CheckChar,
    #[error("Codice fiscale numerico non valido: cifra di controllo errata")]
    CheckDigit,
}

/// Which of the two official forms a valid code has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaxCodeKind {
    Personal,
    Numeric,
}

/// Upper-cases and removes white space; numeric codes that lost leading zeros
/// (Excel does that) are padded back to 11 digits.
pub fn normalize(raw: &str) -> String {
    let s: String = raw.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_uppercase).collect();
    if !s.is_empty() && s.len() < 11 && s.bytes().all(|b| b.is_ascii_digit()) {
        format!("{s:0>11}")
    } else {
        s
    }
}

/// Validates an already normalised code.
pub fn validate(code: &str) -> Result<TaxCodeKind, TaxCodeError> {
    let bytes = code.as_bytes();
    if bytes.len() == 11 && bytes.iter().all(u8::is_ascii_digit) {
        return if numeric_check_digit(&bytes[..10]) == bytes[10] - b'0' {
            Ok(TaxCodeKind::Numeric)
        } else {
            Err(TaxCodeError::CheckDigit)
        };
    }
    if !code.is_ascii() || bytes.len() != 16 {
        return Err(TaxCodeError::Length);
    }
    validate_personal(bytes).map(|()| TaxCodeKind::Personal)
}

/// Positions (0-based) that hold digits, each of which may be replaced by an omocodia letter.
const DIGIT_POSITIONS: [usize; 7] = [6, 7, 9, 10, 12, 13, 14];
const OMOCODIA: &[u8; 10] = b"LMNPQRSTUV";
const MONTHS: &[u8; 12] = b"ABCDEHLMPRST";

fn validate_personal(b: &[u8]) -> Result<(), TaxCodeError> {
    for (i, &c) in b.iter().enumerate() {
        let ok = if DIGIT_POSITIONS.contains(&i) {
            c.is_ascii_digit() || OMOCODIA.contains(&c)
        } else {
            c.is_ascii_uppercase()
        };
        if !ok {
            return Err(TaxCodeError::Structure(i as u8 + 1));
        }
    }
    if !MONTHS.contains(&b[8]) {
        return Err(TaxCodeError::Month);
    }
    let day = decode_digit(b[9]) * 10 + decode_digit(b[10]);
    if !((1..=31).contains(&day) || (41..=71).contains(&day)) {
        return Err(TaxCodeError::Day);
    }
    if check_char(&b[..15]) != b[15] {
        return Err(TaxCodeError::CheckChar);
    }
    Ok(())
}

fn decode_digit(c: u8) -> u32 {
    if c.is_ascii_digit() {
        u32::from(c - b'0')
    } else {
        OMOCODIA.iter().position(|&o| o == c).unwrap_or(0) as u32
    }
}

/// Check character of the first 15 characters (upper-case ASCII letters and digits).
pub fn check_char(first15: &[u8]) -> u8 {
    const ODD: [u32; 26] =
        [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];
    let sum: u32 = first15
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let v = if c.is_ascii_digit() { c - b'0' } else { c.wrapping_sub(b'A') % 26 } as usize;
            // Positions are numbered from 1, so index 0 is an odd position.
            if i % 2 == 0 {
                ODD[v]
            } else {
                v as u32
            }
        })
        .sum();
    b'A' + (sum % 26) as u8
}

/// Check digit of the first 10 digits of a numeric code.
pub fn numeric_check_digit(first10: &[u8]) -> u8 {
    let sum: u32 = first10
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let d = u32::from(c - b'0');
            if i % 2 == 0 {
                d
            } else {
                let dd = 2 * d;
                if dd > 9 {
                    dd - 9
                } else {
                    dd
                }
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// The six letters a surname and a first name give in a personal code.
pub fn name_letters(first_name: &str, last_name: &str) -> String {
    let mut out = code_part(last_name, false);
    out.push_str(&code_part(first_name, true));
    out
}

fn code_part(name: &str, is_first_name: bool) -> String {
    let letters: Vec<char> = name.chars().filter_map(fold_letter).collect();
    let (consonants, vowels): (Vec<char>, Vec<char>) = letters.iter().partition(|c| !"AEIOU".contains(**c));
    if is_first_name && consonants.len() >= 4 {
        return [consonants[0], consonants[2], consonants[3]].iter().collect();
    }
    consonants.into_iter().chain(vowels).chain(std::iter::repeat('X')).take(3).collect()
}

/// Upper-case ASCII letter for a letter (accents dropped); `None` for anything else.
fn fold_letter(c: char) -> Option<char> {
    let base = match c.to_ascii_uppercase() {
        c @ 'A'..='Z' => c,
        'à' | 'á' | 'â' | 'ä' | 'À' | 'Á' | 'Â' | 'Ä' => 'A',
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => 'E',
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => 'I',
        'ò' | 'ó' | 'ô' | 'ö' | 'Ò' | 'Ó' | 'Ô' | 'Ö' => 'O',
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => 'U',
        'ç' | 'Ç' => 'C',
        'ñ' | 'Ñ' => 'N',
        _ => return None,
    };
    Some(base)
}

/// True when a valid personal code does not start with the letters of the given names.
/// Only a hint: double names, transliterations and old codes make false mismatches.
pub fn names_mismatch(code: &str, first_name: &str, last_name: &str) -> bool {
    if code.len() != 16 || first_name.trim().is_empty() || last_name.trim().is_empty() {
        return false;
    }
    // `get`: the caller validated the code, but text that is not ASCII must not panic here.
    code.get(..6).is_some_and(|letters| name_letters(first_name, last_name) != letters)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the fuzzer (fuzz/fuzz_targets/validators.rs): 16 bytes whose sixth is inside
    /// a multi-byte character.
    #[test]
    fn names_mismatch_takes_any_text() {
        assert!(!names_mismatch("RS\u{FFFD}\u{FFFD}\u{FFFD}Mario", "Mario", "Rossi"));
        assert!(!names_mismatch("RS\u{FFFD}Mario12345", "Mario", "Rossi"));
        assert!(names_mismatch("RSSMRA70A01H501S", "Anna", "Bianchi"));
        assert!(!names_mismatch("RSSMRA70A01H501S", "Mario", "Rossi"));
    }

    fn check(s: &str) -> Result<TaxCodeKind, TaxCodeError> {
        validate(&normalize(s))
    }

    #[test]
    fn known_valid_codes() {
        for c in ["RSSMRA70A01H501S", "CGNNMO80A01H501M", "RCLMRA74D15F205V"] {
            assert_eq!(check(c), Ok(TaxCodeKind::Personal), "{c}");
        }
    }

    #[test]
    fn seed_csv_codes_are_invalid() {
        // Zero instead of the letter O in the name part.
        assert_eq!(check("CGNNM080A01H501M"), Err(TaxCodeError::Structure(6)));
        // Digit where the check letter belongs.
        assert_eq!(check("RSSMRA70A01H5015"), Err(TaxCodeError::Structure(16)));
    }

    #[test]
    fn wrong_check_char() {
        assert_eq!(check("RSSMRA70A01H501T"), Err(TaxCodeError::CheckChar));
    }

    #[test]
    fn normalises_case_and_spaces() {
        assert_eq!(normalize(" rssmra 70a01 h501s "), "RSSMRA70A01H501S");
        assert_eq!(check("rssmra70a01h501s"), Ok(TaxCodeKind::Personal));
    }

    #[test]
    fn month_and_day() {
        // Month letter F does not exist.
        let mut b = *b"RSSMRA70F01H501S";
        b[15] = check_char(&b[..15]);
        assert_eq!(validate(std::str::from_utf8(&b).unwrap()), Err(TaxCodeError::Month));
        // Day 32 does not exist; 41..71 are women.
        for (day, ok) in [("32", false), ("00", false), ("41", true), ("71", true), ("72", false)] {
            let mut s = format!("RSSMRA70A{day}H501");
            let c = check_char(s.as_bytes());
            s.push(c as char);
            assert_eq!(validate(&s).is_ok(), ok, "{s}");
        }
    }

    #[test]
    fn all_128_omocodic_forms_of_a_code_are_valid() {
        let base = b"RSSMRA70A01H501";
        for mask in 0u32..128 {
            let mut b = *base;
            for (bit, &pos) in DIGIT_POSITIONS.iter().enumerate() {
                if mask & (1 << bit) != 0 {
                    b[pos] = OMOCODIA[usize::from(b[pos] - b'0')];
                }
            }
            let mut s = String::from_utf8(b.to_vec()).unwrap();
            s.push(check_char(&b) as char);
            assert_eq!(validate(&s), Ok(TaxCodeKind::Personal), "{s}");
        }
    }

    #[test]
    fn omocodic_letter_outside_its_positions_is_refused() {
        // 'L' in the cadastral code position 13 is fine (omocodia), but in position 12 a letter
        // is required and a digit is refused.
        let mut s = String::from("RSSMRA70A01150");
        s.push('1');
        let c = check_char(s.as_bytes());
        s.push(c as char);
        assert_eq!(validate(&s), Err(TaxCodeError::Structure(12)));
    }

    #[test]
    fn numeric_codes() {
        assert_eq!(check("00488410010"), Ok(TaxCodeKind::Numeric));
        assert_eq!(check("00488410011"), Err(TaxCodeError::CheckDigit));
        // Excel dropped the leading zeros.
        assert_eq!(normalize("488410010"), "00488410010");
        assert_eq!(check("488410010"), Ok(TaxCodeKind::Numeric));
        assert_eq!(check("123"), Err(TaxCodeError::CheckDigit));
    }

    #[test]
    fn lengths() {
        assert_eq!(check("RSSMRA70A01H501"), Err(TaxCodeError::Length));
        assert_eq!(check("RSSMRA70A01H501SS"), Err(TaxCodeError::Length));
        assert_eq!(check("RSSMRÀ70A01H501"), Err(TaxCodeError::Length));
    }

    #[test]
    fn name_letters_follow_the_rules() {
        assert_eq!(name_letters("Mario", "Rossi"), "RSSMRA");
        assert_eq!(name_letters("Nome", "Cognome"), "CGNNMO");
        // Four consonants in the first name: first, third and fourth.
        assert_eq!(name_letters("Gianfranco", "Fo"), "FOXGFR");
        assert_eq!(name_letters("Nicolò", "D'Amico"), "DMCNCL");
        assert!(!names_mismatch("RSSMRA70A01H501S", "Mario", "Rossi"));
        assert!(names_mismatch("RSSMRA70A01H501S", "Luigi", "Rossi"));
        assert!(!names_mismatch("RSSMRA70A01H501S", "", "Rossi"));
    }
}
