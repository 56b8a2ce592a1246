//! "Dettaglio casella" at `/caselle/<userid>`: what was requested and the holder its dates, services and password link.

use crate::components::loaded;
use crate::domain::records::{italian_date, MailboxDetail};
use crate::error::AppError;
use crate::pages::activation::ResendLink;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

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
    let query = use_query_map();
    let mailbox = Resource::new(
        move || params.read().get("userid").unwrap_or_default(),
        |u| async move { get_mailbox(u).await },
    );
    view! {
        <Title text="Dettaglio casella"/>
        <h1>"Dettaglio casella"</h1>
        {move || {
            (query.read().get("link").as_deref() == Some("inviato")).then(|| view! {
                <div class="notice" role="status">
                    <p>"Nuovo collegamento per la password inviato al titolare; i precedenti non funzionano più."</p>
                </div>
            })
        }}
        {loaded(mailbox, |m| view! { <MailboxView mailbox=m/> })}
    }
}

fn iso_to_italian(iso: &str) -> String {
    crate::domain::lifecycle::Date::parse_iso(iso).map(|d| d.italian()).unwrap_or_default()
}

fn service(on: bool, name: String) -> impl IntoView {
    let (mark, state) = if on { ("✔", "attivo") } else { ("✘", "non attivo") };
    view! {
        <li class:off=!on>
            <span aria-hidden="true">{mark}" "</span>
            {name}
            <span class="visually-hidden">{format!(": {state}")}</span>
        </li>
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
                <dt>"Data attivazione"</dt><dd>{iso_to_italian(&m.activated_at)}</dd>
                <dt>"Data scadenza"</dt><dd>{iso_to_italian(&m.expires_at)}</dd>
                <dt>"Password"</dt>
                <dd>{if m.has_password { "impostata dal titolare" } else { "non ancora impostata" }}</dd>
            </dl>
            {(m.state == "ATTIVA" && !m.has_password).then(|| view! {
                <form method="post" action=ResendLink::url() class="inline-form">
                    <input type="hidden" name="userid" value=m.userid.clone()/>
                    <button type="submit">"Invia di nuovo il collegamento per la password"</button>
                </form>
            })}
        </section>
        <section aria-labelledby="servizi-h">
            <h2 id="servizi-h">"Riepilogo servizi"</h2>
            <ul class="services">
                {service(m.services.disk_gb > 0, format!("Spazio disco {} GB (usato {} GB)", m.services.disk_gb, m.services.disk_used_mb / 1024))}
                {service(m.services.sms, "Notifica SMS".into())}
                {service(m.services.security_archive, "Archivio di sicurezza".into())}
                {service(m.services.legal_preservation, "Conservazione a norma".into())}
                {service(m.services.shadow_pec, "Shadow PEC".into())}
                {service(m.services.push_imap, "Push IMAP".into())}
                {service(m.services.phishing_protection, "Phishing Protection".into())}
            </ul>
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
