//! What the benchmarks at scale share: the fill of a database with mailboxes through the
//! store's order path, and p50 / p99 timing.

#![allow(dead_code)] // each benchmark uses what it needs
use pec_manager::domain::auth::Operator;
use pec_manager::domain::lifecycle::Date;
use pec_manager::domain::request::{validate_order, MailboxInput};
use pec_manager::domain::{OrderDraft, Rules};
use pec_manager::store::{seed_demo, Store};
use std::future::Future;
use std::time::{Duration, Instant};

pub const PER_ORDER: usize = 10_000;
pub const TODAY: Date = Date { year: 2026, month: 11, day: 27 };

/// p50 and p99 of `runs` calls of `f`.
pub async fn time<F, Fut>(runs: usize, mut f: F) -> (Duration, Duration)
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

pub fn line(what: &str, (p50, p99): (Duration, Duration), goal: &str) {
    println!("{what:<58} p50 {:>9.2} ms  p99 {:>9.2} ms  (goal {goal})", ms(p50), ms(p99));
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub fn mailboxes(prefix: &str, domain: &str, n: usize) -> Vec<MailboxInput> {
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

pub fn draft(customer: &str, offer: &str, mailboxes: Vec<MailboxInput>) -> OrderDraft {
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

/// The store at `url` with `total` mailboxes (100 orders of 10,000 for customers of the provider
/// and of two resellers; states, activation and expiry dates spread over two years), filled
/// unless an earlier run did; the demo operators (operatore, alfa, beta) and how many orders
/// this run made.
pub async fn filled(url: &str, total: usize) -> (Store, Vec<Operator>, usize) {
    let postgres = url.starts_with("postgres");
    let store = Store::open(url).await.expect("store");
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
    (store, ops, orders)
}
