//! "Gestione scadenze caselle": the mailboxes expiring in a window (and those expired still
//! within the grace period), filtered and paged; selected rows (or all of the filter) are
//! renewed in one renewal order or get tacit renewal on or off; "Esporta CSV" of the filter.
//! "Gestione scadenze prodotti" (`products`) shares its filter.

pub mod products;

use crate::components::{loaded, page_of_list, Pager};
use crate::domain::dates::italian_date;
use crate::domain::records::Paged;
use crate::domain::renewals::{ExpiryFilter, ExpiryRow, LISTED_STATES, WINDOWS};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const PER_PAGE: i64 = 50;

/// The refusals of the last "Rinnova selezionate" of this session, per mailbox.
#[cfg(feature = "ssr")]
const REFUSED: &str = "scadenze/rifiuti";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExpiriesData {
    /// `Err` holds why the filter cannot be used.
    pub rows: Result<Paged<ExpiryRow>, String>,
    /// Names this page's action form: sent twice, it is done once.
    pub request_key: String,
    pub refused: Vec<(String, String)>,
}

#[server(endpoint = "scadenze/caselle")]
pub async fn list_expiries(filter: ExpiryFilter, page: i64) -> Result<ExpiriesData, AppError> {
    let op = crate::server::require()?;
    let state = crate::server::state()?;
    let grace = state.store.settings_in_force().await?.renewal_grace_days;
    let rows = match filter.query(crate::server::today(), grace) {
        Ok(q) => Ok(state.store.expiry_page(op.scope(), &q, page, PER_PAGE).await?),
        Err(e) => Err(e.to_string()),
    };
    Ok(ExpiriesData {
        rows,
        request_key: crate::store::new_token(),
        refused: crate::server::stash::kept(REFUSED).await?.unwrap_or_default(),
    })
}

/// "Rinnova selezionate", "Attiva rinnovo tacito", "Disattiva rinnovo tacito" on the rows
/// ticked (`scelte[<userid>]`) or on every row of the filter (`tutte`).
#[server(endpoint = "scadenze/azione")]
pub async fn expiry_action(
    #[server(default)] scelte: BTreeMap<String, String>,
    #[server(default)] tutte: String,
    #[server(default)] filtro: BTreeMap<String, String>,
    #[server(default)] richiesta: String,
    azione: String,
) -> Result<(), AppError> {
    let op = crate::server::require()?;
    let state = crate::server::state()?;
    let filter = ExpiryFilter::from_pairs(|k| filtro.get(k).cloned().unwrap_or_default());
    let to = act(&state, &op, scelte, tutte == "1", filter, &richiesta, &azione).await?;
    crate::server::redirect::redirect(&to);
    Ok(())
}

/// The actions' codes.
const RENEW: &str = "rinnova";
const TACIT_ON: &str = "tacito-si";
const TACIT_OFF: &str = "tacito-no";

#[cfg(feature = "ssr")]
async fn act(
    state: &crate::server::AppState,
    op: &crate::domain::auth::Operator,
    ticked: BTreeMap<String, String>,
    all: bool,
    filter: ExpiryFilter,
    request_key: &str,
    action: &str,
) -> Result<String, AppError> {
    use crate::domain::renewals::RENEW_MAX;
    use crate::domain::UserId;
    use crate::store::RenewError;
    let back = |extra: &str| crate::routes::expiries_with(&filter, extra);
    if ![RENEW, TACIT_ON, TACIT_OFF].contains(&action) {
        return Err(AppError::BadRequest("azione sconosciuta".into()));
    }
    // Bounded before anything is read: at most one renewal's worth of mailboxes.
    let userids: Vec<UserId> = if all {
        let grace = state.store.settings_in_force().await?.renewal_grace_days;
        let Ok(q) = filter.query(crate::server::today(), grace) else { return Ok(back("rifiuto=filtro")) };
        let rows = state.store.expiry_rows(op.scope(), &q, RENEW_MAX as i64 + 1).await?;
        if rows.len() > RENEW_MAX {
            return Ok(back("rifiuto=troppe"));
        }
        rows.iter().filter_map(|r| UserId::parse(&r.userid)).collect()
    } else {
        if ticked.len() > RENEW_MAX {
            return Ok(back("rifiuto=troppe"));
        }
        ticked.keys().filter_map(|u| UserId::parse(u)).collect()
    };
    if userids.is_empty() {
        return Ok(back("rifiuto=nessuna"));
    }
    if action != RENEW {
        let n = state.store.set_tacit_renewal(op, &userids, action == TACIT_ON).await?;
        return Ok(back(&format!("esito={action}&caselle={n}")));
    }
    if !crate::store::is_token(request_key) {
        return Err(AppError::BadRequest("richiesta non valida".into()));
    }
    crate::server::stash::forget(REFUSED).await?;
    match state.store.renew_mailboxes(op, &userids, crate::server::today(), request_key).await {
        Ok(numbers) => {
            let numbers: Vec<&str> = numbers.iter().map(|n| n.as_str()).collect();
            Ok(back(&format!("esito=rinnovate&caselle={}&ordini={}", userids.len(), numbers.join(","))))
        }
        Err(RenewError::Refused(list)) => {
            let shown: Vec<(String, String)> =
                list.iter().take(100).map(|(u, e)| (u.as_str().to_string(), e.to_string())).collect();
            crate::server::stash::keep(REFUSED, &shown).await?;
            Ok(back(&format!("rifiuto=caselle&n={}", list.len())))
        }
        Err(RenewError::NotFound(_)) => Ok(back("rifiuto=non-trovate")),
        Err(RenewError::Conflict) => Ok(back("rifiuto=conflitto")),
        Err(RenewError::TooMany) => Ok(back("rifiuto=troppe")),
        Err(RenewError::Empty) => Ok(back("rifiuto=nessuna")),
        Err(RenewError::Store(e)) => Err(e.into()),
    }
}

