//! The little of PDF that a PAdES signature needs: the last signature's `/ByteRange` and the
//! CMS envelope in its `/Contents`. Nothing else of the file is interpreted.

use pec_domain::contract::SignatureRefusal;

/// A signed PDF: the signed bytes (both ranges, joined) and the envelope.
pub struct SignedRanges {
    pub content: Vec<u8>,
    pub envelope: Vec<u8>,
    /// The length of the first range: the bytes before the signature's `/Contents`.
    pub first_range_len: u64,
}

/// A file that is no PDF, or a PDF without a signature, is refused as not signed.
pub fn signed_ranges(file: &[u8]) -> Result<SignedRanges, SignatureRefusal> {
    let head = &file[..file.len().min(1024)];
    if !head.windows(5).any(|w| w == b"%PDF-") {
        return Err(SignatureRefusal::NotSigned);
    }
    let at = rfind(file, b"/ByteRange").ok_or(SignatureRefusal::NotSigned)?;
    let rest = &file[at + b"/ByteRange".len()..];
    let open = rest.iter().position(|b| *b == b'[').filter(|p| *p < 16).ok_or(SignatureRefusal::Invalid)?;
    let close = rest
        .iter()
        .position(|b| *b == b']')
        .filter(|p| *p > open && *p < 128)
        .ok_or(SignatureRefusal::Invalid)?;
    let numbers: Vec<u64> = std::str::from_utf8(&rest[open + 1..close])
        .map_err(|_| SignatureRefusal::Invalid)?
        .split_ascii_whitespace()
        .map(|n| n.parse::<u64>())
        .collect::<Result<_, _>>()
        .map_err(|_| SignatureRefusal::Invalid)?;
    let [start, first_len, second, second_len] = numbers[..] else {
        return Err(SignatureRefusal::Invalid);
    };
    // The ranges must cover the whole file but the hex string of /Contents between them.
    let len = file.len() as u64;
    let end = second.checked_add(second_len).ok_or(SignatureRefusal::Invalid)?;
    if start != 0 || first_len + 2 > second || end != len {
        return Err(SignatureRefusal::Invalid);
    }
    let (a, b) = (first_len as usize, second as usize);
    if file[a] != b'<' || file[b - 1] != b'>' {
        return Err(SignatureRefusal::Invalid);
    }
    let envelope = hex(&file[a + 1..b - 1]).ok_or(SignatureRefusal::Invalid)?;
    let mut content = Vec::with_capacity(file.len() - (b - a));
    content.extend_from_slice(&file[..a]);
    content.extend_from_slice(&file[b..]);
    Ok(SignedRanges { content, envelope, first_range_len: first_len })
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

fn hex(text: &[u8]) -> Option<Vec<u8>> {
    let digits: Vec<u8> = text.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    digits
        .chunks(2)
        .map(|p| {
            let s = std::str::from_utf8(p).ok()?;
            u8::from_str_radix(s, 16).ok()
        })
        .collect()
}

/// The first DER value of `bytes` (tag, definite length, content), without what follows.
pub fn first_der_value(bytes: &[u8]) -> Option<&[u8]> {
    let first = *bytes.get(1)?;
    let (len, header) = if first < 0x80 {
        (first as usize, 2)
    } else {
        let n = (first & 0x7F) as usize;
        if n == 0 || n > 4 {
            return None;
        }
        let len = bytes.get(2..2 + n)?.iter().fold(0usize, |acc, b| (acc << 8) | *b as usize);
        (len, 2 + n)
    };
    bytes.get(..header.checked_add(len)?)
}
