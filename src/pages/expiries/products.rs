//! "Gestione scadenze prodotti": the products with their own term (Conservazione a norma,
//! extra disk space, SMS credit) ending in a window (and those ended still within the grace
//! period), filtered and paged; the ticked rows (or all of the filter) renewed in one renewal
//! order; "Esporta CSV" of the filter. The filter and its refusals are the mailboxes' page's.

use super::{filter_from_query, hidden_filter};
use crate::components::{loaded, Pager};
use crate::domain::dates::italian_date;
use crate::domain::products::{ProductKind, ProductRow, LISTED_PRODUCT_STATES};
use crate::domain::records::Paged;
use crate::domain::renewals::{ExpiryFilter, WINDOWS};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const PER_PAGE: i64 = 50;

/// The refusals of the last "Rinnova selezionate" of this session, per product.
#[cfg(feature = "ssr")]
const REFUSED: &str = "scadenze/prodotti/rifiuti";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProductsData {
    /// `Err` holds why the filter cannot be used.
    pub rows: Result<Paged<ProductRow>, String>,
    /// Names this page's action form: sent twice, it is done once.
    pub request_key: String,
    pub refused: Vec<(String, String)>,
}

#[server(endpoint = "scadenze/prodotti")]
pub async fn list_product_expiries(filter: ExpiryFilter, page: i64) -> Result<ProductsData, AppError> {
    let op = crate::server::require()?;
    let state = crate::server::state()?;
    let grace = state.store.settings_in_force().await?.renewal_grace_days;
    let rows = match filter.product_query(crate::server::today(), grace) {
        Ok(q) => Ok(state.store.product_page(op.scope(), &q, page, PER_PAGE).await?),
        Err(e) => Err(e.to_string()),
    };
    Ok(ProductsData {
        rows,
        request_key: crate::store::new_token(),
        refused: crate::server::stash::kept(REFUSED).await?.unwrap_or_default(),
    })
}

/// "Rinnova selezionate" on the rows ticked (`scelte[<product id>]`) or on every row of the
/// filter (`tutte`).
#[server(endpoint = "scadenze/prodotti/rinnova")]
pub async fn renew_products(
    #[server(default)] scelte: BTreeMap<String, String>,
    #[server(default)] tutte: String,
    #[server(default)] filtro: BTreeMap<String, String>,
    #[server(default)] richiesta: String,
) -> Result<(), AppError> {
    let op = crate::server::require()?;
    let state = crate::server::state()?;
    let filter = ExpiryFilter::from_pairs(|k| filtro.get(k).cloned().unwrap_or_default());
    let to = renew(&state, &op, scelte, tutte == "1", filter, &richiesta).await?;
    crate::server::redirect::redirect(&to);
    Ok(())
}

#[cfg(feature = "ssr")]
async fn renew(
    state: &crate::server::AppState,
    op: &crate::domain::auth::Operator,
    ticked: BTreeMap<String, String>,
    all: bool,
    filter: ExpiryFilter,
    request_key: &str,
) -> Result<String, AppError> {
    use crate::domain::renewals::RENEW_MAX;
    use crate::store::RenewError;
    let back = |extra: &str| crate::routes::product_expiries_with(&filter, extra);
    // Bounded before anything is read: at most one renewal's worth of products.
    let ids: Vec<i64> = if all {
        let grace = state.store.settings_in_force().await?.renewal_grace_days;
        let Ok(q) = filter.product_query(crate::server::today(), grace) else {
            return Ok(back("rifiuto=filtro"));
        };
        let rows = state.store.product_rows(op.scope(), &q, RENEW_MAX as i64 + 1).await?;
        if rows.len() > RENEW_MAX {
            return Ok(back("rifiuto=troppe"));
        }
        rows.iter().map(|r| r.id).collect()
    } else {
        if ticked.len() > RENEW_MAX {
            return Ok(back("rifiuto=troppe"));
        }
        ticked.keys().filter_map(|id| id.parse().ok()).collect()
    };
    if ids.is_empty() {
        return Ok(back("rifiuto=nessuna"));
    }
    if !crate::store::is_token(request_key) {
        return Err(AppError::BadRequest("richiesta non valida".into()));
    }
    crate::server::stash::forget(REFUSED).await?;
    match state.store.renew_products(op, &ids, crate::server::today(), request_key).await {
        Ok(numbers) => {
            let numbers: Vec<&str> = numbers.iter().map(|n| n.as_str()).collect();
            Ok(back(&format!("esito=rinnovati&prodotti={}&ordini={}", ids.len(), numbers.join(","))))
        }
        Err(RenewError::Refused(list)) => {
            let shown: Vec<(String, String)> =
                list.iter().take(100).map(|(u, e)| (u.as_str().to_string(), e.to_string())).collect();
            crate::server::stash::keep(REFUSED, &shown).await?;
            Ok(back(&format!("rifiuto=prodotti&n={}", list.len())))
        }
        Err(RenewError::NotFound(_)) => Ok(back("rifiuto=non-trovate")),
        Err(RenewError::Conflict) => Ok(back("rifiuto=conflitto")),
        Err(RenewError::TooMany) => Ok(back("rifiuto=troppe")),
        Err(RenewError::Empty) => Ok(back("rifiuto=nessuna")),
        Err(RenewError::Store(e)) => Err(e.into()),
    }
}

