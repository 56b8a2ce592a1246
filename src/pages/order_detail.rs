//! "Dettaglio ordine" at `/ordini/<numero>`: the request and its mailboxes (read-only for now).

use crate::components::loaded;
use crate::domain::records::{customer_kind_label, italian_date, OrderDetail};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[server(endpoint = "ordine")]
pub async fn get_order(number: String) -> Result<OrderDetail, AppError> {
    let op = crate::server::require()?;
    let store = crate::server::store()?;
    let missing = || AppError::NotFound(format!("Ordine {number} non trovato"));
    store.order(op.scope(), &number).await?.ok_or_else(missing)
}

#[component]
pub fn OrderPage() -> impl IntoView {
    let params = use_params_map();
    let order = Resource::new(
        move || params.read().get("numero").unwrap_or_default(),
        |n| async move { get_order(n).await },
    );
    view! {
        <Title text="Dettaglio ordine"/>
        <h1>"Dettaglio ordine"</h1>
        {loaded(order, |o| view! { <OrderView order=o/> })}
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
    let date = italian_date(&order.created_at);
    view! {
        <section aria-labelledby="richiesta-h">
            <h2 id="richiesta-h">"Richiesta"</h2>
            <dl class="detail">
                <dt>"Ordine"</dt><dd>{order.number.clone()}</dd>
                <dt>"Stato"</dt><dd>{order.state.clone()}</dd>
                <dt>"Data richiesta"</dt><dd>{date.clone()}</dd>
                <dt>"Denominazione"</dt><dd>{order.customer_name.clone()}</dd>
                <dt>"Tipo cliente"</dt><dd>{customer_kind_label(&order.customer_kind).to_string()}</dd>
                <dt>"Legale rappresentante"</dt><dd>{order.legal_rep_cf.clone()}</dd>
                <dt>"Data inserimento"</dt><dd>{date}</dd>
                <dt>"Consenso trattamenti"</dt><dd>{yes_no(order.consent)}</dd>
                <dt>"Contratto"</dt><dd>{yes_no(order.contract)}</dd>
                <dt>"Operatore"</dt><dd>{order.operator.clone()}</dd>
                <dt>"E-mail di contatto"</dt><dd>{order.contact_email.clone()}</dd>
                <dt>"Tipologia casella"</dt><dd>{order.offer_name.clone()}</dd>
                <dt>"Anno scadenza caselle"</dt><dd>{order.expiry_year}</dd>
                <dt>"Numero ordine cliente"</dt><dd>{order.customer_po.clone()}</dd>
            </dl>
        </section>
        <section aria-labelledby="caselle-h">
            <h2 id="caselle-h">"Caselle"</h2>
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
                                        <td><a href=format!("/caselle/{}", m.userid)>{m.userid.clone()}</a></td>
                                        <td>{m.reference}</td>
                                        <td>{m.state}</td>
                                        <td>{m.offer_name}</td>
                                        <td>{m.address}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}
