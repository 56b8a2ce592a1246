//! What the two expiry pages share: the filter's fields and their reading from the address, the
//! notice or refusal of the last action, the list's form with its selection, pager and buttons,
//! and (server only) how an action's outcome travels to the page that follows.

use crate::components::Pager;
use crate::domain::lists::Paged;
use crate::domain::renewal_notices::{Renewables, RenewalNotice, RenewalRefusal};
use crate::domain::renewals::{ExpiryFilter, WINDOWS};
#[cfg(feature = "ssr")]
use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

/// Rows of an expiry page.
#[cfg(feature = "ssr")]
pub const PER_PAGE: i64 = 50;

/// What an expiry page shows of its filter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExpiryData<T> {
    /// `Err` holds why the filter cannot be used.
    pub rows: Result<Paged<T>, String>,
    /// Names this page's action form: sent twice, it is done once.
    pub request_key: String,
    /// The refusal of each item of the last renewal of this session.
    pub refused: Vec<(String, String)>,
}

/// A text or date field of the filter.
pub(crate) fn text_field(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    value: String,
    kind: &'static str,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input type=kind id=id name=name value=value />
        </div>
    }
}

/// "Scadenza entro", "Dal" and "Al": the window of the filter.
pub(crate) fn window_fields(f: &ExpiryFilter) -> impl IntoView {
    let window = f.window();
    view! {
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
        {text_field("f-dal", "dal", "Dal", f.from.clone(), "date")}
        {text_field("f-al", "al", "Al", f.to.clone(), "date")}
    }
}

/// "Cliente", "Offerta" and "Dominio": prefixes of the filter.
pub(crate) fn name_fields(f: &ExpiryFilter) -> impl IntoView {
    view! {
        {text_field("f-cliente", "cliente", "Cliente", f.customer.clone(), "text")}
        {text_field("f-offerta", "offerta", "Offerta", f.offer.clone(), "text")}
        {text_field("f-dominio", "dominio", "Dominio", f.domain.clone(), "text")}
    }
}

