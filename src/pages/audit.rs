//! "Registro attività" (administrators): every login and change, filterable. The provider's
//! administrators see everything, a reseller's only its own organisation.

use crate::components::{loaded, page_of_list, Pager};
use crate::domain::{audit::AuditEntry, audit::AuditFilter, lists::Paged};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

pub const PER_PAGE: i64 = 50;

/// The actions recorded, for the filter.
pub const ACTIONS: [&str; 9] = [
    "LOGIN",
    "LOGIN_FALLITO",
    "LOGIN_FALLITO_BLOCCO",
    "LOGIN_BLOCCATO",
    "LOGOUT",
    "ORDINE_CREATO",
    "OPERATORE_CREATO",
    "OPERATORE_ATTIVATO",
    "OPERATORE_DISATTIVATO",
];

#[server(endpoint = "configurazione/registro")]
pub async fn list_audit(filter: AuditFilter, page: i64) -> Result<Paged<AuditEntry>, AppError> {
    let me = crate::server::require_admin()?;
    let store = crate::server::store()?;
    Ok(store.audit_entries(me.scope(), &filter, page, PER_PAGE).await?)
}

/// The filter from the address's values (each bounded: they are echoed into forms).
fn filter_from(get: impl Fn(&str) -> String) -> AuditFilter {
    let get = |k: &str| get(k).chars().take(200).collect::<String>();
    AuditFilter {
        action: get("azione"),
        username: get("utente"),
        object: get("oggetto"),
        from: get("dal"),
        to: get("al"),
    }
}

fn filter_from_query(q: &leptos_router::params::ParamsMap) -> (AuditFilter, i64) {
    let get = |k: &str| q.get(k).unwrap_or_default();
    (filter_from(get), get("pagina").parse().unwrap_or(1))
}

/// "Esporta CSV" of the log's current filter (administrators; up to `EXPORT_ROWS_MAX` rows,
/// the file says when it stopped there).
#[cfg(feature = "ssr")]
pub async fn export(
    axum::extract::State(state): axum::extract::State<crate::server::AppState>,
    crate::server::auth::SignedIn(op): crate::server::auth::SignedIn,
    axum::extract::Query(map): axum::extract::Query<std::collections::BTreeMap<String, String>>,
) -> Result<axum::response::Response, AppError> {
    use crate::domain::{audit::AUDIT_EXPORT_HEADER, lists::EXPORT_ROWS_MAX};
    if !op.is_admin() {
        return Err(AppError::Forbidden);
    }
    let filter = filter_from(|k| map.get(k).cloned().unwrap_or_default());
    let entries = state.store.audit_entries(op.scope(), &filter, 1, EXPORT_ROWS_MAX).await?;
    let rows = entries.items.iter().map(|e| e.cells().to_vec()).collect();
    let cut_at = (entries.total > EXPORT_ROWS_MAX).then_some(EXPORT_ROWS_MAX);
    Ok(crate::server::csv_export("registro-attivita.csv", &AUDIT_EXPORT_HEADER, rows, cut_at))
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let entries = Resource::new(move || filter_from_query(&query.read()), |(f, p)| list_audit(f, p));
    let (filter, _) = filter_from_query(&query.read_untracked());
    view! {
        <Title text="Registro attività" />
        <h1>"Registro attività"</h1>
        // A GET form: filters live in the address, so the page works without JavaScript
        // and a filtered view can be bookmarked.
        <form method="get" action=crate::routes::AUDIT class="filters">
            <div class="field">
                <label for="f-azione">"Azione"</label>
                <select id="f-azione" name="azione">
                    <option value="">"Tutte"</option>
                    {ACTIONS
                        .map(|a| {
                            view! {
                                <option value=a selected=filter.action == a>
                                    {a}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="f-utente">"Utente"</label>
                <input type="text" id="f-utente" name="utente" value=filter.username.clone() />
            </div>
            <div class="field">
                <label for="f-oggetto">"Oggetto"</label>
                <input type="text" id="f-oggetto" name="oggetto" value=filter.object.clone() />
            </div>
            <div class="field">
                <label for="f-dal">"Dal"</label>
                <input type="date" id="f-dal" name="dal" value=filter.from.clone() />
            </div>
            <div class="field">
                <label for="f-al">"Al"</label>
                <input type="date" id="f-al" name="al" value=filter.to.clone() />
            </div>
            <button type="submit">"Filtra"</button>
        </form>
        <form method="get" action=crate::routes::AUDIT_CSV class="inline-form">
            <input type="hidden" name="azione" value=filter.action.clone() />
            <input type="hidden" name="utente" value=filter.username.clone() />
            <input type="hidden" name="oggetto" value=filter.object.clone() />
            <input type="hidden" name="dal" value=filter.from.clone() />
            <input type="hidden" name="al" value=filter.to.clone() />
            <button type="submit">"Esporta CSV"</button>
        </form>
        {loaded(entries, move |p| view! { <AuditTable paged=p /> })}
    }
}

#[component]
fn AuditTable(paged: Paged<AuditEntry>) -> impl IntoView {
    let Paged { items, page, pages, total } = paged;
    let link = page_of_list(crate::routes::AUDIT);
    view! {
        <div class="table-wrap">
            <table>
                <caption>{format!("Registro ({total})")}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Quando (UTC)"</th>
                        <th scope="col">"Utente"</th>
                        <th scope="col">"Organizzazione"</th>
                        <th scope="col">"Azione"</th>
                        <th scope="col">"Oggetto"</th>
                        <th scope="col">"Prima"</th>
                        <th scope="col">"Dopo"</th>
                    </tr>
                </thead>
                <tbody>
                    {items
                        .into_iter()
                        .map(|e| {
                            view! {
                                <tr>
                                    <td>{e.at.to_string()}</td>
                                    <td>{e.username}</td>
                                    <td>{e.organisation}</td>
                                    <td>{e.action}</td>
                                    <td>{format!("{} {}", e.object_type, e.object_id)}</td>
                                    <td class="data">{e.before}</td>
                                    <td class="data">{e.after}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
        <Pager page=page pages=pages link=link />
    }
}
