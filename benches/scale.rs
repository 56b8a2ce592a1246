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
use pec_manager::domain::lifecycle::Date;
use pec_manager::domain::records::SearchQuery;
use pec_manager::domain::renewals::ExpiryFilter;
use pec_manager::domain::reports::{ReportFilter, ReportKind};
use pec_manager::domain::request::{validate_order, MailboxInput};
use pec_manager::domain::{OrderDraft, Rules};
use pec_manager::store::{seed_demo, Store};
use std::future::Future;
use std::time::{Duration, Instant};

const PER_ORDER: usize = 10_000;
const TODAY: Date = Date { year: 2026, month: 11, day: 27 };

/// p50 and p99 of `runs` calls of `f`.
async fn time<F, Fut>(runs: usize, mut f: F) -> (Duration, Duration)
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = ()>,
{
    let mut times = Vec::with_capacity(runs);
    for i in 0..runs {
        let t = Instant::now();
        f(i).await;
        times.push(t.elapsed());
    }
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1];
    (at(0.5), at(0.99))
}

fn line(what: &str, (p50, p99): (Duration, Duration), goal: &str) {
    println!("{what:<58} p50 {:>9.2} ms  p99 {:>9.2} ms  (goal {goal})", ms(p50), ms(p99));
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn mailboxes(prefix: &str, domain: &str, n: usize) -> Vec<MailboxInput> {
    (0..n)
        .map(|i| MailboxInput {
            address: format!("{prefix}{i:05}@{domain}"),
            description: String::new(),
            password_email: format!("gestione.{i}@example.it"),
            first_name: "Mario".into(),
            last_name: "Rossi".into(),
            tax_code: "RSSMRA70A01H501S".into(),
            nickname: String::new(),
        })
        .collect()
}

fn draft(customer: &str, offer: &str, mailboxes: Vec<MailboxInput>) -> OrderDraft {
    OrderDraft {
        customer_name: customer.into(),
        customer_kind: "IMPRESA".into(),
        legal_rep_cf: "RCLMRA74D15F205V".into(),
        offer: offer.into(),
        expiry_year: "2027".into(),
        mailboxes,
        ..OrderDraft::default()
    }
}

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
    let store = Store::open(&url).await.expect("store");
    seed_demo(&store, "not-a-real-hash").await.expect("demo data");
    let mut ops = Vec::new();
    for name in ["operatore", "alfa", "beta"] {
        ops.push(store.login_record(name).await.expect("query").expect("demo operator").operator);
    }
    let offers = ["CONSIP", "STANDARD", "PROFESSIONAL"];

    // The fill, through the order path.
    let t = Instant::now();
    let filled = store.mailbox_count().await.expect("count") >= total as i64;
    let orders = if filled { 0 } else { total.div_ceil(PER_ORDER) };
    for o in 0..orders {
        let op = &ops[o % ops.len()];
        let rules = Rules {
            current_year: 2026,
            domains: store.usable_domains(op.scope()).await.expect("domains"),
            offers: offers.iter().map(|s| s.to_string()).collect(),
            ..Rules::default()
        };
        let domain = &rules.domains[o % rules.domains.len()];
        let n = PER_ORDER.min(total - o * PER_ORDER);
        let d =
            draft(&format!("Cliente {}", o % 97), offers[o % 3], mailboxes(&format!("o{o}.c"), domain, n));
        let valid = validate_order(&d, &rules).expect("valid order");
        let id = store.create_draft(&d, op.id).await.expect("draft");
        store.create_order(&id, &valid, op).await.expect("order");
        if o % 10 == 9 {
            println!("{} mailboxes stored in {:?}", (o + 1) * PER_ORDER, t.elapsed());
        }
    }
    // States, activation and expiry dates spread over two years, as a provider's history
    // would be.
    let spread = if postgres {
        "UPDATE mailboxes SET state = CASE id % 20 WHEN 0 THEN 'SOSPESA' WHEN 1 THEN 'SCADUTA' \
         WHEN 2 THEN 'REVOCATA' WHEN 3 THEN 'PRENOTATA' ELSE 'ATTIVA' END, \
         activated_at = to_char(date '2026-11-27' - (id % 730)::int, 'YYYY-MM-DD'), \
         expires_at = to_char(date '2026-11-27' + ((id * 7) % 730)::int, 'YYYY-MM-DD')"
    } else {
        "UPDATE mailboxes SET state = CASE id % 20 WHEN 0 THEN 'SOSPESA' WHEN 1 THEN 'SCADUTA' \
         WHEN 2 THEN 'REVOCATA' WHEN 3 THEN 'PRENOTATA' ELSE 'ATTIVA' END, \
         activated_at = date('2026-11-27', '-' || (id % 730) || ' days'), \
         expires_at = date('2026-11-27', '+' || ((id * 7) % 730) || ' days')"
    };
    if !filled {
        store.raw_execute(spread).await.expect("spread");
        store.raw_execute("UPDATE mailboxes SET invoice_expires_at = expires_at").await.expect("spread");
    }
    // The spread rewrote every row: what autovacuum does to a table in use, done now.
    store.raw_execute(if postgres { "VACUUM ANALYZE" } else { "ANALYZE" }).await.expect("vacuum");
    let count = store.mailbox_count().await.expect("count");
    println!(
        "{count} mailboxes ready in {:?} ({})",
        t.elapsed(),
        if postgres { "PostgreSQL" } else { "SQLite" }
    );
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
