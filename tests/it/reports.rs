//! Reports on SQLite and PostgreSQL: counts by SQL aggregates, each organisation's own, the
//! filters, and the monthly series (activations, expiries, renewals).

use crate::common;
use crate::renewals::active;
use pec_manager::domain::auth::Scope;
use pec_manager::domain::reports::{Report, ReportFilter, ReportKind};
use pec_manager::store::Store;
use std::collections::BTreeMap;

async fn counts(
    store: &Store,
    scope: Scope,
    kind: ReportKind,
    filter: &ReportFilter,
) -> BTreeMap<String, Vec<i64>> {
    let q = filter.query(pec_manager::server::today());
    match store.report(scope, kind, &q).await.unwrap() {
        Some(Report { rows, .. }) => rows.into_iter().map(|r| (r.label, r.values)).collect(),
        None => panic!("no report {kind:?}"),
    }
}

fn total(rows: &BTreeMap<String, Vec<i64>>, series: usize) -> i64 {
    rows.values().map(|v| v[series]).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_count_each_organisation_its_own_with_filters_and_months() {
    for store in common::stores().await {
        let n = std::process::id();
        let alfa = common::operator(&store, "alfa").await;
        let beta = common::operator(&store, "beta").await;
        let any = ReportFilter { months: "24".into(), ..Default::default() };
        let by_state = |scope| counts(&store, scope, ReportKind::ByState, &any);
        let (alfa_before, beta_before, all_before) =
            (by_state(alfa.scope()).await, by_state(beta.scope()).await, by_state(Scope::All).await);
        let monthly_before = counts(&store, alfa.scope(), ReportKind::Monthly, &any).await;

        let (a, b, c) = (
            format!("rep-a{n}@legalmail.it"),
            format!("rep-b{n}@legalmail.it"),
            format!("rep-c{n}@legalmail.it"),
        );
        let ids = active(
            &store,
            &[(&a, "2027-06-01", "ATTIVA"), (&b, "2027-06-01", "SOSPESA"), (&c, "2020-01-01", "ATTIVA")],
        )
        .await;

        // By state: Alfa's and the provider's grow, Beta's does not.
        let get = |m: &BTreeMap<String, Vec<i64>>, k: &str| m.get(k).map(|v| v[0]).unwrap_or(0);
        let alfa_after = by_state(alfa.scope()).await;
        assert_eq!(get(&alfa_after, "ATTIVA"), get(&alfa_before, "ATTIVA") + 2);
        assert_eq!(get(&alfa_after, "SOSPESA"), get(&alfa_before, "SOSPESA") + 1);
        assert_eq!(by_state(beta.scope()).await, beta_before);
        assert_eq!(total(&by_state(Scope::All).await, 0), total(&all_before, 0) + 3);
        // The provider's reseller filter: Beta's numbers only.
        let only_beta = ReportFilter { reseller: beta.organisation_id.to_string(), ..any.clone() };
        assert_eq!(counts(&store, Scope::All, ReportKind::ByState, &only_beta).await, beta_before);
        // Resellers per reseller: the provider's report only.
        let q = any.query(pec_manager::server::today());
        assert!(store.report(alfa.scope(), ReportKind::ByReseller, &q).await.unwrap().is_none());
        let resellers = counts(&store, Scope::All, ReportKind::ByReseller, &any).await;
        assert!(resellers.get("Rivenditore Alfa").is_some_and(|v| v[0] >= 3 && v[1] >= 2), "{resellers:?}");

        // By customer, offer and domain, with the customer filter (a prefix, any case).
        store
            .raw_execute(&format!(
                "UPDATE customers SET name = 'Report {n}', name_key = 'report {n}' WHERE id = \
                 (SELECT o.customer_id FROM orders o JOIN mailboxes m ON m.order_id = o.id WHERE m.userid = '{}')",
                ids[0]
            ))
            .await
            .unwrap();
        let mine = ReportFilter { customer: format!("REPORT {n}"), ..any.clone() };
        let customers = counts(&store, alfa.scope(), ReportKind::ByCustomer, &mine).await;
        assert_eq!(customers, BTreeMap::from([(format!("Report {n}"), vec![3])]));
        assert!(counts(&store, beta.scope(), ReportKind::ByCustomer, &mine).await.is_empty());
        let domains = counts(&store, alfa.scope(), ReportKind::ByDomain, &mine).await;
        assert_eq!(domains, BTreeMap::from([("legalmail.it".to_string(), vec![3])]));
        let offers = counts(&store, alfa.scope(), ReportKind::ByOffer, &mine).await;
        assert_eq!(offers.values().map(|v| v[0]).sum::<i64>(), 3);
        let other_offer = ReportFilter { offer: "standard".into(), ..mine.clone() };
        assert!(counts(&store, alfa.scope(), ReportKind::ByOffer, &other_offer).await.is_empty());

        // Disk space per customer, in MB: what the mail server reports (mail_usage), else the
        // last imported figure; and what the mailboxes are given.
        for sql in [
            format!("INSERT INTO mail_usage (login, bytes, messages) VALUES ('{a}', 3145728, 2), ('{c}', 1048576, 1)"),
            format!("UPDATE mailboxes SET disk_used_mb = 5 WHERE address = '{b}'"),
            format!("UPDATE mailboxes SET disk_used_mb = 100 WHERE address = '{c}'"),
        ] {
            store.raw_execute(&sql).await.unwrap();
        }
        let assigned = store
            .raw_count(&format!("SELECT CAST(SUM(disk_gb) AS BIGINT) AS n FROM mailboxes WHERE address IN ('{a}', '{b}', '{c}')"))
            .await
            .unwrap();
        // Counted by the housekeeping, once whatever the number of processes; the report says when.
        let before = store.report(alfa.scope(), ReportKind::DiskByCustomer, &q).await.unwrap().unwrap();
        assert!(before.rows.iter().all(|r| r.label != format!("Report {n}")), "not counted yet");
        let hour = chrono::Duration::hours(1);
        let (first, second) = tokio::join!(store.recount_disk_usage(hour), store.recount_disk_usage(hour));
        assert!(first.unwrap() ^ second.unwrap(), "one of two processes counts");
        assert!(!store.recount_disk_usage(hour).await.unwrap(), "counted less than an hour ago");
        let disk = counts(&store, alfa.scope(), ReportKind::DiskByCustomer, &mine).await;
        assert_eq!(disk, BTreeMap::from([(format!("Report {n}"), vec![3 + 5 + 1, assigned * 1024])]));
        assert!(assigned > 0);
        assert!(counts(&store, beta.scope(), ReportKind::DiskByCustomer, &mine).await.is_empty());
        let counted = store.report(alfa.scope(), ReportKind::DiskByCustomer, &q).await.unwrap().unwrap();
        assert!(counted.counted_at.is_some_and(|at| !at.is_empty()));

        // Months: three activations; then one expiry (the hourly job) and one renewal.
        assert!(store.expire_due(pec_manager::server::today()).await.unwrap() >= 1);
        store
            .renew_mailboxes(&alfa, &[ids[0].clone()], pec_manager::server::today(), &format!("{:064x}", n))
            .await
            .unwrap();
        let monthly = counts(&store, alfa.scope(), ReportKind::Monthly, &any).await;
        assert_eq!(monthly.len(), 24, "every month of the period, zeros included");
        for (series, grew) in [(0, 3), (1, 1), (2, 1)] {
            assert_eq!(total(&monthly, series), total(&monthly_before, series) + grew, "series {series}");
        }
        let beta_monthly = counts(&store, beta.scope(), ReportKind::Monthly, &any).await;
        assert_eq!(total(&beta_monthly, 0) + total(&beta_monthly, 1) + total(&beta_monthly, 2), 0);

        // The page's reports (counted together) are each report on its own.
        for (scope, who) in [(Scope::All, "provider"), (alfa.scope(), "alfa")] {
            let page = store.reports(scope, &q).await.unwrap();
            let kinds: Vec<ReportKind> = page.iter().map(|r| r.kind).collect();
            assert_eq!(kinds.len(), if who == "provider" { 8 } else { 7 }, "{who}");
            for r in page {
                assert_eq!(
                    Some(r.clone()),
                    store.report(scope, r.kind, &q).await.unwrap(),
                    "{who} {:?}",
                    r.kind
                );
            }
        }

        // Orders per operator in the period: Alfa's activation and renewal.
        let operators = counts(&store, alfa.scope(), ReportKind::ByOperator, &any).await;
        assert!(operators.get("alfa").is_some_and(|v| v[0] >= 1 && v[1] >= 1), "{operators:?}");
        assert!(!counts(&store, beta.scope(), ReportKind::ByOperator, &any).await.contains_key("alfa"));
    }
}