/// "Esporta CSV": every product of the filter (at most the largest renewal's, and the file
/// says when it stopped there), formula-safe.
#[cfg(feature = "ssr")]
pub async fn export(
    axum::extract::State(state): axum::extract::State<crate::server::AppState>,
    crate::server::auth::SignedIn(op): crate::server::auth::SignedIn,
    axum::extract::Query(query): axum::extract::Query<BTreeMap<String, String>>,
) -> Result<axum::response::Response, AppError> {
    use crate::domain::products::PRODUCT_EXPORT_HEADER;
    let filter = ExpiryFilter::from_pairs(|k| query.get(k).cloned().unwrap_or_default());
    let grace = state.store.settings_in_force().await?.renewal_grace_days;
    let q = filter
        .product_query(crate::server::today(), grace)
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let limit = crate::domain::renewals::RENEW_MAX;
    let mut rows = state.store.product_rows(op.scope(), &q, limit as i64 + 1).await?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    let cells = rows.iter().map(|r| r.cells().to_vec()).collect();
    Ok(crate::server::csv_export(
        "scadenze-prodotti.csv",
        &PRODUCT_EXPORT_HEADER,
        cells,
        more.then_some(limit as i64),
    ))
}

/// A refusal named in the address, in Italian.
fn refusal(code: &str, n: &str) -> Option<String> {
    Some(match code {
        "filtro" => "Il filtro non è valido: correggere le date".into(),
        "troppe" => format!("Troppi prodotti in una volta: al massimo {}", crate::domain::csv_file::MAX_ROWS),
        "nessuna" => "Nessun prodotto selezionato".into(),
        "non-trovate" => "Alcuni prodotti selezionati non esistono più: nulla è stato rinnovato".into(),
        "conflitto" => {
            "Alcuni prodotti sono stati appena rinnovati da un'altra richiesta: nulla è stato rinnovato. Ricaricare la pagina".into()
        }
        "prodotti" => {
            let n: usize = n.parse().unwrap_or(0);
            format!("Rinnovo rifiutato per {n} prodotti: nulla è stato rinnovato")
        }
        _ => return None,
    })
}

