//! The app's router and `routes.rs` name the same pages: `src/app.rs` writes its patterns as
//! literals (Leptos's `path!` takes nothing else), so this holds the two lists equal.

use std::collections::BTreeSet;

#[tokio::test]
async fn the_router_serves_exactly_the_pages_routes_names() {
    let served: BTreeSet<String> = leptos_axum::generate_route_list(pec_manager::app::App)
        .iter()
        .map(|r| r.path().to_string())
        .collect();
    let named: BTreeSet<String> = pec_manager::routes::PAGES
        .iter()
        .map(|p| {
            // Leptos's `:name` is axum's `{name}`.
            p.split('/')
                .map(|s| match s.strip_prefix(':') {
                    Some(name) => format!("{{{name}}}"),
                    None => s.to_string(),
                })
                .collect::<Vec<_>>()
                .join("/")
        })
        .collect();
    assert_eq!(served, named);
}

#[test]
fn the_menu_leads_to_pages_the_router_serves() {
    for (label, href) in pec_manager::components::MENU {
        assert!(pec_manager::routes::PAGES.contains(&href), "{label}: {href}");
    }
}
