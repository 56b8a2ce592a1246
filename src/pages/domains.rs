//! "Gestione domini": the domains visible to the operator, filtered and paged, and (for
//! administrators) "Nuovo dominio", whose name is checked on every keystroke by the shared core.

use crate::components::{loaded, page_of_list, Pager, TextField};
use crate::domain::dns::{records_to_publish, DnsCheck, DnsOutcome, ProviderDns};
use crate::domain::domains::{
    domain_name, DomainAction, DomainChangeRefusal, DomainKind, DomainRequest, DomainState, NewDomainError,
    NewDomainForm,
};
use crate::domain::{domains::DomainFilter, domains::DomainRow, lists::Paged};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

pub const PER_PAGE: i64 = 50;

#[cfg(feature = "ssr")]
const NEW_DOMAIN_FORM: &str = "domini/nuovo";
/// The last "Verifica DNS" of this session, shown after the redirect.
#[cfg(feature = "ssr")]
const DNS_CHECK: &str = "domini/verifica-dns";

/// What the page shows besides the list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DomainsData {
    pub domains: Paged<DomainRow>,
    /// The organisation's customers, for "Cliente".
    pub customers: Vec<String>,
    /// Administrators add domains; the provider's may add shared ones.
    pub can_add: bool,
    pub provider: bool,
    /// The last refused "Nuovo dominio" of this session.
    pub typed: Option<NewDomainForm>,
    /// What customers' domains must point to (Impostazioni).
    pub provider_dns: ProviderDns,
    /// The last "Verifica DNS" of this session.
    pub dns_check: Option<DnsCheck>,
}

#[server(endpoint = "domini")]
pub async fn list_domains(filter: DomainFilter, page: i64) -> Result<DomainsData, AppError> {
    let op = crate::server::require()?;
    let state = crate::server::state()?;
    let store = state.store.clone();
    Ok(DomainsData {
        domains: store.domain_page(op.scope(), &filter, page, PER_PAGE).await?,
        customers: store.customers(op.scope()).await?.into_iter().map(|c| c.name).collect(),
        can_add: op.is_admin(),
        provider: op.scope() == crate::domain::auth::Scope::All,
        typed: crate::server::stash::kept(NEW_DOMAIN_FORM).await?,
        provider_dns: store.settings_in_force().await?.provider_dns(),
        dns_check: crate::server::stash::kept(DNS_CHECK).await?,
    })
}

/// "Verifica DNS", Sospendi, Riattiva, Dismetti (`DomainAction` codes) or "rimuovi" domain
/// `name`.
#[server(endpoint = "domini/azione")]
pub async fn change_domain(name: String, azione: String) -> Result<(), AppError> {
    let op = crate::server::require_admin()?;
    let state = crate::server::state()?;
    let to = change(&state, &op, &name, &azione).await?;
    crate::server::redirect::redirect(&to);
    Ok(())
}

/// Applies the request; answers the page to go back to, keeping a verification's outcome for it.
#[cfg(feature = "ssr")]
async fn change(
    state: &crate::server::AppState,
    op: &crate::domain::auth::Operator,
    name: &str,
    action: &str,
) -> Result<String, AppError> {
    use crate::usecases::domains::{self, DomainChanged};
    let request =
        DomainRequest::from_code(action).ok_or_else(|| AppError::BadRequest("azione sconosciuta".into()))?;
    Ok(match domains::change(state, op, name, request).await? {
        DomainChanged::Done { name, check } => {
            if let Some(check) = check {
                crate::server::stash::keep(DNS_CHECK, &check).await?;
            }
            crate::routes::domains_changed(request, &name)
        }
        DomainChanged::Refused(why) => crate::routes::domains_change_refused(why),
    })
}

#[server(endpoint = "domini/nuovo")]
pub async fn add_domain(#[server(default)] form: NewDomainForm) -> Result<(), AppError> {
    let op = crate::server::require_admin()?;
    let store = crate::server::store()?;
    let to = add(&store, &op, form).await?;
    crate::server::redirect::redirect(&to);
    Ok(())
}

