//! The real HTTP application (router, edge layers, pages, server functions) driven as a browser
//! or a script drives it: the helpers of the tests that go through HTTP.

use crate::common;
use crate::common::wizard;
use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use leptos::prelude::LeptosOptions;
use pec_manager::domain::auth::Operator;
use pec_manager::domain::wizard::{RequestForm, WizardAction};
use pec_manager::domain::{DraftId, MailboxInput, OrderNumber};
use pec_manager::server::{self, router, AppState};
use pec_manager::store::Store;
use tower::ServiceExt;

pub(crate) const HOST: &str = "127.0.0.1:3000";
pub(crate) const ORIGIN: &str = "http://127.0.0.1:3000";

pub(crate) fn app(store: &Store) -> axum::Router {
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

pub(crate) fn enc(s: &str) -> String {
    pec_manager::routes::url_encode(s).replace('/', "%2F")
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

pub(crate) fn mailbox(address: &str) -> MailboxInput {
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
pub(crate) async fn order_by(
    store: &Store,
    op: &Operator,
    customer: &str,
    m: MailboxInput,
) -> (DraftId, OrderNumber) {
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

pub(crate) fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    multipart_as(fields, "file", file)
}

/// A multipart body with the file in the field `file_field`.
pub(crate) fn multipart_as(
    fields: &[(&str, &str)],
    file_field: &str,
    file: Option<(&str, &[u8])>,
) -> (String, Vec<u8>) {
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

pub(crate) fn contract_upload(number: &OrderNumber, file: &[u8], cookie: Option<&str>) -> Request<Body> {
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

/// Text as the server-rendered page escapes it.
pub(crate) fn leptos_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// A login form post from a given client address (as the server sees the TCP peer).
pub(crate) fn login_from(user: &str, password: &str, next: &str, ip: [u8; 4]) -> Request<Body> {
    let form = format!("username={}&password={}&next={}", enc(user), enc(password), enc(next));
    let mut req = post("/api/accedi", &form, None, Some(ORIGIN), true);
    req.extensions_mut().insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((ip, 40000))));
    req
}

pub(crate) async fn audit_actions(store: &Store, username: &str) -> Vec<String> {
    let admin = common::operator(store, "admin").await;
    let filter = pec_manager::domain::audit::AuditFilter { username: username.into(), ..Default::default() };
    let log = store.audit_entries(admin.scope(), &filter, 1, 500).await.unwrap();
    log.items.into_iter().map(|e| e.action).collect()
}
