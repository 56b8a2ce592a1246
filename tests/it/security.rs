//! Sessions, roles, isolation between organisations, CSRF, escaping and headers, through the
//! real HTTP application (router, guard, pages, server functions), on SQLite and PostgreSQL.

use crate::common;

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use leptos::prelude::LeptosOptions;
use pec_manager::domain::auth::{Operator, Scope};
use pec_manager::domain::{DraftId, MailboxInput, OrderNumber};
use pec_manager::pages::wizard::operations as wizard;
use pec_manager::pages::wizard::{RequestForm, WizardAction};
use pec_manager::server::{self, router, AppState};
use pec_manager::store::Store;
use tower::ServiceExt;

pub(crate) const HOST: &str = "127.0.0.1:3000";
pub(crate) const ORIGIN: &str = "http://127.0.0.1:3000";

fn app(store: &Store) -> axum::Router {
    router::build(state(store))
}

pub(crate) fn state(store: &Store) -> AppState {
    let options = LeptosOptions::builder().output_name("pec-manager").site_root("target/site").build();
    let outbox = std::env::temp_dir().join(format!("pec-outbox-{}", std::process::id()));
    let mailer = pec_manager::server::mail::Mailer::new(
        pec_manager::server::mail::Transport::Directory(outbox),
        "noreply@example.it",
    )
    .unwrap();
    AppState {
        leptos_options: options,
        store: store.clone(),
        secure_cookies: false,
        mailer,
        provisioner: pec_manager::server::provisioning::Provisioner::new(
            None,
            std::time::Duration::from_secs(5),
        ),
        public_url: "http://pec.example".into(),
        throttle: Default::default(),
        dns: Default::default(),
        signatures: common::signature_policy(false),
        api_rate: Default::default(),
    }
}

pub(crate) struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn location(&self) -> &str {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }
}

pub(crate) async fn send(app: &axum::Router, req: Request<Body>) -> Reply {
    let res = app.clone().oneshot(req).await.expect("response");
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned(), bytes: bytes.to_vec() }
}

pub(crate) fn get(path: &str, cookie: Option<&str>) -> Request<Body> {
    let mut b = Request::get(path).header(header::HOST, HOST).header(header::ACCEPT, "text/html");
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    b.body(Body::empty()).unwrap()
}

/// A form post as a browser without JavaScript sends it (or, with `html` false, as the WASM client).
pub(crate) fn post(
    path: &str,
    form: &str,
    cookie: Option<&str>,
    origin: Option<&str>,
    html: bool,
) -> Request<Body> {
    let mut b = Request::post(path)
        .header(header::HOST, HOST)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, if html { "text/html" } else { "application/json" });
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    if let Some(o) = origin {
        b = b.header(header::ORIGIN, o);
    }
    b.body(Body::from(form.to_string())).unwrap()
}

fn enc(s: &str) -> String {
    pec_manager::server::auth::url_encode(s).replace('/', "%2F")
}

/// Logs in through the login form; returns the Cookie header value.
pub(crate) async fn login(app: &axum::Router, user: &str) -> String {
    let form = format!("username={user}&password={}&next=%2F", enc(common::PASSWORD));
    let r = send(app, post("/api/accedi", &form, None, Some(ORIGIN), true)).await;
    assert_eq!(r.status, StatusCode::FOUND, "login of {user}: {}", r.location());
    let cookie = r.headers.get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).expect("session cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    cookie.split(';').next().unwrap().to_string()
}

fn mailbox(address: &str) -> MailboxInput {
    MailboxInput {
        address: address.into(),
        description: "Casella".into(),
        password_email: "pwd@example.it".into(),
        first_name: "Mario".into(),
        last_name: "Rossi".into(),
        tax_code: "RSSMRA70A01H501S".into(),
        nickname: String::new(),
    }
}

