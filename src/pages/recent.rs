//! "Visualizza recenti": orders, newest first, paged.

use crate::components::{loaded, Pager};
use crate::domain::{lists::Paged, orders::ActivityEntry, orders::OrderSummary};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

pub const PER_PAGE: i64 = 25;

#[server(endpoint = "recenti")]
pub async fn list_recent(page: i64) -> Result<Paged<OrderSummary>, AppError> {
    let op = crate::server::require()?;
    let store = crate::server::store()?;
    Ok(store.recent_orders(op.scope(), page, PER_PAGE).await?)
}

/// The latest events: orders, activations, state changes, passwords.
#[server(endpoint = "recenti/eventi")]
pub async fn list_activity() -> Result<Vec<ActivityEntry>, AppError> {
    let op = crate::server::require()?;
    let store = crate::server::store()?;
    Ok(store.recent_activity(op.scope(), 20).await?)
}

#[component]
fn Events() -> impl IntoView {
    let events = Resource::new(|| (), |_| async move { list_activity().await });
    view! {
        <section aria-labelledby="eventi-h">
            <h2 id="eventi-h">"Ultime operazioni"</h2>
            {loaded(
                events,
                |events: Vec<ActivityEntry>| {
                    view! {
                        <ul class="events">
                            {events
                                .into_iter()
                                .map(|e| {
                                    let link = e.userid.map(|u| (crate::routes::mailbox(&u), u.to_string()));
                                    // Orders are linked once, in the table above (tests and screen
                                    // readers find an order by the one link named with its number).
                                    view! {
                                        <li>
                                            <span class="when">{e.at.to_string()}</span>
                                            " "
                                            {e.summary}
                                            {link
                                                .map(|(href, text)| {
                                                    view! {
                                                        " ("
                                                        <a href=href>{text}</a>
                                                        ")"
                                                    }
                                                })}
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                },
            )}
        </section>
    }
}

#[component]
pub fn RecentPage() -> impl IntoView {
    let query = use_query_map();
    let page = move || query.read().get("pagina").and_then(|p| p.parse::<i64>().ok()).unwrap_or(1);
    let orders = Resource::new(page, |p| async move { list_recent(p).await });
    view! {
        <Title text="Attività recenti" />
        <h1>"Attività recenti"</h1>
        {loaded(orders, |p| view! { <OrdersTable paged=p /> })}
        <Events />
    }
}

#[component]
fn OrdersTable(paged: Paged<OrderSummary>) -> impl IntoView {
    if paged.items.is_empty() {
        return view! { <p>"Nessun ordine. " <a href=crate::routes::NEW_REQUEST>"Richiedi nuove caselle"</a></p> }
            .into_any();
    }
    let Paged { items, page, pages, total } = paged;
    view! {
        <div class="table-wrap">
            <table>
                <caption>{format!("Ordini ({total})")}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Ordine"</th>
                        <th scope="col">"Data richiesta"</th>
                        <th scope="col">"Denominazione"</th>
                        <th scope="col">"Tipo"</th>
                        <th scope="col">"Caselle"</th>
                        <th scope="col">"Stato"</th>
                    </tr>
                </thead>
                <tbody>
                    {items
                        .into_iter()
                        .map(|o| {
                            view! {
                                <tr>
                                    <td>
                                        <a href=crate::routes::order(&o.number)>{o.number.to_string()}</a>
                                    </td>
                                    <td>{o.created_at.italian_date()}</td>
                                    <td>{o.customer_name}</td>
                                    <td>{o.kind.code()}</td>
                                    <td class="num">{o.mailbox_count}</td>
                                    <td>{o.state.code()}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
        <Pager page=page pages=pages link=|p| format!("{}?pagina={p}", crate::routes::RECENT) />
    }
    .into_any()
}
