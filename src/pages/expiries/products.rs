//! "Gestione scadenze prodotti": the products with their own term (Conservazione a norma,
//! extra disk space, SMS credit) ending in a window (and those ended still within the grace
//! period), filtered and paged; the ticked rows (or all of the filter) renewed in one renewal
//! order; "Esporta CSV" of the filter. The filter, the list and the notices are the mailboxes' page's (`parts`).

use super::parts::{
    filter_from_query, name_fields, state_field, unusable, window_fields, ActionOutcome, ExpiryData,
    ExpiryList,
};
#[cfg(feature = "ssr")]
use super::parts::{forget_refused, keep_refused, refused};
use crate::components::loaded;
use crate::domain::lists::Paged;
use crate::domain::products::{ProductKind, ProductRow, LISTED_PRODUCT_STATES};
use crate::domain::renewal_notices::Renewables;
use crate::domain::renewals::ExpiryFilter;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use std::collections::BTreeMap;

type ProductsData = ExpiryData<ProductRow>;

#[server(endpoint = "scadenze/prodotti")]
pub async fn list_product_expiries(filter: ExpiryFilter, page: i64) -> Result<ProductsData, AppError> {
    let op = crate::server::require()?;
    let state = crate::server::state()?;
    let grace = state.store.settings_in_force().await?.renewal_grace_days;
    let rows = match filter.product_query(crate::server::today(), grace) {
        Ok(q) => Ok(state.store.product_page(op.scope(), &q, page, super::parts::PER_PAGE).await?),
        Err(e) => Err(e.to_string()),
    };
    Ok(ProductsData {
        rows,
        request_key: crate::store::new_token(),
        refused: refused(Renewables::Products).await?,
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
    use crate::usecases::renewals::{self, Chosen};
    let chosen = if all {
        Chosen::AllOf(filter.clone())
    } else {
        // One more than a renewal may hold is enough to refuse it.
        Chosen::Ticked(ticked.keys().filter_map(|id| id.parse().ok()).take(RENEW_MAX + 1).collect())
    };
    if !crate::store::is_token(request_key) {
        return Err(AppError::BadRequest("richiesta non valida".into()));
    }
    forget_refused(Renewables::Products).await?;
    let renewal = renewals::renew_products(&state.store, op, chosen, request_key).await?;
    keep_refused(&renewal, Renewables::Products).await?;
    Ok(crate::routes::expiries_after(Renewables::Products, &filter, renewal.said(Renewables::Products)))
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

#[component]
pub fn ProductExpiriesPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(move || filter_from_query(&query.read()), |(f, p)| list_product_expiries(f, p));
    let (f, _) = filter_from_query(&query.read_untracked());
    let states = LISTED_PRODUCT_STATES.map(|s| s.code()).to_vec();
    view! {
        <Title text="Gestione scadenze prodotti" />
        <h1>"Gestione scadenze prodotti"</h1>
        // A GET form: the filter lives in the address (works without JavaScript, bookmarkable).
        <form method="get" action=crate::routes::PRODUCT_EXPIRIES class="filters">
            {window_fields(&f)}
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
            {name_fields(&f)}
            {state_field(&f, states)}
            <button type="submit">"Filtra"</button>
        </form>
        {loaded(data, |d| view! { <ProductsView data=d /> })}
    }
}

#[component]
fn ProductsView(data: ProductsData) -> impl IntoView {
    let query = use_query_map();
    let (filter, _) = filter_from_query(&query.read_untracked());
    let ProductsData { rows, request_key, refused: per_product } = data;
    let Paged { items, page, pages, total } = match rows {
        Ok(rows) => rows,
        Err(why) => return unusable(why),
    };
    let link_filter = filter.clone();
    let link = move |p: i64| crate::routes::product_expiries_with(&link_filter, &format!("pagina={p}"));
    let rows = items
        .into_iter()
        .map(|r| {
            let name = format!("scelte[{}]", r.id);
            let label = format!("Seleziona {}", r.userid);
            let what = format!("prodotto-{}", r.id);
            let mailbox = crate::routes::mailbox(&r.userid);
            let order = crate::routes::order(&r.order_number);
            let product = match r.kind.quantity_text(r.quantity) {
                q if q.is_empty() => r.kind.label().to_string(),
                q => format!("{} ({q})", r.kind.label()),
            };
            // Two products of one mailbox share the label: the product cell tells them apart.
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
                        <a href=mailbox>{r.userid.to_string()}</a>
                    </td>
                    <td id=what>{product}</td>
                    <td>{r.price_code}</td>
                    <td>{r.address}</td>
                    <td>{r.customer}</td>
                    <td>
                        <a href=order>{r.order_number.to_string()}</a>
                    </td>
                    <td>{r.state.code()}</td>
                    <td>{r.starts_at.italian()}</td>
                    <td>{r.expires_at.italian()}</td>
                </tr>
            }
        })
        .collect_view()
        .into_any();
    let buttons = view! {
        <button type="submit" class="primary">
            "Rinnova selezionate"
        </button>
    }
    .into_any();
    let columns = vec![
        "Selezione",
        "Userid",
        "Prodotto",
        "Codice listino",
        "Casella",
        "Cliente",
        "Ordine",
        "Stato",
        "Inizio",
        "Scadenza",
    ];
    view! {
        <ActionOutcome what=Renewables::Products per_item=per_product />
        <ExpiryList
            export=crate::routes::PRODUCT_EXPIRIES_CSV
            action=RenewProducts::url().to_string()
            label="Prodotti in scadenza"
            filter=filter
            request_key=request_key
            caption="Prodotti in scadenza"
            columns=columns
            all_id="prodotti-tutti"
            total=total
            page=page
            pages=pages
            link=link
            rows=rows
            buttons=buttons
        />
    }
    .into_any()
}