/// An order made by `op` through the wizard's operations; returns (draft, number).
async fn order_by(store: &Store, op: &Operator, customer: &str, m: MailboxInput) -> (DraftId, OrderNumber) {
    let form = RequestForm {
        customer_name: customer.into(),
        customer_kind: "IMPRESA".into(),
        legal_rep_cf: "RCLMRA74D15F205V".into(),
        contact_email: String::new(),
        offer: "CONSIP".into(),
        consent: true,
    };
    let to = wizard::save_request(store, op, None, form, WizardAction::Continue).await.unwrap();
    let id = common::draft_of(&to);
    let year = (server::current_year() + 1).to_string();
    wizard::save_mailboxes(
        store,
        op,
        &id,
        year,
        "'; DROP TABLE orders; --".into(),
        vec![m],
        WizardAction::Continue,
    )
    .await
    .unwrap();
    let to = wizard::confirm(store, op, &id, WizardAction::Continue).await.unwrap();
    assert!(to.ends_with("/riepilogo"), "{to}");
    let number = store.load_draft(&id).await.unwrap().unwrap().order_number.unwrap();
    (id, number)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_reachable_without_a_session_but_the_login() {
    for store in common::stores().await {
        let app = app(&store);
        for page in
            ["/", "/richiesta", "/recenti", "/ordini/10295763", "/configurazione", "/configurazione/registro"]
        {
            let r = send(&app, get(page, None)).await;
            assert!(r.status.is_redirection(), "{page}: {}", r.status);
            assert!(r.location().starts_with("/accesso?next="), "{page}: {}", r.location());
        }
        let r = send(&app, get("/accesso", None)).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("<h1>Accesso"));
        // The holder's page is public; a made-up link opens no mailbox.
        let r = send(&app, get("/attiva?token=00ff", None)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(r.body.contains("non è valido"), "{}", r.body);

        let paths = leptos::server_fn::axum::server_fn_paths().collect::<Vec<_>>();
        assert!(paths.len() >= 14, "server functions registered: {paths:?}");
        for (path, method) in paths {
            let req = Request::builder()
                .method(method.clone())
                .uri(path)
                .header(header::HOST, HOST)
                .header(header::ORIGIN, ORIGIN)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from("draft=&page=1&number=1&userid=x"))
                .unwrap();
            let r = send(&app, req).await;
            if path == "/api/accedi" {
                assert_ne!(r.status, StatusCode::UNAUTHORIZED, "{path}");
            } else if path.starts_with("/api/attiva/") && path != "/api/attiva/reinvia" {
                // The holder's password page: the link's token is the credential, and a wrong
                // one opens nothing.
                assert!(
                    r.status.is_client_error() && r.status != StatusCode::UNAUTHORIZED,
                    "{path}: {}",
                    r.status
                );
                assert!(!r.status.is_success());
            } else {
                assert_eq!(
                    r.status,
                    StatusCode::UNAUTHORIZED,
                    "{method} {path} is reachable without a session"
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_logout_and_expiry() {
    for store in common::stores().await {
        let app = app(&store);
        let cookie = login(&app, "alfa").await;
        let r = send(&app, get("/recenti", Some(&cookie))).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("Attività recenti") && r.body.contains("Operatore Alfa"));

        // Logout ends the session on the server, not only in the browser.
        let r = send(&app, post("/api/esci", "", Some(&cookie), Some(ORIGIN), true)).await;
        assert_eq!(r.status, StatusCode::FOUND);
        assert_eq!(r.location(), "/accesso");
        assert!(r.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap().contains("Max-Age=0"));
        let r = send(&app, get("/recenti", Some(&cookie))).await;
        assert!(r.location().starts_with("/accesso"), "old cookie still works");

        // An expired session is gone.
        let cookie = login(&app, "alfa").await;
        store.raw_execute("UPDATE sessions SET expires_at = '2000-01-01 00:00:00'").await.unwrap();
        let r = send(&app, get("/recenti", Some(&cookie))).await;
        assert!(r.location().starts_with("/accesso"));

        // A wrong password says so, keeps the user name, and is audited.
        let r = send(
            &app,
            post("/api/accedi", "username=alfa&password=sbagliata&next=%2Frecenti", None, Some(ORIGIN), true),
        )
        .await;
        assert_eq!(r.location(), "/accesso?errore=credenziali&utente=alfa&next=/recenti");
        // After login the user goes where they were going, never to another site.
        let form =
            format!("username=alfa&password={}&next=https%3A%2F%2Fevil.example", enc(common::PASSWORD));
        let r = send(&app, post("/api/accedi", &form, None, Some(ORIGIN), true)).await;
        assert_eq!(r.location(), "/");
        let admin = common::operator(&store, "admin").await;
        let log = store.audit_entries(admin.scope(), &Default::default(), 1, 100).await.unwrap();
        let actions: Vec<&str> = log.items.iter().map(|e| e.action.as_str()).collect();
        for a in ["LOGIN", "LOGOUT", "LOGIN_FALLITO"] {
            assert!(actions.contains(&a), "{a} not audited: {actions:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_failures_lock_the_account() {
    for store in common::stores().await {
        let app = app(&store);
        for _ in 0..5 {
            send(
                &app,
                post("/api/accedi", "username=beta&password=sbagliata&next=%2F", None, Some(ORIGIN), true),
            )
            .await;
        }
        let form = format!("username=beta&password={}&next=%2F", enc(common::PASSWORD));
        let r = send(&app, post("/api/accedi", &form, None, Some(ORIGIN), true)).await;
        assert!(r.location().contains("errore=bloccato"), "{}", r.location());
        assert!(r.headers.get(header::SET_COOKIE).is_none());
        // Unknown names get the same answer as wrong passwords.
        let r =
            send(&app, post("/api/accedi", "username=nessuno&password=x&next=%2F", None, Some(ORIGIN), true))
                .await;
        assert!(r.location().contains("errore=credenziali"));
        // Another account is not affected.
        login(&app, "alfa").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_administrators_manage_operators_and_read_the_audit_log() {
    for store in common::stores().await {
        let app = app(&store);
        let operator = login(&app, "alfa").await;
        for page in ["/configurazione", "/configurazione/operatori", "/configurazione/registro"] {
            let r = send(&app, get(page, Some(&operator))).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{page}");
            assert!(r.body.contains("Operazione non consentita"));
        }
        let r =
            send(&app, post("/api/configurazione/operatori", "", Some(&operator), Some(ORIGIN), false)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);

        // A reseller's administrator sees and creates operators of their own organisation only.
        let admin = login(&app, "alfa.admin").await;
        let r = send(&app, get("/configurazione/operatori", Some(&admin))).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(
            r.body.contains("alfa.admin") && !r.body.contains(">beta<"),
            "other organisations' operators shown"
        );
        let provider_id = store.organisation_by_name("InfoCert").await.unwrap().unwrap().id;
        let form = format!(
            "username=intruso&display_name=X&role=AMMINISTRATORE&organisation={provider_id}&password={}",
            enc("una password lunga")
        );
        let r =
            send(&app, post("/api/configurazione/nuovo-operatore", &form, Some(&admin), Some(ORIGIN), true))
                .await;
        assert!(r.location().contains("errore=organizzazione"), "{}", r.location());
        assert!(store.login_record("intruso").await.unwrap().is_none());
        let alfa_id = store.organisation_by_name("Rivenditore Alfa").await.unwrap().unwrap().id;
        let form = format!(
            "username=alfa.nuovo&display_name=Nuovo&role=OPERATORE&organisation={alfa_id}&password={}",
            enc("una password lunga")
        );
        let r =
            send(&app, post("/api/configurazione/nuovo-operatore", &form, Some(&admin), Some(ORIGIN), true))
                .await;
        assert!(r.location().contains("creato=alfa.nuovo"), "{}", r.location());
        let r = send(
            &app,
            post(
                "/api/accedi",
                &format!("username=alfa.nuovo&password={}&next=%2F", enc("una password lunga")),
                None,
                Some(ORIGIN),
                true,
            ),
        )
        .await;
        assert!(r.headers.get(header::SET_COOKIE).is_some(), "new operator cannot log in");
        // Disabling ends the operator's sessions.
        let r = send(
            &app,
            post(
                "/api/configurazione/stato-operatore",
                "username=alfa&active=false",
                Some(&admin),
                Some(ORIGIN),
                true,
            ),
        )
        .await;
        assert!(r.status.is_redirection());
        let r = send(&app, get("/recenti", Some(&operator))).await;
        assert!(r.location().starts_with("/accesso"));

        let r = send(&app, get("/configurazione/registro?azione=OPERATORE_CREATO", Some(&admin))).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("alfa.nuovo"));
        // The audit log cannot be rewritten, even bypassing the application.
        assert!(store.raw_execute("UPDATE audit_log SET action = 'X'").await.is_err());
        assert!(store.raw_execute("DELETE FROM audit_log").await.is_err());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organisations_cannot_see_or_change_each_others_data() {
    for store in common::stores().await {
        let app = app(&store);
        let alfa = common::operator(&store, "alfa").await;
        let beta = common::operator(&store, "beta").await;
        let (alfa_draft, number) =
            order_by(&store, &alfa, "Cliente Alfa", mailbox("cliente.alfa@legalmail.it")).await;
        let userid = store.order(Scope::All, &number).await.unwrap().unwrap().mailboxes[0].userid.clone();
        // A draft of Alfa not yet confirmed.
        let pending = wizard::save_request(
            &store,
            &alfa,
            None,
            RequestForm { customer_name: "Altro".into(), ..Default::default() },
            WizardAction::Back,
        )
        .await
        .unwrap();
        let pending = common::draft_of(&pending);

        let b = login(&app, "beta").await;
        for page in [
            format!("/ordini/{number}"),
            format!("/caselle/{userid}"),
            format!("/richiesta/{alfa_draft}/riepilogo"),
            format!("/richiesta/{pending}/caselle"),
        ] {
            let r = send(&app, get(&page, Some(&b))).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{page}");
            assert!(
                !r.body.contains("RSSMRA70A01H501S") && !r.body.contains("Cliente Alfa"),
                "{page} leaks data"
            );
        }
        for (path, form) in [
            ("/api/ordine", format!("number={number}&pagina=1")),
            ("/api/casella", format!("userid={userid}")),
        ] {
            let r = send(&app, post(path, &form, Some(&b), Some(ORIGIN), false)).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        }
        for (path, json) in [
            (
                "/api/richiesta/dati",
                format!(r#"{{"draft":"{pending}","view":{{"only_errors":false,"page":1,"editing":null}}}}"#),
            ),
            (
                "/api/richiesta/verifica-riga",
                format!(
                    r#"{{"draft":"{pending}","index":0,"mailbox":{}}}"#,
                    serde_json::to_string(&mailbox("x@y.it")).unwrap()
                ),
            ),
        ] {
            let mut req = post(path, &json, Some(&b), Some(ORIGIN), false);
            req.headers_mut().insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
            let r = send(&app, req).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.body);
        }
        // Writes into Alfa's draft are refused and change nothing.
        let before = store.load_draft(&pending).await.unwrap().unwrap();
        let form = format!("draft={pending}&azione=continua&expiry_year=2030&customer_po=X");
        let r = send(&app, post("/api/richiesta/salva-caselle", &form, Some(&b), Some(ORIGIN), false)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = send(
            &app,
            post(
                "/api/richiesta/conferma",
                &format!("draft={pending}&azione=conferma"),
                Some(&b),
                Some(ORIGIN),
                false,
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(store.load_draft(&pending).await.unwrap().unwrap(), before);

        let r = send(&app, get("/recenti", Some(&b))).await;
        assert!(!r.body.contains(number.as_str()), "Beta's recent activity lists Alfa's order");
        let data = wizard::wizard_data(&store, &beta, None, Default::default()).await.unwrap();
        assert!(data.customers.iter().all(|c| c.name != "Cliente Alfa"), "Alfa's customer offered to Beta");

        // A reseller's own domain is not Beta's.
        let alfa_org = store.organisation_by_name("Rivenditore Alfa").await.unwrap().unwrap().id;
        store.add_domain(alfa_org, "alfa.legalmail.it").await.unwrap();
        assert!(wizard::wizard_data(&store, &alfa, None, Default::default())
            .await
            .unwrap()
            .rules
            .domains
            .contains(&"alfa.legalmail.it".to_string()));
        assert!(!data.rules.domains.contains(&"alfa.legalmail.it".to_string()));

        // The provider sees everything, and the order says who made it.
        let p = login(&app, "operatore").await;
        let r = send(&app, get(&format!("/ordini/{number}"), Some(&p))).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("Operatore Alfa"));
    }
}

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
async fn responses_carry_security_headers_and_no_internals() {
    for store in common::stores().await {
        let app = app(&store);
        let r = send(&app, get("/accesso", None)).await;
        let csp = r.headers.get(header::CONTENT_SECURITY_POLICY).unwrap().to_str().unwrap().to_string();
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("'wasm-unsafe-eval'"), "{csp}");
        let nonce = csp.split("'nonce-").nth(1).and_then(|s| s.split('\'').next()).expect("nonce in CSP");
        assert!(r.body.contains(&format!("nonce=\"{nonce}\"")), "the page's script carries the CSP nonce");
        assert_eq!(r.headers.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(), "nosniff");
        assert_eq!(r.headers.get(header::X_FRAME_OPTIONS).unwrap(), "DENY");
        assert_eq!(r.headers.get(header::REFERRER_POLICY).unwrap(), "same-origin");

        // Malformed input to a server function: an Italian error, no internals.
        let cookie = login(&app, "alfa").await;
        let r = send(&app, post("/api/recenti", "page=abc", Some(&cookie), Some(ORIGIN), false)).await;
        assert!(r.status.is_client_error(), "{}", r.status);
        for leak in ["sqlx", "panicked", "src/", "SELECT"] {
            assert!(!r.body.contains(leak), "response leaks {leak}: {}", r.body);
        }
        // Oversized bodies are refused before any work.
        let big = "x".repeat(server::edge::BODY_LIMIT + 1);
        let r = send(
            &app,
            post("/api/recenti", &format!("page=1&pad={big}"), Some(&cookie), Some(ORIGIN), false),
        )
        .await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    }
}

#[tokio::test]
async fn the_first_administrator_is_created_from_the_command_line() {
    let dir = std::env::temp_dir().join(format!("pec-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/cli.db?mode=rwc", dir.display());
    let run = |user: &str, password: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_pec-manager"))
            .args([
                "create-operator",
                "--organizzazione",
                "Fornitore Srl",
                "--tipo",
                "fornitore",
                "--utente",
                user,
            ])
            .args(["--nome", "Prima Amministratrice", "--ruolo", "amministratore"])
            .env("DATABASE_URL", &url)
            .env("PEC_OPERATOR_PASSWORD", password)
            .env("RUST_LOG", "error")
            .output()
            .expect("run pec-manager")
    };
    let out = run("capo", "una password abbastanza lunga");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout)
        .contains("Operatore capo (Amministratore) creato in Fornitore Srl"));
    let again = run("capo", "una password abbastanza lunga");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("già in uso"));
    let short = run("altro", "corta");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("password"));

    let store = Store::open(&url).await.unwrap();
    let record = store.login_record("capo").await.unwrap().expect("created");
    assert!(record.operator.is_admin());
    assert_eq!(record.operator.organisation_name, "Fornitore Srl");
    assert_eq!(record.operator.scope(), Scope::All);
    assert!(record.password_hash.starts_with("$argon2id$"), "password stored in clear");
    let log = store.audit_entries(Scope::All, &Default::default(), 1, 10).await.unwrap();
    assert_eq!(log.items[0].action, "OPERATORE_CREATO");
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
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

#[tokio::test]
async fn the_csv_template_needs_a_session_and_opens_in_excel() {
    let store = common::sqlite_store().await;
    let app = app(&store);
    let r = send(&app, get("/richiesta/modello.csv", None)).await;
    assert!(r.location().starts_with("/accesso"));
    let cookie = login(&app, "alfa").await;
    let r = send(&app, get("/richiesta/modello.csv", Some(&cookie))).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers.get(header::CONTENT_TYPE).unwrap(), "text/csv; charset=utf-8");
    assert!(r
        .headers
        .get(header::CONTENT_DISPOSITION)
        .unwrap()
        .to_str()
        .unwrap()
        .contains("modello-caselle.csv"));
    assert!(r.body.starts_with('\u{feff}'));
    assert!(r.body.contains(
        "Nome casella;Descrizione;Email gestione password;Nome;Cognome;Codice fiscale;Nickname\r\n"
    ));
}

fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    multipart_as(fields, "file", file)
}

/// A multipart body with the file in the field `file_field`.
fn multipart_as(fields: &[(&str, &str)], file_field: &str, file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "----pecboundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .bytes(),
        );
    }
    if let Some((file_name, bytes)) = file {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{file_field}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_csv_upload_joins_the_typed_mailboxes_and_a_bad_file_changes_nothing() {
    for store in common::stores().await {
        let app = app(&store);
        let alfa = common::operator(&store, "alfa").await;
        let form = RequestForm {
            customer_name: "Cliente CSV".into(),
            customer_kind: "IMPRESA".into(),
            legal_rep_cf: "RCLMRA74D15F205V".into(),
            offer: "CONSIP".into(),
            ..Default::default()
        };
        let to = wizard::save_request(&store, &alfa, None, form, WizardAction::Continue).await.unwrap();
        let id = common::draft_of(&to);
        let cookie = login(&app, "alfa").await;
        let upload = |fields: Vec<(&'static str, &'static str)>,
                      file: Option<(&'static str, &'static [u8])>,
                      cookie: String| {
            let (content_type, body) = multipart(&fields, file);
            Request::post(format!("/richiesta/{id}/carica"))
                .header(header::HOST, HOST)
                .header(header::ORIGIN, ORIGIN)
                .header(header::CONTENT_TYPE, content_type)
                .header(header::COOKIE, cookie)
                .body(Body::from(body))
                .unwrap()
        };
        let typed = vec![
            ("draft", "x"),
            ("azione", "carica"),
            ("expiry_year", "2030"),
            ("customer_po", "PO-7"),
            ("mailboxes[0][address]", "digitata@legalmail.it"),
            ("mailboxes[0][password_email]", "pwd@example.it"),
        ];
        let seed: &'static [u8] = include_bytes!("../data/seed.csv");
        let r = send(&app, upload(typed.clone(), Some(("seed.csv", seed)), cookie.clone())).await;
        assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
        assert_eq!(r.location(), format!("/richiesta/{id}/caselle#importazione"));
        let d = store.load_draft(&id).await.unwrap().unwrap().draft;
        assert_eq!(d.mailboxes.len(), 10, "typed + 9 rows");
        assert_eq!(d.mailboxes[0].address, "digitata@legalmail.it");
        assert_eq!(d.mailboxes[1].address, "Nuova_da_csv_1@testcert.legalmail.it");
        assert_eq!((d.expiry_year.as_str(), d.customer_po.as_str()), ("2030", "PO-7"));
        let note = d.last_import.clone().unwrap();
        assert_eq!((note.added, note.example_line, note.error), (9, Some(2), None));
        // The page shows the rows with their errors.
        let page = send(&app, get(&format!("/richiesta/{id}/caselle"), Some(&cookie))).await;
        assert!(page.body.contains("9 caselle aggiunte") && page.body.contains("CASELLE LEGALMAIL (10)"));
        assert!(page.body.contains("Codice fiscale non valido"));

        // A binary file: one message, nothing typed or stored is lost.
        let mut typed_more = typed.clone();
        typed_more.push(("mailboxes[1][address]", "seconda@legalmail.it"));
        let r =
            send(&app, upload(typed_more, Some(("foto.csv", b"\x89PNG\r\n\x1a\n\x00\x00")), cookie.clone()))
                .await;
        assert!(r.status.is_redirection());
        let d = store.load_draft(&id).await.unwrap().unwrap().draft;
        assert_eq!(d.mailboxes.len(), 2);
        assert_eq!(d.mailboxes[1].address, "seconda@legalmail.it");
        assert_eq!(
            d.last_import.unwrap().error.unwrap().to_string(),
            "Il file non è un CSV: il contenuto non è testo"
        );
        let r = send(&app, upload(typed.clone(), None, cookie.clone())).await;
        assert!(r.status.is_redirection());
        assert_eq!(
            store
                .load_draft(&id)
                .await
                .unwrap()
                .unwrap()
                .draft
                .last_import
                .unwrap()
                .error
                .unwrap()
                .to_string(),
            "Scegliere un file CSV da caricare"
        );

        // The table of a large request posts no rows (`righe=bozza`): the saved ones stay and
        // the file's join them. Sent by the page's script, the answer is 204, not a page.
        let table =
            vec![("azione", "carica"), ("expiry_year", "2031"), ("customer_po", ""), ("righe", "bozza")];
        let mut request = upload(table, Some(("seed.csv", seed)), cookie.clone());
        request.headers_mut().insert("x-pec-upload", "xhr".parse().unwrap());
        let r = send(&app, request).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        let d = store.load_draft(&id).await.unwrap().unwrap().draft;
        assert_eq!(d.mailboxes.len(), 10);
        assert_eq!(
            (d.mailboxes[0].address.as_str(), d.expiry_year.as_str()),
            ("digitata@legalmail.it", "2031")
        );

        // Another organisation cannot upload into this draft.
        let beta = login(&app, "beta").await;
        let r = send(&app, upload(typed, Some(("seed.csv", seed)), beta)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(store.load_draft(&id).await.unwrap().unwrap().draft.mailboxes.len(), 10);
    }
}

#[tokio::test]
async fn the_error_report_lists_the_rows_with_errors_formula_safe() {
    let store = common::sqlite_store().await;
    let app = app(&store);
    let alfa = common::operator(&store, "alfa").await;
    let to =
        wizard::save_request(&store, &alfa, None, RequestForm::default(), WizardAction::Back).await.unwrap();
    let id = common::draft_of(&to);
    let mut bad = mailbox("=cmd|' /C calc'!A0");
    bad.description = "=HYPERLINK(\"http://evil.example\")".into();
    wizard::save_mailboxes(
        &store,
        &alfa,
        &id,
        "2030".into(),
        String::new(),
        vec![mailbox("buona@legalmail.it"), bad],
        WizardAction::Add,
    )
    .await
    .unwrap();
    let cookie = login(&app, "alfa").await;
    let r = send(&app, get(&format!("/richiesta/{id}/errori.csv"), Some(&cookie))).await;
    assert_eq!(r.status, StatusCode::OK);
    let lines: Vec<&str> =
        r.body.trim_start_matches('\u{feff}').split("\r\n").filter(|l| !l.is_empty()).collect();
    // Header, the bad row and the empty third block ("Aggiungi" added it); not the good row.
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines[0].ends_with(";Errori"));
    assert!(lines[1].starts_with("'=cmd"), "formula not neutralised: {}", lines[1]);
    assert!(lines[1].contains("'=HYPERLINK"));
    assert!(lines[1].contains("Nome casella: Carattere non ammesso"));
    let beta = login(&app, "beta").await;
    assert_eq!(
        send(&app, get(&format!("/richiesta/{id}/errori.csv"), Some(&beta))).await.status,
        StatusCode::NOT_FOUND
    );
}

fn contract_upload(number: &OrderNumber, file: &[u8], cookie: Option<&str>) -> Request<Body> {
    let (content_type, body) = multipart_as(&[], "contratto", Some(("contratto.pdf.p7m", file)));
    let mut r = Request::post(format!("/ordini/{number}/contratto"))
        .header(header::HOST, HOST)
        .header(header::ORIGIN, ORIGIN)
        .header(header::CONTENT_TYPE, content_type);
    if let Some(c) = cookie {
        r = r.header(header::COOKIE, c);
    }
    r.body(Body::from(body)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_contract_routes_check_the_session_the_organisation_and_the_file() {
    for store in common::stores().await {
        let app = app(&store);
        let alfa = common::operator(&store, "alfa").await;
        let (_, number) =
            order_by(&store, &alfa, "Cliente contratto", mailbox("contratto.http@legalmail.it")).await;
        let scope = alfa.scope();
        let state = move |store: Store, number: OrderNumber| async move {
            store.order(scope, &number).await.unwrap().unwrap().state
        };

        // Without a session: nothing, for every contract route.
        for path in [format!("/ordini/{number}/contratto.pdf"), format!("/ordini/{number}/contratto-firmato")]
        {
            let r = send(&app, get(&path, None)).await;
            assert!(
                r.status == StatusCode::UNAUTHORIZED || r.location().starts_with("/accesso"),
                "{path}: {}",
                r.status
            );
        }
        let r = send(&app, contract_upload(&number, b"%PDF-1.7", None)).await;
        assert!(r.status == StatusCode::UNAUTHORIZED || r.location().starts_with("/accesso"), "{}", r.status);

        let alfa_cookie = login(&app, "alfa").await;
        let r = send(&app, get(&format!("/ordini/{number}/contratto.pdf"), Some(&alfa_cookie))).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.starts_with("%PDF-"));
        let contract = r.bytes;
        // Not signed yet.
        let r = send(&app, get(&format!("/ordini/{number}/contratto-firmato"), Some(&alfa_cookie))).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        // Another organisation: not found, nothing changes, even with a valid signature.
        let beta = login(&app, "beta").await;
        let r = send(&app, get(&format!("/ordini/{number}/contratto.pdf"), Some(&beta))).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let valid = pec_manager::signature::testing::cades(&common::pki().rep, &contract);
        let r = send(&app, contract_upload(&number, &valid, Some(&beta))).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(state(store.clone(), number.clone()).await.code(), "PRENOTATO");

        // A file that is not a contract: back to the order with the reason, nothing changes.
        let r = send(&app, contract_upload(&number, b"\x89PNG\r\n\x1a\n", Some(&alfa_cookie))).await;
        assert_eq!(r.location(), format!("/ordini/{number}?errore=formato"));
        assert_eq!(state(store.clone(), number.clone()).await.code(), "PRENOTATO");
        // The signed PDF fulfils the order, once (the upload test of the signatures test).
        let r = send(&app, contract_upload(&number, &valid, Some(&alfa_cookie))).await;
        assert_eq!(r.location(), format!("/ordini/{number}?esito=evaso"));
        assert_eq!(state(store.clone(), number.clone()).await.code(), "EVASO");
        let r = send(&app, get(&format!("/ordini/{number}/contratto-firmato"), Some(&alfa_cookie))).await;
        assert_eq!((r.status, r.bytes.as_slice()), (StatusCode::OK, valid.as_slice()));
        let r = send(&app, contract_upload(&number, &valid, Some(&alfa_cookie))).await;
        assert_eq!(r.location(), format!("/ordini/{number}?errore=stato"));
    }
}

/// The outside review's finding of issue 13: "Upload Firma Contratto" accepted any file whose
/// first kilobyte held `%PDF-`. Now only the order's own contract, signed by its legal
/// representative with a valid certificate of a trusted authority, fulfils it; each other case
/// has its own refusal and changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_orders_own_contract_signed_by_its_legal_representative_fulfils_it() {
    use pec_manager::signature::testing::{cades, pades};
    let pki = common::pki();
    for store in common::stores().await {
        let app = app(&store);
        let alfa = common::operator(&store, "alfa").await;
        let n = 1;
        let (_, number) =
            order_by(&store, &alfa, "Cliente firme", mailbox(&format!("firme{n}@legalmail.it"))).await;
        let (_, other) =
            order_by(&store, &alfa, "Cliente firme", mailbox(&format!("altra{n}@legalmail.it"))).await;
        let cookie = login(&app, "alfa").await;
        let pdf_of = |number: &OrderNumber| format!("/ordini/{number}/contratto.pdf");
        let contract = send(&app, get(&pdf_of(&number), Some(&cookie))).await.bytes;
        let others = send(&app, get(&pdf_of(&other), Some(&cookie))).await.bytes;
        let mut tampered = cades(&pki.rep, &contract);
        let at = tampered.windows(8).position(|w| w == b"Contratt").unwrap();
        tampered[at] = b'c';
        let mut tampered_pdf = pades(&pki.rep, &contract);
        tampered_pdf[40] ^= 1;
        let refused: Vec<(&str, Vec<u8>)> = vec![
            ("non_firmato", contract.clone()),
            ("non_firmato", b"%PDF-1.7 firmato".to_vec()),
            ("firma", tampered),
            ("firma", tampered_pdf),
            ("documento", cades(&pki.rep, &others)),
            ("documento", pades(&pki.rep, b"%PDF-1.7\n%%EOF\n")),
            ("firmatario", cades(&pki.other, &contract)),
            ("certificato_scaduto", cades(&pki.expired, &contract)),
            ("certificato_non_attendibile", cades(&pki.forged, &contract)),
        ];
        let audit_before = store.audit_entries(alfa.scope(), &Default::default(), 1, 1).await.unwrap().total;
        for (code, file) in &refused {
            let r = send(&app, contract_upload(&number, file, Some(&cookie))).await;
            assert_eq!(r.location(), format!("/ordini/{number}?errore={code}"), "{code}");
            let page = send(&app, get(r.location(), Some(&cookie))).await.body;
            let message =
                pec_manager::domain::contract::SignatureRefusal::from_code(code).unwrap().to_string();
            assert!(page.contains(&leptos_escape(&message)), "{code}: the page says why");
        }
        let order = store.order(alfa.scope(), &number).await.unwrap().unwrap();
        assert_eq!((order.state.code(), order.contract, order.signature), ("PRENOTATO", false, None));
        let audit_after = store.audit_entries(alfa.scope(), &Default::default(), 1, 1).await.unwrap().total;
        assert_eq!(audit_before, audit_after, "a refusal writes nothing");

        // The PAdES signature of the order's own contract by its legal representative fulfils it,
        // and the order page says who signed it and when.
        let signed = pades(&pki.rep, &contract);
        let r = send(&app, contract_upload(&number, &signed, Some(&cookie))).await;
        assert_eq!(r.location(), format!("/ordini/{number}?esito=evaso"));
        let order = store.order(alfa.scope(), &number).await.unwrap().unwrap();
        let signature = order.signature.unwrap();
        assert!(signature.verified);
        assert_eq!(
            (signature.signer_name.as_str(), signature.signer_tax_code.as_str()),
            ("Mario Rossi", common::LEGAL_REP)
        );
        let page = send(&app, get(&format!("/ordini/{number}"), Some(&cookie))).await.body;
        assert!(page.contains("Firmato da"));
        assert!(
            page.contains("Mario Rossi (RCLMRA74D15F205V), firma verificata del"),
            "the signer on the order page"
        );
        let log = store.audit_entries(alfa.scope(), &Default::default(), 1, 5).await.unwrap();
        let entry =
            log.items.iter().find(|e| e.action == "ORDINE_EVASO" && e.object_id == number.as_str()).unwrap();
        assert!(entry.after.contains("verificata: firmata da Mario Rossi"), "{}", entry.after);
    }
}

/// A test installation may accept what cannot be verified, with a warning in the audit log;
/// what is wrong (another signer, another document) stays refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_test_installation_accepts_unverifiable_signatures_with_a_warning() {
    use pec_manager::signature::testing::cades;
    let pki = common::pki();
    for store in common::stores().await {
        let mut test_state = state(&store);
        test_state.signatures = common::signature_policy(true);
        let app = router::build(test_state);
        let alfa = common::operator(&store, "alfa").await;
        let n = 1;
        let (_, number) =
            order_by(&store, &alfa, "Cliente prova", mailbox(&format!("prova{n}@legalmail.it"))).await;
        let cookie = login(&app, "alfa").await;
        let contract = send(&app, get(&format!("/ordini/{number}/contratto.pdf"), Some(&cookie))).await.bytes;
        let r = send(&app, contract_upload(&number, &cades(&pki.other, &contract), Some(&cookie))).await;
        assert_eq!(r.location(), format!("/ordini/{number}?errore=firmatario"));
        let r = send(&app, contract_upload(&number, b"%PDF-1.7 non firmato", Some(&cookie))).await;
        assert_eq!(r.location(), format!("/ordini/{number}?esito=evaso"));
        let order = store.order(alfa.scope(), &number).await.unwrap().unwrap();
        assert_eq!(order.state.code(), "EVASO");
        assert!(!order.signature.unwrap().verified);
        let page = send(&app, get(&format!("/ordini/{number}"), Some(&cookie))).await.body;
        assert!(page.contains("Firma non verificata"));
        let log = store.audit_entries(alfa.scope(), &Default::default(), 1, 5).await.unwrap();
        let entry =
            log.items.iter().find(|e| e.action == "ORDINE_EVASO" && e.object_id == number.as_str()).unwrap();
        assert!(entry.after.contains("ATTENZIONE: firma non verificata"), "{}", entry.after);
    }
}

/// Text as the server-rendered page escapes it.
fn leptos_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

// ---- the outside review (issue 9) -----------------------------------------------------------

/// A login form post from a given client address (as the server sees the TCP peer).
fn login_from(user: &str, password: &str, next: &str, ip: [u8; 4]) -> Request<Body> {
    let form = format!("username={}&password={}&next={}", enc(user), enc(password), enc(next));
    let mut req = post("/api/accedi", &form, None, Some(ORIGIN), true);
    req.extensions_mut().insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((ip, 40000))));
    req
}

async fn audit_actions(store: &Store, username: &str) -> Vec<String> {
    let admin = common::operator(store, "admin").await;
    let filter =
        pec_manager::domain::records::AuditFilter { username: username.into(), ..Default::default() };
    let log = store.audit_entries(admin.scope(), &filter, 1, 500).await.unwrap();
    log.items.into_iter().map(|e| e.action).collect()
}

/// Finding 1: 30 parallel wrong passwords, then the right one: at most five password checks,
/// the name locked from that address, the right password refused until the lock ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_guesses_do_not_get_past_the_lock_out() {
    for store in common::stores().await {
        let app = app(&store);
        let ip = [10, 0, 0, 7];
        let guesses: Vec<_> = (0..30)
            .map(|i| {
                let app = app.clone();
                tokio::spawn(async move {
                    send(&app, login_from("beta", &format!("sbagliata{i}"), "/", ip)).await
                })
            })
            .collect();
        for g in guesses {
            let r = g.await.unwrap();
            assert!(
                r.status == StatusCode::FOUND || r.status == StatusCode::TOO_MANY_REQUESTS,
                "{}",
                r.status
            );
            assert!(r.headers.get(header::SET_COOKIE).is_none());
        }
        let r = send(&app, login_from("beta", common::PASSWORD, "/", ip)).await;
        assert!(r.headers.get(header::SET_COOKIE).is_none(), "the right password got in during the lock");
        let actions = audit_actions(&store, "beta").await;
        let checked = actions.iter().filter(|a| a.starts_with("LOGIN_FALLITO")).count();
        assert!(checked <= 5, "{checked} passwords checked: {actions:?}");
        assert!(!actions.iter().any(|a| a == "LOGIN"), "{actions:?}");
        // Locked (not merely rate-limited or busy): a fresh server says so, and lets no one in.
        let r = send(&self::app(&store), login_from("beta", common::PASSWORD, "/", ip)).await;
        assert!(r.location().contains("errore=bloccato"), "{}", r.location());
        assert!(r.headers.get(header::SET_COOKIE).is_none());

        // Once the lock has run out, the right password works (a fresh server: no rate limit).
        store.raw_execute("UPDATE login_attempts SET locked_until = '2000-01-01 00:00:00'").await.unwrap();
        let app = self::app(&store);
        let r = send(&app, login_from("beta", common::PASSWORD, "/", ip)).await;
        assert!(r.headers.get(header::SET_COOKIE).is_some(), "{}", r.location());
    }
}

/// Finding 7: the lock-out tells nothing about which names exist (unknown names lock the same
/// way, disabled accounts answer like wrong passwords); a stranger's guesses lock the name only
/// from the stranger's address; an administrator can lift a lock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lock_out_names_no_accounts_and_locks_out_only_the_guesser() {
    for store in common::stores().await {
        let app = app(&store);
        let stranger = [10, 0, 0, 66];
        let mut answers = Vec::new();
        for user in ["nessuno", "operatore"] {
            let seq: Vec<String> = {
                let mut v = Vec::new();
                for _ in 0..6 {
                    v.push(
                        send(&app, login_from(user, "sbagliata", "/", stranger)).await.location().to_string(),
                    );
                }
                v
            };
            answers.push(seq.into_iter().map(|l| l.replace(user, "NOME")).collect::<Vec<_>>());
        }
        assert_eq!(answers[0], answers[1], "unknown and real names answer alike");
        assert!(answers[1][5].contains("errore=bloccato"));
        // The real operator, from their own address, is not locked out...
        let r = send(&app, login_from("operatore", common::PASSWORD, "/", [10, 0, 0, 1])).await;
        assert!(r.headers.get(header::SET_COOKIE).is_some(), "locked out by a stranger: {}", r.location());
        // ...and the administrator sees the lock and lifts it.
        let admin = login(&app, "admin").await;
        let page = send(&app, get("/configurazione/operatori", Some(&admin))).await;
        assert!(page.body.contains("Sblocca operatore"), "lock not shown");
        let r = send(
            &app,
            post(
                "/api/configurazione/sblocca-operatore",
                "username=operatore",
                Some(&admin),
                Some(ORIGIN),
                true,
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::FOUND);
        let r = send(&app, login_from("operatore", common::PASSWORD, "/", stranger)).await;
        assert!(r.headers.get(header::SET_COOKIE).is_some(), "still locked: {}", r.location());
        assert!(audit_actions(&store, "admin").await.iter().any(|a| a == "OPERATORE_SBLOCCATO"));

        // A disabled account with its right password answers as a wrong password does.
        let record =
            pec_manager::store::AuditRecord::anonymous("test", "OPERATORE_DISATTIVATO", "operatore", "beta");
        store
            .set_operator_active(pec_manager::domain::auth::Scope::All, "beta", false, &record)
            .await
            .unwrap();
        let disabled = send(&app, login_from("beta", common::PASSWORD, "/", [10, 0, 0, 2])).await;
        let wrong = send(&app, login_from("alfa", "sbagliata", "/", [10, 0, 0, 2])).await;
        assert_eq!(disabled.location().replace("beta", "N"), wrong.location().replace("alfa", "N"));
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

/// Finding 4 (what a test can say without timing): a flood of password hashes is queued, one
/// per core, and past the queue answered "busy" (503 with Retry-After), not run.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn password_hashing_is_queued_and_refused_past_the_queue() {
    use pec_manager::error::AppError;
    use pec_manager::server::auth::hash_password_async;
    let throttle = std::sync::Arc::new(pec_manager::server::throttle::Throttle::default());
    let jobs: Vec<_> = (0..200)
        .map(|_| {
            let t = throttle.clone();
            tokio::spawn(async move { hash_password_async(&t, "una password qualsiasi").await })
        })
        .collect();
    let mut busy = 0;
    for j in jobs {
        match j.await.unwrap() {
            Ok(h) => assert!(h.starts_with("$argon2id$")),
            Err(AppError::Busy) => busy += 1,
            Err(e) => panic!("{e:?}"),
        }
    }
    assert!(busy > 0, "200 hashes at once were all queued");
    assert_eq!(AppError::Busy.status(), StatusCode::SERVICE_UNAVAILABLE);
    let res = axum::response::IntoResponse::into_response(AppError::Busy);
    assert!(res.headers().contains_key(header::RETRY_AFTER));
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

/// Failures count "in a row" only within the lock window; old ones are forgotten by the
/// housekeeping, and a lock is not lifted by a success until it runs out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_failures_count_only_within_the_window() {
    let window = chrono::Duration::minutes(15);
    let lock = "2999-01-01 00:00:00";
    for store in common::stores().await {
        for i in 1..=4 {
            let c = store.claim_login_attempt("alfa", "10.9.9.9", 5, lock, window).await.unwrap();
            assert_eq!((c.ordinal, c.locked), (i, false));
        }
        store.raw_execute("UPDATE login_attempts SET updated_at = '2000-01-01 00:00:00'").await.unwrap();
        let c = store.claim_login_attempt("alfa", "10.9.9.9", 5, lock, window).await.unwrap();
        assert_eq!((c.ordinal, c.locked), (1, false), "old failures still counted");
        for _ in 0..5 {
            store.claim_login_attempt("alfa", "10.9.9.9", 5, lock, window).await.unwrap();
        }
        let c = store.claim_login_attempt("alfa", "10.9.9.9", 5, lock, window).await.unwrap();
        assert!(c.locked);
        store.forget_login_failures("alfa", "10.9.9.9").await.unwrap();
        assert!(store.claim_login_attempt("alfa", "10.9.9.9", 5, lock, window).await.unwrap().locked);
        store.claim_login_attempt("beta", "10.9.9.9", 5, lock, window).await.unwrap();
        store.raw_execute("UPDATE login_attempts SET updated_at = '2000-01-01 00:00:00'").await.unwrap();
        store.purge(30).await.unwrap();
        // beta's old failure is gone; alfa's lock (until 2999) stays.
        assert_eq!(
            store
                .raw_execute("UPDATE login_attempts SET failures = 0 WHERE username = 'beta'")
                .await
                .unwrap(),
            0
        );
        assert!(store.claim_login_attempt("alfa", "10.9.9.9", 5, lock, window).await.unwrap().locked);
    }
}

/// Pages and server-function answers are compressed when the browser accepts it; nothing is
/// compressed for a client that does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_are_compressed_for_browsers_that_accept_it() {
    let store = common::sqlite_store().await;
    let app = app(&store);
    let cookie = login(&app, "alfa").await;
    for (encoding, expected) in [("br", Some("br")), ("gzip", Some("gzip")), ("identity", None)] {
        let mut req = get("/recenti", Some(&cookie));
        req.headers_mut().insert(header::ACCEPT_ENCODING, encoding.parse().unwrap());
        let res = app.clone().oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let got = res.headers().get(header::CONTENT_ENCODING).and_then(|v| v.to_str().ok());
        assert_eq!(got, expected, "{encoding}");
    }
}

/// A 10,000-mailbox request: step 2, the review, the summary and the order's detail each send
/// one page of rows (a few hundred kB at most, not megabytes), with links to the other pages;
/// the rows past the first page are reachable and an error on the last page is counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_of_a_ten_thousand_mailbox_request_stay_small() {
    const ROWS: usize = 10_000;
    const MAX_HTML: usize = 300 * 1024;
    let store = common::sqlite_store().await;
    let app = app(&store);
    let alfa = common::operator(&store, "alfa").await;
    let cookie = login(&app, "alfa").await;
    let mut rows: Vec<MailboxInput> = (1..=ROWS)
        .map(|i| common::mailbox(&format!("grande.{i}@legalmail.it"), &format!("grande{i}")))
        .collect();
    rows[ROWS - 1].tax_code = "RSSMRA70A01H501X".into();
    let to = wizard::save_request(&store, &alfa, None, common::request_form(), WizardAction::Continue)
        .await
        .unwrap();
    let draft = common::draft_of(&to);
    let year = (server::current_year() + 1).to_string();
    let to = wizard::save_mailboxes(&store, &alfa, &draft, year, String::new(), rows, WizardAction::Continue)
        .await
        .unwrap();
    assert!(to.contains("#errori"), "{to}");
    let step2 = |q: &str| format!("/richiesta/{draft}/caselle{q}");
    let page = send(&app, get(&step2(""), Some(&cookie))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.len() < MAX_HTML, "step 2: {} bytes", page.body.len());
    assert!(page.body.contains("CASELLE LEGALMAIL (10000)"));
    assert!(page.body.contains("10000 caselle, 1 con errori"));
    assert!(page.body.contains("Pagina 1 di 100"));
    assert!(!page.body.contains("grande.101@legalmail.it"), "only the first page is sent");
    let last = send(&app, get(&step2("?pagina=100"), Some(&cookie))).await;
    assert!(last.body.contains("grande.10000@legalmail.it") && last.body.contains("Codice fiscale"));
    let errors = send(&app, get(&step2("?errori=1"), Some(&cookie))).await;
    assert!(errors.body.contains("riga-10000") && errors.body.contains("Pagina 1 di 1"));

    // The row editor's check on the server sees the other rows (duplicates) and taken names.
    let dup = common::mailbox("grande.3@legalmail.it", "");
    let report = wizard::check_row(&store, &alfa, &draft, 5000, &dup).await.unwrap();
    assert_eq!(report.first_error().unwrap(), "Nome casella: Casella duplicata nella richiesta (riga 3)");
    let report = wizard::check_row(&store, &alfa, &draft, 2, &dup).await.unwrap();
    assert!(report.is_ok(), "{report:?}");

    // Continua with an error: back to the filtered table, the error named.
    let form = format!(
        "draft={draft}&azione=continua&expiry_year={}&customer_po=&righe=bozza",
        server::current_year() + 1
    );
    let r = send(&app, post("/api/richiesta/salva-caselle", &form, Some(&cookie), Some(ORIGIN), true)).await;
    assert!(r.location().contains("errori=1"), "{}", r.location());
    // The last row fixed through the editor, then on to the review.
    let fixed =
        "riga_indice=9999&riga%5Baddress%5D=grande.10000%40legalmail.it&riga%5Bdescription%5D=Casella\
        &riga%5Bpassword_email%5D=pwd%40example.it&riga%5Bfirst_name%5D=Mario&riga%5Blast_name%5D=Rossi\
        &riga%5Btax_code%5D=RSSMRA70A01H501S&riga%5Bnickname%5D=grande10000";
    let form = format!(
        "draft={draft}&azione=salva&expiry_year={}&customer_po=&righe=bozza&{fixed}",
        server::current_year() + 1
    );
    let r = send(&app, post("/api/richiesta/salva-caselle", &form, Some(&cookie), Some(ORIGIN), true)).await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    let form = format!(
        "draft={draft}&azione=continua&expiry_year={}&customer_po=&righe=bozza",
        server::current_year() + 1
    );
    let r = send(&app, post("/api/richiesta/salva-caselle", &form, Some(&cookie), Some(ORIGIN), true)).await;
    assert!(r.location().ends_with("/verifica"), "{}", r.location());
    let review = send(&app, get(r.location(), Some(&cookie))).await;
    assert!(review.body.len() < MAX_HTML, "review: {} bytes", review.body.len());
    assert!(review.body.contains("Caselle 1–100 di 10000"));
    let review = send(&app, get(&format!("{}?pagina=37", r.location()), Some(&cookie))).await;
    assert!(review.body.contains("grande.3700@legalmail.it") && !review.body.contains("grande.3701@"));

    let r = send(
        &app,
        post(
            "/api/richiesta/conferma",
            &format!("draft={draft}&azione=conferma"),
            Some(&cookie),
            Some(ORIGIN),
            true,
        ),
    )
    .await;
    assert!(r.location().ends_with("/riepilogo"), "{}", r.location());
    let summary = send(&app, get(r.location(), Some(&cookie))).await;
    assert!(summary.body.len() < MAX_HTML, "summary: {} bytes", summary.body.len());
    assert!(summary.body.contains("La sua prenotazione è andata a buon fine"));
    assert!(summary.body.contains("Caselle 1–100 di 10000"));
    let number = store.load_draft(&draft).await.unwrap().unwrap().order_number.unwrap();
    let detail = send(&app, get(&format!("/ordini/{number}?pagina=100"), Some(&cookie))).await;
    assert!(detail.body.len() < MAX_HTML, "detail: {} bytes", detail.body.len());
    assert!(detail.body.contains("Caselle 9901–10000 di 10000"));
    assert!(detail.body.contains("grande.10000@legalmail.it"));
    // The contract still lists every mailbox.
    let all = store.order(alfa.scope(), &number).await.unwrap().unwrap();
    assert_eq!(all.mailboxes.len(), ROWS);
}

/// A plain form post (no JavaScript) that fails goes back to its page, which says why; the
/// same failure asked by a script answers with its own status.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_form_post_goes_back_to_its_page_and_scripts_get_the_status() {
    let store = common::sqlite_store().await;
    let app = app(&store);
    let cookie = login(&app, "alfa").await;
    let form = "draft=0000&azione=conferma";
    let mut req = post("/api/richiesta/conferma", form, Some(&cookie), Some(ORIGIN), true);
    req.headers_mut().insert(header::REFERER, format!("{ORIGIN}/richiesta").parse().unwrap());
    let r = send(&app, req).await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert!(r.location().starts_with(&format!("{ORIGIN}/richiesta")) && r.location().contains("__err"));
    let r = send(&app, post("/api/richiesta/conferma", form, Some(&cookie), Some(ORIGIN), false)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

/// Hashed bundle files are cached for a year (immutable); a missing one is not, and nothing is
/// when file names carry no hash.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hashed_bundle_files_are_cached_for_a_year() {
    let store = common::sqlite_store().await;
    let site = std::env::temp_dir().join(format!("pec-site-{}", std::process::id()));
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    std::fs::write(site.join("pkg/pec-manager.abc123.css"), "body{}").unwrap();
    // Pages name the hashed files from hash.txt beside the executable, as cargo-leptos leaves it.
    let exe_dir = std::env::current_exe().unwrap().parent().unwrap().to_path_buf();
    std::fs::write(exe_dir.join("hash.txt"), "js: abc123\nwasm: abc123\ncss: abc123\n").unwrap();
    for hashed in [true, false] {
        let mut state = state(&store);
        state.leptos_options = LeptosOptions::builder()
            .output_name("pec-manager")
            .site_root(site.to_string_lossy().to_string())
            .hash_files(hashed)
            .build();
        let app = router::build(state);
        let r = send(&app, get("/pkg/pec-manager.abc123.css", None)).await;
        assert_eq!(r.status, StatusCode::OK);
        let cache = r.headers.get(header::CACHE_CONTROL).and_then(|v| v.to_str().ok());
        assert_eq!(cache, hashed.then_some("public, max-age=31536000, immutable"));
        let r = send(&app, get("/pkg/pec-manager.missing.css", None)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(!r.headers.contains_key(header::CACHE_CONTROL));
        // Pages link the files under their hashed names.
        let r = send(&app, get("/accesso", None)).await;
        assert_eq!(r.body.contains("/pkg/pec-manager.abc123.css"), hashed, "{}", r.body);
    }
    std::fs::remove_dir_all(&site).unwrap();
}

/// Finding 4: the public credential functions are limited per address (429 with Retry-After),
/// and a client cannot dodge the limit with X-Forwarded-For unless the server trusts a proxy;
/// login attempts are limited per user name from any address.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credential_posts_are_rate_limited_per_address_and_per_name() {
    let store = common::sqlite_store().await;
    let app = app(&store);
    let bad = format!("token={}&password=x&password_again=x", "0".repeat(64));
    let mut statuses = Vec::new();
    for i in 0..70 {
        let mut req = post("/api/attiva/password", &bad, None, Some(ORIGIN), false);
        req.headers_mut().insert("x-forwarded-for", format!("198.18.0.{i}").parse().unwrap());
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from(([10, 7, 7, 7], 1))));
        let r = send(&app, req).await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            assert!(r.headers.contains_key(header::RETRY_AFTER));
        }
        statuses.push(r.status);
    }
    let limited = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!(limited, 10, "60 at once, then refused: {statuses:?}");
    // Another address is not affected.
    let mut req = post("/api/attiva/password", &bad, None, Some(ORIGIN), false);
    req.extensions_mut().insert(axum::extract::ConnectInfo(std::net::SocketAddr::from(([10, 7, 7, 8], 1))));
    assert_ne!(send(&app, req).await.status, StatusCode::TOO_MANY_REQUESTS);

    // Per name, from anywhere.
    let throttle = pec_manager::server::throttle::Throttle::default();
    for _ in 0..30 {
        throttle.check_user("mario").unwrap();
    }
    assert!(
        matches!(throttle.check_user("mario"), Err(pec_manager::error::AppError::TooManyRequests(s)) if s >= 1)
    );
    throttle.check_user("luigi").unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gestione_domini_lets_administrators_add_and_shows_each_organisation_its_own() {
    for store in common::stores().await {
        let app = app(&store);
        // Without a session: the login page.
        let r = send(&app, get("/domini", None)).await;
        assert!(r.location().starts_with("/accesso"), "{}", r.location());

        // An operator reads the list but may not add.
        let operator = login(&app, "alfa").await;
        let r = send(&app, get("/domini", Some(&operator))).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("<h1>Gestione domini"), "{}", r.body);
        assert!(!r.body.contains("Aggiungi dominio"), "{}", r.body);
        let form = "form%5Bname%5D=alfa.legalmail.it&form%5Bkind%5D=TERZO_LIVELLO";
        let r = send(&app, post("/api/domini/nuovo", form, Some(&operator), Some(ORIGIN), false)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);

        // A reseller's administrator: a third-level name is added; a shared one refused, with
        // the reason in the address and nothing stored.
        let admin = login(&app, "alfa.admin").await;
        let r = send(&app, post("/api/domini/nuovo", form, Some(&admin), Some(ORIGIN), true)).await;
        assert_eq!(r.location(), "/domini?aggiunto=alfa.legalmail.it", "{}", r.body);
        let shared = "form%5Bname%5D=alfa-pec.it&form%5Bkind%5D=CONDIVISO";
        let r = send(&app, post("/api/domini/nuovo", shared, Some(&admin), Some(ORIGIN), true)).await;
        assert_eq!(r.location(), "/domini?errore=condiviso#nuovo-dominio-h");
        let page = send(&app, get("/domini?errore=condiviso", Some(&admin))).await;
        assert!(page.body.contains("Solo il fornitore aggiunge domini condivisi"), "{}", page.body);
        assert!(page.body.contains("value=\"alfa-pec.it\""), "what was typed is kept");

        // Another reseller sees the shared domains, not Alfa's.
        let beta = login(&app, "beta").await;
        let r = send(&app, get("/domini", Some(&beta))).await;
        assert!(r.body.contains("legalmail.it") && !r.body.contains("alfa.legalmail.it"), "{}", r.body);
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

/// A page and a static file answered at the same time on one thread: the page keeps its own
/// Content-Security-Policy (with its nonce) and its status, and the file takes none of them.
/// leptos_axum 0.8's file handler read the response options of whatever page the thread had
/// rendered last, so a page racing a `/pkg/` file lost its policy and never hydrated.
#[tokio::test(flavor = "current_thread")]
async fn a_page_keeps_its_headers_while_files_are_served_beside_it() {
    let site = std::env::temp_dir().join(format!("pec-site-{}", std::process::id()));
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    std::fs::write(site.join("favicon.svg"), "<svg xmlns=\"http://www.w3.org/2000/svg\"/>").unwrap();
    std::fs::write(site.join("pkg/app.css"), "body{}").unwrap();
    for store in common::stores().await {
        let mut st = state(&store);
        st.leptos_options.site_root = site.to_string_lossy().into_owned().into();
        let app = router::build(st);
        let cookie = login(&app, "alfa").await;
        for round in 0..20 {
            let file = if round % 2 == 0 { "/favicon.svg" } else { "/pkg/app.css" };
            let (page, missing, file) = tokio::join!(
                send(&app, get("/richiesta", Some(&cookie))),
                send(&app, get("/non-esiste", Some(&cookie))),
                send(&app, get(file, None)),
            );
            assert_eq!(page.status, StatusCode::OK, "round {round}");
            let csp = page.headers.get(header::CONTENT_SECURITY_POLICY).unwrap().to_str().unwrap();
            let nonce = csp.split("'nonce-").nth(1).and_then(|s| s.split('\'').next());
            let nonce = nonce.unwrap_or_else(|| panic!("round {round}: the page lost its policy: {csp}"));
            assert!(page.body.contains(&format!("nonce=\"{nonce}\"")), "round {round}");
            assert_eq!(missing.status, StatusCode::NOT_FOUND, "round {round}");
            assert!(missing.body.contains("Pagina non trovata"), "round {round}");
            assert_eq!(file.status, StatusCode::OK, "round {round}: {file:?}", file = file.headers);
            let file_csp = file.headers.get(header::CONTENT_SECURITY_POLICY).unwrap().to_str().unwrap();
            assert!(file_csp.starts_with("default-src 'none'"), "round {round}: {file_csp}");
        }
    }
    std::fs::remove_dir_all(&site).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offerte_are_edited_by_the_provider_and_read_by_resellers() {
    for store in common::stores().await {
        let app = app(&store);
        let r = send(&app, get("/offerte", None)).await;
        assert!(r.location().starts_with("/accesso"), "{}", r.location());

        let alfa_org = common::operator(&store, "alfa").await.organisation_id;
        let form = format!(
            "original=&form%5Bcode%5D=pec_plus&form%5Bname%5D=PEC+Plus&form%5Bdescription%5D=&form%5Bmonths%5D=36\
             &form%5Bdisk_gb%5D=8&form%5Bprice%5D=49%2C90&form%5Bsms%5D=1&form%5Bactive%5D=1\
             &form%5Bresellers%5D%5B{alfa_org}%5D=1"
        );
        // A reseller's administrator reads the catalogue but may not change it.
        let reseller_admin = login(&app, "alfa.admin").await;
        let r =
            send(&app, post("/api/offerte/salva", &form, Some(&reseller_admin), Some(ORIGIN), false)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = send(&app, get("/offerte", Some(&reseller_admin))).await;
        assert!(r.body.contains("<h1>Offerte") && r.body.contains("CONSIP"), "{}", r.body);
        assert!(!r.body.contains("Salva offerta"), "{}", r.body);

        // The provider's administrator adds it, sold by Alfa only.
        let admin = login(&app, "admin").await;
        let r = send(&app, post("/api/offerte/salva", &form, Some(&admin), Some(ORIGIN), true)).await;
        assert_eq!(r.location(), "/offerte?salvata=PEC_PLUS", "{}", r.body);
        let page = send(&app, get("/offerte?salvata=PEC_PLUS", Some(&admin))).await;
        assert!(page.body.contains("Offerta PEC_PLUS salvata."), "{}", page.body);
        assert!(page.body.contains("€ 49,90"), "{}", page.body);
        let alfa = common::operator(&store, "alfa").await;
        let usable = store.usable_offers(alfa.scope(), alfa.organisation_id).await.unwrap();
        assert!(usable.iter().any(|o| o.code == "PEC_PLUS"), "the checkbox of the reseller was read");
        let beta = login(&app, "beta").await;
        assert!(!send(&app, get("/offerte", Some(&beta))).await.body.contains("PEC_PLUS"));

        // A refused form comes back as typed, with the field's message.
        let bad = "original=PEC_PLUS&form%5Bcode%5D=PEC_PLUS&form%5Bname%5D=PEC+Plus&form%5Bmonths%5D=0\
                   &form%5Bdisk_gb%5D=8&form%5Bprice%5D=49%2C90";
        let r = send(&app, post("/api/offerte/salva", bad, Some(&admin), Some(ORIGIN), true)).await;
        assert_eq!(r.location(), "/offerte?modifica=PEC_PLUS&errore=campi#offerta-h");
        let page = send(&app, get("/offerte?modifica=PEC_PLUS&errore=campi", Some(&admin))).await;
        assert!(page.body.contains("Un numero intero da 1 a 120"), "{}", page.body);
        assert!(page.body.contains("Modifica offerta PEC_PLUS"), "{}", page.body);
        // An edit of an unknown offer changes nothing.
        let other =
            bad.replace("original=PEC_PLUS", "original=NESSUNA").replace("months%5D=0", "months%5D=12");
        let r = send(&app, post("/api/offerte/salva", &other, Some(&admin), Some(ORIGIN), true)).await;
        assert_eq!(r.location(), "/offerte?modifica=NESSUNA&errore=non-trovata#offerta-h");
    }
}

/// The README's production sequence on an empty database (no demo data): the first
/// administrator, a shared domain and the catalogue from the command line, then an order
/// placed through the HTTP application, with the domain rule read from the database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_install_is_provisioned_from_the_command_line_and_takes_an_order() {
    let dir = std::env::temp_dir().join(format!("pec-bootstrap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/prod.db?mode=rwc", dir.display());
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_pec-manager"))
            .args(args)
            .env("DATABASE_URL", &url)
            .env("PEC_OPERATOR_PASSWORD", "una password abbastanza lunga")
            .env("RUST_LOG", "error")
            .output()
            .expect("run pec-manager");
        let text =
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        (out.status.success(), text)
    };
    let ok = |args: &[&str]| {
        let (success, text) = run(args);
        assert!(success, "{args:?}: {text}");
        text
    };
    ok(&["create-operator", "--organizzazione", "Fornitore Srl", "--tipo", "fornitore", "--utente", "capo"]
        .iter()
        .chain(&["--nome", "Prima Amministratrice", "--ruolo", "amministratore"])
        .copied()
        .collect::<Vec<_>>());
    let text = ok(&["add-domain", "PEC.Fornitore.it", "--tipo", "condiviso"]);
    assert!(
        text.contains("Dominio pec.fornitore.it (condiviso) aggiunto a Fornitore Srl: CERTIFICATO"),
        "{text}"
    );
    let (again, text) = run(&["add-domain", "pec.fornitore.it", "--tipo", "condiviso"]);
    assert!(!again && text.contains("Dominio già presente"), "{text}");
    let offers = dir.join("offerte.csv");
    std::fs::write(
        &offers,
        "Codice;Nome;Descrizione;Durata (mesi);Spazio disco (GB);Prezzo di listino;Push IMAP\r\n\
         BASE;PEC Base;La casella essenziale;12;2;25,00;sì\r\n",
    )
    .unwrap();
    let text = ok(&["import-offers", offers.to_str().unwrap()]);
    assert!(text.contains("1 offerte lette, 1 aggiunte al catalogo"), "{text}");
    let text = ok(&["import-offers", offers.to_str().unwrap()]);
    assert!(text.contains("1 offerte lette, 0 aggiunte al catalogo, 1 già presenti"), "{text}");
    let bad = dir.join("rotto.csv");
    std::fs::write(
        &bad,
        "Codice,Nome,Durata (mesi),Spazio disco (GB),Prezzo di listino\nALTRA,Altra,0,2,1\n",
    )
    .unwrap();
    let (imported, text) = run(&["import-offers", bad.to_str().unwrap()]);
    assert!(!imported && text.contains("Riga 2: Durata (mesi)"), "{text}");
    // check-csv takes the domains from the database.
    let csv = dir.join("caselle.csv");
    std::fs::write(&csv, "Email gestione password,Nome casella\nuno@example.it,uno@pec.fornitore.it\n")
        .unwrap();
    let text = ok(&["check-csv", csv.to_str().unwrap()]);
    assert!(text.contains("1 righe valide, 0 con errori"), "{text}");
    std::fs::write(&csv, "Email gestione password,Nome casella\nuno@example.it,uno@legalmail.it\n").unwrap();
    assert!(!run(&["check-csv", csv.to_str().unwrap()]).0, "a domain that is not in the database");

    // The HTTP application on that database: log in, order one mailbox on the new domain.
    let store = Store::open(&url).await.unwrap();
    let app = app(&store);
    let r = send(
        &app,
        post(
            "/api/accedi",
            "username=capo&password=una+password+abbastanza+lunga&next=%2F",
            None,
            Some(ORIGIN),
            true,
        ),
    )
    .await;
    let cookie = r.headers.get(header::SET_COOKIE).expect("a session").to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_string();
    let step1 = send(&app, get("/richiesta", Some(&cookie))).await;
    assert!(step1.body.contains("PEC Base"), "the imported offer is offered");
    let form = "draft=&azione=continua&customer_name=Comune+di+Prova&customer_kind=PA_LOCALE\
                &legal_rep_cf=RCLMRA74D15F205V&contact_email=protocollo%40comune.example&offer=BASE&consent=on";
    let r = send(&app, post("/api/richiesta/salva-dati", form, Some(&cookie), Some(ORIGIN), true)).await;
    assert!(r.location().ends_with("/caselle"), "{} {}", r.location(), r.body);
    let draft = common::draft_of(r.location());
    let year = server::current_year() + 1;
    let form = format!(
        "draft={draft}&azione=continua&expiry_year={year}&customer_po=\
         &mailboxes%5B0%5D%5Baddress%5D=protocollo%40pec.fornitore.it&mailboxes%5B0%5D%5Bdescription%5D=\
         &mailboxes%5B0%5D%5Bpassword_email%5D=titolare%40example.it&mailboxes%5B0%5D%5Bfirst_name%5D=\
         &mailboxes%5B0%5D%5Blast_name%5D=&mailboxes%5B0%5D%5Btax_code%5D=&mailboxes%5B0%5D%5Bnickname%5D="
    );
    let r = send(&app, post("/api/richiesta/salva-caselle", &form, Some(&cookie), Some(ORIGIN), true)).await;
    assert!(r.location().ends_with("/verifica"), "{} {}", r.location(), r.body);
    let form = format!("draft={draft}&azione=conferma");
    let r = send(&app, post("/api/richiesta/conferma", &form, Some(&cookie), Some(ORIGIN), true)).await;
    assert!(r.location().ends_with("/riepilogo"), "{} {}", r.location(), r.body);
    let summary = send(&app, get(r.location(), Some(&cookie))).await;
    assert!(summary.body.contains("protocollo@pec.fornitore.it"), "{}", summary.body);
    // Numbering starts from the empty database's settings (prefix PEC).
    assert!(summary.body.contains("PEC00001"), "{}", summary.body);
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clienti_are_added_by_operators_and_refusals_keep_what_was_typed() {
    for store in common::stores().await {
        let app = app(&store);
        let alfa = login(&app, "alfa").await;
        let form = "id=0&form%5Bname%5D=Studio+Verdi&form%5Bkind%5D=PROFESSIONISTA\
                    &form%5Blegal_rep_cf%5D=RCLMRA74D15F205V&form%5Bcontact_email%5D=";
        let r = send(&app, post("/api/configurazione/cliente", form, Some(&alfa), Some(ORIGIN), true)).await;
        assert_eq!(r.location(), "/configurazione/clienti?salvato=1", "{}", r.body);
        let page = send(&app, get("/configurazione/clienti?salvato=1", Some(&alfa))).await;
        assert!(page.body.contains("<h1>Clienti") && page.body.contains("Studio Verdi"), "{}", page.body);
        // Again: a duplicate, kept as typed.
        let r = send(&app, post("/api/configurazione/cliente", form, Some(&alfa), Some(ORIGIN), true)).await;
        assert_eq!(r.location(), "/configurazione/clienti?errore=duplicato#cliente-h");
        let page = send(&app, get("/configurazione/clienti?errore=duplicato", Some(&alfa))).await;
        assert!(page.body.contains("Esiste già un cliente con questa denominazione"), "{}", page.body);
        // Beta does not see it and cannot edit it by its number.
        let beta = login(&app, "beta").await;
        assert!(!send(&app, get("/configurazione/clienti", Some(&beta))).await.body.contains("Studio Verdi"));
        let alfa_op = common::operator(&store, "alfa").await;
        let id = store
            .customer_rows(alfa_op.scope())
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.customer.name == "Studio Verdi")
            .unwrap()
            .id;
        let edit = form.replace("id=0", &format!("id={id}")).replace("Studio+Verdi", "Preso");
        let r = send(&app, post("/api/configurazione/cliente", &edit, Some(&beta), Some(ORIGIN), true)).await;
        assert_eq!(
            r.location(),
            format!("/configurazione/clienti?modifica={id}&errore=non-trovato#cliente-h")
        );
        assert!(store
            .customer_rows(alfa_op.scope())
            .await
            .unwrap()
            .iter()
            .any(|r| r.customer.name == "Studio Verdi"));
    }
}

/// Impostazioni through the HTTP application: only the provider's administrators; the lock-out
/// threshold and the session's length are read by the login that follows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn impostazioni_are_changed_by_the_provider_and_read_by_the_login() {
    for store in common::stores().await {
        let app = app(&store);
        let fields = |failures: &str, hours: &str| {
            let s = pec_manager::domain::settings::Settings::default();
            let mut form = pec_manager::domain::settings::form_of(&s);
            form.insert("userid_prefix".into(), "VIT".into());
            form.insert("next_order_number".into(), "99000000".into());
            form.insert("lockout_failures".into(), failures.into());
            form.insert("session_max_hours".into(), hours.into());
            form.iter().map(|(k, v)| format!("form%5B{k}%5D={}", enc(v))).collect::<Vec<_>>().join("&")
        };
        let reseller_admin = login(&app, "alfa.admin").await;
        let r = send(
            &app,
            post(
                "/api/configurazione/salva-impostazioni",
                &fields("3", "2"),
                Some(&reseller_admin),
                Some(ORIGIN),
                false,
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = send(&app, get("/configurazione/impostazioni", Some(&reseller_admin))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);

        let admin = login(&app, "admin").await;
        // Out of range: refused, kept as typed, nothing changed.
        let r = send(
            &app,
            post(
                "/api/configurazione/salva-impostazioni",
                &fields("2", "2"),
                Some(&admin),
                Some(ORIGIN),
                true,
            ),
        )
        .await;
        assert_eq!(r.location(), "/configurazione/impostazioni?errore=campi");
        let page = send(&app, get("/configurazione/impostazioni?errore=campi", Some(&admin))).await;
        assert!(page.body.contains("Un numero intero da 3 a 20"), "{}", page.body);
        assert_eq!(store.settings().await.unwrap().lockout_failures, 5);

        let r = send(
            &app,
            post(
                "/api/configurazione/salva-impostazioni",
                &fields("3", "2"),
                Some(&admin),
                Some(ORIGIN),
                true,
            ),
        )
        .await;
        assert_eq!(r.location(), "/configurazione/impostazioni?salvate=1", "{}", r.body);
        let page = send(&app, get("/configurazione/impostazioni?salvate=1", Some(&admin))).await;
        assert!(page.body.contains("<h1>Impostazioni") && page.body.contains("Impostazioni salvate."));

        // A session now lasts two hours at most...
        let form = format!("username=alfa&password={}&next=%2F", enc(common::PASSWORD));
        let r = send(&app, post("/api/accedi", &form, None, Some(ORIGIN), true)).await;
        let cookie = r.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
        assert!(cookie.contains("Max-Age=7200"), "{cookie}");
        // ...and three failures lock the name.
        for _ in 0..3 {
            send(
                &app,
                post("/api/accedi", "username=beta&password=sbagliata&next=%2F", None, Some(ORIGIN), true),
            )
            .await;
        }
        let form = format!("username=beta&password={}&next=%2F", enc(common::PASSWORD));
        let r = send(&app, post("/api/accedi", &form, None, Some(ORIGIN), true)).await;
        assert!(r.location().contains("errore=bloccato"), "{}", r.location());
    }
}

/// Organizzazioni: a reseller created with its first administrator, who logs in with the
/// password shown once; disabled, its sessions end and its operators cannot log in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organizzazioni_create_resellers_whose_administrators_log_in_until_disabled() {
    for store in common::stores().await {
        let app = app(&store);
        let reseller_admin = login(&app, "alfa.admin").await;
        let form = "form%5Bname%5D=Rivenditore+Gamma&form%5Busername%5D=gamma.admin&form%5Bdisplay_name%5D=Gina+Gamma";
        let r = send(
            &app,
            post(
                "/api/configurazione/nuova-organizzazione",
                form,
                Some(&reseller_admin),
                Some(ORIGIN),
                false,
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);

        let admin = login(&app, "admin").await;
        let r = send(
            &app,
            post("/api/configurazione/nuova-organizzazione", form, Some(&admin), Some(ORIGIN), true),
        )
        .await;
        assert_eq!(r.location(), "/configurazione/organizzazioni?creata=1", "{}", r.body);
        let page = send(&app, get("/configurazione/organizzazioni?creata=1", Some(&admin))).await;
        assert!(
            page.body
                .contains("Organizzazione Rivenditore Gamma creata con l&#x27;amministratore gamma.admin")
                || page
                    .body
                    .contains("Organizzazione Rivenditore Gamma creata con l'amministratore gamma.admin"),
            "{}",
            page.body
        );
        let password = page
            .body
            .split("<code>")
            .nth(1)
            .and_then(|s| s.split('<').next())
            .expect("password shown")
            .to_string();
        assert!(password.len() >= 12);
        // Shown once only.
        let again = send(&app, get("/configurazione/organizzazioni?creata=1", Some(&admin))).await;
        assert!(!again.body.contains(&password));
        // The same name again: refused, nothing created.
        let r = send(
            &app,
            post(
                "/api/configurazione/nuova-organizzazione",
                &form.replace("gamma.admin", "altro.admin"),
                Some(&admin),
                Some(ORIGIN),
                true,
            ),
        )
        .await;
        assert_eq!(r.location(), "/configurazione/organizzazioni?errore=nome-esistente");
        assert!(store.login_record("altro.admin").await.unwrap().is_none());

        // The new administrator logs in and sees only its organisation.
        let form = format!("username=gamma.admin&password={}&next=%2F", enc(&password));
        let r = send(&app, post("/api/accedi", &form, None, Some(ORIGIN), true)).await;
        let gamma = r
            .headers
            .get(header::SET_COOKIE)
            .expect("logged in")
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let ops = send(&app, get("/configurazione/operatori", Some(&gamma))).await;
        assert!(ops.body.contains("gamma.admin") && !ops.body.contains("alfa.admin"), "{}", ops.body);

        // Disabled: its session ends at once, and it cannot log in again; enabled: it can.
        let id = store
            .organisation_rows()
            .await
            .unwrap()
            .into_iter()
            .find(|o| o.name == "Rivenditore Gamma")
            .unwrap()
            .id;
        // It sells the active catalogue from the start.
        let sold = store.usable_offers(pec_manager::domain::auth::Scope::Organisation(id), id).await.unwrap();
        assert!(sold.iter().any(|o| o.code == "CONSIP"), "{sold:?}");
        let r = send(
            &app,
            post(
                "/api/configurazione/organizzazione",
                &format!("id={id}&azione=disattiva"),
                Some(&admin),
                Some(ORIGIN),
                true,
            ),
        )
        .await;
        assert_eq!(r.location(), "/configurazione/organizzazioni?modificata=1");
        let r = send(&app, get("/recenti", Some(&gamma))).await;
        assert!(r.location().starts_with("/accesso"), "{}", r.location());
        let r = send(&app, post("/api/accedi", &form, None, Some(ORIGIN), true)).await;
        assert!(
            r.headers.get(header::SET_COOKIE).is_none() && r.location().contains("errore="),
            "{}",
            r.location()
        );
        send(
            &app,
            post(
                "/api/configurazione/organizzazione",
                &format!("id={id}&azione=riattiva"),
                Some(&admin),
                Some(ORIGIN),
                true,
            ),
        )
        .await;
        let r = send(&app, post("/api/accedi", &form, None, Some(ORIGIN), true)).await;
        assert!(r.headers.get(header::SET_COOKIE).is_some(), "{}", r.location());
        // The provider is never disabled; renames are checked.
        let provider = store.organisation_rows().await.unwrap()[0].id;
        let r = send(
            &app,
            post(
                "/api/configurazione/organizzazione",
                &format!("id={provider}&azione=disattiva"),
                Some(&admin),
                Some(ORIGIN),
                true,
            ),
        )
        .await;
        assert_eq!(r.location(), "/configurazione/organizzazioni?errore=fornitore");
        let r = send(
            &app,
            post(
                "/api/configurazione/organizzazione",
                &format!("id={id}&azione=rinomina&name=Rivenditore+Alfa"),
                Some(&admin),
                Some(ORIGIN),
                true,
            ),
        )
        .await;
        assert_eq!(
            r.location(),
            format!("/configurazione/organizzazioni?rinomina={id}&errore=nome-esistente")
        );
        let r = send(
            &app,
            post(
                "/api/configurazione/organizzazione",
                &format!("id={id}&azione=rinomina&name=Gamma+Srl"),
                Some(&admin),
                Some(ORIGIN),
                true,
            ),
        )
        .await;
        assert_eq!(r.location(), "/configurazione/organizzazioni?modificata=1");
        let log = store
            .audit_entries(pec_manager::domain::auth::Scope::All, &Default::default(), 1, 30)
            .await
            .unwrap();
        for action in [
            "ORGANIZZAZIONE_CREATA",
            "ORGANIZZAZIONE_DISATTIVATA",
            "ORGANIZZAZIONE_RIATTIVATA",
            "ORGANIZZAZIONE_RINOMINATA",
        ] {
            assert!(log.items.iter().any(|e| e.action == action), "{action} not audited");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gestione_domini_suspends_and_removes_through_its_buttons() {
    for store in common::stores().await {
        let app = app(&store);
        let admin = login(&app, "alfa.admin").await;
        let form = "form%5Bname%5D=sede.legalmail.it&form%5Bkind%5D=TERZO_LIVELLO";
        send(&app, post("/api/domini/nuovo", form, Some(&admin), Some(ORIGIN), true)).await;
        let page = send(&app, get("/domini", Some(&admin))).await;
        assert!(page.body.contains("aria-label=\"Sospendi sede.legalmail.it\""), "{}", page.body);
        assert!(
            !page.body.contains("aria-label=\"Sospendi legalmail.it\""),
            "a reseller's button on a shared domain"
        );
        let r = send(
            &app,
            post(
                "/api/domini/azione",
                "name=sede.legalmail.it&azione=sospendi",
                Some(&admin),
                Some(ORIGIN),
                true,
            ),
        )
        .await;
        assert_eq!(r.location(), "/domini?esito=sospendi&dominio=sede.legalmail.it");
        let page = send(&app, get(r.location(), Some(&admin))).await;
        assert!(page.body.contains("Dominio sede.legalmail.it sospeso."), "{}", page.body);
        // Certification only through "Verifica DNS"; a shared domain is not the reseller's.
        let r = send(
            &app,
            post(
                "/api/domini/azione",
                "name=sede.legalmail.it&azione=certifica",
                Some(&admin),
                Some(ORIGIN),
                false,
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        let r = send(
            &app,
            post("/api/domini/azione", "name=legalmail.it&azione=rimuovi", Some(&admin), Some(ORIGIN), true),
        )
        .await;
        assert_eq!(r.location(), "/domini?rifiuto=non-trovato");
        let r = send(
            &app,
            post(
                "/api/domini/azione",
                "name=sede.legalmail.it&azione=rimuovi",
                Some(&admin),
                Some(ORIGIN),
                true,
            ),
        )
        .await;
        assert_eq!(r.location(), "/domini?esito=rimuovi&dominio=sede.legalmail.it");
        // Operators may not change domains.
        let operator = login(&app, "alfa").await;
        let r = send(
            &app,
            post(
                "/api/domini/azione",
                "name=legalmail.it&azione=sospendi",
                Some(&operator),
                Some(ORIGIN),
                false,
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verifica_dns_through_the_page_shows_the_records_and_the_outcome() {
    use std::collections::HashMap;
    let zones = HashMap::from([
        ("studio-bianchi.it", crate::dns::good_zone()),
        ("studio-verdi.it", crate::dns::Zone { mx: vec!["mx.altro.it"], ..Default::default() }),
    ]);
    let dns = crate::dns::FakeDns::start(zones).await;
    for store in common::stores().await {
        let mut state = state(&store);
        state.dns = dns.resolver();
        let app = router::build(state);
        let admin = login(&app, "admin").await;
        for name in ["studio-bianchi.it", "studio-verdi.it"] {
            let form = format!("form%5Bname%5D={name}&form%5Bkind%5D=CLIENTE&form%5Bcustomer%5D=Collaudo");
            let r = send(&app, post("/api/domini/nuovo", &form, Some(&admin), Some(ORIGIN), true)).await;
            assert_eq!(r.location(), format!("/domini?aggiunto={name}"));
        }
        // The records to publish, and the button on a domain awaiting certification only.
        let page = send(&app, get("/domini", Some(&admin))).await;
        assert!(page.body.contains("aria-label=\"Verifica DNS studio-bianchi.it\""), "{}", page.body);
        assert!(!page.body.contains("aria-label=\"Verifica DNS legalmail.it\""), "{}", page.body);
        assert!(page.body.contains(">10 mx.pec.fornitore.it.<"), "{}", page.body);
        assert!(page.body.contains(">v=spf1 include:spf.pec.fornitore.it -all<"), "{}", page.body);

        let verify = |name: &str| format!("name={name}&azione=verifica-dns");
        let r = send(
            &app,
            post("/api/domini/azione", &verify("studio-verdi.it"), Some(&admin), Some(ORIGIN), true),
        )
        .await;
        assert_eq!(r.location(), "/domini?esito=verifica-dns&dominio=studio-verdi.it");
        let page = send(&app, get(r.location(), Some(&admin))).await;
        assert!(page.body.contains("Verifica DNS non superata: il dominio studio-verdi.it resta IN_ATTESA."));
        assert!(page.body.contains("Il record MX non punta a mx.pec.fornitore.it (trovati: mx.altro.it)"));
        assert!(page.body.contains("Record DNS per studio-verdi.it"), "{}", page.body);
        // The session's outcome shows only at the address that reports it.
        let other =
            send(&app, get("/domini?esito=verifica-dns&dominio=studio-bianchi.it", Some(&admin))).await;
        assert!(!other.body.contains("Verifica DNS non superata"), "{}", other.body);

        let r = send(
            &app,
            post("/api/domini/azione", &verify("studio-bianchi.it"), Some(&admin), Some(ORIGIN), true),
        )
        .await;
        let page = send(&app, get(r.location(), Some(&admin))).await;
        assert!(page.body.contains("Verifica DNS superata: il dominio studio-bianchi.it è CERTIFICATO."));
        assert!(!page.body.contains("aria-label=\"Verifica DNS studio-bianchi.it\""), "{}", page.body);
        // Again: not in a state that is verified.
        let r = send(
            &app,
            post("/api/domini/azione", &verify("studio-bianchi.it"), Some(&admin), Some(ORIGIN), true),
        )
        .await;
        assert_eq!(r.location(), "/domini?rifiuto=stato");
        // A reseller's administrator cannot have another organisation's domain looked up.
        let alfa = login(&app, "alfa.admin").await;
        let asked = dns.questions_about("studio-verdi.it");
        let r = send(
            &app,
            post("/api/domini/azione", &verify("studio-verdi.it"), Some(&alfa), Some(ORIGIN), true),
        )
        .await;
        assert_eq!(r.location(), "/domini?rifiuto=non-trovato");
        assert_eq!(dns.questions_about("studio-verdi.it"), asked);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gestione_scadenze_caselle_renews_the_ticked_rows_once_and_exports_the_filter() {
    for store in common::stores().await {
        let app = app(&store);
        let n = std::process::id();
        let soon = pec_manager::server::today().add_days(10).iso();
        let (a, b) = (format!("scad-a{n}@legalmail.it"), format!("scad-b{n}@legalmail.it"));
        let ids = crate::renewals::active(&store, &[(&a, &soon, "ATTIVA"), (&b, &soon, "ATTIVA")]).await;
        store
            .raw_execute(&format!(
                "UPDATE mailboxes SET description = '=HYPERLINK(\"x\")' WHERE userid = '{}'",
                ids[0]
            ))
            .await
            .unwrap();
        let alfa = login(&app, "alfa").await;
        let page = send(&app, get("/scadenze/caselle", Some(&alfa))).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("<h1>Gestione scadenze caselle"), "{}", page.body);
        for id in &ids {
            assert!(page.body.contains(&format!("aria-label=\"Seleziona {id}\"")), "{}", page.body);
        }
        assert!(page.body.contains("Rinnova selezionate") && page.body.contains("Esporta CSV"));

        // The export: Excel's CSV, the filter's rows, formulas neutralised; another
        // organisation's export does not hold them.
        let csv = send(&app, get("/scadenze/caselle.csv?entro=30", Some(&alfa))).await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv.body.starts_with("\u{feff}Userid;Casella;Descrizione;"), "{}", csv.body);
        assert!(
            csv.body.contains(ids[0].as_str()) && csv.body.contains("\"'=HYPERLINK(\"\"x\"\")\""),
            "{}",
            csv.body
        );
        let beta = login(&app, "beta").await;
        let other = send(&app, get("/scadenze/caselle.csv?entro=30", Some(&beta))).await;
        assert!(!other.body.contains(ids[0].as_str()));
        let anonymous = send(&app, get("/scadenze/caselle.csv", None)).await;
        assert!(anonymous.location().starts_with("/accesso"), "{}", anonymous.status);

        // "Rinnova selezionate" with the page's request key; sent twice, renewed once.
        let key =
            page.body.split("name=\"richiesta\" value=\"").nth(1).and_then(|r| r.split('"').next()).unwrap();
        let form = format!(
            "scelte%5B{}%5D=1&scelte%5B{}%5D=1&filtro%5Bentro%5D=30&richiesta={key}&azione=rinnova",
            ids[0], ids[1]
        );
        let r = send(&app, post("/api/scadenze/azione", &form, Some(&alfa), Some(ORIGIN), true)).await;
        assert!(
            r.location().starts_with("/scadenze/caselle?entro=30&esito=rinnovate&caselle=2&ordini="),
            "{}",
            r.location()
        );
        let again = send(&app, post("/api/scadenze/azione", &form, Some(&alfa), Some(ORIGIN), true)).await;
        assert_eq!(again.location(), r.location());
        let number = r.location().rsplit('=').next().unwrap().to_string();
        let done = send(&app, get(r.location(), Some(&alfa))).await;
        assert!(done.body.contains("Rinnovo eseguito: 2 caselle rinnovate."), "{}", done.body);
        assert!(done.body.contains(&format!("href=\"/ordini/{number}\"")), "{}", done.body);
        let order = send(&app, get(&format!("/ordini/{number}"), Some(&alfa))).await;
        assert!(order.body.contains("RINNOVO") && order.body.contains(ids[1].as_str()), "{}", order.body);
        let mailbox = store.mailbox(pec_manager::domain::auth::Scope::All, &ids[0]).await.unwrap().unwrap();
        let next_year = pec_manager::domain::lifecycle::Date::parse_iso(&soon).unwrap().add_months(12).iso();
        assert_eq!(
            (mailbox.expires_at.as_str(), mailbox.invoice_expires_at.as_str()),
            (next_year.as_str(), next_year.as_str())
        );

        // Another organisation's mailbox is not found; nothing selected says so.
        let theirs = format!("scelte%5B{}%5D=1&richiesta={}&azione=rinnova", ids[0], "b".repeat(64));
        let r = send(&app, post("/api/scadenze/azione", &theirs, Some(&beta), Some(ORIGIN), true)).await;
        assert_eq!(r.location(), "/scadenze/caselle?rifiuto=non-trovate");
        let none = format!("richiesta={}&azione=rinnova", "c".repeat(64));
        let r = send(&app, post("/api/scadenze/azione", &none, Some(&alfa), Some(ORIGIN), true)).await;
        let page = send(&app, get(r.location(), Some(&alfa))).await;
        assert!(page.body.contains("Nessuna casella selezionata"), "{}", page.body);

        // The filter comes back in the address only bounded, however long it was sent.
        let long = format!(
            "richiesta={}&azione=rinnova&filtro%5Bcliente%5D={}",
            "d".repeat(64),
            "x".repeat(100_000)
        );
        let r = send(&app, post("/api/scadenze/azione", &long, Some(&alfa), Some(ORIGIN), true)).await;
        assert!(r.location().starts_with("/scadenze/caselle?"), "{:.80}", r.location());
        assert!(r.location().len() < 1_000, "{} bytes echoed", r.location().len());

        // Tacit renewal on, for every row of the filter.
        let all = format!("tutte=1&filtro%5Bdal%5D={next_year}&filtro%5Bal%5D={next_year}&azione=tacito-si");
        let r = send(&app, post("/api/scadenze/azione", &all, Some(&alfa), Some(ORIGIN), true)).await;
        assert!(r.location().contains("esito=tacito-si&caselle=2"), "{}", r.location());
        assert!(
            store
                .mailbox(pec_manager::domain::auth::Scope::All, &ids[1])
                .await
                .unwrap()
                .unwrap()
                .tacit_renewal
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_and_list_exports_are_each_organisation_own_and_formula_safe() {
    for store in common::stores().await {
        let app = app(&store);
        let n = std::process::id();
        let address = format!("export-a{n}@legalmail.it");
        let ids = crate::renewals::active(&store, &[(&address, "2027-06-01", "ATTIVA")]).await;
        store
            .raw_execute(&format!(
                "UPDATE customers SET name = '=SOMMA(A1) {n}', name_key = '=somma(a1) {n}' WHERE id = \
                 (SELECT o.customer_id FROM orders o JOIN mailboxes m ON m.order_id = o.id WHERE m.userid = '{}')",
                ids[0]
            ))
            .await
            .unwrap();
        let alfa = login(&app, "alfa").await;
        let beta = login(&app, "beta").await;
        let admin = login(&app, "admin").await;

        // The page: each report a figure with its caption and its table, an export each; the
        // resellers' report only for the provider.
        let page = send(&app, get("/report", Some(&alfa))).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("<h1>Report"), "{}", page.body);
        for kind in ["stato", "offerta", "cliente", "dominio", "mensile", "operatori"] {
            assert!(
                page.body.contains(&format!("href=\"/report.csv?report={kind}")),
                "{kind}: {}",
                page.body
            );
        }
        assert!(
            page.body.contains("<figure") && page.body.contains("<figcaption") && page.body.contains("<svg")
        );
        assert!(page.body.matches("Esporta CSV").count() >= 6);
        assert!(!page.body.contains("Caselle per rivenditore"));
        let provider = send(&app, get("/report?periodo=24", Some(&admin))).await;
        assert!(
            provider.body.contains("Caselle per rivenditore") && provider.body.contains("Rivenditore Alfa")
        );
        assert!(provider.body.contains("Ultimi 24 mesi"));

        // The report's export: Excel's CSV, the name's formula neutralised; Beta's lacks it.
        let csv = send(&app, get("/report.csv?report=cliente", Some(&alfa))).await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv.body.starts_with("\u{feff}Cliente;Caselle\r\n"), "{}", csv.body);
        assert!(csv.body.contains(&format!("'=SOMMA(A1) {n};1\r\n")), "{}", csv.body);
        let theirs = send(&app, get("/report.csv?report=cliente", Some(&beta))).await;
        assert!(!theirs.body.contains(&format!("SOMMA(A1) {n}")), "{}", theirs.body);
        let monthly = send(&app, get("/report.csv?report=mensile&periodo=24", Some(&alfa))).await;
        assert!(monthly.body.starts_with("\u{feff}Mese;Attivazioni;Scadenze;Rinnovi\r\n"));
        assert_eq!(monthly.body.lines().count(), 25, "{}", monthly.body);
        assert_eq!(
            send(&app, get("/report.csv?report=rivenditori", Some(&alfa))).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            send(&app, get("/report.csv?report=nulla", Some(&alfa))).await.status,
            StatusCode::NOT_FOUND
        );
        assert!(send(&app, get("/report.csv?report=stato", None)).await.location().starts_with("/accesso"));

        // Ricerca's export: the search's rows, of the operator's organisation only.
        let found = send(&app, get(&format!("/ricerca.csv?q={}", ids[0]), Some(&alfa))).await;
        assert!(found.body.starts_with("\u{feff}Userid;Nome casella;Stato;"), "{}", found.body);
        assert!(found.body.contains(&format!("{};{address};ATTIVA", ids[0])), "{}", found.body);
        assert!(found.body.contains(&format!("'=SOMMA(A1) {n}")));
        let hidden = send(&app, get(&format!("/ricerca.csv?q={}", ids[0]), Some(&beta))).await;
        assert!(!hidden.body.contains(ids[0].as_str()), "{}", hidden.body);
        let page = send(&app, get(&format!("/ricerca?q={}", ids[0]), Some(&alfa))).await;
        assert!(page.body.contains("action=\"/ricerca.csv\"") && page.body.contains("Esporta CSV"));

        // The audit log's export: administrators only, their organisation's lines.
        assert_eq!(
            send(&app, get("/configurazione/registro.csv", Some(&alfa))).await.status,
            StatusCode::FORBIDDEN
        );
        let alfa_admin = login(&app, "alfa.admin").await;
        let log = send(&app, get("/configurazione/registro.csv?utente=alfa", Some(&alfa_admin))).await;
        assert_eq!(log.status, StatusCode::OK);
        assert!(log.body.starts_with("\u{feff}Quando (UTC);Utente;Organizzazione;Azione;"), "{}", log.body);
        assert!(log.body.contains(";alfa;Rivenditore Alfa;LOGIN;"), "{}", log.body);
        let own = send(&app, get("/configurazione/registro.csv", Some(&alfa_admin))).await;
        assert!(own.body.contains(";alfa;") && !own.body.contains(";beta;"), "{}", own.body);
        let beta_log = send(&app, get("/configurazione/registro.csv", Some(&admin))).await;
        assert!(beta_log.body.contains(";beta;Rivenditore Beta;LOGIN;"));
        let page = send(&app, get("/configurazione/registro", Some(&alfa_admin))).await;
        assert!(page.body.contains("action=\"/configurazione/registro.csv\""), "{}", page.body);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gestione_scadenze_prodotti_renews_the_ticked_products_and_exports_the_filter() {
    for store in common::stores().await {
        let app = app(&store);
        let n = std::process::id();
        let address = format!("prodotti-a{n}@legalmail.it");
        let ids = crate::renewals::active(&store, &[(&address, "2027-06-01", "ATTIVA")]).await;
        let soon = pec_manager::server::today().add_days(10).iso();
        store
            .raw_execute(&format!(
                "UPDATE products SET expires_at = '{soon}' WHERE mailbox_id = (SELECT id FROM mailboxes WHERE userid = '{}')",
                ids[0]
            ))
            .await
            .unwrap();
        store
            .raw_execute(&format!(
                "UPDATE customers SET name = '@SOMMA(B2) {n}', name_key = '@somma(b2) {n}' WHERE id = \
                 (SELECT o.customer_id FROM orders o JOIN mailboxes m ON m.order_id = o.id WHERE m.userid = '{}')",
                ids[0]
            ))
            .await
            .unwrap();
        let alfa = login(&app, "alfa").await;
        let beta = login(&app, "beta").await;
        let page = send(&app, get("/scadenze/prodotti?prodotto=CONSERVAZIONE", Some(&alfa))).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("<h1>Gestione scadenze prodotti"), "{}", page.body);
        assert!(page.body.contains(&format!("aria-label=\"Seleziona {}\"", ids[0])), "{}", page.body);
        assert!(page.body.contains("LM-CONS-12") && page.body.contains("Rinnova selezionate"));
        assert!(page.body.contains("Esporta CSV") && page.body.contains("Scadenza entro"));

        // The export: the filter's products, formulas neutralised, Alfa's only.
        let csv = send(&app, get("/scadenze/prodotti.csv?entro=30", Some(&alfa))).await;
        assert!(
            csv.body.starts_with("\u{feff}Userid;Casella;Cliente;Offerta;Ordine;Prodotto;"),
            "{}",
            csv.body
        );
        assert!(
            csv.body.contains(&format!("'@SOMMA(B2) {n}"))
                && csv.body.contains("Credito SMS;100 SMS;LM-SMS-12")
        );
        let theirs = send(&app, get("/scadenze/prodotti.csv?entro=30", Some(&beta))).await;
        assert!(!theirs.body.contains(ids[0].as_str()));

        // "Rinnova selezionate": the ticked product, once for the same request.
        let id =
            page.body.split("name=\"scelte[").nth(1).and_then(|r| r.split(']').next()).unwrap().to_string();
        let key =
            page.body.split("name=\"richiesta\" value=\"").nth(1).and_then(|r| r.split('"').next()).unwrap();
        let form = format!("scelte%5B{id}%5D=1&filtro%5Bprodotto%5D=CONSERVAZIONE&richiesta={key}");
        let r =
            send(&app, post("/api/scadenze/prodotti/rinnova", &form, Some(&alfa), Some(ORIGIN), true)).await;
        assert!(
            r.location()
                .starts_with("/scadenze/prodotti?prodotto=CONSERVAZIONE&esito=rinnovati&prodotti=1&ordini="),
            "{}",
            r.location()
        );
        let again =
            send(&app, post("/api/scadenze/prodotti/rinnova", &form, Some(&alfa), Some(ORIGIN), true)).await;
        assert_eq!(again.location(), r.location());
        let done = send(&app, get(r.location(), Some(&alfa))).await;
        assert!(done.body.contains("Rinnovo eseguito: 1 prodotti rinnovati."), "{}", done.body);
        let number = r.location().rsplit('=').next().unwrap().to_string();
        let order = send(&app, get(&format!("/ordini/{number}"), Some(&alfa))).await;
        assert!(
            order.body.contains("Prodotti rinnovati") && order.body.contains("Conservazione a norma"),
            "{}",
            order.body
        );
        let mailbox = send(&app, get(&format!("/caselle/{}", ids[0]), Some(&alfa))).await;
        assert!(mailbox.body.contains("Prodotti a scadenza") && mailbox.body.contains("RINNOVO_PRODOTTO"));

        // Beta's request for Alfa's product: not found, nothing renewed.
        let theirs = format!("scelte%5B{id}%5D=1&richiesta={}", "e".repeat(64));
        let r = send(&app, post("/api/scadenze/prodotti/rinnova", &theirs, Some(&beta), Some(ORIGIN), true))
            .await;
        assert_eq!(r.location(), "/scadenze/prodotti?rifiuto=non-trovate");
        let page = send(&app, get(r.location(), Some(&beta))).await;
        assert!(page.body.contains("Alcuni prodotti selezionati non esistono più"), "{}", page.body);
    }
}

/// A session's use is written at most once a minute (a write on every page serialised them
/// behind SQLite's one writer), and the idle expiry still moves forward. (Each row is changed
/// by hand, so the process's session cache is emptied after it, as its 5 s would.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_is_written_at_most_once_a_minute_and_stays_alive() {
    use pec_manager::store::from_now;
    for store in common::stores().await {
        let app = app(&store);
        let cookie = login(&app, "alfa").await;
        let soon = from_now(chrono::Duration::minutes(1));
        let recent = from_now(chrono::Duration::seconds(-30));
        store
            .raw_execute(&format!("UPDATE sessions SET last_seen_at = '{recent}', expires_at = '{soon}'"))
            .await
            .unwrap();
        store.forget_caches_for_tests();
        let unchanged = format!("SELECT COUNT(*) AS n FROM sessions WHERE expires_at = '{soon}'");
        assert_eq!(send(&app, get("/recenti", Some(&cookie))).await.status, StatusCode::OK);
        assert_eq!(store.raw_count(&unchanged).await.unwrap(), 1, "written again within the minute");

        let older = from_now(chrono::Duration::minutes(-2));
        store.raw_execute(&format!("UPDATE sessions SET last_seen_at = '{older}'")).await.unwrap();
        store.forget_caches_for_tests();
        assert_eq!(send(&app, get("/recenti", Some(&cookie))).await.status, StatusCode::OK);
        let extended = format!("SELECT COUNT(*) AS n FROM sessions WHERE expires_at > '{soon}'");
        assert_eq!(store.raw_count(&extended).await.unwrap(), 1, "idle expiry not moved");
    }
}

/// The rate limiters keep time with the operating system's monotonic clock. `quanta` (governor's
/// default clock, and the only one `tower_governor` accepts) reads the CPU's time-stamp counter,
/// which on some machines steps back when a task moves between cores; a limiter then refused a
/// client well within its burst (the 429 in CI's run of
/// `twenty_clients_contesting_one_hundred_names_get_each_name_once`). Checked on the lock file so
/// that no dependency can bring it back through feature unification.
#[test]
fn rate_limits_never_read_the_cpus_time_stamp_counter() {
    let lock = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock"));
    assert!(!lock.contains("name = \"quanta\""), "quanta is in the build again: see `cargo tree -i quanta`");
}
