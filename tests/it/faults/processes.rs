//! Two server processes on one PostgreSQL: shared sessions and counters, each job run once,
//! a session ended on every process at once.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_on_one_postgresql_share_sessions_and_counters_and_run_each_job_once() {
    let Some(store) = common::postgres_store().await else { return };
    let url = store.url_for_tests();
    let key = key(&store, "alfa.admin", "guasti", ApiKeyScope::Scrittura).await;
    let env = [("PEC_HOUSEKEEPING_SECONDS", "1".to_string())];
    let a = Arc::new(Server::start(&url, &env).await);
    let b = Arc::new(Server::start(&url, &env).await);

    // Logged in on one, logged in on the other.
    let cookie = a.login("alfa").await;
    let r = b.page("/recenti", &cookie).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Attività recenti"));

    // Twenty orders at once, half on each: twenty numbers, sixty userids, none twice.
    let mut tasks = Vec::new();
    for i in 0..20 {
        let (server, key) = (if i % 2 == 0 { a.clone() } else { b.clone() }, key.clone());
        tasks.push(tokio::spawn(async move {
            let body = order_of(&addresses(&format!("due{i}x"), 3));
            server.api(Method::POST, "/orders", &key, Some(body)).await.unwrap()
        }));
    }
    let mut numbers = std::collections::BTreeSet::new();
    for t in tasks {
        let r = t.await.unwrap();
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        numbers.insert(r.json()["number"].as_str().unwrap().to_string());
    }
    assert_eq!(numbers.len(), 20);
    assert_sound(&store).await;
    assert_eq!(count(&store, "SELECT COUNT(DISTINCT userid) AS n FROM mailboxes").await, 60);

    // Due work for the jobs, which both processes run every second: mailboxes of the first
    // orders made active, to expire (yesterday), renew tacitly (today) and be reminded (in
    // 10 days).
    let today = chrono::Utc::now().date_naive();
    let day = |d: i64| (today + chrono::Duration::days(d)).format("%Y-%m-%d").to_string();
    for (prefix, expiry, tacit) in [("due0x", day(-1), 0), ("due1x", day(0), 1), ("due2x", day(10), 0)] {
        store
            .raw_execute(&format!(
                "UPDATE mailboxes SET state = 'ATTIVA', expires_at = '{expiry}', invoice_expires_at = '{expiry}', \
                 tacit_renewal = {tacit} WHERE address LIKE '{prefix}%'"
            ))
            .await
            .unwrap();
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    // Expired once: one state change, one audit line each.
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) AS n FROM mailboxes WHERE address LIKE 'due0x%' AND state = 'SCADUTA'"
        )
        .await,
        3
    );
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) AS n FROM activity a JOIN mailboxes m ON m.id = a.mailbox_id \
             WHERE a.kind = 'CASELLA_SCADUTA' AND m.address LIKE 'due0x%'"
        )
        .await,
        3
    );
    // Renewed once: one renewal line each, a single renewal order.
    assert_eq!(
        count(&store, "SELECT COUNT(*) AS n FROM renewals r JOIN mailboxes m ON m.id = r.mailbox_id WHERE m.address LIKE 'due1x%'").await,
        3
    );
    assert_eq!(
        count(&store, &format!("SELECT COUNT(*) AS n FROM mailboxes WHERE address LIKE 'due1x%' AND expires_at > '{}' AND expires_at < '{}'", day(0), day(800))).await,
        3
    );
    // Reminded once: one reminder each, no e-mail twice.
    assert_eq!(
        count(&store, "SELECT COUNT(*) AS n FROM reminders r JOIN mailboxes m ON m.id = r.mailbox_id WHERE m.address LIKE 'due2x%'").await,
        3
    );
    let mails = count(&store, "SELECT COUNT(*) AS n FROM outbox").await;
    let distinct =
        count(&store, "SELECT COUNT(*) AS n FROM (SELECT DISTINCT recipient, subject, body FROM outbox) d")
            .await;
    assert!(mails >= 3, "{mails} reminder e-mails");
    assert_eq!(mails, distinct, "an e-mail queued twice");
}

/// Each process keeps the sessions it read for a few seconds (no session query per page). A
/// logout on one process, an operator disabled or an organisation revoked anywhere ends the
/// session on every process at once (NOTIFY); a change no process announced (a row deleted by
/// hand) within the cache's time.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_end_a_session_at_once_and_an_unannounced_change_within_seconds() {
    let Some(store) = common::postgres_store().await else { return };
    let url = store.url_for_tests();
    let a = Server::start(&url, &[]).await;
    let b = Server::start(&url, &[]).await;
    let signed_out = |r: &Reply| r.status == StatusCode::SEE_OTHER || r.status == StatusCode::FOUND;
    // Within 1 s of the change: the cache keeps an entry 5 s, so only a notice explains it.
    let ends_at_once = |cookie: String, what: &'static str| {
        let b = &b;
        async move {
            let since = Instant::now();
            loop {
                let r = b.page("/recenti", &cookie).await;
                if signed_out(&r) {
                    break;
                }
                assert_eq!(r.status, StatusCode::OK);
                assert!(
                    since.elapsed() < Duration::from_secs(1),
                    "{what}: still served by the other process"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };

    // Logged out on A.
    let cookie = a.login("alfa").await;
    assert_eq!(b.page("/recenti", &cookie).await.status, StatusCode::OK);
    let origin = format!("http://127.0.0.1:{}", a.port);
    let r = a
        .call(
            Method::POST,
            "/api/esci",
            &[
                ("cookie", &cookie),
                ("origin", &origin),
                ("accept", "text/html"),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            Vec::new(),
        )
        .await
        .unwrap();
    assert!(signed_out(&r), "logout: {} {}", r.status, r.body);
    assert!(signed_out(&a.page("/recenti", &cookie).await), "logged out, still served on A");
    ends_at_once(cookie, "logout").await;

    // An operator disabled and an organisation revoked (by a third process, the test's).
    let admin = common::operator(&store, "admin").await;
    let cookie = a.login("operatore").await;
    assert_eq!(b.page("/recenti", &cookie).await.status, StatusCode::OK);
    let audit =
        pec_manager::store::AuditRecord::by(&admin, "OPERATORE_DISATTIVATO", "operatore", "operatore");
    let all = pec_manager::domain::auth::Scope::All;
    assert!(store.set_operator_active(all, "operatore", false, &audit).await.unwrap());
    ends_at_once(cookie, "disabled operator").await;
    let cookie = a.login("alfa.admin").await;
    assert_eq!(b.page("/recenti", &cookie).await.status, StatusCode::OK);
    let alfa = common::operator(&store, "alfa.admin").await.organisation_id;
    store.set_organisation_active(&admin, alfa, false).await.unwrap();
    ends_at_once(cookie, "revoked organisation").await;

    // Deleted by hand, with no notice: B serves it no longer than the cache's 5 s.
    let cookie = a.login("beta").await;
    assert_eq!(b.page("/recenti", &cookie).await.status, StatusCode::OK);
    store.raw_execute("DELETE FROM sessions").await.unwrap();
    let since = Instant::now();
    while !signed_out(&b.page("/recenti", &cookie).await) {
        assert!(since.elapsed() < Duration::from_secs(7), "served past the cache's time");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
