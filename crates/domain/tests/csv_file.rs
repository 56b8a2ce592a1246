//! The CSV reader never panics, whatever the bytes; and what it reads, the shared validation
//! checks without panicking either.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed assumption is a failed test

use pec_domain::csv_file::{self, CsvRow};
use pec_domain::{request, Rules};
use proptest::prelude::*;

fn rules() -> Rules {
    Rules { current_year: 2026, domains: vec!["legalmail.it".into()], ..Rules::default() }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        if let Ok(import) = csv_file::read(&bytes) {
            let inputs: Vec<_> = import.rows.iter().map(|r: &CsvRow| r.mailbox.clone()).collect();
            let reports = request::validate_mailboxes(&inputs, &rules());
            let _ = csv_file::error_report(&import.rows, &reports);
        }
    }

    #[test]
    fn csv_like_text(
        header in prop::sample::subsequence(vec!["Nome casella", "Email gestione password", "Nickname", "Descrizione", "x"], 0..5),
        cells in prop::collection::vec("[a-z@.;,\"\\t\\r\\n =+-]{0,12}", 0..60),
        sep in prop::sample::select(vec![";", ",", "\t"]),
    ) {
        let mut text = header.join(sep);
        text.push('\n');
        for (i, c) in cells.iter().enumerate() {
            text.push_str(c);
            text.push_str(if i % 3 == 2 { "\r\n" } else { sep });
        }
        let _ = csv_file::read(text.as_bytes());
    }
}
