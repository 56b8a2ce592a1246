//! The server binary: configuration, command line, router and start-up only.

use pec_manager::app::{shell, App};
use pec_manager::server::AppState;
use pec_manager::store::{seed_demo, Store};
use std::process::ExitCode;

const DEFAULT_DATABASE_URL: &str = "sqlite://data/pec-manager.db?mode=rwc";

const USAGE: &str = "\
pec-manager — gestione caselle PEC

Uso:
  pec-manager [serve]     avvia il server web (indirizzo: LEPTOS_SITE_ADDR, default 127.0.0.1:3000)
  pec-manager migrate     applica le migrazioni del database ed esce
  pec-manager --help      questo aiuto

Variabili d'ambiente:
  DATABASE_URL      sqlite://percorso.db?mode=rwc (default: ./data/pec-manager.db) oppure postgres://…
  PEC_DEMO_DATA     1 (default) carica i dati dimostrativi in un database vuoto; 0 per la produzione
  RUST_LOG          livello dei log (default: info)
";

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    let command = std::env::args().nth(1).unwrap_or_else(|| "serve".into());
    let result = match command.as_str() {
        "serve" => serve().await,
        "migrate" => open_store().await.map(|_| ()),
        "--help" | "-h" | "help" => {
            print!("{USAGE}");
            Ok(())
        }
        other => Err(format!("comando sconosciuto: {other}\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("pec-manager: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn open_store() -> Result<Store, String> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE_URL.into());
    // Never print credentials that may be in the URL.
    let shown = url.split('@').next_back().unwrap_or_default();
    let store = Store::open(&url).await.map_err(|e| format!("avvio rifiutato ({shown}): {e}"))?;
    tracing::info!(database = shown, "database ready");
    Ok(store)
}

async fn serve() -> Result<(), String> {
    use leptos::prelude::*;
    use leptos_axum::{generate_route_list, LeptosRoutes};

    let conf = get_configuration(None).map_err(|e| format!("configurazione non valida: {e}"))?;
    let leptos_options = conf.leptos_options;
    let addr = leptos_options.site_addr;
    let store = open_store().await?;
    if std::env::var("PEC_DEMO_DATA").map(|v| v != "0").unwrap_or(true)
        && seed_demo(&store).await.map_err(|e| format!("dati dimostrativi: {e}"))?
    {
        tracing::info!("empty database: demo data loaded");
    }
    let state = AppState { leptos_options: leptos_options.clone(), store };
    let routes = generate_route_list(App);
    let app = axum::Router::new()
        .leptos_routes_with_context(&state, routes, || (), {
            let options = leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .with_state(state);
    let listener =
        tokio::net::TcpListener::bind(&addr).await.map_err(|e| format!("indirizzo {addr}: {e}"))?;
    tracing::info!("listening on http://{addr}");
    axum::serve(listener, app.into_make_service())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| format!("server: {e}"))
}
