//! "Dettaglio ordine" at `/ordini/<numero>`: the request and its mailboxes (read-only for now).

use crate::components::loaded;
use crate::components::MailboxPager;
use crate::domain::dates::italian_date;
use crate::domain::{lists::PageOf, orders::OrderDetail};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// The order with one page of its mailboxes (`pagina`, 1-based).
#[server(endpoint = "ordine")]
pub async fn get_order(number: String, pagina: usize) -> Result<OrderDetail, AppError> {
    let op = crate::server::require()?;
    let store = crate::server::store()?;
    let number = AppError::order_asked(&number)?;
    let missing = || AppError::no_order(&number);
    store.order_page(op.scope(), &number, pagina).await?.ok_or_else(missing)
}

#[component]
pub fn OrderPage() -> impl IntoView {
    let params = use_params_map();
    let query = leptos_router::hooks::use_query_map();
    let order = Resource::new(
        move || {
            let page = PageOf::asked(query.read().get_str("pagina"));
            (params.read().get("numero").unwrap_or_default(), page)
        },
        |(n, page)| async move { get_order(n, page).await },
    );
    view! {
        <Title text="Dettaglio ordine" />
        <h1>"Dettaglio ordine"</h1>
        <crate::components::FormErrorBanner />
        <ContractOutcome />
        {loaded(order, |o| view! { <OrderView order=o /> })}
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "SI"
    } else {
        "NO"
    }
}

