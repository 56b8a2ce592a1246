//! The HTTP application: pages, server functions and files behind the request guard.
//! Used by the binary and by the integration tests (which send requests to it directly).

use super::{auth, AppState};
use crate::app::{shell, App};
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::compression::CompressionLevel;

/// Largest request body accepted (forms; file uploads will set their own limit).
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// "Scarica un esempio".
pub const TEMPLATE_PATH: &str = "/richiesta/modello.csv";

/// The CSV template (plain route: a file, not a page).
async fn csv_template(_: auth::SignedIn) -> axum::response::Response {
    let headers = [
        (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
        (axum::http::header::CONTENT_DISPOSITION, "attachment; filename=\"modello-caselle.csv\""),
    ];
    (headers, crate::domain::csv_file::template()).into_response()
}

/// Bundle files are named after a hash of their content (cargo-leptos `hash-files`): a name never
/// changes content, so browsers may keep them a year without asking again. Only successful
/// answers: a cached 404 would outlive the deployment that fixes it.
async fn cache_hashed_files(
    axum::extract::State(hashed): axum::extract::State<bool>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let bundle = hashed && req.uri().path().starts_with("/pkg/");
    let mut res = next.run(req).await;
    if bundle && res.status().is_success() {
        res.headers_mut().insert(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("public, max-age=31536000, immutable"),
        );
    }
    res
}

pub fn build(state: AppState) -> axum::Router {
    let hashed_files = state.leptos_options.hash_files;
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    axum::Router::new()
        .route(TEMPLATE_PATH, axum::routing::get(csv_template))
        .route("/richiesta/{draft}/carica", axum::routing::post(super::upload::upload))
        .route("/richiesta/{draft}/errori.csv", axum::routing::get(super::upload::error_report))
        .route("/ordini/{numero}/contratto.pdf", axum::routing::get(super::contract::download))
        .route("/ordini/{numero}/contratto-firmato", axum::routing::get(super::contract::download_signed))
        .route("/ordini/{numero}/contratto", axum::routing::post(super::contract::upload))
        .leptos_routes_with_context(&state, routes, || (), move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        // Bodies of unknown size are cut at the upload limit too; the guard refuses known sizes
        // over the limit of their path with 413.
        .layer(tower_http::limit::RequestBodyLimitLayer::new(super::upload::UPLOAD_LIMIT))
        .layer(DefaultBodyLimit::max(super::upload::UPLOAD_LIMIT))
        // Outside the limits, so that it can refuse a known oversized body with 413 itself.
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::guard))
        .layer(axum::middleware::from_fn_with_state(hashed_files, cache_hashed_files))
        // Pages and server-function answers compressed (brotli or gzip, as the browser asks), at
        // a middle quality (brotli's 11 would cost far more CPU per page than it saves). Static
        // files are already served precompressed and pass through.
        .layer(tower_http::compression::CompressionLayer::new().quality(CompressionLevel::Precise(4)))
        // A panic becomes a plain 500: no stack trace or detail reaches the browser.
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(|_| {
            (StatusCode::INTERNAL_SERVER_ERROR, "Errore interno del server").into_response()
        }))
        .with_state(state)
}
