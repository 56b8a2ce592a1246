//! "Gestione scadenze caselle": the mailboxes expiring in a window (and those expired still
//! within the grace period), filtered and paged; selected rows (or all of the filter) are
//! renewed in one renewal order or get tacit renewal on or off; "Esporta CSV" of the filter.
//! "Gestione scadenze prodotti" (`products`) shares its filter and list (`parts`).

mod parts;
pub mod products;

use crate::components::{loaded, page_of_list};
use crate::domain::lists::Paged;
use crate::domain::renewal_notices::{Renewables, TACIT_OFF, TACIT_ON};
use crate::domain::renewals::{ExpiryFilter, ExpiryRow, LISTED_STATES};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use parts::{
    filter_from_query, name_fields, state_field, unusable, window_fields, ActionOutcome, ExpiryData,
    ExpiryList,
};
#[cfg(feature = "ssr")]
use parts::{forget_refused, keep_refused, refused};
use std::collections::BTreeMap;

type ExpiriesData = ExpiryData<ExpiryRow>;

#[server(endpoint = "scadenze/caselle")]
pub async fn list_expiries(filter: ExpiryFilter, page: i64) -> Result<ExpiriesData, AppError> {
    let op = crate::server::require()?;
    let state = crate::server::state()?;
    let grace = state.store.settings_in_force().await?.renewal_grace_days;
    let rows = match filter.query(crate::server::today(), grace) {
        Ok(q) => Ok(state.store.expiry_page(op.scope(), &q, page, parts::PER_PAGE).await?),
        Err(e) => Err(e.to_string()),
    };
    Ok(ExpiriesData {
        rows,
        request_key: crate::store::new_token(),
        refused: refused(Renewables::Mailboxes).await?,
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

/// The actions' codes ("Rinnovo tacito" names the notice the same way).
const RENEW: &str = "rinnova";

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
    use crate::usecases::renewals::{self, Chosen};
    let chosen = if all {
        Chosen::AllOf(filter.clone())
    } else {
        // One more than a renewal may hold is enough to refuse it.
        Chosen::Ticked(ticked.keys().filter_map(|u| UserId::parse(u)).take(RENEW_MAX + 1).collect())
    };
    let said = match action {
        TACIT_ON | TACIT_OFF => {
            let on = action == TACIT_ON;
            renewals::set_tacit_renewal(&state.store, op, chosen, on).await?.said(on)
        }
        RENEW => {
            if !crate::store::is_token(request_key) {
                return Err(AppError::BadRequest("richiesta non valida".into()));
            }
            forget_refused(Renewables::Mailboxes).await?;
            let renewal = renewals::renew_mailboxes(&state.store, op, chosen, request_key).await?;
            keep_refused(&renewal, Renewables::Mailboxes).await?;
            renewal.said(Renewables::Mailboxes)
        }
        _ => return Err(AppError::BadRequest("azione sconosciuta".into())),
    };
    Ok(crate::routes::expiries_after(Renewables::Mailboxes, &filter, said))
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

#[component]
pub fn ExpiriesPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(move || filter_from_query(&query.read()), |(f, p)| list_expiries(f, p));
    let (f, _) = filter_from_query(&query.read_untracked());
    let states = LISTED_STATES.map(|s| s.code()).to_vec();
    view! {
        <Title text="Gestione scadenze caselle" />
        <h1>"Gestione scadenze caselle"</h1>
        // A GET form: the filter lives in the address (works without JavaScript, bookmarkable).
        <form method="get" action=crate::routes::EXPIRIES class="filters">
            {window_fields(&f)}
            {name_fields(&f)}
            {state_field(&f, states)}
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

#[component]
fn ExpiriesView(data: ExpiriesData) -> impl IntoView {
    let query = use_query_map();
    let (filter, _) = filter_from_query(&query.read_untracked());
    let ExpiriesData { rows, request_key, refused: per_mailbox } = data;
    let Paged { items, page, pages, total } = match rows {
        Ok(rows) => rows,
        Err(why) => return unusable(why),
    };
    let rows = items
        .into_iter()
        .map(|r| {
            let name = format!("scelte[{}]", r.userid);
            let label = format!("Seleziona {}", r.userid);
            let mailbox = crate::routes::mailbox(&r.userid);
            let order = crate::routes::order(&r.order_number);
            view! {
                <tr>
                    <td>
                        <input type="checkbox" name=name value="1" aria-label=label />
                    </td>
                    <td>
                        <a href=mailbox>{r.userid.to_string()}</a>
                    </td>
                    <td>{r.address}</td>
                    <td>{r.customer}</td>
                    <td>{r.offer}</td>
                    <td>
                        <a href=order>{r.order_number.to_string()}</a>
                    </td>
                    <td>{r.state.code()}</td>
                    <td>{r.expires_at.italian()}</td>
                    <td>{if r.tacit { "sì" } else { "no" }}</td>
                </tr>
            }
        })
        .collect_view()
        .into_any();
    let buttons = view! {
        <button type="submit" name="azione" value=RENEW class="primary">
            "Rinnova selezionate"
        </button>
        <button type="submit" name="azione" value=TACIT_ON>
            "Attiva rinnovo tacito"
        </button>
        <button type="submit" name="azione" value=TACIT_OFF>
            "Disattiva rinnovo tacito"
        </button>
    }
    .into_any();
    let columns = vec![
        "Selezione",
        "Userid",
        "Casella",
        "Cliente",
        "Offerta",
        "Ordine",
        "Stato",
        "Scadenza",
        "Rinnovo tacito",
    ];
    view! {
        <ActionOutcome what=Renewables::Mailboxes per_item=per_mailbox />
        <ExpiryList
            export=crate::routes::EXPIRIES_CSV
            action=ExpiryAction::url().to_string()
            label="Caselle in scadenza"
            filter=filter
            request_key=request_key
            caption="Caselle in scadenza"
            columns=columns
            all_id="scadenze-tutte"
            total=total
            page=page
            pages=pages
            link=page_of_list(crate::routes::EXPIRIES)
            rows=rows
            buttons=buttons
        />
    }
    .into_any()
}
