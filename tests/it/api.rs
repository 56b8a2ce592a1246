//! The REST API v1 through the real HTTP application, on SQLite and PostgreSQL: keys and their
//! scopes, isolation between organisations, problem details, idempotent orders, the whole
//! order-to-mailbox flow with a signed contract, the rate limit, and the OpenAPI document
//! compared with the router.

use crate::common;
use crate::web::{get, login, post, send, state, Reply, ORIGIN};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use pec_manager::domain::api_keys::ApiKeyScope;
use pec_manager::server::router;
use pec_manager::store::Store;
use serde_json::{json, Value};

/// A key of `admin`'s organisation, made as the Chiavi API page makes it.
pub(crate) async fn key(store: &Store, admin: &str, name: &str, scope: ApiKeyScope) -> String {
    let op = common::operator(store, admin).await;
    let key = format!("pec_{}", pec_manager::store::new_token());
    let hint = format!("{}…", &key[..12]);
    store.create_api_key(&op, name, scope, &pec_manager::store::token_hash(&key), &hint).await.unwrap();
    key
}

fn call(method: &str, path: &str, key: Option<&str>, body: Option<Value>) -> Request<Body> {
    let mut b = Request::builder()
        .method(method)
        .uri(format!("/api/v1{path}"))
        .header(header::HOST, "127.0.0.1:3000");
    if let Some(k) = key {
        b = b.header(header::AUTHORIZATION, format!("Bearer {k}"));
    }
    match body {
        Some(v) => {
            b.header(header::CONTENT_TYPE, "application/json").body(Body::from(v.to_string())).unwrap()
        }
        None => b.body(Body::empty()).unwrap(),
    }
}

fn value(r: &Reply) -> Value {
    serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("{e}: {}", r.body))
}

/// A problem: its media type and RFC 9457 members; answers its code.
fn problem(r: &Reply, status: StatusCode) -> String {
    assert_eq!(r.status, status, "{}", r.body);
    let ct = r.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert_eq!(ct, "application/problem+json", "{}", r.body);
    let v = value(r);
    let code = v["code"].as_str().unwrap().to_string();
    assert_eq!(v["type"], format!("urn:pec-manager:problem:{code}"));
    assert_eq!(v["status"], status.as_u16());
    assert!(!v["title"].as_str().unwrap().is_empty() && !v["detail"].as_str().unwrap().is_empty());
    code
}

