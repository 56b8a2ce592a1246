//! "Dettaglio casella" at `/caselle/<userid>`: what was requested and the holder (read-only for now).

use crate::components::loaded;
use crate::domain::records::{italian_date, MailboxDetail};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[server(endpoint = "casella")]
pub async fn get_mailbox(userid: String) -> Result<MailboxDetail, AppError> {
    let op = crate::server::require()?;
    let store = crate::server::store()?;
    let missing = || AppError::NotFound(format!("Casella {userid} non trovata"));
    store.mailbox(op.scope(), &userid).await?.ok_or_else(missing)
}

#[component]
pub fn MailboxPage() -> impl IntoView {
    let params = use_params_map();
    let mailbox = Resource::new(
        move || params.read().get("userid").unwrap_or_default(),
        |u| async move { get_mailbox(u).await },
    );
    view! {
        <Title text="Dettaglio casella"/>
        <h1>"Dettaglio casella"</h1>
        {loaded(mailbox, |m| view! { <MailboxView mailbox=m/> })}
    }
}

#[component]
fn MailboxView(mailbox: MailboxDetail) -> impl IntoView {
    let m = mailbox;
    view! {
        <p>"Ordine " <a href=format!("/ordini/{}", m.order_number)>{m.order_number.clone()}</a></p>
        <section aria-labelledby="richiesta-h">
            <h2 id="richiesta-h">"Richiesta"</h2>
            <dl class="detail">
                <dt>"Nome casella"</dt><dd>{m.address.clone()}</dd>
                <dt>"Descrizione casella"</dt><dd>{m.description.clone()}</dd>
                <dt>"Email gestione password"</dt><dd>{m.password_email.clone()}</dd>
                <dt>"Tipologia casella"</dt><dd>{m.offer_name.clone()}</dd>
                <dt>"Riferimento"</dt><dd>{m.reference.clone()}</dd>
                <dt>"Userid"</dt><dd>{m.userid.clone()}</dd>
                <dt>"Stato casella"</dt><dd>{m.state.clone()}</dd>
                <dt>"Data richiesta"</dt><dd>{italian_date(&m.created_at)}</dd>
                <dt>"Anno scadenza"</dt><dd>{m.expiry_year}</dd>
            </dl>
        </section>
        <section aria-labelledby="utente-h">
            <h2 id="utente-h">"Dati utente principale"</h2>
            <dl class="detail">
                <dt>"Nome"</dt><dd>{m.first_name.clone()}</dd>
                <dt>"Cognome"</dt><dd>{m.last_name.clone()}</dd>
                <dt>"Codice fiscale"</dt><dd>{m.tax_code.clone()}</dd>
                <dt>"Nickname"</dt><dd>{m.nickname.clone()}</dd>
            </dl>
        </section>
    }
}
