//! The HTTP application: pages, server functions and files behind the request guard.
//! Used by the binary and by the integration tests (which send requests to it directly).

use super::{auth, edge, AppState};
use crate::app::{shell, App};
use crate::routes;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::compression::CompressionLevel;

/// The CSV template (plain route: a file, not a page).
async fn csv_template(_: auth::SignedIn) -> axum::response::Response {
    let headers = [
        (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
        (axum::http::header::CONTENT_DISPOSITION, "attachment; filename=\"modello-caselle.csv\""),
    ];
    (headers, crate::domain::csv_file::template()).into_response()
}

/// Any path that is neither a page, a server function nor a file: the application's
/// "Pagina non trovata" (its own status 404), rendered with the state its pages read.
async fn not_found(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
) -> axum::response::Response {
    let options = state.leptos_options.clone();
    leptos_axum::render_app_async_with_context(
        move || leptos::prelude::provide_context(state.clone()),
        move || shell(options.clone()),
    )(req)
    .await
}

pub fn build(state: AppState) -> axum::Router {
    use axum::middleware::{from_fn, from_fn_with_state};
    use axum::routing::{get, post};
    let hashed_files = state.leptos_options.hash_files;
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    let site_root = state.leptos_options.site_root.to_string();
    // File uploads, with their own body limit.
    let uploads = axum::Router::new()
        .route(routes::pattern::UPLOAD_CSV, post(crate::pages::wizard::csv_routes::upload))
        .route(routes::pattern::CONTRACT_UPLOAD, post(crate::pages::order_contract::upload))
        .layer(from_fn_with_state(edge::UPLOAD_LIMIT, edge::body_limit));
    // An order's documents, up to 10 MB each.
    let documents = axum::Router::new()
        .route(routes::pattern::ORDER_DOCUMENTS, post(crate::pages::order_documents::upload))
        .layer(from_fn_with_state(edge::DOCUMENT_LIMIT, edge::body_limit));
    // Pages, server functions and files; forms get the general limit.
    let pages = axum::Router::new()
        .route(routes::CSV_TEMPLATE, get(csv_template))
        .route(routes::EXPIRIES_CSV, get(crate::pages::expiries::export))
        .route(routes::REPORTS_CSV, get(crate::pages::reports::export))
        .route(routes::PRODUCT_EXPIRIES_CSV, get(crate::pages::expiries::products::export))
        .route(routes::SEARCH_CSV, get(crate::pages::search::export))
        .route(routes::AUDIT_CSV, get(crate::pages::audit::export))
        .route(routes::pattern::ERROR_REPORT, get(crate::pages::wizard::csv_routes::error_report))
        .route(routes::pattern::CONTRACT_PDF, get(crate::pages::order_contract::download))
        .route(routes::pattern::SIGNED_CONTRACT, get(crate::pages::order_contract::download_signed))
        .route(routes::pattern::ORDER_DOCUMENT, get(crate::pages::order_documents::download))
        .route(routes::pattern::ORDER_DOCUMENT_REMOVE, post(crate::pages::order_documents::remove))
        .leptos_routes_with_context(&state, routes, || (), {
            let options = options.clone();
            move || shell(options.clone())
        })
        // The site's files (bundle, styles, favicon; precompressed copies preferred), else the
        // 404 page. Not leptos_axum's `file_and_error_handler`: in 0.8 it gives each file
        // response the headers of the page its thread rendered last, taking them from that page
        // (its Content-Security-Policy, so the page could not hydrate).
        .fallback_service(
            tower_http::services::ServeDir::new(site_root)
                .precompressed_br()
                .precompressed_gzip()
                .call_fallback_on_method_not_allowed(true)
                .fallback(axum::handler::Handler::with_state(not_found, state.clone())),
        )
        .layer(from_fn_with_state(edge::BODY_LIMIT, edge::body_limit));
    let app = uploads
        .merge(documents)
        .merge(pages)
        // The extractors' own limit (multipart, forms) is the largest of those above.
        .layer(DefaultBodyLimit::max(edge::DOCUMENT_LIMIT))
        .layer(from_fn_with_state(state.clone(), edge::session))
        .layer(from_fn_with_state(state.clone(), edge::throttle_credentials))
        .layer(from_fn(edge::csrf))
        .layer(from_fn_with_state(hashed_files, edge::cache_hashed_files))
        .layer(from_fn(edge::own_owner));
    // The REST API: its own authentication (API keys, never the session cookie), so none of
    // the pages' session, CSRF and form layers; its own body limit and rate limit.
    let app = axum::Router::new().nest(crate::api::BASE, crate::api::router(state.api_rate)).merge(app);
    let app: axum::Router = edge::security_headers(app)
        // Pages and server-function answers compressed (brotli or gzip, as the browser asks), at
        // a middle quality (brotli's 11 would cost far more CPU per page than it saves). Static
        // files are already served precompressed and pass through.
        .layer(tower_http::compression::CompressionLayer::new().quality(CompressionLevel::Precise(4)))
        // A panic becomes a plain 500: no stack trace or detail reaches the browser.
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(|_| {
            (StatusCode::INTERNAL_SERVER_ERROR, "Errore interno del server").into_response()
        }))
        .with_state(state);
    // Benchmarks only (`--features bench-route`): a page of the asked size from the same
    // process, through no layer at all: what axum alone costs (scripts/bench_ssr.sh).
    #[cfg(feature = "bench-route")]
    let app = axum::Router::new().route("/bench/bare", get(bare_page)).merge(app);
    app
}

#[cfg(feature = "bench-route")]
async fn bare_page(
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> axum::response::Html<&'static str> {
    static PAGE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let page = PAGE.get_or_init(|| {
        let mut p = String::from("<!DOCTYPE html><html lang=\"it\"><head><title>Pagina</title></head><body>");
        while p.len() < 65_536 {
            p.push_str("<p>Caselle PEC, ordini e contratti: una pagina di prova.</p>");
        }
        p
    });
    let n = q.get("bytes").and_then(|b| b.parse::<usize>().ok()).unwrap_or(4096).min(page.len());
    axum::response::Html(&page[..n])
}
