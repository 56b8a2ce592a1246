//! Server side of a 10,000-row upload: parse + validate + create the order (one transaction,
//! 10,000 userids), then "Rinnova selezionate" of those 10,000 mailboxes once active (one
//! transaction), on SQLite, or on `BENCH_DATABASE_URL`. Run: `cargo bench --bench order --features ssr`.
//! Prints the wall time of each phase over three runs; results are written down in README.md.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stdout)] // a benchmark may stop at a broken fixture
use pec_manager::domain::auth::Scope;
use pec_manager::domain::csv_file;
use pec_manager::domain::request::validate_order;
use pec_manager::domain::{OrderDraft, Rules};
use pec_manager::store::{seed_demo, Store};
use std::time::Instant;

const ROWS: usize = 10_000;

fn file(run: usize) -> Vec<u8> {
    let mut text = String::from(
        "Nome casella;Descrizione;Email gestione password;Nome;Cognome;Codice fiscale;Nickname\r\n",
    );
    for i in 0..ROWS {
        text.push_str(&format!(
            "r{run}.casella.{i:05}@testcert.legalmail.it;Casella {i};gestione.{i}@example.it;Mario;Rossi;RSSMRA70A01H501S;r{run}.nick.{i:05}\r\n"
        ));
    }
    text.into_bytes()
}

#[tokio::main]
async fn main() {
    // SQLite by default; `BENCH_DATABASE_URL` for another database (e.g. a throw-away PostgreSQL).
    let url = std::env::var("BENCH_DATABASE_URL").unwrap_or_else(|_| {
        let dir = std::env::temp_dir().join(format!("pec-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        format!("sqlite://{}/bench.db?mode=rwc", dir.display())
    });
    let store = Store::open(&url).await.expect("store");
    seed_demo(&store, "not-a-real-hash").await.expect("demo data");
    let op = store.login_record("operatore").await.expect("query").expect("demo operator").operator;
    for run in 0..3 {
        let bytes = file(run);
        let t = Instant::now();
        let import = csv_file::read(&bytes).expect("valid file");
        let parsed = t.elapsed();
        let mut draft = OrderDraft {
            customer_name: "Benchmark".into(),
            customer_kind: "IMPRESA".into(),
            legal_rep_cf: "RCLMRA74D15F205V".into(),
            offer: "CONSIP".into(),
            expiry_year: "2027".into(),
            ..OrderDraft::default()
        };
        draft.mailboxes = import.rows.into_iter().map(|r| r.mailbox).collect();
        let rules = Rules {
            current_year: 2026,
            domains: store.usable_domains(Scope::All).await.expect("domains"),
            offers: vec!["CONSIP".into()],
            ..Rules::default()
        };
        let valid = validate_order(&draft, &rules).expect("valid order");
        let validated = t.elapsed();
        let addresses: Vec<String> = valid.mailboxes.iter().map(|m| m.address.clone()).collect();
        let _ = store.taken(&addresses, &[]).await.expect("availability");
        let checked = t.elapsed();
        let id = store.create_draft(&draft, op.id).await.expect("draft");
        let number = store.create_order(&id, &valid, &op).await.expect("order");
        let total = t.elapsed();
        println!(
            "run {run}: parse {:?}, + validate {:?}, + availability {:?}, + order {number} with {ROWS} mailboxes: total {:?}",
            parsed, validated, checked, total
        );
        // The same mailboxes active, then renewed in one request.
        let contract = pec_manager::store::SignedContract {
            file_name: "firmato.pdf".into(),
            kind: "PDF",
            data: b"%PDF-1.7".to_vec(),
            signature: pec_manager::store::SignatureCheck::Verified(
                pec_manager::domain::contract::ContractSigner {
                    name: "Mario Rossi".into(),
                    tax_code: "RCLMRA74D15F205V".into(),
                    signed_at: 1_795_000_000,
                },
            ),
        };
        let today = pec_manager::domain::lifecycle::Date { year: 2026, month: 11, day: 27 };
        let link_mail = pec_manager::server::mail::link_mail("http://127.0.0.1");
        store.fulfil_order(&op, &number, &contract, today, &link_mail, &[]).await.expect("fulfil");
        let userids: Vec<_> = store
            .order(Scope::All, &number)
            .await
            .expect("order")
            .expect("exists")
            .mailboxes
            .into_iter()
            .map(|m| m.userid)
            .collect();
        let t = Instant::now();
        let renewed =
            store.renew_mailboxes(&op, &userids, today, &format!("{run:064x}")).await.expect("renewal");
        println!(
            "run {run}: renewal of {} mailboxes in {} order(s): {:?}",
            userids.len(),
            renewed.len(),
            t.elapsed()
        );
    }
    assert!(store.mailbox_count().await.expect("count") >= 3 * ROWS as i64);
    store.close().await;
    let _ = std::fs::remove_dir_all(std::env::temp_dir().join(format!("pec-bench-{}", std::process::id())));
}
