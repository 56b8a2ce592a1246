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
                <a href=crate::routes::NEW_REQUEST>"Nuova richiesta di caselle"</a>
            </li>
            <li>
                <a href=crate::routes::RECENT>"Attività recenti"</a>
            </li>
        </ul>
    }
}
