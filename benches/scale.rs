//! Scale: fills a database with `BENCH_MAILBOXES` mailboxes (default 1,000,000) through the
//! store's order path (orders of 10,000 for customers of the provider and of two resellers),
//! spreads states, activation and expiry dates over two years, then times at that size what
//! the pages ask the store for, as p50 / p99 over many runs:
//! the availability of 100 names, Ricerca prefix queries, Gestione scadenze caselle (30 days),
//! Report (the whole page, and each report), Attività recenti's first page, and a
//! 10,000-mailbox order next to a raw bulk insert of the same rows (same driver, same schema).
//! On `BENCH_DATABASE_URL` (a throw-away PostgreSQL: `scripts/bench_scale.sh`), or SQLite.
//! A database already filled by an earlier run is used as it is. Results are in README.md.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stdout)] // a benchmark may stop at a broken fixture
use pec_manager::domain::auth::Scope;
use pec_manager::domain::renewals::ExpiryFilter;
use pec_manager::domain::reports::{ReportFilter, ReportKind};
use pec_manager::domain::request::validate_order;
use pec_manager::domain::search::SearchQuery;
use pec_manager::domain::Rules;
use std::time::Instant;

mod common;
use common::{draft, filled, line, mailboxes, ms, time, PER_ORDER, TODAY};

