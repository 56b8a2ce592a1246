//! Parse + validate of a 10,000-row CSV file, as the server (and, compiled to WASM, the
//! browser) does it. Run: `cargo bench --bench csv`. Results are written down in README.md.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stdout)] // a benchmark may stop at a broken fixture
use pec_domain::csv_file;
use pec_domain::Rules;

fn main() {
    divan::main();
}

/// The same rows as `scripts/gen_csv.py`: valid mailboxes with holders and nicknames.
fn file(rows: usize) -> Vec<u8> {
    let mut text = String::from(
        "Nome casella;Descrizione;Email gestione password;Nome;Cognome;Codice fiscale;Nickname\r\n",
    );
    for i in 0..rows {
        text.push_str(&format!(
            "casella.{i:05}@testcert.legalmail.it;Casella numero {i};gestione.{i}@example.it;Mario;Rossi;RSSMRA70A01H501S;nick.{i:05}\r\n"
        ));
    }
    text.into_bytes()
}

fn rules() -> Rules {
    Rules {
        current_year: 2026,
        domains: vec!["legalmail.it".into(), "testcert.legalmail.it".into()],
        ..Rules::default()
    }
}

#[divan::bench(args = [1_000, 10_000])]
fn parse_and_validate(bencher: divan::Bencher, rows: usize) {
    let bytes = file(rows);
    let rules = rules();
    // `check` is exactly what the browser runs on a chosen file.
    bencher.bench(|| {
        let checked = csv_file::check(divan::black_box(&bytes), &[], &rules).expect("valid file");
        assert_eq!((checked.rows, checked.errors), (rows, 0));
        checked
    });
}

#[divan::bench(args = [10_000])]
fn parse_only(bencher: divan::Bencher, rows: usize) {
    let bytes = file(rows);
    bencher.bench(|| csv_file::read(divan::black_box(&bytes)).expect("valid file").rows.len());
}
