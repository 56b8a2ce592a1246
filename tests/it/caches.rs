//! What each process keeps in memory (sessions, the settings in force): a page costs no
//! session or settings query, and nothing that ends a session, changes who an operator is or
//! changes the settings waits for the cache, on this process or another.

use crate::common;
use pec_manager::domain::auth::Scope;
use pec_manager::store::{from_now, new_token, token_hash, AuditRecord, Store};
use std::time::{Duration, Instant};

/// Opens a session of `username` as the login does; answers the stored hash of its token.
async fn open_session(store: &Store, username: &str) -> String {
    let op = common::operator(store, username).await;
    let hash = token_hash(&new_token());
    let audit = AuditRecord::by(&op, "LOGIN", "operatore", &op.username);
    store
        .create_session(
            &hash,
            op.id,
            &from_now(chrono::Duration::hours(1)),
            &from_now(chrono::Duration::hours(8)),
            &audit,
        )
        .await
        .unwrap();
    hash
}

async fn holder(store: &Store, hash: &str) -> Option<pec_manager::domain::auth::Operator> {
    store.session_operator(hash, &from_now(chrono::Duration::minutes(30))).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cached_session_ends_at_once_on_logout_disabling_and_revocation() {
    for store in common::stores().await {
        let store = store.with_caches_for(Duration::from_secs(2));
        let admin = common::operator(&store, "admin").await;

        // Cached: a row deleted behind the store's back (no notice of any kind) is still
        // served, and no longer than the cache's time.
        let hidden = open_session(&store, "operatore").await;
        assert!(holder(&store, &hidden).await.is_some());
        store.raw_execute(&format!("DELETE FROM sessions WHERE token_hash = '{hidden}'")).await.unwrap();
        assert!(holder(&store, &hidden).await.is_some(), "not served from the cache");
        let deleted = Instant::now();
        while holder(&store, &hidden).await.is_some() {
            assert!(deleted.elapsed() < Duration::from_secs(4), "served past the cache's time");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }

        // Logout.
        let s = open_session(&store, "alfa").await;
        let alfa = holder(&store, &s).await.expect("alfa's session");
        store.delete_session(&s, &AuditRecord::by(&alfa, "LOGOUT", "operatore", "alfa")).await.unwrap();
        assert!(holder(&store, &s).await.is_none(), "a logged-out session still served");

        // An organisation renamed: its operators' pages show the new name at once.
        let s = open_session(&store, "alfa").await;
        assert!(holder(&store, &s).await.is_some());
        store.rename_organisation(&admin, alfa.organisation_id, "Alfa Rinominata").await.unwrap();
        assert_eq!(holder(&store, &s).await.unwrap().organisation_name, "Alfa Rinominata");

        // A disabled operator.
        let s = open_session(&store, "operatore").await;
        assert!(holder(&store, &s).await.is_some());
        let audit = AuditRecord::by(&admin, "OPERATORE_DISATTIVATO", "operatore", "operatore");
        assert!(store.set_operator_active(Scope::All, "operatore", false, &audit).await.unwrap());
        assert!(holder(&store, &s).await.is_none(), "a disabled operator's session still served");

        // A revoked organisation.
        let s = open_session(&store, "alfa.admin").await;
        assert!(holder(&store, &s).await.is_some());
        store.set_organisation_active(&admin, alfa.organisation_id, false).await.unwrap();
        assert!(holder(&store, &s).await.is_none(), "a revoked organisation's session still served");

        // A session past its expiry is not served from the cache, however long it keeps.
        let store = store.with_caches_for(Duration::from_secs(60));
        let beta = common::operator(&store, "beta").await;
        let s = token_hash(&new_token());
        let audit = AuditRecord::by(&beta, "LOGIN", "operatore", "beta");
        let soon = from_now(chrono::Duration::seconds(2));
        store.create_session(&s, beta.id, &soon, &soon, &audit).await.unwrap();
        assert!(holder(&store, &s).await.is_some());
        tokio::time::sleep(Duration::from_millis(3100)).await;
        assert!(holder(&store, &s).await.is_none(), "an expired session served from the cache");
    }
}

/// Two stores on one PostgreSQL are two processes' caches: a change on one reaches the other
/// through NOTIFY, well within the cache's time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_on_one_process_reaches_the_others_cache_at_once() {
    let Some(first) = common::postgres_store().await else { return };
    let second = Store::open(&first.url_for_tests()).await.unwrap().with_caches_for(Duration::from_secs(60));
    let listening = tokio::spawn({
        let second = second.clone();
        async move { second.follow_changes().await }
    });
    assert!(second.wait_until_following_for_tests().await, "not listening after 10 s");
    let admin = common::operator(&first, "admin").await;
    let s = open_session(&first, "operatore").await;
    assert!(holder(&second, &s).await.is_some());
    let audit = AuditRecord::by(&admin, "OPERATORE_DISATTIVATO", "operatore", "operatore");
    assert!(first.set_operator_active(Scope::All, "operatore", false, &audit).await.unwrap());
    let changed = Instant::now();
    while holder(&second, &s).await.is_some() {
        assert!(changed.elapsed() < Duration::from_secs(2), "the other process did not hear of it");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // The listening connection lost (here killed): notices sent meanwhile may be missed, so the
    // other process forgets everything it kept once it is connected again, not 60 s later.
    let s = open_session(&first, "alfa").await;
    assert!(holder(&second, &s).await.is_some());
    first.raw_execute(&format!("DELETE FROM sessions WHERE token_hash = '{s}'")).await.unwrap();
    assert!(holder(&second, &s).await.is_some(), "not kept");
    let killed = first
        .raw_count(
            "SELECT COUNT(pg_terminate_backend(pid)) AS n FROM pg_stat_activity \
             WHERE query ILIKE 'listen%' AND pid <> pg_backend_pid()",
        )
        .await
        .unwrap();
    assert_eq!(killed, 1, "one listening connection");
    let lost = Instant::now();
    while holder(&second, &s).await.is_some() {
        assert!(lost.elapsed() < Duration::from_secs(5), "kept after the listening connection was lost");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(second.wait_until_following_for_tests().await, "not listening again");

    // The settings: a change on one process is in force on the other at once.
    let mut changed = second.settings_in_force().await.unwrap();
    changed.renewal_grace_days += 7;
    first.save_settings(&admin, &changed).await.unwrap();
    let since = Instant::now();
    while second.settings_in_force().await.unwrap().renewal_grace_days != changed.renewal_grace_days {
        assert!(since.elapsed() < Duration::from_secs(2), "the other process kept the old settings");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    listening.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_saved_are_in_force_at_once_on_this_process() {
    for store in common::stores().await {
        let store = store.with_caches_for(Duration::from_secs(60));
        let admin = common::operator(&store, "admin").await;
        let mut changed = store.settings_in_force().await.unwrap();
        changed.session_idle_minutes += 1;
        store.save_settings(&admin, &changed).await.unwrap();
        assert_eq!(
            store.settings_in_force().await.unwrap().session_idle_minutes,
            changed.session_idle_minutes
        );
        store.set_setting("renewal_grace_days", "45").await.unwrap();
        assert_eq!(store.settings_in_force().await.unwrap().renewal_grace_days, 45);
        // Kept: a change behind the store's back is not seen before the cache's time.
        store.raw_execute("UPDATE settings SET value = '46' WHERE key = 'renewal_grace_days'").await.unwrap();
        assert_eq!(store.settings_in_force().await.unwrap().renewal_grace_days, 45, "not kept");
    }
}