#[tokio::main]
async fn main() {
    let total: usize =
        std::env::var("BENCH_MAILBOXES").ok().and_then(|n| n.parse().ok()).unwrap_or(1_000_000);
    let scratch = std::env::temp_dir().join(format!("pec-bench-scale-{}", std::process::id()));
    let url = std::env::var("BENCH_DATABASE_URL").unwrap_or_else(|_| {
        std::fs::create_dir_all(&scratch).expect("temp dir");
        format!("sqlite://{}/bench.db?mode=rwc", scratch.display())
    });
    let postgres = url.starts_with("postgres");
    let (store, ops, orders) = filled(&url, total).await;
    let (provider, alfa) = (Scope::All, ops[1].scope());

    // Availability of 100 names (the wizard's and the API's check): half taken, half free.
    let names: Vec<Vec<String>> = (0..200)
        .map(|r| {
            (0..100)
                .map(|i| {
                    let o = (r * 7 + i) % orders.max(total.div_ceil(PER_ORDER));
                    if i % 2 == 0 {
                        format!("o{o}.c{:05}@legalmail.it", (r * 131 + i * 17) % PER_ORDER)
                    } else {
                        format!("libera.{r}.{i}@legalmail.it")
                    }
                })
                .collect()
        })
        .collect();
    let r = time(200, |i| {
        let (store, names) = (&store, &names);
        async move {
            store.taken(&names[i], &[]).await.expect("taken");
        }
    })
    .await;
    line("availability of 100 names", r, "p99 <= 5 ms");

    // Ricerca, as the page asks (first page of 50).
    for (what, text) in [
        ("Ricerca: address prefix (10 hits)", "o42.c0123"),
        ("Ricerca: address prefix (1,111 hits)", "o7.c0"),
        ("Ricerca: userid prefix", "VIT0050"),
        ("Ricerca: order number", "10295800"),
        ("Ricerca: no match", "nessuno"),
        ("Ricerca: one letter (every row matches)", "o"),
    ] {
        let q = SearchQuery { text: text.into(), ..SearchQuery::default() };
        // SQLite reads every row for these (its LIKE ignores case, so no index): fewer runs.
        let r = time(if postgres { 50 } else { 5 }, |_| {
            let (store, q) = (&store, &q);
            async move {
                store.search(provider, q, 1, 50).await.expect("search");
            }
        })
        .await;
        line(what, r, "p99 <= 50 ms on PostgreSQL");
    }

    // Gestione scadenze caselle, next 30 days, first page of 50 (with its count).
    let filter = ExpiryFilter { within: "30".into(), ..ExpiryFilter::default() };
    let q = filter.query(TODAY, 30).expect("filter");
    for (who, scope) in [("provider", provider), ("reseller", alfa)] {
        let r = time(20, |_| {
            let (store, q) = (&store, &q);
            async move {
                store.expiry_page(scope, q, 1, 50).await.expect("expiries");
            }
        })
        .await;
        line(&format!("Gestione scadenze caselle, 30 days ({who})"), r, "p99 <= 500 ms");
    }

    // The hourly count of the disk space Report shows (every mailbox that holds mail, with the
    // mail server's figures: one for each active mailbox, as a running mail platform reports).
    store.raw_execute("DELETE FROM mail_usage").await.expect("usage");
    store
        .raw_execute(
            "INSERT INTO mail_usage (login, bytes, messages) SELECT address, 1048576 * (id % 500), id % 90 \
             FROM mailboxes WHERE state = 'ATTIVA'",
        )
        .await
        .expect("usage");
    let t = Instant::now();
    assert!(store.recount_disk_usage(chrono::Duration::zero()).await.expect("count"));
    println!(
        "{:<58} {:>9.2} ms  (hourly, in the background)",
        "Report's disk space counted",
        ms(t.elapsed())
    );

    // Report: the whole page as /report asks for it, then each report on its own (its export).
    let q = ReportFilter { months: "24".into(), ..ReportFilter::default() }.query(TODAY);
    for (who, scope) in [("provider", provider), ("reseller", alfa)] {
        let r = time(10, |_| {
            let (store, q) = (&store, &q);
            async move {
                store.reports(scope, q).await.expect("reports");
            }
        })
        .await;
        line(&format!("Report, the whole page ({who})"), r, "p99 <= 500 ms");
    }
    for kind in ReportKind::ALL {
        let r = time(5, |_| {
            let (store, q) = (&store, &q);
            async move {
                store.report(provider, kind, q).await.expect("report");
            }
        })
        .await;
        line(&format!("  report {}", kind.title()), r, "-");
    }

    // Attività recenti, first page: the orders and the activity, as the page asks.
    for (who, scope) in [("provider", provider), ("reseller", alfa)] {
        let r = time(100, |_| {
            let store = &store;
            async move {
                store.recent_orders(scope, 1, 25).await.expect("orders");
                store.recent_activity(scope, 20).await.expect("activity");
            }
        })
        .await;
        line(&format!("Attività recenti, first page ({who})"), r, "p99 <= 20 ms");
    }

    // A 10,000-mailbox order at this size, next to a raw bulk insert of the same rows.
    let op = &ops[0];
    let rules = Rules {
        current_year: 2026,
        domains: store.usable_domains(op.scope()).await.expect("domains"),
        offers: vec!["CONSIP".into()],
        ..Rules::default()
    };
    let run = std::process::id();
    let mut order_times = Vec::new();
    let mut raw_times = Vec::new();
    for k in 0..3 {
        let d =
            draft("Cliente grande", "CONSIP", mailboxes(&format!("b{run}.{k}.c"), "legalmail.it", PER_ORDER));
        let t = Instant::now();
        let valid = validate_order(&d, &rules).expect("valid order");
        let id = store.create_draft(&d, op.id).await.expect("draft");
        store.create_order(&id, &valid, op).await.expect("order");
        order_times.push(t.elapsed());
        let rows = mailboxes(&format!("r{run}.{k}.c"), "legalmail.it", PER_ORDER);
        let t = Instant::now();
        store
            .raw_bulk_insert_for_bench(&rows, &format!("R{k}{:06}", run % 1_000_000))
            .await
            .expect("raw insert");
        raw_times.push(t.elapsed());
    }
    order_times.sort();
    raw_times.sort();
    let (order, raw) = (order_times[1], raw_times[1]);
    println!(
        "{:<58} median {:>9.2} ms  (goal <= 1,000 ms)",
        "order of 10,000 mailboxes (validate + store, one transaction)",
        ms(order)
    );
    println!(
        "{:<58} median {:>9.2} ms  -> order / raw = {:.2} (goal <= 2)",
        "raw bulk insert of the same 10,000 rows",
        ms(raw),
        order.as_secs_f64() / raw.as_secs_f64()
    );
    store.close().await;
    let _ = std::fs::remove_dir_all(&scratch);
}