/// Adds the domain; a refusal keeps what was typed for this session and names its reason in
/// the address. Answers the page to go back to.
#[cfg(feature = "ssr")]
async fn add(
    store: &crate::store::Store,
    op: &crate::domain::auth::Operator,
    form: NewDomainForm,
) -> Result<String, AppError> {
    use crate::usecases::domains::{self, DomainAdded};
    Ok(match domains::add(store, crate::usecases::Actor::Operator(op), &form).await? {
        DomainAdded::Added(name) => {
            crate::server::stash::forget(NEW_DOMAIN_FORM).await?;
            crate::routes::domains_added(&name)
        }
        DomainAdded::Refused(why) => {
            crate::server::stash::keep(NEW_DOMAIN_FORM, &form).await?;
            crate::routes::domains_refused(&why)
        }
    })
}

fn filter_from_query(q: &leptos_router::params::ParamsMap) -> (DomainFilter, i64) {
    let get = |k: &str| q.get(k).unwrap_or_default();
    let filter = DomainFilter { name: get("nome"), customer: get("cliente"), state: get("stato") };
    (filter, get("pagina").parse().unwrap_or(1))
}

#[component]
pub fn DomainsPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(move || filter_from_query(&query.read()), |(f, p)| list_domains(f, p));
    let (filter, _) = filter_from_query(&query.read_untracked());
    view! {
        <Title text="Gestione domini" />
        <h1>"Gestione domini"</h1>
        // A GET form: the filter lives in the address (works without JavaScript, bookmarkable).
        <form method="get" action=crate::routes::DOMAINS class="filters">
            <div class="field">
                <label for="f-nome">"Nome"</label>
                <input type="text" id="f-nome" name="nome" value=filter.name.clone() />
            </div>
            <div class="field">
                <label for="f-cliente">"Cliente"</label>
                <input type="text" id="f-cliente" name="cliente" value=filter.customer.clone() />
            </div>
            <div class="field">
                <label for="f-stato">"Stato"</label>
                <select id="f-stato" name="stato">
                    <option value="">"Tutti"</option>
                    {DomainState::ALL
                        .map(|s| {
                            view! {
                                <option value=s.code() selected=filter.state == s.code()>
                                    {s.code()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <button type="submit">"Filtra"</button>
        </form>
        {loaded(data, |d| view! { <DomainsView data=d /> })}
    }
}

#[component]
fn DomainsView(data: DomainsData) -> impl IntoView {
    let query = use_query_map();
    let q = |k: &str| query.read_untracked().get(k).unwrap_or_default();
    // The address is anyone's to write: only a valid domain name is repeated on the page.
    let added = domain_name(&q("aggiunto")).ok();
    let done = DomainRequest::from_code(&q("esito"));
    let changed = done.and_then(DomainRequest::done).zip(domain_name(&q("dominio")).ok());
    let change_refused = DomainChangeRefusal::from_code(&q("rifiuto")).map(DomainChangeRefusal::text);
    let error = q("errore");
    let DomainsData { domains, customers, can_add, provider, typed, provider_dns, dns_check } = data;
    // The outcome of the verification this address reports (not an older one of the session).
    let verified =
        (done == Some(DomainRequest::VerifyDns)).then(|| domain_name(&q("dominio")).ok()).flatten();
    let dns_check = dns_check.filter(|c| verified.as_deref() == Some(c.domain.as_str()));
    let typed = typed.filter(|_| !error.is_empty()).unwrap_or_default();
    view! {
        {added
            .map(|added| {
                view! {
                    <p class="notice" role="status">
                        {format!("Dominio {added} aggiunto.")}
                    </p>
                }
            })}
        {changed
            .map(|(done, name)| {
                view! {
                    <p class="notice" role="status">
                        {format!("Dominio {name} {done}.")}
                    </p>
                }
            })}
        {change_refused
            .map(|m| {
                view! {
                    <div class="error-panel" role="alert">
                        <p>{m}</p>
                    </div>
                }
            })}
        {dns_check.map(|c| view! { <DnsCheckView check=c provider=provider_dns.clone() /> })}
        <DomainsTable paged=domains can_change=can_add provider=provider />
        {can_add
            .then(|| {
                view! {
                    <NewDomain customers=customers provider=provider typed=typed error=error.clone() />
                    <section aria-labelledby="record-dns-h">
                        <h2 id="record-dns-h">"Record DNS per i domini dei clienti"</h2>
                        <p>
                            "Un dominio del cliente resta IN_ATTESA finché il cliente non pubblica nel suo DNS questi record (@ è il dominio stesso); poi «Verifica DNS» li controlla e lo certifica."
                        </p>
                        <DnsRecords domain="@".to_string() provider=provider_dns />
                    </section>
                }
            })}
    }
}

/// The outcome of a "Verifica DNS": certified, or what is still to publish, or why it could
/// not be checked.
#[component]
fn DnsCheckView(check: DnsCheck, provider: ProviderDns) -> impl IntoView {
    let DnsCheck { domain, outcome } = check;
    match outcome {
        DnsOutcome::Certified => view! {
            <p class="notice" role="status">
                {format!("Verifica DNS superata: il dominio {domain} è CERTIFICATO.")}
            </p>
        }
        .into_any(),
        DnsOutcome::Problems(problems) => view! {
            <div class="error-panel" role="alert">
                <p>{format!("Verifica DNS non superata: il dominio {domain} resta IN_ATTESA.")}</p>
                <ul>{problems.into_iter().map(|p| view! { <li>{p.to_string()}</li> }).collect_view()}</ul>
                <p>"Record da pubblicare:"</p>
                <DnsRecords domain=domain provider=provider />
            </div>
        }
        .into_any(),
        DnsOutcome::Unanswered(why) => view! {
            <div class="error-panel" role="alert">
                <p>{format!("Verifica DNS del dominio {domain} non eseguita: {why}")}</p>
            </div>
        }
        .into_any(),
    }
}

/// The records a customer's domain publishes, each value selectable in one click.
#[component]
fn DnsRecords(domain: String, provider: ProviderDns) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="dns-records">
                <caption>{format!("Record DNS per {domain}")}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Tipo"</th>
                        <th scope="col">"Nome"</th>
                        <th scope="col">"Valore"</th>
                    </tr>
                </thead>
                <tbody>
                    {records_to_publish(&domain, &provider)
                        .into_iter()
                        .map(|r| {
                            view! {
                                <tr>
                                    <td>{r.kind}</td>
                                    <td>
                                        <code class="copy">{r.name}</code>
                                    </td>
                                    <td>
                                        <code class="copy">{r.value}</code>
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn DomainsTable(paged: Paged<DomainRow>, can_change: bool, provider: bool) -> impl IntoView {
    let Paged { items, page, pages, total } = paged;
    let link = page_of_list(crate::routes::DOMAINS);
    view! {
        <div class="table-wrap">
            <table>
                <caption>{format!("Domini ({total})")}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Dominio"</th>
                        <th scope="col">"Cliente"</th>
                        <th scope="col">"Tipo"</th>
                        <th scope="col">"Stato"</th>
                        <th scope="col">"Caselle"</th>
                        <th scope="col">"Creato il"</th>
                        {can_change.then(|| view! { <th scope="col">"Azioni"</th> })}
                    </tr>
                </thead>
                <tbody>
                    {items
                        .into_iter()
                        .map(|d| {
                            let target = d.name.clone();
                            let shown = crate::domain::domains::display_name(&d.name);
                            let name = if shown == d.name { d.name } else { format!("{} ({shown})", d.name) };
                            let own = can_change && (provider || d.kind != DomainKind::Shared);
                            let mut actions: Vec<(&'static str, &'static str)> = [
                                (DomainAction::Suspend, "Sospendi"),
                                (DomainAction::Resume, "Riattiva"),
                                (DomainAction::Dismiss, "Dismetti"),
                            ]
                                .into_iter()
                                .filter(|(a, _)| own && a.apply(d.state, d.mailboxes).is_ok())
                                .map(|(a, label)| (a.code(), label))
                                .collect();
                            if own && d.state == DomainState::Pending {
                                actions.insert(0, (DomainRequest::VerifyDns.code(), "Verifica DNS"));
                            }
                            if own && d.mailboxes == 0 {
                                actions.push((DomainRequest::Remove.code(), "Rimuovi"));
                            }
                            let customer = match (d.kind, d.customer) {
                                (DomainKind::Shared, _) => "condiviso".to_string(),
                                (_, Some(c)) => c,
                                (_, None) => String::new(),
                            };
                            // An administrator changes the organisation's own domains (the
                            // provider's: all of them); certification follows "Verifica DNS" only.
                            view! {
                                <tr>
                                    <td>{name}</td>
                                    <td>{customer}</td>
                                    <td>{d.kind.label()}</td>
                                    <td>{d.state.code()}</td>
                                    <td>{d.mailboxes}</td>
                                    <td>{d.created_at.italian_date()}</td>
                                    {can_change
                                        .then(|| {
                                            view! {
                                                <td>
                                                    <form
                                                        method="post"
                                                        action=ChangeDomain::url()
                                                        class="inline"
                                                    >
                                                        <input type="hidden" name="name" value=target.clone() />
                                                        {actions
                                                            .into_iter()
                                                            .map(|(code, label)| {
                                                                let named = format!("{label} {target}");
                                                                view! {
                                                                    <button
                                                                        type="submit"
                                                                        name="azione"
                                                                        value=code
                                                                        aria-label=named
                                                                    >
                                                                        {label}
                                                                    </button>
                                                                }
                                                            })
                                                            .collect_view()}
                                                    </form>
                                                </td>
                                            }
                                        })}
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

/// "Nuovo dominio": the name checked by the shared core as it is typed, and again on the server.
#[island]
fn NewDomain(customers: Vec<String>, provider: bool, typed: NewDomainForm, error: String) -> impl IntoView {
    crate::components::islands::on_page();
    let name = RwSignal::new(typed.name.clone());
    let touched = RwSignal::new(!typed.name.is_empty() || error == "nome");
    let name_error = Signal::derive(move || {
        touched.get().then(|| name.with(|n| domain_name(n).err().map(|e| e.to_string()))).flatten()
    });
    // A refusal the browser could not foresee (duplicates, other organisations) comes back in
    // the address; a name error is shown by the field itself.
    let refused = (!error.is_empty() && error != "nome").then(|| NewDomainError::message_of(&error));
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        if name.with_untracked(|n| domain_name(n).is_err()) {
            ev.prevent_default();
            touched.set(true);
            crate::components::focus_element("nuovo-dominio-nome");
        }
    };
    let kinds = DomainKind::ALL.into_iter().filter(move |k| provider || *k != DomainKind::Shared);
    let chosen_kind =
        if typed.kind.is_empty() { DomainKind::ThirdLevel.code().to_string() } else { typed.kind.clone() };
    view! {
        <section aria-labelledby="nuovo-dominio-h">
            <h2 id="nuovo-dominio-h">"Nuovo dominio"</h2>
            {refused
                .map(|m| {
                    view! {
                        <div class="error-panel" role="alert">
                            <p>{m}</p>
                        </div>
                    }
                })}
            <form
                method="post"
                action=AddDomain::url()
                aria-labelledby="nuovo-dominio-h"
                class="wizard-form"
                novalidate
                on:submit=on_submit
            >
                <TextField
                    id="nuovo-dominio-nome"
                    name="form[name]"
                    label="Nome dominio"
                    value=name
                    touched=touched
                    error=name_error
                    required=true
                    autocomplete=Some("off")
                />
                <div class="field">
                    <label for="nuovo-dominio-cliente">"Cliente"</label>
                    <div class="control">
                        <select id="nuovo-dominio-cliente" name="form[customer]">
                            <option value="">"Nessuno"</option>
                            {customers
                                .into_iter()
                                .map(|c| {
                                    let selected = c == typed.customer;
                                    view! {
                                        <option value=c.clone() selected=selected>
                                            {c.clone()}
                                        </option>
                                    }
                                })
                                .collect_view()}
                        </select>
                    </div>
                </div>
                <div class="field">
                    <label for="nuovo-dominio-tipo">"Tipo"</label>
                    <div class="control">
                        <select id="nuovo-dominio-tipo" name="form[kind]">
                            {kinds
                                .map(|k| {
                                    view! {
                                        <option value=k.code() selected=chosen_kind == k.code()>
                                            {k.label()}
                                        </option>
                                    }
                                })
                                .collect_view()}
                        </select>
                    </div>
                </div>
                <div class="actions">
                    <button type="submit" class="primary">
                        "Aggiungi dominio"
                    </button>
                </div>
            </form>
        </section>
    }
}
