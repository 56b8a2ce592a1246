//! "Ricerca" at `/ricerca`: one search box (prefix of address, userid, nickname, holder's
//! codice fiscale or name, order number, reference) and filters, as a GET form that works
//! without JavaScript; results link to the mailbox and order pages.

use crate::components::{loaded, Pager};
use crate::domain::MailboxState;
use crate::domain::{lists::Paged, offers::Offer, search::SearchHit, search::SearchQuery};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

pub const PER_PAGE: i64 = 50;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchPage {
    pub hits: Paged<SearchHit>,
    pub customers: Vec<String>,
    pub offers: Vec<Offer>,
}

#[server(endpoint = "ricerca")]
pub async fn search_mailboxes(query: SearchQuery, page: i64) -> Result<SearchPage, AppError> {
    let op = crate::server::require()?;
    let store = crate::server::store()?;
    let hits = store.search(op.scope(), &query, page, PER_PAGE).await?;
    let mut customers: Vec<String> = store.customers(op.scope()).await?.into_iter().map(|c| c.name).collect();
    customers.sort();
    customers.dedup();
    Ok(SearchPage { hits, customers, offers: store.offers().await? })
}

/// The search from the address's values (each bounded: they are echoed into links and forms).
fn query_from(get: impl Fn(&str) -> String) -> SearchQuery {
    let get = |k: &str| get(k).chars().take(200).collect::<String>();
    SearchQuery { text: get("q"), state: get("stato"), customer: get("cliente"), offer: get("offerta") }
}

/// "Esporta CSV" of the search (every page, up to `EXPORT_ROWS_MAX` rows; the file says when
/// it stopped there).
#[cfg(feature = "ssr")]
pub async fn export(
    axum::extract::State(state): axum::extract::State<crate::server::AppState>,
    crate::server::auth::SignedIn(op): crate::server::auth::SignedIn,
    axum::extract::Query(map): axum::extract::Query<std::collections::BTreeMap<String, String>>,
) -> Result<axum::response::Response, AppError> {
    use crate::domain::{lists::EXPORT_ROWS_MAX, search::SEARCH_EXPORT_HEADER};
    let query = query_from(|k| map.get(k).cloned().unwrap_or_default());
    let hits = state.store.search(op.scope(), &query, 1, EXPORT_ROWS_MAX).await?;
    let rows = hits.items.iter().map(|h| h.cells().to_vec()).collect();
    let cut_at = (hits.total > EXPORT_ROWS_MAX).then_some(EXPORT_ROWS_MAX);
    Ok(crate::server::csv_export("ricerca.csv", &SEARCH_EXPORT_HEADER, rows, cut_at))
}

fn query_link(q: &SearchQuery, page: i64) -> String {
    let enc = crate::routes::url_encode;
    format!(
        "/ricerca?q={}&stato={}&cliente={}&offerta={}&pagina={page}",
        enc(&q.text),
        enc(&q.state),
        enc(&q.customer),
        enc(&q.offer)
    )
}

#[component]
pub fn SearchPageView() -> impl IntoView {
    let params = use_query_map();
    let current = move || {
        let p = params.read();
        let get = |k: &str| p.get(k).unwrap_or_default();
        (query_from(get), get("pagina").parse::<i64>().unwrap_or(1))
    };
    let results = Resource::new(current, |(q, p)| async move { search_mailboxes(q, p).await });
    view! {
        <Title text="Ricerca" />
        <h1>"Ricerca"</h1>
        {loaded(
            results,
            move |page: SearchPage| {
                let (query, _) = current();
                view! {
                    <SearchForm query=query.clone() page=page.clone() />
                    <Results query=query hits=page.hits />
                }
            },
        )}
    }
}

#[component]
fn SearchForm(query: SearchQuery, page: SearchPage) -> impl IntoView {
    let option = |value: String, label: String, selected: &str| {
        let is = value == selected;
        view! {
            <option value=value selected=is>
                {label}
            </option>
        }
    };
    view! {
        <form method="get" action=crate::routes::SEARCH class="search-form" role="search">
            <div class="field">
                <label for="q">"Cerca"</label>
                <div class="control">
                    <input
                        type="search"
                        id="q"
                        name="q"
                        value=query.text.clone()
                        aria-describedby="q-aiuto"
                    />
                </div>
                <p id="q-aiuto" class="hint">
                    "Inizio di nome casella, userid, nickname, codice fiscale, nome o cognome del titolare, numero ordine o riferimento."
                </p>
            </div>
            <div class="field">
                <label for="stato">"Stato"</label>
                <div class="control">
                    <select id="stato" name="stato">
                        <option value="">"Tutti"</option>
                        {MailboxState::ALL
                            .into_iter()
                            .map(|s| option(s.code().into(), s.code().into(), &query.state))
                            .collect_view()}
                    </select>
                </div>
            </div>
            <div class="field">
                <label for="cliente">"Cliente"</label>
                <div class="control">
                    <select id="cliente" name="cliente">
                        <option value="">"Tutti"</option>
                        {page
                            .customers
                            .into_iter()
                            .map(|c| option(c.clone(), c, &query.customer))
                            .collect_view()}
                    </select>
                </div>
            </div>
            <div class="field">
                <label for="offerta">"Offerta"</label>
                <div class="control">
                    <select id="offerta" name="offerta">
                        <option value="">"Tutte"</option>
                        {page.offers.into_iter().map(|o| option(o.code, o.name, &query.offer)).collect_view()}
                    </select>
                </div>
            </div>
            <button type="submit" class="primary">
                "Cerca"
            </button>
        </form>
    }
}

#[component]
fn Results(query: SearchQuery, hits: Paged<SearchHit>) -> impl IntoView {
    let Paged { items, page, pages, total } = hits;
    view! {
        <div class="table-wrap">
            <table>
                <caption>
                    {if total > crate::domain::search::SEARCH_COUNT_MAX {
                        "Caselle trovate: più di 10.000".to_string()
                    } else {
                        format!("Caselle trovate: {total}")
                    }}
                </caption>
                <thead>
                    <tr>
                        <th scope="col">"Userid"</th>
                        <th scope="col">"Nome casella"</th>
                        <th scope="col">"Stato"</th>
                        <th scope="col">"Titolare"</th>
                        <th scope="col">"Codice fiscale"</th>
                        <th scope="col">"Ordine"</th>
                        <th scope="col">"Riferimento"</th>
                        <th scope="col">"Cliente"</th>
                    </tr>
                </thead>
                <tbody>
                    {items
                        .into_iter()
                        .map(|h| {
                            view! {
                                <tr>
                                    <td>
                                        <a href=crate::routes::mailbox(&h.userid)>{h.userid.to_string()}</a>
                                    </td>
                                    <td>{h.address}</td>
                                    <td>{h.state.code()}</td>
                                    <td>{h.holder}</td>
                                    <td>{h.tax_code}</td>
                                    <td>
                                        <a href=crate::routes::order(
                                            &h.order_number,
                                        )>{h.order_number.to_string()}</a>
                                    </td>
                                    <td>{h.reference}</td>
                                    <td>{h.customer}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
        <form method="get" action=crate::routes::SEARCH_CSV class="inline-form">
            <input type="hidden" name="q" value=query.text.clone() />
            <input type="hidden" name="stato" value=query.state.clone() />
            <input type="hidden" name="cliente" value=query.customer.clone() />
            <input type="hidden" name="offerta" value=query.offer.clone() />
            <button type="submit">"Esporta CSV"</button>
        </form>
        <Pager page=page pages=pages link=move |p| query_link(&query, p) />
    }
}
