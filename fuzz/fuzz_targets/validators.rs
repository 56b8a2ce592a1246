//! The field validators every form and file goes through: codice fiscale, mailbox address,
//! e-mail, names. Input: fields separated by newlines.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pec_domain::{fields, tax_code};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split('\n');
    let mut next = || parts.next().unwrap_or_default().to_string();
    let (code, first, last, address, email) = (next(), next(), next(), next(), next());
    let domains = vec!["legalmail.it".to_string(), "testcert.legalmail.it".to_string()];

    if tax_code::validate(&code).is_ok() {
        let normal = tax_code::normalize(&code);
        assert!(normal.len() == 16 || normal.len() == 11, "{normal:?}");
        assert!(tax_code::validate(&normal).is_ok(), "normal form refused: {normal:?}");
    }
    let _ = tax_code::names_mismatch(&code, &first, &last);
    let letters = tax_code::name_letters(&first, &last);
    assert!(letters.len() <= 6, "{letters:?}");
    if let Ok(checked) = fields::tax_code(&code, true) {
        assert_eq!(fields::tax_code(&checked, true).as_ref(), Ok(&checked));
    }
    if let Ok(a) = fields::mailbox_address(&address, &domains) {
        assert!(domains.iter().any(|d| a.ends_with(&format!("@{d}"))), "{a:?}");
        assert_eq!(fields::mailbox_address(&a, &domains).as_ref(), Ok(&a), "not stable");
    }
    if let Ok(e) = fields::email(&email, true) {
        assert_eq!(fields::email(&e, true).as_ref(), Ok(&e), "not stable");
    }
    for name in [&first, &last] {
        if let Ok(n) = fields::person_name(name) {
            assert_eq!(fields::person_name(&n).as_ref(), Ok(&n), "not stable");
        }
    }
    let _ = fields::nickname(&first);
    let _ = fields::free_text(&last, 100, false);
});
