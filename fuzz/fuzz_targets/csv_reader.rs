//! The CSV import (step 2's "Carica file CSV", the API has none): any bytes, read and
//! validated as the browser and the server do.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pec_domain::csv_file;
use pec_domain::mailbox::Rules;

fuzz_target!(|data: &[u8]| {
    let rules = Rules {
        current_year: 2026,
        domains: vec!["legalmail.it".into(), "testcert.legalmail.it".into()],
        offers: vec!["CONSIP".into()],
        ..Rules::default()
    };
    match csv_file::read(data) {
        Ok(import) => {
            assert!(data.len() <= csv_file::MAX_FILE_BYTES);
            assert!(import.rows.len() <= csv_file::MAX_ROWS);
            // The file's checked result agrees with its rows.
            let check = csv_file::check(data, &[], &rules).expect("read once, read again");
            assert_eq!(check.rows, import.rows.len());
            assert!(check.errors <= check.rows);
            // The error report of any rows is a CSV that reads back.
            let reports = pec_domain::mailbox::validate_mailboxes(
                &import.rows.iter().map(|r| r.mailbox.clone()).collect::<Vec<_>>(),
                &rules,
            );
            let report = csv_file::error_report(&import.rows, &reports);
            assert!(csv_file::read_table(&report).is_ok() || import.rows.is_empty());
        }
        Err(_) => assert!(csv_file::check(data, &[], &rules).is_err()),
    }
    let _ = csv_file::read_table(data);
});
