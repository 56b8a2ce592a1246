//! "Ricerca" over 100,000 mailboxes (10 orders of 10,000) on SQLite, or on the database of
//! `BENCH_DATABASE_URL` (e.g. a throw-away PostgreSQL). Run: `cargo bench --bench search
//! --features ssr`. Prints the median of 20 runs per query; results are in README.md.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stdout)] // a benchmark may stop at a broken fixture
use pec_manager::domain::auth::Scope;
use pec_manager::domain::request::{validate_order, MailboxInput};
use pec_manager::domain::search::SearchQuery;
use pec_manager::domain::{OrderDraft, Rules};
use pec_manager::store::{seed_demo, Store};
use std::time::{Duration, Instant};

const ORDERS: usize = 10;
const PER_ORDER: usize = 10_000;

#[tokio::main]
async fn main() {
    let url = std::env::var("BENCH_DATABASE_URL").unwrap_or_else(|_| {
        let dir = std::env::temp_dir().join(format!("pec-bench-search-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        format!("sqlite://{}/bench.db?mode=rwc", dir.display())
    });
    let store = Store::open(&url).await.expect("store");
    seed_demo(&store, "not-a-real-hash").await.expect("demo data");
    let op = store.login_record("operatore").await.expect("query").expect("demo operator").operator;
    let rules = Rules {
        current_year: 2026,
        domains: store.usable_domains(Scope::All).await.expect("domains"),
        offers: vec!["CONSIP".into()],
        ..Rules::default()
    };
    let t = Instant::now();
    let surnames = ["Rossi", "Bianchi", "Esposito", "Romano", "Colombo", "Ricci", "Marino", "Greco"];
    for o in 0..ORDERS {
        let mut draft = OrderDraft {
            customer_name: format!("Cliente {o}"),
            customer_kind: "IMPRESA".into(),
            legal_rep_cf: "RCLMRA74D15F205V".into(),
            offer: "CONSIP".into(),
            expiry_year: "2027".into(),
            ..OrderDraft::default()
        };
        draft.mailboxes = (0..PER_ORDER)
            .map(|i| MailboxInput {
                address: format!("o{o}.casella.{i:05}@testcert.legalmail.it"),
                description: String::new(),
                password_email: format!("gestione.{i}@example.it"),
                first_name: "Mario".into(),
                last_name: surnames[i % surnames.len()].into(),
                tax_code: "RSSMRA70A01H501S".into(),
                nickname: format!("o{o}.nick.{i:05}"),
            })
            .collect();
        let valid = validate_order(&draft, &rules).expect("valid order");
        let id = store.create_draft(&draft, op.id).await.expect("draft");
        store.create_order(&id, &valid, &op).await.expect("order");
    }
    println!("{} mailboxes stored in {:?}", ORDERS * PER_ORDER, t.elapsed());

    let q = |text: &str| SearchQuery { text: text.into(), ..SearchQuery::default() };
    let cases = [
        ("userid prefix", q("VIT1")),
        ("address prefix", q("o7.casella.0999")),
        ("nickname prefix", q("o3.nick.00042")),
        ("surname prefix (many hits)", q("Espo")),
        ("codice fiscale prefix (every row)", q("RSSMRA70")),
        ("no match", q("zzz")),
        ("state filter only", SearchQuery { state: "PRENOTATA".into(), ..SearchQuery::default() }),
    ];
    for (name, query) in cases {
        let mut times: Vec<Duration> = Vec::new();
        let mut total = 0;
        for _ in 0..20 {
            let t = Instant::now();
            total = store.search(Scope::All, &query, 1, 50).await.expect("search").total;
            times.push(t.elapsed());
        }
        times.sort();
        println!("{name:<36} {total:>7} hits  median {:?}", times[times.len() / 2]);
    }
}
