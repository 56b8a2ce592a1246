//! The start page, and the page for unknown addresses.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text="pec-manager" />
        <h1>"Gestione caselle PEC"</h1>
        <p>"Ordinare, attivare e gestire caselle di posta elettronica certificata."</p>
        <ul class="shortcuts">
            <li>
                <a href="/richiesta">"Nuova richiesta di caselle"</a>
            </li>
            <li>
                <a href="/recenti">"Attività recenti"</a>
            </li>
        </ul>
    }
}

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
