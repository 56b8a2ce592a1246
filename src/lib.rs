#![recursion_limit = "512"]
//! pec-manager: ordering, activation and management of PEC mailboxes.
//!
//! One crate, two builds: with `ssr` it is the server (axum + sqlx), with `hydrate` the
//! WASM bundle that makes the same pages interactive. `domain` is shared by both.

#[cfg(feature = "ssr")]
pub mod api;
pub mod app;
pub mod components;
/// The rules and types (crate `pec-domain`), under the name the code has always used.
pub use pec_domain as domain;
pub mod error;
pub mod pages;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod server;
/// Verification of signed contracts (crate `pec-signature`, server only).
#[cfg(feature = "ssr")]
pub use pec_signature as signature;
/// All SQL (crate `pec-store`, server only).
#[cfg(feature = "ssr")]
pub use pec_store as store;
#[cfg(feature = "ssr")]
pub mod usecases;

/// The bundle's entry: the page's islands hydrate (the island script calls each island's own
/// entry right after this), then the page says it is interactive.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    use leptos::prelude::*;
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    // The island script hydrates the islands in one chain of microtasks after this returns; a
    // timeout runs after all of them. Tests and scripts wait for the mark before typing.
    set_timeout(
        || {
            if let Some(body) = document().body() {
                let _ = body.set_attribute("data-hydrated", "true");
            }
        },
        std::time::Duration::ZERO,
    );
}
