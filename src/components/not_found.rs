//! The page of an address that names nothing (404), also for a wizard step of an unknown draft.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Pagina non trovata" />
        <h1>"Pagina non trovata"</h1>
        <p>
            "L'indirizzo richiesto non corrisponde a nessuna pagina. "
            <a href="/">"Torna alla pagina iniziale"</a>
        </p>
    }
}
