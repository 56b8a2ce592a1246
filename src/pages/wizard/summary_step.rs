//! Step 3, "Riepilogo — Riepilogo ordine": the booked order with its generated userids and
//! references, printable.

use super::StepList;
use crate::components::loaded;
use crate::components::MailboxPager;
use crate::domain::{lists::PageOf, orders::OrderDetail};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// The booked order with one page of its mailboxes (`pagina`, 1-based).
#[server(endpoint = "richiesta/riepilogo")]
pub async fn get_summary(draft: String, pagina: usize) -> Result<OrderDetail, AppError> {
    let op = crate::server::require()?;
    let store = crate::server::store()?;
    let missing = || AppError::NotFound("Ordine non trovato".into());
    let draft = AppError::draft_asked(&draft)?;
    // Who may see a draft is decided in one place: the wizard's own loading.
    let number = crate::usecases::drafts::order_of_draft(&store, &op, &draft).await?.ok_or_else(missing)?;
    store.order_page(op.scope(), &number, pagina).await?.ok_or_else(missing)
}

#[component]
pub fn SummaryStep() -> impl IntoView {
    let params = use_params_map();
    let query = leptos_router::hooks::use_query_map();
    let order = Resource::new(
        move || {
            let page = PageOf::asked(query.read().get_str("pagina"));
            (params.read().get("draft").unwrap_or_default(), page)
        },
        |(id, page)| async move { get_summary(id, page).await },
    );
    view! {
        <Title text="Riepilogo ordine" />
        <h1>"Riepilogo"</h1>
        <StepList current=3 />
        {loaded(order, |o| view! { <Summary order=o /> })}
    }
}

#[component]
fn Summary(order: OrderDetail) -> impl IntoView {
    // The summary's own address, from the page the user is on.
    let here = leptos_router::hooks::use_location().pathname.get_untracked();
    let page_link = move |p: usize| format!("{here}?pagina={p}#prodotto");
    let draft =
        use_params_map().with_untracked(|p| p.get("draft")).and_then(|d| crate::domain::DraftId::parse(&d));
    view! {
        <h2>"Riepilogo ordine"</h2>
        <p class="success" role="status">
            "La sua prenotazione è andata a buon fine"
        </p>
        <dl class="summary">
            <dt>"Ordine"</dt>
            <dd class="order-number">{order.number.to_string()}</dd>
            <dt>"Denominazione"</dt>
            <dd>{order.customer_name.clone()}</dd>
            <dt>"Legale rappresentante"</dt>
            <dd>{order.legal_rep_cf.clone()}</dd>
        </dl>
        <h3 id="prodotto" tabindex="-1">
            "DETTAGLIO PRODOTTO"
        </h3>
        <MailboxPager rows=order.rows link=page_link />
        <div class="table-wrap">
            <table>
                <caption>"Dettaglio prodotto"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Nome casella"</th>
                        <th scope="col">"Userid"</th>
                        <th scope="col">
                            "Mail dove l'utente riceverà il link per la creazione della password"
                        </th>
                        <th scope="col">"Numero riferimento"</th>
                    </tr>
                </thead>
                <tbody>
                    {order
                        .mailboxes
                        .into_iter()
                        .map(|m| {
                            view! {
                                <tr>
                                    <td>{m.address}</td>
                                    <td>
                                        <a href=crate::routes::mailbox(&m.userid)>{m.userid.to_string()}</a>
                                    </td>
                                    <td>{m.password_email}</td>
                                    <td>{m.reference}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
        <p>"Per attivare le caselle, acquisire il contratto o firmare il contratto."</p>
        <crate::components::contract::ContractControls
            number=order.number.clone()
            state=order.state
            signed=order.contract
        />
        {draft
            .map(|draft| {
                view! {
                    <crate::components::documents::OrderDocumentsSection
                        number=order.number.clone()
                        page=crate::routes::DocumentsPage::Summary(draft)
                    />
                }
            })}
        <p>"La invitiamo a stampare questa pagina e a conservarla."</p>
        <p class="no-print">
            "È possibile verificare la corretta attivazione delle caselle consultando la richiesta nelle "
            <a href=crate::routes::RECENT>"attività recenti"</a>" o nel "
            <a href=crate::routes::order(&order.number)>"dettaglio dell'ordine"</a>"."
        </p>
        <PrintButton />
    }
}

/// "Stampa pagina": printing needs a line of script (`public/enhance.js`, not the WASM bundle);
/// without it the browser's own print command works, and the button is not shown.
#[component]
fn PrintButton() -> impl IntoView {
    crate::components::islands::enhanced();
    view! {
        <div class="actions no-print">
            <button type="button" class="js-only" data-enhance="print">
                "Stampa pagina"
            </button>
        </div>
    }
}
