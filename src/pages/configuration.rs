//! "Configurazione" (administrators): the organisation's operators.

use crate::components::loaded;
use crate::domain::auth::{Operator, Role};
use crate::domain::{organisations::OperatorRow, organisations::Organisation};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

/// What "Nuovo operatore" held when it was refused (never the password).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NewOperatorTyped {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub organisation: i64,
}

#[cfg(feature = "ssr")]
const NEW_OPERATOR_FORM: &str = "configurazione/nuovo-operatore";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OperatorsData {
    pub me: Operator,
    /// The last refused "Nuovo operatore" form of this session.
    pub typed: Option<NewOperatorTyped>,
    pub operators: Vec<OperatorRow>,
    /// Organisations the administrator may add operators to.
    pub organisations: Vec<Organisation>,
}

#[server(endpoint = "configurazione/operatori")]
pub async fn list_operators() -> Result<OperatorsData, AppError> {
    let me = crate::server::require_admin()?;
    let store = crate::server::store()?;
    Ok(OperatorsData {
        operators: store.operators(me.scope()).await?,
        organisations: store.organisations(me.scope()).await?,
        typed: crate::server::stash::kept(NEW_OPERATOR_FORM).await?,
        me,
    })
}

#[server(endpoint = "configurazione/nuovo-operatore")]
pub async fn create_operator(
    username: String,
    display_name: String,
    role: String,
    organisation: i64,
    password: String,
) -> Result<(), AppError> {
    use crate::usecases::operators::{create, NewOperatorInput};
    use crate::usecases::Actor;
    let me = crate::server::require_admin()?;
    let state = crate::server::state()?;
    let input = NewOperatorInput {
        username: &username,
        display_name: &display_name,
        role: &role,
        organisation_id: organisation,
        password: &password,
    };
    let created = create(&state.store, &state.throttle, Actor::Operator(&me), &input).await?;
    let typed = NewOperatorTyped { username, display_name, role, organisation };
    crate::server::redirect::redirect(&after_new_operator(created, typed).await?);
    Ok(())
}

/// The page after "Nuovo operatore": the new operator named, or the form again with what was
/// typed (kept for this session, never the password) and the reason in the URL.
#[cfg(feature = "ssr")]
async fn after_new_operator(
    created: crate::usecases::operators::OperatorCreated,
    typed: NewOperatorTyped,
) -> Result<String, AppError> {
    use crate::usecases::operators::OperatorCreated;
    Ok(match created {
        OperatorCreated::Created { username, .. } => {
            crate::server::stash::forget(NEW_OPERATOR_FORM).await?;
            crate::routes::operator_created(&username)
        }
        OperatorCreated::Refused(why) => {
            crate::server::stash::keep(NEW_OPERATOR_FORM, &typed).await?;
            crate::routes::operators_refused(why)
        }
    })
}

#[server(endpoint = "configurazione/stato-operatore")]
pub async fn set_operator_active(username: String, active: bool) -> Result<(), AppError> {
    let me = crate::server::require_admin()?;
    let store = crate::server::store()?;
    operator_changed(crate::usecases::operators::set_active(&store, &me, &username, active).await?)
}

/// "Sblocca": lifts the lock that failed logins put on an operator's user name.
#[server(endpoint = "configurazione/sblocca-operatore")]
pub async fn unlock_operator(username: String) -> Result<(), AppError> {
    let me = crate::server::require_admin()?;
    let store = crate::server::store()?;
    operator_changed(crate::usecases::operators::unlock(&store, &me, &username).await?)
}

/// Back to the list once an operator's account was changed, or why it was not.
#[cfg(feature = "ssr")]
fn operator_changed(changed: crate::usecases::operators::OperatorChanged) -> Result<(), AppError> {
    use crate::usecases::operators::OperatorChanged;
    match changed {
        OperatorChanged::Done => {
            crate::server::redirect::redirect(crate::routes::OPERATORS);
            Ok(())
        }
        OperatorChanged::NotFound => Err(AppError::NotFound("Operatore non trovato".into())),
        OperatorChanged::OwnAccount => {
            Err(AppError::BadRequest("non è possibile disattivare sé stessi".into()))
        }
    }
}

/// "Piattaforma di posta" (the provider's administrators): whether the mail platform answers,
/// and its provisioning queue.
#[server(endpoint = "configurazione/piattaforma-posta")]
pub async fn mail_platform_health() -> Result<crate::domain::mail_platform::PlatformHealth, AppError> {
    let me = crate::server::require_admin()?;
    if !me.is_provider_admin() {
        return Err(AppError::Forbidden);
    }
    let state = crate::server::state()?;
    Ok(crate::domain::mail_platform::PlatformHealth {
        configured: state.provisioner.configured(),
        reachable: state.provisioner.health().await,
        queue: state.store.mail_queue_health().await?,
    })
}

/// The section of "Configurazione" on the mail platform.
#[component]
fn MailPlatformSection() -> impl IntoView {
    let health = Resource::new(|| (), |_| mail_platform_health());
    view! {
        <section aria-labelledby="piattaforma-h">
            <h2 id="piattaforma-h">"Piattaforma di posta"</h2>
            {loaded(
                health,
                |h| {
                    view! { <ul>{h.lines().into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}</ul> }
                },
            )}
        </section>
    }
}