/// "Esporta CSV": every row of the filter (at most the largest renewal's, and the file says
/// when it stopped there), as Excel in Italian opens it, formula-safe.
#[cfg(feature = "ssr")]
pub async fn export(
    axum::extract::State(state): axum::extract::State<crate::server::AppState>,
    crate::server::auth::SignedIn(op): crate::server::auth::SignedIn,
    axum::extract::Query(query): axum::extract::Query<BTreeMap<String, String>>,
) -> Result<axum::response::Response, AppError> {
    use crate::domain::renewals::EXPORT_HEADER;
    let map: leptos_router::params::ParamsMap = query.into_iter().collect();
    let (filter, _) = filter_from_query(&map);
    let grace = state.store.settings_in_force().await?.renewal_grace_days;
    let q = filter.query(crate::server::today(), grace).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let limit = crate::domain::renewals::RENEW_MAX;
    let mut rows = state.store.expiry_rows(op.scope(), &q, limit as i64 + 1).await?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    let cells = rows.iter().map(|r| r.cells().to_vec()).collect();
    Ok(crate::server::csv_export("scadenze-caselle.csv", &EXPORT_HEADER, cells, more.then_some(limit as i64)))
}

/// A refusal named in the address, in Italian.
fn refusal(code: &str, n: &str) -> Option<String> {
    Some(match code {
        "filtro" => "Il filtro non è valido: correggere le date".into(),
        "troppe" => format!("Troppe caselle in una volta: al massimo {}", crate::domain::csv_file::MAX_ROWS),
        "nessuna" => "Nessuna casella selezionata".into(),
        "non-trovate" => "Alcune caselle selezionate non esistono più: nulla è stato rinnovato".into(),
        "conflitto" => {
            "Alcune caselle sono state appena rinnovate da un'altra richiesta: nulla è stato rinnovato. Ricaricare la pagina".into()
        }
        "caselle" => {
            let n: usize = n.parse().unwrap_or(0);
            format!("Rinnovo rifiutato per {n} caselle: nulla è stato rinnovato")
        }
        _ => return None,
    })
}

pub fn filter_from_query(q: &leptos_router::params::ParamsMap) -> (ExpiryFilter, i64) {
    let get = |k: &str| q.get(k).unwrap_or_default();
    (ExpiryFilter::from_pairs(get), get("pagina").parse().unwrap_or(1))
}

#[component]
pub fn ExpiriesPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(move || filter_from_query(&query.read()), |(f, p)| list_expiries(f, p));
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
        <Title text="Gestione scadenze caselle" />
        <h1>"Gestione scadenze caselle"</h1>
        // A GET form: the filter lives in the address (works without JavaScript, bookmarkable).
        <form method="get" action=crate::routes::EXPIRIES class="filters">
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
            {text("f-cliente", "cliente", "Cliente", f.customer.clone(), "text")}
            {text("f-offerta", "offerta", "Offerta", f.offer.clone(), "text")}
            {text("f-dominio", "dominio", "Dominio", f.domain.clone(), "text")}
            <div class="field">
                <label for="f-stato">"Stato"</label>
                <select id="f-stato" name="stato">
                    <option value="">"Tutti"</option>
                    {LISTED_STATES
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
            <div class="field">
                <label for="f-tacito">"Rinnovo tacito"</label>
                <select id="f-tacito" name="tacito">
                    <option value="">"Tutti"</option>
                    <option value="si" selected=f.tacit == "si">
                        "Sì"
                    </option>
                    <option value="no" selected=f.tacit == "no">
                        "No"
                    </option>
                </select>
            </div>
            <button type="submit">"Filtra"</button>
        </form>
        {loaded(data, |d| view! { <ExpiriesView data=d /> })}
    }
}