pub(crate) fn order_body(addresses: &[&str]) -> Value {
    json!({
        "customer_name": "Cliente API",
        "customer_kind": "IMPRESA",
        "legal_rep_cf": common::LEGAL_REP,
        "contact_email": "referente@cliente.it",
        "offer": "CONSIP",
        "consent": true,
        "mailboxes": addresses.iter().map(|a| json!({
            "address": a, "password_email": "titolare@cliente.it",
            "first_name": "Mario", "last_name": "Rossi", "tax_code": "RSSMRA70A01H501S"
        })).collect::<Vec<_>>(),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_authenticate_only_the_api_and_only_for_their_organisation() {
    for store in common::stores().await {
        let app = router::build(state(&store));
        let write = key(&store, "alfa.admin", "gestionale", ApiKeyScope::Scrittura).await;
        let read = key(&store, "alfa.admin", "cruscotto", ApiKeyScope::Lettura).await;
        let beta = key(&store, "beta", "altro", ApiKeyScope::Scrittura).await;

        // No key, a malformed one, an unknown one: 401, as problem details.
        for k in [None, Some("pec_123"), Some(&*format!("pec_{}", "0".repeat(64)))] {
            let r = send(&app, call("GET", "/orders", k, None)).await;
            assert_eq!(problem(&r, StatusCode::UNAUTHORIZED), "chiave_mancante");
        }
        // A session cookie is not a key: no CSRF surface.
        let cookie = login(&app, "alfa").await;
        let mut req = call("GET", "/orders", None, None);
        req.headers_mut().insert(header::COOKIE, cookie.parse().unwrap());
        assert_eq!(problem(&send(&app, req).await, StatusCode::UNAUTHORIZED), "chiave_mancante");
        // A key is not a session: the pages still ask for the login.
        let mut page = get("/recenti", None);
        page.headers_mut().insert(header::AUTHORIZATION, format!("Bearer {write}").parse().unwrap());
        let r = send(&app, page).await;
        assert!(r.location().starts_with("/accesso"), "{} {}", r.status, r.location());

        // A read-only key reads but never writes.
        assert_eq!(send(&app, call("GET", "/orders", Some(&read), None)).await.status, StatusCode::OK);
        let r =
            send(&app, call("POST", "/orders", Some(&read), Some(order_body(&["sololettura@legalmail.it"]))))
                .await;
        assert_eq!(problem(&r, StatusCode::FORBIDDEN), "sola_lettura");

        // Another organisation's order and mailbox do not exist for this key.
        let r =
            send(&app, call("POST", "/orders", Some(&write), Some(order_body(&["api.alfa@legalmail.it"]))))
                .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let order = value(&r);
        let number = order["number"].as_str().unwrap().to_string();
        let userid = order["mailboxes"][0]["userid"].as_str().unwrap().to_string();
        assert_eq!(r.headers.get(header::LOCATION).unwrap(), &format!("/api/v1/orders/{number}"));
        for (method, path) in [
            ("GET", format!("/orders/{number}")),
            ("GET", format!("/orders/{number}/contract")),
            ("GET", format!("/mailboxes/{userid}")),
            ("POST", format!("/mailboxes/{userid}/suspend")),
            ("POST", format!("/mailboxes/{userid}/password-link")),
        ] {
            let r = send(&app, call(method, &path, Some(&beta), None)).await;
            assert_eq!(problem(&r, StatusCode::NOT_FOUND), "non_trovato", "{method} {path}");
        }
        let r = send(&app, call("GET", "/orders", Some(&beta), None)).await;
        assert!(!r.body.contains(&number), "another organisation's list");

        // Revoked: refused at once.
        let admin = common::operator(&store, "alfa.admin").await;
        let keys = store.api_keys(admin.scope()).await.unwrap();
        let id = keys.iter().find(|k| k.name == "gestionale").unwrap().id;
        assert!(keys.iter().find(|k| k.name == "gestionale").unwrap().last_used_at.is_some(), "last used");
        assert!(store.revoke_api_key(&admin, id).await.unwrap());
        let r = send(&app, call("GET", "/orders", Some(&write), None)).await;
        assert_eq!(problem(&r, StatusCode::UNAUTHORIZED), "chiave_mancante");
        // Beta's administrator cannot revoke Alfa's keys.
        let beta_admin = common::operator(&store, "beta").await;
        let read_id = keys.iter().find(|k| k.name == "cruscotto").unwrap().id;
        assert!(!store.revoke_api_key(&beta_admin, read_id).await.unwrap());

        // Malformed JSON and unknown paths are problems too.
        let mut bad = call("POST", "/orders", Some(&beta), None);
        *bad.body_mut() = Body::from("{\"customer_name\": ");
        bad.headers_mut().insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
        assert_eq!(problem(&send(&app, bad).await, StatusCode::BAD_REQUEST), "richiesta_non_valida");
        let r = send(&app, call("GET", "/nessuno", Some(&beta), None)).await;
        assert_eq!(problem(&r, StatusCode::NOT_FOUND), "non_trovato");
        // Bodies are bounded: past the limit, a problem and nothing stored.
        let mut huge = call("POST", "/orders", Some(&beta), None);
        *huge.body_mut() = Body::from(vec![b' '; pec_manager::api::BODY_MAX + 1]);
        huge.headers_mut().insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
        assert_eq!(problem(&send(&app, huge).await, StatusCode::PAYLOAD_TOO_LARGE), "troppo_grande");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_are_validated_as_in_the_wizard_and_created_once_per_idempotency_key() {
    for store in common::stores().await {
        let app = router::build(state(&store));
        let k = key(&store, "alfa.admin", "gestionale", ApiKeyScope::Scrittura).await;

        // The wizard's messages, field by field.
        let mut body = order_body(&["non valido@legalmail.it", "ok.api@altrodominio.example"]);
        body["legal_rep_cf"] = json!("RSSMRA70A01H501X");
        body["consent"] = json!(false);
        let r = send(&app, call("POST", "/orders", Some(&k), Some(body))).await;
        assert_eq!(problem(&r, StatusCode::UNPROCESSABLE_ENTITY), "dati_non_validi");
        let errors = value(&r)["errors"].as_array().unwrap().clone();
        let fields: Vec<&str> = errors.iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert!(fields.contains(&"legal_rep_cf"), "{fields:?}");
        assert!(
            fields.contains(&"mailboxes[0].address") && fields.contains(&"mailboxes[1].address"),
            "{fields:?}"
        );
        assert!(errors.iter().all(|e| !e["message"].as_str().unwrap().is_empty()));

        // Availability: invalid, free, then taken.
        let ask =
            json!({ "addresses": ["uno.api@legalmail.it", "x y@legalmail.it"], "nicknames": ["nick.api"] });
        let r = send(&app, call("POST", "/availability", Some(&k), Some(ask.clone()))).await;
        let v = value(&r);
        assert_eq!(v["addresses"][0]["available"], true, "{v}");
        assert_eq!(v["addresses"][1]["available"], false);
        assert!(v["addresses"][1]["message"].as_str().unwrap().contains("Carattere non ammesso"));
        assert_eq!(v["nicknames"][0]["available"], true);

        // Two concurrent requests with one Idempotency-Key make one order; a later retry
        // answers it; the same key with another body is refused.
        let orders_before =
            store.orders_before(pec_manager::domain::auth::Scope::All, None, 200).await.unwrap().0.len();
        let with_key = |body: Value| {
            let mut req = call("POST", "/orders", Some(&k), Some(body));
            req.headers_mut().insert("idempotency-key", "ordine-42".parse().unwrap());
            req
        };
        let body = order_body(&["uno.api@legalmail.it", "due.api@legalmail.it"]);
        let (a, b) = tokio::join!(send(&app, with_key(body.clone())), send(&app, with_key(body.clone())));
        let statuses = [a.status, b.status];
        assert!(statuses.contains(&StatusCode::CREATED), "{} {}", a.body, b.body);
        assert!(
            statuses.iter().all(|s| *s == StatusCode::CREATED || *s == StatusCode::OK),
            "{} {}",
            a.body,
            b.body
        );
        assert_eq!(value(&a)["number"], value(&b)["number"]);
        let again = send(&app, with_key(body.clone())).await;
        assert_eq!(
            (again.status, value(&again)["number"].clone()),
            (StatusCode::OK, value(&a)["number"].clone())
        );
        let orders_after =
            store.orders_before(pec_manager::domain::auth::Scope::All, None, 200).await.unwrap().0.len();
        assert_eq!(orders_after, orders_before + 1, "one order for three requests");
        let other = send(&app, with_key(order_body(&["tre.api@legalmail.it"]))).await;
        assert_eq!(problem(&other, StatusCode::UNPROCESSABLE_ENTITY), "idempotenza_diversa");

        // The names are now taken; a new request for them says so.
        let r = send(&app, call("POST", "/availability", Some(&k), Some(ask))).await;
        assert_eq!(value(&r)["addresses"][0]["message"], "Nome già in uso");
        let r =
            send(&app, call("POST", "/orders", Some(&k), Some(order_body(&["uno.api@legalmail.it"])))).await;
        assert_eq!(problem(&r, StatusCode::UNPROCESSABLE_ENTITY), "dati_non_validi");

        // Cursor paging: every order once, newest first.
        for i in 0..3 {
            let r = send(
                &app,
                call(
                    "POST",
                    "/orders",
                    Some(&k),
                    Some(order_body(&[&format!("pagina{i}.api@legalmail.it")])),
                ),
            )
            .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        }
        let mut seen = Vec::new();
        let mut cursor = String::new();
        loop {
            let r =
                send(&app, call("GET", &format!("/orders?limit=2&cursor={cursor}"), Some(&k), None)).await;
            let v = value(&r);
            seen.extend(
                v["items"].as_array().unwrap().iter().map(|o| o["number"].as_str().unwrap().to_string()),
            );
            match v["next_cursor"].as_str() {
                Some(c) => cursor = c.to_string(),
                None => break,
            }
        }
        assert_eq!(seen.len(), 4, "{seen:?}");
        let mut sorted = seen.clone();
        sorted.sort();
        sorted.reverse();
        assert_eq!(seen, sorted, "newest first, no repeats");
        let r = send(&app, call("GET", "/orders?limit=0", Some(&k), None)).await;
        assert_eq!(problem(&r, StatusCode::BAD_REQUEST), "richiesta_non_valida");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_program_orders_signs_activates_and_manages_a_mailbox() {
    use pec_manager::signature::testing::cades;
    for store in common::stores().await {
        let app = router::build(state(&store));
        let k = key(&store, "alfa.admin", "gestionale", ApiKeyScope::Scrittura).await;
        let r = send(&app, call("POST", "/orders", Some(&k), Some(order_body(&["flusso.api@legalmail.it"]))))
            .await;
        let order = value(&r);
        let number = order["number"].as_str().unwrap().to_string();
        let userid = order["mailboxes"][0]["userid"].as_str().unwrap().to_string();
        assert_eq!(order["state"], "PRENOTATO");

        // A booked order can be cancelled; an EVASO one cannot (below).
        let spare = value(
            &send(&app, call("POST", "/orders", Some(&k), Some(order_body(&["annullata.api@legalmail.it"]))))
                .await,
        );
        let spare_number = spare["number"].as_str().unwrap();
        let r = send(&app, call("POST", &format!("/orders/{spare_number}/cancel"), Some(&k), None)).await;
        assert_eq!(value(&r)["state"], "ANNULLATO");
        let r = send(&app, call("DELETE", &format!("/orders/{spare_number}/cancel"), Some(&k), None)).await;
        assert_eq!(problem(&r, StatusCode::METHOD_NOT_ALLOWED), "metodo_non_ammesso");

        // The contract, signed by someone else: refused with its code; by the legal
        // representative: the order is fulfilled.
        let r = send(&app, call("GET", &format!("/orders/{number}/contract"), Some(&k), None)).await;
        assert_eq!(r.headers.get(header::CONTENT_TYPE).unwrap(), "application/pdf");
        let pdf = r.bytes.clone();
        let upload = |file: Vec<u8>| {
            Request::put(format!("/api/v1/orders/{number}/signed-contract"))
                .header(header::AUTHORIZATION, format!("Bearer {k}"))
                .header(header::CONTENT_TYPE, "application/pkcs7-mime")
                .body(Body::from(file))
                .unwrap()
        };
        let r = send(&app, upload(cades(&common::pki().other, &pdf))).await;
        assert_eq!(problem(&r, StatusCode::UNPROCESSABLE_ENTITY), "firmatario");
        let r = send(&app, upload(b"%PDF-1.7 non firmato".to_vec())).await;
        assert_eq!(problem(&r, StatusCode::UNPROCESSABLE_ENTITY), "non_firmato");
        let r = send(&app, upload(cades(&common::pki().rep, &pdf))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let v = value(&r);
        assert_eq!(v["state"], "EVASO");
        assert_eq!(v["signature"]["signer_name"], "Mario Rossi");
        assert_eq!(v["signature"]["verified"], true);
        let r = send(&app, upload(cades(&common::pki().rep, &pdf))).await;
        assert_eq!(problem(&r, StatusCode::CONFLICT), "stato");
        let r = send(&app, call("POST", &format!("/orders/{number}/cancel"), Some(&k), None)).await;
        assert_eq!(problem(&r, StatusCode::CONFLICT), "stato");

        // The mailbox page's operations.
        let path = format!("/mailboxes/{userid}");
        assert_eq!(value(&send(&app, call("GET", &path, Some(&k), None)).await)["state"], "ATTIVA");
        let r = send(&app, call("POST", &format!("{path}/password-link"), Some(&k), None)).await;
        assert_eq!(r.status, StatusCode::ACCEPTED);
        let r = send(&app, call("POST", &format!("{path}/suspend"), Some(&k), None)).await;
        assert_eq!(value(&r)["state"], "SOSPESA");
        let r = send(&app, call("POST", &format!("{path}/suspend"), Some(&k), None)).await;
        assert_eq!(problem(&r, StatusCode::CONFLICT), "transizione_non_ammessa");
        let r = send(&app, call("POST", &format!("{path}/password-link"), Some(&k), None)).await;
        assert_eq!(problem(&r, StatusCode::CONFLICT), "stato");
        let r = send(&app, call("POST", &format!("{path}/reactivate"), Some(&k), None)).await;
        assert_eq!(value(&r)["state"], "ATTIVA");

        // "Modifica dati" and tacit renewal.
        let r = send(
            &app,
            call("PATCH", &path, Some(&k), Some(json!({ "description": "Segreteria", "tax_code": "XYZ" }))),
        )
        .await;
        assert_eq!(problem(&r, StatusCode::UNPROCESSABLE_ENTITY), "dati_non_validi");
        assert_eq!(value(&r)["errors"][0]["field"], "tax_code");
        let r =
            send(&app, call("PATCH", &path, Some(&k), Some(json!({ "description": "Segreteria" })))).await;
        assert_eq!(value(&r)["description"], "Segreteria", "{}", r.body);
        let r = send(
            &app,
            call("PUT", &format!("{path}/tacit-renewal"), Some(&k), Some(json!({ "enabled": true }))),
        )
        .await;
        assert_eq!(value(&r)["tacit_renewal"], true);

        // Renewal: a retry with the same Idempotency-Key renews once.
        let renew = || {
            let mut req = call("POST", "/renewals", Some(&k), Some(json!({ "userids": [userid] })));
            req.headers_mut().insert("idempotency-key", "rinnovo-1".parse().unwrap());
            req
        };
        let first = value(&send(&app, renew()).await);
        assert_eq!(first["orders"].as_array().unwrap().len(), 1, "{first}");
        assert_eq!(value(&send(&app, renew()).await), first);
        let r = send(&app, call("POST", "/renewals", Some(&k), Some(json!({ "userids": [userid] })))).await;
        assert_eq!(problem(&r, StatusCode::BAD_REQUEST), "richiesta_non_valida");

        // Search finds it; revocation needs a known reason.
        let r = send(&app, call("GET", "/mailboxes?q=flusso.api", Some(&k), None)).await;
        assert_eq!(value(&r)["items"][0]["userid"], userid.as_str());
        let r = send(
            &app,
            call("POST", &format!("{path}/revoke"), Some(&k), Some(json!({ "reason": "PERCHÉ" }))),
        )
        .await;
        assert_eq!(problem(&r, StatusCode::UNPROCESSABLE_ENTITY), "dati_non_validi");
        let r = send(
            &app,
            call("POST", &format!("{path}/revoke"), Some(&k), Some(json!({ "reason": "RICHIESTA_CLIENTE" }))),
        )
        .await;
        assert_eq!(value(&r)["state"], "REVOCATA");

        // Every write is in the audit log under the key's name.
        let admin = common::operator(&store, "alfa.admin").await;
        let log = store.audit_entries(admin.scope(), &Default::default(), 1, 100).await.unwrap();
        for action in ["ORDINE_EVASO", "LINK_PASSWORD_INVIATO"] {
            let entry = log.items.iter().find(|e| e.action == action).unwrap_or_else(|| panic!("{action}"));
            assert_eq!(entry.username, "api:gestionale", "{action}");
        }
        assert!(log.items.iter().filter(|e| e.username == "api:gestionale").count() >= 6);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_key_has_its_rate_limit() {
    let store = common::sqlite_store().await;
    let mut limited = state(&store);
    limited.api_rate =
        pec_manager::server::throttle::ApiRate { period: std::time::Duration::from_secs(60), burst: 3 };
    let app = router::build(limited);
    let one = key(&store, "alfa.admin", "uno", ApiKeyScope::Lettura).await;
    let two = key(&store, "alfa.admin", "due", ApiKeyScope::Lettura).await;
    for _ in 0..3 {
        assert_eq!(send(&app, call("GET", "/orders", Some(&one), None)).await.status, StatusCode::OK);
    }
    let r = send(&app, call("GET", "/orders", Some(&one), None)).await;
    assert_eq!(problem(&r, StatusCode::TOO_MANY_REQUESTS), "troppe_richieste");
    let wait: u64 = r.headers.get(header::RETRY_AFTER).unwrap().to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    // Another key is not slowed by the first.
    assert_eq!(send(&app, call("GET", "/orders", Some(&two), None)).await.status, StatusCode::OK);
}

/// The served document is valid OpenAPI 3.1, lists every endpoint the issue asks for, and each
/// documented operation is routed (a request reaches its handler, not the "no such path").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_matches_the_router() {
    let store = common::sqlite_store().await;
    let app = router::build(state(&store));
    let r = send(&app, call("GET", "/openapi.json", None, None)).await;
    assert_eq!(r.status, StatusCode::OK);
    let spec = oas3::from_json(&r.body).unwrap_or_else(|e| panic!("not OpenAPI 3.1: {e}"));
    assert!(spec.openapi.starts_with("3.1"), "{}", spec.openapi);
    let doc: Value = value(&r);
    let mut documented = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.push((method.to_uppercase(), path.clone()));
        }
    }
    documented.sort();
    let expected: Vec<(String, String)> = [
        ("POST", "/availability"),
        ("POST", "/orders"),
        ("GET", "/orders"),
        ("GET", "/orders/{number}"),
        ("GET", "/orders/{number}/contract"),
        ("PUT", "/orders/{number}/signed-contract"),
        ("POST", "/orders/{number}/cancel"),
        // Issue 27: an order's documents.
        ("PUT", "/orders/{number}/documents"),
        ("GET", "/orders/{number}/documents"),
        ("GET", "/orders/{number}/documents/{id}"),
        ("PATCH", "/mailboxes/{userid}"),
        ("PUT", "/mailboxes/{userid}/tacit-renewal"),
        ("GET", "/mailboxes"),
        ("GET", "/mailboxes/{userid}"),
        ("POST", "/mailboxes/{userid}/suspend"),
        ("POST", "/mailboxes/{userid}/reactivate"),
        ("POST", "/mailboxes/{userid}/revoke"),
        ("POST", "/mailboxes/{userid}/password-link"),
        ("POST", "/renewals"),
    ]
    .iter()
    .map(|(m, p)| (m.to_string(), p.to_string()))
    .collect::<std::collections::BTreeSet<_>>()
    .into_iter()
    .collect();
    assert_eq!(documented, expected, "the document and the issue's endpoints");
    // Each documented operation reaches a handler: without a key it is 401, never the router's
    // 404 or 405.
    for (method, path) in &documented {
        let path = path.replace("{number}", "2026-000001").replace("{userid}", "ABC1234");
        let r = send(&app, call(method, &path, None, Some(json!({})))).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{method} {path}: {}", r.body);
    }
    // And the readable page lists them.
    let page = send(&app, call("GET", "/docs", None, None)).await.body;
    for (method, path) in &documented {
        assert!(page.contains(&format!("{method} /api/v1{path}")), "{method} {path} on /docs");
    }
}

/// "Chiavi API" shows a new key once, keeps only its hash, and lists and revokes keys.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chiavi_api_page_shows_a_new_key_once() {
    for store in common::stores().await {
        let app = router::build(state(&store));
        let admin = login(&app, "alfa.admin").await;
        let r = send(&app, get("/configurazione", Some(&admin))).await;
        assert!(r.body.contains("href=\"/configurazione/chiavi-api\">Chiavi API"), "the Configurazione link");
        let create = |name: &str| {
            post(
                "/api/configurazione/nuova-chiave-api",
                &format!("name={name}&scope=SCRITTURA"),
                Some(&admin),
                Some(ORIGIN),
                true,
            )
        };
        let r = send(&app, create("Gestionale")).await;
        assert_eq!(r.location(), "/configurazione/chiavi-api?creata=1");
        let page = send(&app, get(r.location(), Some(&admin))).await.body;
        let at = page.find("value=\"pec_").expect("the new key on the page") + 7;
        let shown: String = page[at..].chars().take(68).collect();
        assert!(pec_manager::domain::api_keys::is_key(&shown), "{shown}");
        // Once only.
        let again = send(&app, get("/configurazione/chiavi-api", Some(&admin))).await.body;
        assert!(!again.contains(&shown) && again.contains("Gestionale"));
        // It works with the API; the database holds its hash, not the key.
        assert_eq!(send(&app, call("GET", "/orders", Some(&shown), None)).await.status, StatusCode::OK);
        let op = common::operator(&store, "alfa.admin").await;
        let row =
            store.api_keys(op.scope()).await.unwrap().into_iter().find(|k| k.name == "Gestionale").unwrap();
        assert!(shown.starts_with(row.hint.trim_end_matches('…')) && row.hint.len() < shown.len());
        // The same name twice is refused; an operator (not administrator) cannot make keys.
        assert_eq!(
            send(&app, create("Gestionale")).await.location(),
            "/configurazione/chiavi-api?errore=uso"
        );
        let operator = login(&app, "alfa").await;
        let r = send(
            &app,
            post(
                "/api/configurazione/nuova-chiave-api",
                "name=X&scope=LETTURA",
                Some(&operator),
                Some(ORIGIN),
                true,
            ),
        )
        .await;
        assert_ne!(r.location(), "/configurazione/chiavi-api?creata=1");
        // Revoked from the page: refused by the API at once.
        let r = send(
            &app,
            post(
                "/api/configurazione/revoca-chiave-api",
                &format!("id={}", row.id),
                Some(&admin),
                Some(ORIGIN),
                true,
            ),
        )
        .await;
        assert_eq!(r.location(), "/configurazione/chiavi-api?revocata=1");
        assert_eq!(
            send(&app, call("GET", "/orders", Some(&shown), None)).await.status,
            StatusCode::UNAUTHORIZED
        );
        let log = store.audit_entries(op.scope(), &Default::default(), 1, 20).await.unwrap();
        assert!(log.items.iter().any(|e| e.action == "CHIAVE_API_CREATA"));
        assert!(log.items.iter().any(|e| e.action == "CHIAVE_API_REVOCATA"));
    }
}

/// Issue 14's first fault test, through the HTTP application: 20 clients at once order
/// mailboxes contesting 100 names. Every name is granted exactly once, every order is whole or
/// absent, and no request gets a 5xx.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_clients_contesting_one_hundred_names_get_each_name_once() {
    for store in common::stores().await {
        let mut s = state(&store);
        s.api_rate = pec_manager::server::throttle::ApiRate {
            period: std::time::Duration::from_micros(1),
            burst: 10_000,
        };
        let app = router::build(s);
        let k = key(&store, "alfa.admin", "carico", ApiKeyScope::Scrittura).await;
        let names: Vec<String> = (0..100).map(|i| format!("conteso{i:03}@legalmail.it")).collect();
        let mut clients = Vec::new();
        for c in 0..20usize {
            let (app, k, names) = (app.clone(), k.clone(), names.clone());
            clients.push(tokio::spawn(async move {
                let mut outcomes = Vec::new();
                for o in 0..6usize {
                    // Orders of 1 to 5 names, overlapping other clients' picks.
                    let picks: Vec<&str> = (0..1 + (c + o) % 5)
                        .map(|j| names[(c * 7 + o * 13 + j * 31) % 100].as_str())
                        .collect();
                    let r = send(&app, call("POST", "/orders", Some(&k), Some(order_body(&picks)))).await;
                    outcomes.push((
                        r.status,
                        r.body,
                        picks.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
                    ));
                }
                outcomes
            }));
        }
        let mut granted: std::collections::BTreeMap<String, String> = Default::default();
        let mut made = 0;
        for client in clients {
            for (status, body, picks) in client.await.unwrap() {
                assert!(!status.is_server_error(), "{status}: {body}");
                if status == StatusCode::CREATED {
                    made += 1;
                    let v: Value = serde_json::from_str(&body).unwrap();
                    let mailboxes = v["mailboxes"].as_array().unwrap();
                    let mut got: Vec<String> =
                        mailboxes.iter().map(|m| m["address"].as_str().unwrap().to_string()).collect();
                    let mut wanted = picks.clone();
                    got.sort();
                    wanted.sort();
                    wanted.dedup();
                    assert_eq!(got, wanted, "an order is whole");
                    for a in got {
                        let number = v["number"].as_str().unwrap().to_string();
                        assert!(granted.insert(a.clone(), number).is_none(), "{a} granted twice");
                    }
                } else {
                    assert!(
                        status == StatusCode::CONFLICT || status == StatusCode::UNPROCESSABLE_ENTITY,
                        "{status}: {body}"
                    );
                }
            }
        }
        assert!(made > 0);
        // The database agrees: each granted name is one mailbox, in the order that got it.
        let admin = common::operator(&store, "alfa.admin").await;
        for (address, number) in &granted {
            let number = pec_manager::domain::OrderNumber::parse(number).unwrap();
            let order = store.order(admin.scope(), &number).await.unwrap().unwrap();
            assert_eq!(order.mailboxes.iter().filter(|m| &m.address == address).count(), 1);
        }
        let found = store
            .search(
                admin.scope(),
                &pec_manager::domain::search::SearchQuery { text: "conteso".into(), ..Default::default() },
                1,
                200,
            )
            .await
            .unwrap();
        assert_eq!(found.total as usize, granted.len(), "no mailbox outside the orders that were answered");
    }
}