#[component]
fn OrderView(order: OrderDetail) -> impl IntoView {
    let date = order.created_at.italian_date();
    let number = order.number.clone();
    let page_link = move |p: usize| crate::routes::order_page(&number, p);
    view! {
        <section aria-labelledby="richiesta-h">
            <h2 id="richiesta-h">"Richiesta"</h2>
            <dl class="detail">
                <dt>"Ordine"</dt>
                <dd>{order.number.to_string()}</dd>
                <dt>"Tipo ordine"</dt>
                <dd>{order.kind.code()}</dd>
                <dt>"Stato"</dt>
                <dd>{order.state.code()}</dd>
                <dt>"Data richiesta"</dt>
                <dd>{date.clone()}</dd>
                <dt>"Denominazione"</dt>
                <dd>{order.customer_name.clone()}</dd>
                <dt>"Tipo cliente"</dt>
                <dd>{order.customer_kind.label()}</dd>
                <dt>"Legale rappresentante"</dt>
                <dd>{order.legal_rep_cf.clone()}</dd>
                <dt>"Data inserimento"</dt>
                <dd>{date}</dd>
                <dt>"Consenso trattamenti"</dt>
                <dd>{yes_no(order.consent)}</dd>
                <dt>"Contratto"</dt>
                <dd>{yes_no(order.contract)}</dd>
                {order
                    .signature
                    .clone()
                    .map(|s| {
                        view! {
                            <dt>"Firmato da"</dt>
                            <dd>{signed_by(&s)}</dd>
                        }
                    })}
                <dt>"Operatore"</dt>
                <dd>{order.operator.clone()}</dd>
                <dt>"E-mail di contatto"</dt>
                <dd>{order.contact_email.clone()}</dd>
                <dt>"Tipologia casella"</dt>
                <dd>{order.offer_name.clone()}</dd>
                <dt>"Anno scadenza caselle"</dt>
                <dd>{order.expiry_year}</dd>
                <dt>"Numero ordine cliente"</dt>
                <dd>{order.customer_po.clone()}</dd>
            </dl>
        </section>
        <crate::components::contract::ContractControls
            number=order.number.clone()
            state=order.state
            signed=order.contract
        />
        <crate::components::documents::OrderDocumentsSection
            number=order.number.clone()
            page=crate::routes::DocumentsPage::Order(order.number.clone())
        />
        {(!order.products.is_empty())
            .then(|| {
                view! {
                    <section aria-labelledby="prodotti-h">
                        <h2 id="prodotti-h">"Prodotti rinnovati"</h2>
                        <div class="table-wrap">
                            <table aria-labelledby="prodotti-h">
                                <thead>
                                    <tr>
                                        <th scope="col">"Userid"</th>
                                        <th scope="col">"Prodotto"</th>
                                        <th scope="col">"Scadenza precedente"</th>
                                        <th scope="col">"Nuova scadenza"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {order
                                        .products
                                        .iter()
                                        .map(|p| {
                                            view! {
                                                <tr>
                                                    <td>
                                                        <a href=format!(
                                                            "/caselle/{}",
                                                            p.userid,
                                                        )>{p.userid.clone()}</a>
                                                    </td>
                                                    <td>{p.kind.label()}</td>
                                                    <td>{italian_date(&p.from_expiry)}</td>
                                                    <td>{italian_date(&p.to_expiry)}</td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        </div>
                    </section>
                }
            })}
        <section aria-labelledby="caselle-h">
            <h2 id="caselle-h" tabindex="-1">
                "Caselle"
            </h2>
            <MailboxPager rows=order.rows link=page_link.clone() />
            <div class="table-wrap">
                <table aria-labelledby="caselle-h">
                    <thead>
                        <tr>
                            <th scope="col">"Userid"</th>
                            <th scope="col">"Riferimento"</th>
                            <th scope="col">"Stato"</th>
                            <th scope="col">"Tipo"</th>
                            <th scope="col">"Dettagli"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {order
                            .mailboxes
                            .into_iter()
                            .map(|m| {
                                view! {
                                    <tr>
                                        <td>
                                            <a href=crate::routes::mailbox(
                                                &m.userid,
                                            )>{m.userid.to_string()}</a>
                                        </td>
                                        <td>{m.reference}</td>
                                        <td>{m.state.code()}</td>
                                        <td>{m.offer_name}</td>
                                        <td>{m.address}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
            {(order.rows.pages > 1).then(|| view! { <MailboxPager rows=order.rows link=page_link /> })}
        </section>
    }
}

/// "Mario Rossi (RCLMRA74D15F205V), firma verificata il 27/11/2026 alle 14:03 UTC".
fn signed_by(s: &crate::domain::orders::ContractSignature) -> String {
    if !s.verified {
        return "Firma non verificata (accettata per impostazione dell'installazione)".into();
    }
    let (date, time) =
        s.signed_at.map(|t| (t.italian_date(), format!("{:02}:{:02}", t.hour, t.minute))).unwrap_or_default();
    format!("{} ({}), firma verificata del {date} alle {time} UTC", s.signer_name, s.signer_tax_code)
}

/// What the last contract upload did (the upload route redirects here with `esito`/`errore`).
#[component]
fn ContractOutcome() -> impl IntoView {
    use crate::routes::{ContractRefusal, OrderOutcome};
    let query = leptos_router::hooks::use_query_map();
    move || {
        let q = query.read();
        let outcome = q.get("esito").and_then(|c| OrderOutcome::from_code(&c));
        if outcome == Some(OrderOutcome::Cancelled) {
            return Some(
                view! {
                    <div class="notice" role="status">
                        <p>
                            "Ordine annullato: le sue caselle non saranno attivate e i loro nomi sono di nuovo liberi."
                        </p>
                    </div>
                }
                .into_any(),
            );
        }
        if outcome == Some(OrderOutcome::Fulfilled) {
            return Some(
                view! {
                    <div class="notice" role="status">
                        <p>
                            "Contratto firmato caricato: l'ordine è EVASO e le caselle sono attive. "
                            "Ai titolari è stato inviato il collegamento per scegliere la password."
                        </p>
                    </div>
                }
                .into_any(),
            );
        }
        let message = match ContractRefusal::from_code(&q.get("errore")?)? {
            ContractRefusal::File(e) => format!("{e}. L'ordine non è cambiato."),
            ContractRefusal::Signature(e) => format!("{e}. L'ordine non è cambiato."),
            ContractRefusal::NotBooked => {
                "Il contratto si carica solo per un ordine PRENOTATO: l'ordine non è cambiato.".into()
            }
            ContractRefusal::MissingDocuments => {
                "Mancano documenti richiesti per l'evasione (elencati in «Documenti»): caricarli con «Carica documentazione» prima del contratto firmato. L'ordine non è cambiato.".into()
            }
        };
        Some(
            view! {
                <div class="error-panel" role="alert">
                    <p>{message}</p>
                </div>
            }
            .into_any(),
        )
    }
}