#[component]
pub fn ProductExpiriesPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(move || filter_from_query(&query.read()), |(f, p)| list_product_expiries(f, p));
    let (f, _) = filter_from_query(&query.read_untracked());
    let window = f.window();
    let text =
        |id: &'static str, name: &'static str, label: &'static str, value: String, kind: &'static str| {
            view! {
                <div class="field">
                    <label for=id>{label}</label>
                    <input type=kind id=id name=name value=value />
                </div>
            }
        };
    view! {
        <Title text="Gestione scadenze prodotti" />
        <h1>"Gestione scadenze prodotti"</h1>
        // A GET form: the filter lives in the address (works without JavaScript, bookmarkable).
        <form method="get" action=crate::routes::PRODUCT_EXPIRIES class="filters">
            <div class="field">
                <label for="f-entro">"Scadenza entro"</label>
                <select id="f-entro" name="entro">
                    {WINDOWS
                        .map(|d| {
                            view! {
                                <option value=d.to_string() selected=d == window>
                                    {format!("{d} giorni")}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            {text("f-dal", "dal", "Dal", f.from.clone(), "date")}
            {text("f-al", "al", "Al", f.to.clone(), "date")}
            <div class="field">
                <label for="f-prodotto">"Prodotto"</label>
                <select id="f-prodotto" name="prodotto">
                    <option value="">"Tutti"</option>
                    {ProductKind::ALL
                        .map(|k| {
                            view! {
                                <option value=k.code() selected=f.product == k.code()>
                                    {k.label()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            {text("f-cliente", "cliente", "Cliente", f.customer.clone(), "text")}
            {text("f-offerta", "offerta", "Offerta", f.offer.clone(), "text")}
            {text("f-dominio", "dominio", "Dominio", f.domain.clone(), "text")}
            <div class="field">
                <label for="f-stato">"Stato"</label>
                <select id="f-stato" name="stato">
                    <option value="">"Tutti"</option>
                    {LISTED_PRODUCT_STATES
                        .map(|s| {
                            view! {
                                <option value=s.code() selected=f.state == s.code()>
                                    {s.code()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <button type="submit">"Filtra"</button>
        </form>
        {loaded(data, |d| view! { <ProductsView data=d /> })}
    }
}

#[component]
fn ProductsView(data: ProductsData) -> impl IntoView {
    let query = use_query_map();
    let q = |k: &str| query.read_untracked().get(k).unwrap_or_default();
    let (filter, _) = filter_from_query(&query.read_untracked());
    let outcome = (q("esito") == "rinnovati").then(|| {
        // Only order numbers (digits) are repeated from the address.
        let orders: Vec<String> = q("ordini")
            .split(',')
            .filter(|n| !n.is_empty() && n.len() <= 12 && n.chars().all(|c| c.is_ascii_digit()))
            .map(str::to_string)
            .collect();
        let n: usize = q("prodotti").parse().unwrap_or(0);
        (format!("Rinnovo eseguito: {n} prodotti rinnovati."), orders)
    });
    let refused = refusal(&q("rifiuto"), &q("n"));
    let ProductsData { rows, request_key, refused: per_product } = data;
    let per_product = if q("rifiuto") == "prodotti" { per_product } else { Vec::new() };
    let rows = match rows {
        Ok(rows) => rows,
        Err(why) => {
            return view! {
                <div class="error-panel" role="alert">
                    <p>{why}</p>
                </div>
            }
            .into_any();
        }
    };
    let Paged { items, page, pages, total } = rows;
    let link_filter = filter.clone();
    let link = move |p: i64| crate::routes::product_expiries_with(&link_filter, &format!("pagina={p}"));
    let export_filter = filter.clone();
    view! {
        {outcome
            .map(|(text, orders)| {
                view! {
                    <div class="notice" role="status">
                        <p>{text}</p>
                        <p>
                            "Ordini di rinnovo: "
                            {orders
                                .into_iter()
                                .map(|n| {
                                    let href = format!("/ordini/{n}");
                                    view! {
                                        <a href=href>{n}</a>
                                        " "
                                    }
                                })
                                .collect_view()}
                        </p>
                    </div>
                }
            })}
        {refused
            .map(|m| {
                view! {
                    <div class="error-panel" role="alert">
                        <p>{m}</p>
                        <ul>
                            {per_product
                                .into_iter()
                                .map(|(u, why)| view! { <li>{format!("{u}: {why}")}</li> })
                                .collect_view()}
                        </ul>
                    </div>
                }
            })}
        <form method="get" action=crate::routes::PRODUCT_EXPIRIES_CSV class="inline-form">
            {hidden_filter(&export_filter, str::to_string)}
            <button type="submit">"Esporta CSV"</button>
        </form>
        <form method="post" action=RenewProducts::url() aria-label="Prodotti in scadenza">
            <input type="hidden" name="richiesta" value=request_key />
            {hidden_filter(&filter, |f| format!("filtro[{f}]"))}
            <div class="table-wrap">
                <table>
                    <caption>{format!("Prodotti in scadenza ({total})")}</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Selezione"</th>
                            <th scope="col">"Userid"</th>
                            <th scope="col">"Prodotto"</th>
                            <th scope="col">"Codice listino"</th>
                            <th scope="col">"Casella"</th>
                            <th scope="col">"Cliente"</th>
                            <th scope="col">"Ordine"</th>
                            <th scope="col">"Stato"</th>
                            <th scope="col">"Inizio"</th>
                            <th scope="col">"Scadenza"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {items
                            .into_iter()
                            .map(|r| {
                                let name = format!("scelte[{}]", r.id);
                                let label = format!("Seleziona {}", r.userid);
                                let what = format!("prodotto-{}", r.id);
                                let mailbox = format!("/caselle/{}", r.userid);
                                let order = format!("/ordini/{}", r.order_number);
                                let product = match r.kind.quantity_text(r.quantity) {
                                    q if q.is_empty() => r.kind.label().to_string(),
                                    q => format!("{} ({q})", r.kind.label()),
                                };
                                // Two products of one mailbox share the label: the product
                                // cell tells them apart.
                                view! {
                                    <tr>
                                        <td>
                                            <input
                                                type="checkbox"
                                                name=name
                                                value="1"
                                                aria-label=label
                                                aria-describedby=what.clone()
                                            />
                                        </td>
                                        <td>
                                            <a href=mailbox>{r.userid.clone()}</a>
                                        </td>
                                        <td id=what>{product}</td>
                                        <td>{r.price_code}</td>
                                        <td>{r.address}</td>
                                        <td>{r.customer}</td>
                                        <td>
                                            <a href=order>{r.order_number.clone()}</a>
                                        </td>
                                        <td>{r.state.code()}</td>
                                        <td>{italian_date(&r.starts_at)}</td>
                                        <td>{italian_date(&r.expires_at)}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
            <Pager page=page pages=pages link=link />
            {(total > 0)
                .then(|| {
                    view! {
                        <div class="field">
                            <input type="checkbox" id="prodotti-tutti" name="tutte" value="1" />
                            <label for="prodotti-tutti">{format!("Seleziona tutte le {total}")}</label>
                        </div>
                    }
                })}
            <div class="actions">
                <button type="submit" class="primary">
                    "Rinnova selezionate"
                </button>
            </div>
        </form>
    }
    .into_any()
}
