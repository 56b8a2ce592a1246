//! What every answer carries and costs: security headers, compression, caching of bundle files,
//! the status of a failed post, pages of a huge request kept small.

use crate::common;
use crate::common::wizard;
use crate::web::*;
use axum::http::{header, StatusCode};
use leptos::prelude::LeptosOptions;
use pec_manager::domain::wizard::WizardAction;
use pec_manager::domain::MailboxInput;
use pec_manager::server::{self, router};
use tower::ServiceExt;

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
