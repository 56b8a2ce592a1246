//! SIGKILL in the middle of a 10,000-mailbox order: the order is whole or absent.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_in_the_middle_of_a_ten_thousand_mailbox_order_leaves_it_whole_or_absent() {
    for store in common::stores().await {
        let url = store.url_for_tests();
        let key = key(&store, "alfa.admin", "guasti", ApiKeyScope::Scrittura).await;
        let mut server = Server::start(&url, &[]).await;

        // An order that completes: how long one takes here.
        let started = Instant::now();
        let r = server
            .api(Method::POST, "/orders", &key, Some(order_of(&addresses("kz", 10_000))))
            .await
            .unwrap();
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let whole = started.elapsed();
        assert_eq!(
            count(&store, "SELECT COUNT(*) AS n FROM mailboxes WHERE address LIKE 'kz%'").await,
            10_000
        );

        // Killed at a quarter, half and three quarters of that time, then restarted.
        let mut absent = 0;
        for (round, fraction) in [(1, 0.25), (2, 0.5), (3, 0.75)] {
            let prefix = format!("k{round}x");
            let body = order_of(&addresses(&prefix, 10_000));
            let port = server.port;
            let auth = format!("Bearer {key}");
            let request = tokio::spawn(async move {
                let body = body.to_string().into_bytes();
                http(
                    port,
                    Method::POST,
                    "/api/v1/orders",
                    &[("authorization", &auth), ("content-type", "application/json")],
                    body,
                )
                .await
            });
            tokio::time::sleep(whole.mul_f64(fraction)).await;
            server.kill();
            let answer = request.await.unwrap();
            let stored =
                count(&store, &format!("SELECT COUNT(*) AS n FROM mailboxes WHERE address LIKE '{prefix}%'"))
                    .await;
            let orders = count(
                &store,
                &format!(
                    "SELECT COUNT(DISTINCT order_id) AS n FROM mailboxes WHERE address LIKE '{prefix}%'"
                ),
            )
            .await;
            assert!(
                stored == 0 || (stored == 10_000 && orders == 1),
                "round {round}: {stored} mailboxes stored"
            );
            if let Ok(r) = &answer {
                // An answer that came before the kill tells the truth.
                assert_eq!(r.status == StatusCode::CREATED, stored == 10_000, "{}", r.body);
            }
            absent += usize::from(stored == 0);
            assert_sound(&store).await;
            server = Server::start(&url, &[]).await;
        }
        assert!(absent > 0, "no kill landed before the order's commit (one order takes {whole:?})");
        // No order is left without its mailboxes (the demo has no orders of its own).
        let empty = count(
            &store,
            "SELECT COUNT(*) AS n FROM orders o WHERE NOT EXISTS (SELECT 1 FROM mailboxes m WHERE m.order_id = o.id)",
        )
        .await;
        assert_eq!(empty, 0);

        // After the restarts the numbering goes on without duplicates.
        let r =
            server.api(Method::POST, "/orders", &key, Some(order_of(&addresses("kdopo", 3)))).await.unwrap();
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_sound(&store).await;
    }
}