/// "Stato": one of `codes`, or all.
pub(crate) fn state_field(f: &ExpiryFilter, codes: Vec<&'static str>) -> impl IntoView {
    let current = f.state.clone();
    view! {
        <div class="field">
            <label for="f-stato">"Stato"</label>
            <select id="f-stato" name="stato">
                <option value="">"Tutti"</option>
                {codes
                    .into_iter()
                    .map(|code| {
                        view! {
                            <option value=code selected=current == code>
                                {code}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}

/// The filter's "Esporta CSV" and the list as a form: each row ticked by its `scelte[...]`
/// checkbox, or "Seleziona tutte" of the filter, and the page's buttons.
#[component]
pub(crate) fn ExpiryList(
    /// Where "Esporta CSV" gets its file.
    export: &'static str,
    /// The action's server function.
    action: String,
    /// The form's accessible name ("Caselle in scadenza").
    label: &'static str,
    filter: ExpiryFilter,
    request_key: String,
    /// The table's caption without its count.
    caption: &'static str,
    columns: Vec<&'static str>,
    /// The id of "Seleziona tutte"'s checkbox.
    all_id: &'static str,
    total: i64,
    page: i64,
    pages: i64,
    link: impl Fn(i64) -> String + 'static,
    /// The table's rows.
    rows: AnyView,
    /// The page's submit buttons.
    buttons: AnyView,
) -> impl IntoView {
    view! {
        <form method="get" action=export class="inline-form">
            {hidden_filter(&filter, str::to_string)}
            <button type="submit">"Esporta CSV"</button>
        </form>
        <form method="post" action=action aria-label=label>
            <input type="hidden" name="richiesta" value=request_key />
            {hidden_filter(&filter, |f| format!("filtro[{f}]"))}
            <div class="table-wrap">
                <table>
                    <caption>{format!("{caption} ({total})")}</caption>
                    <thead>
                        <tr>
                            {columns.into_iter().map(|c| view! { <th scope="col">{c}</th> }).collect_view()}
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <Pager page=page pages=pages link=link />
            {(total > 0)
                .then(|| {
                    view! {
                        <div class="field">
                            <input type="checkbox" id=all_id name="tutte" value="1" />
                            <label for=all_id>{format!("Seleziona tutte le {total}")}</label>
                        </div>
                    }
                })}
            <div class="actions">{buttons}</div>
        </form>
    }
}

/// Why the filter cannot be used, in place of the list.
pub(crate) fn unusable(why: String) -> AnyView {
    view! {
        <div class="error-panel" role="alert">
            <p>{why}</p>
        </div>
    }
    .into_any()
}

/// Where the stash keeps the refusals of each item of the last renewal of this session.
#[cfg(feature = "ssr")]
fn refused_key(what: Renewables) -> &'static str {
    match what {
        Renewables::Mailboxes => "scadenze/rifiuti",
        Renewables::Products => "scadenze/prodotti/rifiuti",
    }
}

/// Keeps the refusal of each item (the first 100) for the page that follows.
#[cfg(feature = "ssr")]
pub(crate) async fn keep_refused(
    renewal: &crate::usecases::renewals::Renewal,
    what: Renewables,
) -> Result<(), AppError> {
    if let crate::usecases::renewals::Renewal::RefusedEach(list) = renewal {
        let shown: Vec<(String, String)> =
            list.iter().take(100).map(|(u, e)| (u.as_str().to_string(), e.to_string())).collect();
        crate::server::stash::keep(refused_key(what), &shown).await?;
    }
    Ok(())
}

/// The refusals of single items the page shows.
#[cfg(feature = "ssr")]
pub(crate) async fn refused(what: Renewables) -> Result<Vec<(String, String)>, AppError> {
    Ok(crate::server::stash::kept(refused_key(what)).await?.unwrap_or_default())
}

/// Forgets them, as a new renewal starts.
#[cfg(feature = "ssr")]
pub(crate) async fn forget_refused(what: Renewables) -> Result<(), AppError> {
    crate::server::stash::forget(refused_key(what)).await
}

pub fn filter_from_query(q: &leptos_router::params::ParamsMap) -> (ExpiryFilter, i64) {
    let get = |k: &str| q.get(k).unwrap_or_default();
    (ExpiryFilter::from_pairs(get), get("pagina").parse().unwrap_or(1))
}

/// What the last action on an expiry page said: its notice (with the renewal orders as links)
/// or its refusal (with the refusal of each item, when it names them).
#[component]
pub(crate) fn ActionOutcome(what: Renewables, per_item: Vec<(String, String)>) -> impl IntoView {
    let query = use_query_map();
    let get = |k: &str| query.read_untracked().get(k).unwrap_or_default();
    let notice = RenewalNotice::from_query(what, get);
    let refusal = RenewalRefusal::from_query(what, get);
    let per_item = if matches!(refusal, Some(RenewalRefusal::Refused(_))) { per_item } else { Vec::new() };
    view! {
        {notice
            .map(|notice| {
                let orders = match &notice {
                    RenewalNotice::Renewed { orders, .. } => orders.clone(),
                    RenewalNotice::Tacit { .. } => Vec::new(),
                };
                view! {
                    <div class="notice" role="status">
                        <p>{notice.text()}</p>
                        {(!orders.is_empty())
                            .then(|| {
                                view! {
                                    <p>
                                        "Ordini di rinnovo: "
                                        {orders
                                            .into_iter()
                                            .map(|n| {
                                                view! {
                                                    <a href=crate::routes::order(&n)>{n.to_string()}</a>
                                                    " "
                                                }
                                            })
                                            .collect_view()}
                                    </p>
                                }
                            })}
                    </div>
                }
            })}
        {refusal
            .map(|refusal| {
                view! {
                    <div class="error-panel" role="alert">
                        <p>{refusal.text(what)}</p>
                        <ul>
                            {per_item
                                .into_iter()
                                .map(|(item, why)| view! { <li>{format!("{item}: {why}")}</li> })
                                .collect_view()}
                        </ul>
                    </div>
                }
            })}
    }
}

/// The filter again as hidden fields of another form, each named by `name`.
pub(crate) fn hidden_filter(f: &ExpiryFilter, name: impl Fn(&str) -> String) -> impl IntoView {
    f.pairs()
        .into_iter()
        .map(|(key, value)| view! { <input type="hidden" name=name(key) value=value.to_string() /> })
        .collect_view()
}