/// The filter again as hidden fields of another form, each named by `name`.
pub(crate) fn hidden_filter(f: &ExpiryFilter, name: impl Fn(&str) -> String) -> impl IntoView {
    f.pairs()
        .into_iter()
        .map(|(key, value)| view! { <input type="hidden" name=name(key) value=value.to_string() /> })
        .collect_view()
}

#[component]
fn ExpiriesView(data: ExpiriesData) -> impl IntoView {
    let query = use_query_map();
    let q = |k: &str| query.read_untracked().get(k).unwrap_or_default();
    let (filter, _) = filter_from_query(&query.read_untracked());
    let outcome = match q("esito").as_str() {
        "rinnovate" => {
            // Only order numbers (digits) are repeated from the address.
            let orders: Vec<String> = q("ordini")
                .split(',')
                .filter(|n| !n.is_empty() && n.len() <= 12 && n.chars().all(|c| c.is_ascii_digit()))
                .map(str::to_string)
                .collect();
            let n: usize = q("caselle").parse().unwrap_or(0);
            Some((format!("Rinnovo eseguito: {n} caselle rinnovate."), orders))
        }
        TACIT_ON | TACIT_OFF => {
            let n: usize = q("caselle").parse().unwrap_or(0);
            let what = if q("esito") == TACIT_ON { "attivato" } else { "disattivato" };
            Some((format!("Rinnovo tacito {what} per {n} caselle."), Vec::new()))
        }
        _ => None,
    };
    let refused = refusal(&q("rifiuto"), &q("n"));
    let ExpiriesData { rows, request_key, refused: per_mailbox } = data;
    let per_mailbox = if q("rifiuto") == "caselle" { per_mailbox } else { Vec::new() };
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
    let link = page_of_list(crate::routes::EXPIRIES);
    let export_filter = filter.clone();
    view! {
        {outcome
            .map(|(text, orders)| {
                view! {
                    <div class="notice" role="status">
                        <p>{text}</p>
                        {(!orders.is_empty())
                            .then(|| {
                                view! {
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
                                }
                            })}
                    </div>
                }
            })}
        {refused
            .map(|m| {
                view! {
                    <div class="error-panel" role="alert">
                        <p>{m}</p>
                        <ul>
                            {per_mailbox
                                .into_iter()
                                .map(|(u, why)| view! { <li>{format!("{u}: {why}")}</li> })
                                .collect_view()}
                        </ul>
                    </div>
                }
            })}
        <form method="get" action=crate::routes::EXPIRIES_CSV class="inline-form">
            {hidden_filter(&export_filter, str::to_string)}
            <button type="submit">"Esporta CSV"</button>
        </form>
        <form method="post" action=ExpiryAction::url() aria-label="Caselle in scadenza">
            <input type="hidden" name="richiesta" value=request_key />
            {hidden_filter(&filter, |f| format!("filtro[{f}]"))}
            <div class="table-wrap">
                <table>
                    <caption>{format!("Caselle in scadenza ({total})")}</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Selezione"</th>
                            <th scope="col">"Userid"</th>
                            <th scope="col">"Casella"</th>
                            <th scope="col">"Cliente"</th>
                            <th scope="col">"Offerta"</th>
                            <th scope="col">"Ordine"</th>
                            <th scope="col">"Stato"</th>
                            <th scope="col">"Scadenza"</th>
                            <th scope="col">"Rinnovo tacito"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {items
                            .into_iter()
                            .map(|r| {
                                let name = format!("scelte[{}]", r.userid);
                                let label = format!("Seleziona {}", r.userid);
                                let mailbox = format!("/caselle/{}", r.userid);
                                let order = format!("/ordini/{}", r.order_number);
                                view! {
                                    <tr>
                                        <td>
                                            <input type="checkbox" name=name value="1" aria-label=label />
                                        </td>
                                        <td>
                                            <a href=mailbox>{r.userid.clone()}</a>
                                        </td>
                                        <td>{r.address}</td>
                                        <td>{r.customer}</td>
                                        <td>{r.offer}</td>
                                        <td>
                                            <a href=order>{r.order_number.clone()}</a>
                                        </td>
                                        <td>{r.state.code()}</td>
                                        <td>{italian_date(&r.expires_at)}</td>
                                        <td>{if r.tacit { "sì" } else { "no" }}</td>
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
                            <input type="checkbox" id="scadenze-tutte" name="tutte" value="1" />
                            <label for="scadenze-tutte">{format!("Seleziona tutte le {total}")}</label>
                        </div>
                    }
                })}
            <div class="actions">
                <button type="submit" name="azione" value=RENEW class="primary">
                    "Rinnova selezionate"
                </button>
                <button type="submit" name="azione" value=TACIT_ON>
                    "Attiva rinnovo tacito"
                </button>
                <button type="submit" name="azione" value=TACIT_OFF>
                    "Disattiva rinnovo tacito"
                </button>
            </div>
        </form>
    }
    .into_any()
}
