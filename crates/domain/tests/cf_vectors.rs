//! Our codice fiscale check against python-stdnum's verdicts (tests/data/cf_vectors.tsv,
//! made by scripts/gen_cf_vectors.py), and properties of the validators on arbitrary input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed assumption is a failed test

use pec_domain::{fields, request, tax_code, MailboxInput, Rules};
use proptest::prelude::*;

#[test]
fn agrees_with_python_stdnum() {
    let data = include_str!("data/cf_vectors.tsv");
    let mut checked = 0;
    for line in data.lines().skip(1) {
        let (code, valid) = line.split_once('\t').expect("two columns");
        let ours = tax_code::validate(code).is_ok();
        assert_eq!(ours, valid == "1", "{code}: stdnum says {valid}");
        checked += 1;
    }
    assert!(checked >= 4000, "only {checked} vectors");
}

fn rules() -> Rules {
    Rules {
        current_year: 2026,
        domains: vec!["legalmail.it".into()],
        offers: vec!["CONSIP".into()],
        ..Rules::default()
    }
}

proptest! {
    #[test]
    fn validators_never_panic(s in "\\PC{0,80}", t in any::<String>()) {
        let d = rules().domains;
        let _ = fields::mailbox_address(&s, &d);
        let _ = fields::mailbox_address(&t, &d);
        let _ = fields::email(&s, true);
        let _ = fields::email(&t, false);
        let _ = fields::person_name(&t);
        let _ = fields::nickname(&t);
        let _ = fields::tax_code(&s, false);
        let _ = fields::tax_code(&t, true);
        let _ = fields::expiry_year(&t, 2026);
        let m = MailboxInput { address: s.clone(), password_email: t.clone(), tax_code: s.clone(),
            nickname: t.clone(), first_name: s.clone(), last_name: t.clone(), description: s };
        let _ = request::validate_mailboxes(&[m.clone(), m], &rules());
    }

    #[test]
    fn any_code_with_its_check_char_is_valid(
        surname in "[A-Z]{6}", year in 0u32..100, month in "[ABCDEHLMPRST]",
        day in prop::sample::select((1u32..=31).chain(41..=71).collect::<Vec<_>>()),
        town in "[A-Z][0-9]{3}",
    ) {
        let first15 = format!("{surname}{year:02}{month}{day:02}{town}");
        let code = format!("{first15}{}", tax_code::check_char(first15.as_bytes()) as char);
        prop_assert!(tax_code::validate(&code).is_ok(), "{}", code);
        // Any other check character is refused.
        let wrong = format!("{first15}{}", if code.ends_with('A') { 'B' } else { 'A' });
        prop_assert!(tax_code::validate(&wrong).is_err());
    }

    #[test]
    fn normalisation_is_idempotent(s in "\\PC{0,40}") {
        if let Ok(a) = fields::mailbox_address(&s, &rules().domains) {
            prop_assert_eq!(fields::mailbox_address(&a, &rules().domains), Ok(a.clone()));
        }
        if let Ok(n) = fields::nickname(&s) { prop_assert_eq!(fields::nickname(&n), Ok(n.clone())); }
    }
}
