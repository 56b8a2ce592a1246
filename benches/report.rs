//! "Report" at scale: fills a database with `BENCH_MAILBOXES` mailboxes (default 1,000,000)
//! through the store's order path (orders of 10,000 for customers of the provider and of two
//! resellers), spreads states and activation dates over two years, then times every report of
//! the page for the provider and for a reseller (median of 5). On `BENCH_DATABASE_URL` (a
//! throw-away PostgreSQL: `scripts/bench_report.sh`), or SQLite. Results are in README.md.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stdout)] // a benchmark may stop at a broken fixture
use pec_manager::domain::auth::Scope;
use pec_manager::domain::reports::{ReportFilter, ReportKind};
use pec_manager::domain::request::{validate_order, MailboxInput};
use pec_manager::domain::{OrderDraft, Rules};
use pec_manager::store::{seed_demo, Store};
use std::time::{Duration, Instant};

const PER_ORDER: usize = 10_000;

#[tokio::main]
async fn main() {
    let total: usize =
        std::env::var("BENCH_MAILBOXES").ok().and_then(|n| n.parse().ok()).unwrap_or(1_000_000);
    let url = std::env::var("BENCH_DATABASE_URL").unwrap_or_else(|_| {
        let dir = std::env::temp_dir().join(format!("pec-bench-report-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        format!("sqlite://{}/bench.db?mode=rwc", dir.display())
    });
    let postgres = url.starts_with("postgres");
    let store = Store::open(&url).await.expect("store");
    seed_demo(&store, "not-a-real-hash").await.expect("demo data");
    let operators = ["operatore", "alfa", "beta"];
    let mut ops = Vec::new();
    for name in operators {
        ops.push(store.login_record(name).await.expect("query").expect("demo operator").operator);
    }
    let domains = store.usable_domains(Scope::All).await.expect("domains");
    let t = Instant::now();
    // A database filled by an earlier run is used as it is (`BENCH_DATABASE_URL` kept).
    let filled = store.mailbox_count().await.expect("count") >= total as i64;
    let orders = if filled { 0 } else { total.div_ceil(PER_ORDER) };
    for o in 0..orders {
        let op = &ops[o % ops.len()];
        let rules = Rules {
            current_year: 2026,
            domains: store.usable_domains(op.scope()).await.expect("domains"),
            offers: vec!["CONSIP".into(), "STANDARD".into(), "PROFESSIONAL".into()],
            ..Rules::default()
        };
        let domain = &rules.domains[o % rules.domains.len()];
        let mut draft = OrderDraft {
            customer_name: format!("Cliente {}", o % 97),
            customer_kind: "IMPRESA".into(),
            legal_rep_cf: "RCLMRA74D15F205V".into(),
            offer: ["CONSIP", "STANDARD", "PROFESSIONAL"][o % 3].into(),
            expiry_year: "2027".into(),
            ..OrderDraft::default()
        };
        draft.mailboxes = (0..PER_ORDER.min(total - o * PER_ORDER))
            .map(|i| MailboxInput {
                address: format!("o{o}.c{i:05}@{domain}"),
                description: String::new(),
                password_email: format!("gestione.{i}@example.it"),
                first_name: "Mario".into(),
                last_name: "Rossi".into(),
                tax_code: "RSSMRA70A01H501S".into(),
                nickname: String::new(),
            })
            .collect();
        let valid = validate_order(&draft, &rules).expect("valid order");
        let id = store.create_draft(&draft, op.id).await.expect("draft");
        store.create_order(&id, &valid, op).await.expect("order");
        if o % 10 == 9 {
            println!("{} mailboxes stored in {:?}", (o + 1) * PER_ORDER, t.elapsed());
        }
    }
    // States and activation dates spread over two years, as a provider's history would be.
    let spread = if postgres {
        "UPDATE mailboxes SET state = CASE id % 20 WHEN 0 THEN 'SOSPESA' WHEN 1 THEN 'SCADUTA' \
         WHEN 2 THEN 'REVOCATA' WHEN 3 THEN 'PRENOTATA' ELSE 'ATTIVA' END, \
         activated_at = to_char(date '2026-11-27' - (id % 730)::int, 'YYYY-MM-DD')"
    } else {
        "UPDATE mailboxes SET state = CASE id % 20 WHEN 0 THEN 'SOSPESA' WHEN 1 THEN 'SCADUTA' \
         WHEN 2 THEN 'REVOCATA' WHEN 3 THEN 'PRENOTATA' ELSE 'ATTIVA' END, \
         activated_at = date('2026-11-27', '-' || (id % 730) || ' days')"
    };
    if !filled {
        store.raw_execute(spread).await.expect("spread");
    }
    // The spread rewrote every row: what autovacuum does to a table in use, done now.
    store.raw_execute(if postgres { "VACUUM ANALYZE" } else { "ANALYZE" }).await.expect("vacuum");
    println!(
        "{} mailboxes on {} domains ready in {:?}",
        store.mailbox_count().await.expect("count"),
        domains.len(),
        t.elapsed()
    );

    let filter = ReportFilter { months: "24".into(), ..ReportFilter::default() };
    let today = pec_manager::domain::lifecycle::Date { year: 2026, month: 11, day: 27 };
    let q = filter.query(today);
    for (who, scope) in [("provider", Scope::All), ("reseller Alfa", ops[1].scope())] {
        let mut page = Duration::ZERO;
        for kind in ReportKind::ALL {
            let mut times = Vec::new();
            let mut rows = 0;
            for _ in 0..5 {
                let t = Instant::now();
                rows =
                    store.report(scope, kind, &q).await.expect("report").map(|r| r.rows.len()).unwrap_or(0);
                times.push(t.elapsed());
            }
            times.sort();
            let median = times[times.len() / 2];
            page += median;
            println!("{who:<14} {:<44} {rows:>5} rows  median {median:?}", kind.title());
        }
        println!("{who:<14} {:<44}        one after the other {page:?}", "every report of the page");
        // As the page asks for them: the mailboxes counted once for all (`Store::reports`).
        let mut times = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            store.reports(scope, &q).await.expect("reports");
            times.push(t.elapsed());
        }
        times.sort();
        println!(
            "{who:<14} {:<44}        the page's, median {:?}",
            "every report of the page",
            times[times.len() / 2]
        );
    }
    store.close().await;
    let _ = std::fs::remove_dir_all(
        std::env::temp_dir().join(format!("pec-bench-report-{}", std::process::id())),
    );
}
