//! Every redirect the server answers with, built from a path that may carry input: only local
//! paths are followed (no open redirect), and nothing a client sends can make the header
//! invalid (which would panic inside `leptos_axum::redirect`).

/// Is `path` a path of this site that every browser reads as such? A single `/` followed by
/// anything but `/` or `\`; no `\` or control character anywhere, also once percent-decoded
/// (`/%09/x`, `/%2F/x`); nothing but visible ASCII as sent.
pub fn is_local_path(path: &str) -> bool {
    fn shape_ok(p: &str) -> bool {
        let mut chars = p.chars();
        chars.next() == Some('/')
            && !matches!(chars.next(), Some('/' | '\\'))
            && !p.chars().any(|c| c == '\\' || c.is_control())
    }
    // Raw: visible ASCII only (no whitespace at all); decoded: an encoded space is text, an
    // encoded control character or leading slash is not.
    path.len() <= MAX_PATH
        && path.bytes().all(|b| b.is_ascii_graphic())
        && shape_ok(path)
        && shape_ok(&percent_decode(path))
}

/// Longer paths are refused: no page of ours needs one, and headers have limits.
const MAX_PATH: usize = 2048;

/// `%XX` sequences decoded as Latin-1 characters (enough to see a control character or a
/// slash in disguise); other text kept.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(char::from((h * 16 + l) as u8));
                i += 3;
                continue;
            }
        }
        out.push(bytes[i] as char);
        i += 1;
    }
    out
}

/// `path` if it is local, otherwise the home page.
pub fn local_or_home(path: &str) -> &str {
    if is_local_path(path) {
        path
    } else {
        "/"
    }
}

/// Answers the current server function with a redirect to `path` (302 for forms without
/// JavaScript, the client's redirect header otherwise); to the home page if `path` is not a
/// safe local path.
pub fn redirect(path: &str) {
    if !is_local_path(path) {
        tracing::warn!("refused a redirect to a non-local or malformed path");
    }
    leptos_axum::redirect(local_or_home(path));
}

/// A redirect answer for plain routes (files, uploads), with the same rule as [`redirect`].
pub fn see_other(path: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    axum::response::Redirect::to(local_or_home(path)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths() {
        for ok in
            ["/", "/ordini/1", "/recenti?pagina=2", "/ricerca?q=mario%20rossi", "/caselle/VIT00001#storia"]
        {
            assert!(is_local_path(ok), "{ok}");
        }
        for bad in [
            "",
            "//x",
            "/\\x",
            "\\/x",
            "/\t/x",
            "/%09/x",
            "/%2F/x",
            "/%5C/x",
            "https://x",
            "/%0d%0aSet-Cookie:x",
            "/\r\nSet-Cookie:x",
            "javascript:alert(1)",
            "x/y",
            "/a b",
            "/è",
            "/\u{7f}",
        ] {
            assert!(!is_local_path(bad), "{bad:?}");
            assert_eq!(local_or_home(bad), "/");
        }
        assert!(!is_local_path(&format!("/{}", "a".repeat(MAX_PATH))));
        assert_eq!(percent_decode("%41%zz%4"), "A%zz%4");
    }
}