#[component]
pub fn ConfigurationPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| list_operators());
    view! {
        <Title text="Configurazione" />
        <h1>"Configurazione"</h1>
        {loaded(
            data,
            |d| {
                view! {
                    <p>{format!("Organizzazione: {}", d.me.organisation_name)}</p>
                    <ul class="shortcuts">
                        <li>
                            <a href=crate::routes::OPERATORS>"Operatori"</a>
                        </li>
                        <li>
                            <a href=crate::routes::CUSTOMERS>"Clienti"</a>
                        </li>
                        {d
                            .me
                            .is_provider_admin()
                            .then(|| {
                                view! {
                                    <li>
                                        <a href=crate::routes::ORGANISATIONS>"Organizzazioni"</a>
                                    </li>
                                    <li>
                                        <a href=crate::routes::SETTINGS>"Impostazioni"</a>
                                    </li>
                                }
                            })}
                        <li>
                            <a href=crate::routes::API_KEYS>"Chiavi API"</a>
                        </li>
                        <li>
                            <a href=crate::routes::AUDIT>"Registro attività"</a>
                        </li>
                    </ul>
                    {d.me.is_provider_admin().then(|| view! { <MailPlatformSection /> })}
                }
            },
        )}
    }
}

fn error_message(code: &str) -> &'static str {
    crate::domain::auth::NewOperatorError::from_code(code).map_or("Dati non validi.", |e| e.message())
}

#[component]
pub fn OperatorsPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| list_operators());
    view! {
        <Title text="Operatori" />
        <h1>"Operatori"</h1>
        {loaded(data, |d| view! { <OperatorsView data=d /> })}
    }
}

#[component]
fn OperatorsView(data: OperatorsData) -> impl IntoView {
    let query = use_query_map();
    let q = |k: &str| query.read_untracked().get(k).unwrap_or_default();
    let created = q("creato");
    let error = q("errore");
    let typed = data.typed.clone().filter(|_| !error.is_empty()).unwrap_or_default();
    let chosen_org = if typed.organisation > 0 { typed.organisation } else { data.me.organisation_id };
    let chosen_role = typed.role.clone();
    let me = data.me.username.clone();
    view! {
        {(!created.is_empty())
            .then(|| {
                view! {
                    <p class="notice" role="status">
                        {format!("Operatore {created} creato.")}
                    </p>
                }
            })}
        {(!error.is_empty())
            .then(|| {
                view! {
                    <div class="error-panel" role="alert">
                        <p>{error_message(&error)}</p>
                    </div>
                }
            })}
        <div class="table-wrap">
            <table>
                <caption>"Operatori"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Nome utente"</th>
                        <th scope="col">"Nome"</th>
                        <th scope="col">"Ruolo"</th>
                        <th scope="col">"Organizzazione"</th>
                        <th scope="col">"Creato il"</th>
                        <th scope="col">"Stato"</th>
                    </tr>
                </thead>
                <tbody>
                    {data
                        .operators
                        .into_iter()
                        .map(|o| {
                            let role = o.role.label();
                            let is_me = o.username == me;
                            view! {
                                <tr>
                                    <td>{o.username.clone()}</td>
                                    <td>{o.display_name.clone()}</td>
                                    <td>{role}</td>
                                    <td>{o.organisation.clone()}</td>
                                    <td>{o.created_at.italian_date()}</td>
                                    <td>
                                        {if o.active { "Attivo" } else { "Disattivato" }}
                                        {o
                                            .locked
                                            .then(|| {
                                                view! {
                                                    " · bloccato"
                                                    <form
                                                        method="post"
                                                        action=UnlockOperator::url()
                                                        class="inline"
                                                    >
                                                        <input
                                                            type="hidden"
                                                            name="username"
                                                            value=o.username.clone()
                                                        />
                                                        <button type="submit">
                                                            {format!("Sblocca {}", o.username)}
                                                        </button>
                                                    </form>
                                                }
                                            })}
                                        {(!is_me)
                                            .then(|| {
                                                view! {
                                                    <form
                                                        method="post"
                                                        action=SetOperatorActive::url()
                                                        class="inline"
                                                    >
                                                        <input
                                                            type="hidden"
                                                            name="username"
                                                            value=o.username.clone()
                                                        />
                                                        <input
                                                            type="hidden"
                                                            name="active"
                                                            value=(!o.active).to_string()
                                                        />
                                                        <button type="submit">
                                                            {if o.active {
                                                                format!("Disattiva {}", o.username)
                                                            } else {
                                                                format!("Attiva {}", o.username)
                                                            }}
                                                        </button>
                                                    </form>
                                                }
                                            })}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
        <h2>"Nuovo operatore"</h2>
        <form method="post" action=CreateOperator::url() class="wizard-form">
            <div class="field">
                <label for="new-username">"Nome utente"</label>
                <div class="control">
                    <input
                        type="text"
                        id="new-username"
                        name="username"
                        value=typed.username.clone()
                        autocomplete="off"
                    />
                </div>
            </div>
            <div class="field">
                <label for="new-name">"Nome e cognome"</label>
                <div class="control">
                    <input type="text" id="new-name" name="display_name" value=typed.display_name.clone() />
                </div>
            </div>
            <div class="field">
                <label for="new-role">"Ruolo"</label>
                <div class="control">
                    <select id="new-role" name="role">
                        {Role::ALL
                            .map(|r| {
                                view! {
                                    <option value=r.code() selected=chosen_role == r.code()>
                                        {r.label()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
            </div>
            <div class="field">
                <label for="new-org">"Organizzazione"</label>
                <div class="control">
                    <select id="new-org" name="organisation">
                        {data
                            .organisations
                            .into_iter()
                            .map(|o| {
                                view! {
                                    <option value=o.id.to_string() selected=o.id == chosen_org>
                                        {o.name}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
            </div>
            <div class="field">
                <label for="new-password">"Password iniziale"</label>
                <div class="control">
                    <input type="password" id="new-password" name="password" autocomplete="new-password" />
                </div>
            </div>
            <div class="actions">
                <button type="submit" class="primary">
                    "Crea operatore"
                </button>
            </div>
        </form>
    }
}
