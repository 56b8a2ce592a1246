//! Hostile input: forged cross-site posts, text that is markup, redirects built from input,
//! oversized names and bodies, values that must not travel in a URL, credentials in logs.

use crate::common;
use crate::web::*;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use pec_manager::domain::auth::Scope;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_cross_site_posts_are_refused() {
    for store in common::stores().await {
        let app = app(&store);
        let cookie = login(&app, "alfa").await;
        let form =
            "draft=&azione=continua&customer_name=X&customer_kind=&legal_rep_cf=&contact_email=&offer=";
        let r = send(
            &app,
            post("/api/richiesta/salva-dati", form, Some(&cookie), Some("https://evil.example"), true),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = send(&app, post("/api/richiesta/salva-dati", form, Some(&cookie), None, true)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "a post without Origin or Referer");
        let r = send(
            &app,
            post(
                "/api/accedi",
                "username=alfa&password=x&next=%2F",
                None,
                Some("https://evil.example"),
                true,
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "login CSRF");
        let r = send(&app, post("/api/richiesta/salva-dati", form, Some(&cookie), Some(ORIGIN), true)).await;
        assert_eq!(r.status, StatusCode::FOUND);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_text_is_stored_as_text_and_shown_escaped() {
    for store in common::stores().await {
        let app = app(&store);
        let alfa = common::operator(&store, "alfa").await;
        let mut m = mailbox("xss@legalmail.it");
        m.description = "<script>alert(1)</script>".into();
        let (_, number) = order_by(&store, &alfa, "\"><img src=x onerror=alert(1)>", m).await;
        let userid = store.order(Scope::All, &number).await.unwrap().unwrap().mailboxes[0].userid.clone();
        let cookie = login(&app, "alfa").await;
        let order = send(&app, get(&format!("/ordini/{number}"), Some(&cookie))).await;
        assert_eq!(order.status, StatusCode::OK);
        assert!(!order.body.contains("<img src=x"), "customer name rendered as HTML");
        assert!(order.body.contains("&lt;img src=x onerror=alert(1)&gt;"));
        let page = send(&app, get(&format!("/caselle/{userid}"), Some(&cookie))).await;
        assert!(!page.body.contains("<script>alert(1)"), "description rendered as HTML");
        assert!(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        // The SQL in the order number field was stored as text; every table is still there.
        let detail = store.order(Scope::All, &number).await.unwrap().unwrap();
        assert_eq!(detail.customer_po, "'; DROP TABLE orders; --");
        assert!(store.recent_orders(Scope::All, 1, 10).await.unwrap().total >= 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_names_are_shown_escaped() {
    for store in common::stores().await {
        let app = app(&store);
        let admin = login(&app, "alfa.admin").await;
        let alfa_id = store.organisation_by_name("Rivenditore Alfa").await.unwrap().unwrap().id;
        let form = format!(
            "username=alfa.xss&display_name={}&role=OPERATORE&organisation={alfa_id}&password={}",
            enc("<script>alert(1)</script>"),
            enc("una password lunga")
        );
        let r =
            send(&app, post("/api/configurazione/nuovo-operatore", &form, Some(&admin), Some(ORIGIN), true))
                .await;
        assert!(r.location().contains("creato="), "{}", r.location());
        let page = send(&app, get("/configurazione/operatori", Some(&admin))).await;
        assert!(!page.body.contains("<script>alert(1)"));
        assert!(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    }
}

/// Finding 2: hostile `next` values after login all lead home, never elsewhere and never 500;
/// the same for the other redirects built from input.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_built_from_input_stay_local_and_never_fail() {
    let store = common::sqlite_store().await;
    for next in [
        "//x",
        "/\\x",
        "/\t/x",
        "/%09/x",
        "https://x",
        "/%0d%0aSet-Cookie:x",
        "/\r\nSet-Cookie:x",
        "/\n",
        "javascript:alert(1)",
        "/\u{0}x",
    ] {
        // A fresh server each time: the per-name rate limit is not what is tested here.
        let app = app(&store);
        let r = send(&app, login_from("alfa", common::PASSWORD, next, [10, 1, 1, 1])).await;
        assert_eq!(r.status, StatusCode::FOUND, "{next:?}");
        assert_eq!(r.location(), "/", "{next:?}");
        let r = send(&app, login_from("alfa", "sbagliata", next, [10, 1, 1, 2])).await;
        assert_eq!(r.status, StatusCode::FOUND, "{next:?}");
        assert!(r.location().ends_with("next=/"), "{next:?} → {}", r.location());
        // The login page itself, asked to go there.
        let r = send(&app, get(&format!("/accesso?next={}", enc(next)), None)).await;
        assert_ne!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{next:?}");
    }
    let app = app(&store);
    // A holder's page with a hostile token, and the password form with one.
    for token in ["%0D%0ASet-Cookie:x", "x%0Dy", "%2F%2Fevil.example"] {
        let r = send(&app, get(&format!("/attiva?token={token}"), None)).await;
        assert_ne!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{token}");
        let form = format!("token={token}&password=corta&password_again=corta");
        let r = send(&app, post("/api/attiva/password", &form, None, Some(ORIGIN), true)).await;
        assert_ne!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{token}");
        assert!(!r.location().contains('\r') && !r.location().starts_with("//"), "{}", r.location());
    }
    // Plain routes whose path carries input.
    let cookie = login(&app, "alfa").await;
    let (ct, body) = multipart(&[], Some(("x.pdf", b"%PDF-1.7")));
    let req = Request::post("/ordini/%0D%0Aevil/contratto")
        .header(header::HOST, HOST)
        .header(header::ORIGIN, ORIGIN)
        .header(header::COOKIE, &cookie)
        .header(header::CONTENT_TYPE, ct)
        .body(Body::from(body))
        .unwrap();
    let r = send(&app, req).await;
    assert_ne!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
}

/// Finding 5: a huge user name is refused with 400 and leaves at most one short audit row; a
/// chunked body is held to the same limit as a declared one (413).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_names_and_streamed_bodies_are_refused() {
    for store in common::stores().await {
        let app = app(&store);
        let before =
            store.audit_entries(pec_manager::domain::auth::Scope::All, &Default::default(), 1, 1).await;
        let before = before.unwrap().total;
        let huge = "a".repeat(1_900_000);
        let r = send(
            &app,
            post("/api/accedi", &format!("username={huge}&password=x&next=%2F"), None, Some(ORIGIN), false),
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        let log = store
            .audit_entries(pec_manager::domain::auth::Scope::All, &Default::default(), 1, 10)
            .await
            .unwrap();
        assert!(log.total - before <= 1, "{} rows written", log.total - before);
        assert!(log.items.iter().all(|e| e.username.len() <= 64 && e.object_id.len() <= 64));

        // 3 MB sent chunked (no Content-Length): 413 like the same body with a length.
        for (path, cookie) in
            [("/api/accedi", None), ("/api/casella/modifica", Some(login(&app, "alfa").await))]
        {
            let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
                (0..48).map(|_| Ok(vec![b'a'; 64 * 1024])).collect();
            let mut b = Request::post(path)
                .header(header::HOST, HOST)
                .header(header::ORIGIN, ORIGIN)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            if let Some(c) = &cookie {
                b = b.header(header::COOKIE, c);
            }
            let req = b.body(Body::from_stream(futures_util::stream::iter(chunks))).unwrap();
            assert_eq!(send(&app, req).await.status, StatusCode::PAYLOAD_TOO_LARGE, "{path}");
        }
    }
}

/// Finding 7: values of a refused edit (codice fiscale, e-mail) come back from the server, never
/// through the URL; the home page has "Esci" without JavaScript.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_values_stay_on_the_server_and_home_can_log_out_without_javascript() {
    for store in common::stores().await {
        let app = app(&store);
        let alfa = common::operator(&store, "alfa").await;
        let n = std::process::id();
        let (_, number) =
            order_by(&store, &alfa, "Cliente stash", mailbox(&format!("stash{n}@legalmail.it"))).await;
        let userid = store.order(alfa.scope(), &number).await.unwrap().unwrap().mailboxes[0].userid.clone();
        let cookie = login(&app, "alfa").await;
        let form = format!(
            "userid={userid}&mailbox[address]=stash{n}%40legalmail.it&mailbox[description]=x\
             &mailbox[password_email]=segreta%40example.it&mailbox[first_name]=Mario&mailbox[last_name]=Rossi\
             &mailbox[tax_code]=RSSMRA70A01H501X&mailbox[nickname]="
        );
        let r = send(&app, post("/api/casella/modifica", &form, Some(&cookie), Some(ORIGIN), true)).await;
        assert_eq!(r.status, StatusCode::FOUND);
        let to = r.location().to_string();
        assert!(to.contains("errore=dati"), "{to}");
        for secret in ["RSSMRA70A01H501X", "segreta", "Mario"] {
            assert!(!to.contains(secret), "{secret} in the URL: {to}");
        }
        let page = send(&app, get(to.split('#').next().unwrap(), Some(&cookie))).await;
        assert!(page.body.contains("RSSMRA70A01H501X"), "the refused value did not come back");
        // Another session of the same operator does not see it.
        let other = login(&app, "alfa").await;
        let page = send(&app, get(to.split('#').next().unwrap(), Some(&other))).await;
        assert!(!page.body.contains("RSSMRA70A01H501X"));

        // A small form too.
        let form = format!(
            "userid={userid}&azione=sicurezza&form[phone]=abc&form[recovery_email]=privata%40example.it"
        );
        let r = send(&app, post("/api/casella/azione", &form, Some(&cookie), Some(ORIGIN), true)).await;
        assert!(r.location().contains("errore=1") && !r.location().contains("privata"), "{}", r.location());
        let page = send(&app, get(r.location().split('#').next().unwrap(), Some(&cookie))).await;
        assert!(page.body.contains("privata@example.it"));

        let home = send(&app, get("/", Some(&cookie))).await;
        let esci = home.body.find(">Esci<").expect("no Esci on the home page");
        let header_end = home.body.find("</header>").expect("header");
        assert!(esci < header_end, "Esci is streamed outside the header (needs a script to appear)");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gestione_domini_repeats_only_a_valid_name_from_its_address() {
    for store in common::stores().await {
        let app = app(&store);
        let admin = login(&app, "alfa.admin").await;
        let r =
            send(&app, get("/domini?aggiunto=pagate%20qui%20https%3A%2F%2Fx.example", Some(&admin))).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(!r.body.contains("pagate qui"), "raw text from the address is echoed");
    }
}

/// Finding 7: the audit log refuses TRUNCATE too (PostgreSQL; SQLite has no TRUNCATE).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_cannot_be_truncated() {
    if let Some(store) = common::postgres_store().await {
        let admin = common::operator(&store, "admin").await;
        store.audit(&pec_manager::store::AuditRecord::by(&admin, "PROVA", "prova", "1")).await.unwrap();
        assert!(store.raw_execute("TRUNCATE audit_log").await.is_err());
        assert!(store.raw_execute("DELETE FROM audit_log").await.is_err());
    }
}

#[test]
fn database_urls_are_shown_without_credentials() {
    use pec_manager::store::redacted_url;
    assert_eq!(redacted_url("postgres://u:segreta@db:5432/pec?password=segreta"), "postgres://db:5432/pec");
    assert_eq!(redacted_url("postgres://db/pec?user=u&password=segreta"), "postgres://db/pec");
    assert_eq!(redacted_url("sqlite://data/pec.db?mode=rwc"), "sqlite://data/pec.db");
}
