//! "Organizzazioni" (Configurazione, the provider's administrators): the resellers, each created
//! with its first administrator, whose initial password is shown here once; renamed; disabled
//! (its operators' sessions end, they cannot log in) and enabled again.

use crate::components::{loaded, TextField};
use crate::domain::organisations::OrganisationRow;
use crate::domain::organisations::{NewResellerForm, OrganisationRefusal};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
const NEW_RESELLER_FORM: &str = "organizzazioni/nuova";
/// The first administrator's initial password, kept for this session until shown once.
#[cfg(feature = "ssr")]
const INITIAL_PASSWORD: &str = "organizzazioni/password";

/// A just created reseller's first administrator and its initial password.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FirstAdministrator {
    pub organisation: String,
    pub username: String,
    pub password: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrganisationsData {
    pub organisations: Vec<OrganisationRow>,
    pub typed: Option<NewResellerForm>,
    pub created: Option<FirstAdministrator>,
}

#[server(endpoint = "configurazione/organizzazioni")]
pub async fn load_organisations() -> Result<OrganisationsData, AppError> {
    crate::server::require_provider_admin()?;
    let store = crate::server::store()?;
    // Shown once: the password leaves the session's store as it is read.
    let created = crate::server::stash::kept(INITIAL_PASSWORD).await?;
    crate::server::stash::forget(INITIAL_PASSWORD).await?;
    Ok(OrganisationsData {
        organisations: store.organisation_rows().await?,
        typed: crate::server::stash::kept(NEW_RESELLER_FORM).await?,
        created,
    })
}

#[server(endpoint = "configurazione/nuova-organizzazione")]
pub async fn create_organisation(#[server(default)] form: NewResellerForm) -> Result<(), AppError> {
    let op = crate::server::require_provider_admin()?;
    let state = crate::server::state()?;
    let to = create(&state, &op, form).await?;
    crate::server::redirect::redirect(&to);
    Ok(())
}

/// Disattiva, Riattiva or Rinomina (with `name`) organisation `id`.
#[server(endpoint = "configurazione/organizzazione")]
pub async fn change_organisation(
    id: i64,
    azione: String,
    #[server(default)] name: String,
) -> Result<(), AppError> {
    let op = crate::server::require_provider_admin()?;
    let state = crate::server::state()?;
    let to = change(&state, &op, id, &azione, &name).await?;
    crate::server::redirect::redirect(&to);
    Ok(())
}

#[cfg(feature = "ssr")]
async fn create(
    state: &crate::server::AppState,
    op: &crate::domain::auth::Operator,
    form: NewResellerForm,
) -> Result<String, AppError> {
    use crate::usecases::organisations::{create_reseller, ResellerCreated};
    Ok(match create_reseller(state, op, &form).await? {
        ResellerCreated::Created(first) => {
            crate::server::stash::forget(NEW_RESELLER_FORM).await?;
            let shown = FirstAdministrator {
                organisation: first.organisation,
                username: first.username,
                password: first.password,
            };
            crate::server::stash::keep(INITIAL_PASSWORD, &shown).await?;
            crate::routes::organisation_created()
        }
        ResellerCreated::Refused(why) => {
            crate::server::stash::keep(NEW_RESELLER_FORM, &form).await?;
            crate::routes::organisations_refused(why, None)
        }
    })
}

#[cfg(feature = "ssr")]
async fn change(
    state: &crate::server::AppState,
    op: &crate::domain::auth::Operator,
    id: i64,
    action: &str,
    name: &str,
) -> Result<String, AppError> {
    use crate::usecases::organisations::{self, OrganisationChange};
    let asked = OrganisationChange::from_code(action, name)
        .ok_or_else(|| AppError::BadRequest("azione sconosciuta".into()))?;
    Ok(match organisations::change(state, op, id, &asked).await? {
        Ok(()) => crate::routes::organisation_changed(),
        Err(why) => {
            let renaming = matches!(asked, OrganisationChange::Rename(_)).then_some(id);
            crate::routes::organisations_refused(why, renaming)
        }
    })
}

#[component]
pub fn OrganisationsPage() -> impl IntoView {
    // The view reads the address (what is edited, what was saved or refused): a link within the
    // page must show it again, as a reload would.
    let query = use_query_map();
    let data = Resource::new(
        move || {
            let q = query.read();
            (q.get("rinomina"), q.get("creata"), q.get("modificata"), q.get("errore"))
        },
        |_| load_organisations(),
    );
    view! {
        <Title text="Organizzazioni" />
        <h1>"Organizzazioni"</h1>
        {loaded(data, |d| view! { <OrganisationsView data=d /> })}
    }
}

#[component]
fn OrganisationsView(data: OrganisationsData) -> impl IntoView {
    let query = use_query_map();
    let q = |k: &str| query.read_untracked().get(k).unwrap_or_default();
    let error = q("errore");
    let refused = OrganisationRefusal::from_code(&error);
    let OrganisationsData { organisations, typed, created } = data;
    let renaming =
        q("rinomina").parse::<i64>().ok().and_then(|id| organisations.iter().find(|o| o.id == id).cloned());
    let changed = q("modificata") == "1";
    let typed = typed.filter(|_| refused.is_some() && renaming.is_none()).unwrap_or_default();
    view! {
        {created
            .map(|c| {
                view! {
                    <div class="notice" role="status">
                        <p>
                            {format!(
                                "Organizzazione {} creata con l'amministratore {}.",
                                c.organisation,
                                c.username,
                            )}
                        </p>
                        <p>
                            "Password iniziale (mostrata solo ora: la comunichi all'amministratore): "
                            <code>{c.password}</code>
                        </p>
                    </div>
                }
            })}
        {changed
            .then(|| {
                view! {
                    <p class="notice" role="status">
                        "Organizzazione aggiornata."
                    </p>
                }
            })}
        {refused
            .map(|r| {
                view! {
                    <div class="error-panel" role="alert">
                        <p>{r.to_string()}</p>
                    </div>
                }
            })}
        <OrganisationsTable organisations=organisations />
        {renaming.map(|o| view! { <RenameForm id=o.id name=o.name /> })}
        <NewReseller typed=typed />
    }
}

#[component]
fn OrganisationsTable(organisations: Vec<OrganisationRow>) -> impl IntoView {
    let total = organisations.len();
    view! {
        <div class="table-wrap">
            <table>
                <caption>{format!("Organizzazioni ({total})")}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Nome"</th>
                        <th scope="col">"Tipo"</th>
                        <th scope="col">"Stato"</th>
                        <th scope="col">"Operatori"</th>
                        <th scope="col">"Creata il"</th>
                        <th scope="col">"Azioni"</th>
                    </tr>
                </thead>
                <tbody>
                    {organisations
                        .into_iter()
                        .map(|o| {
                            let reseller = o.kind == crate::domain::auth::OrganisationKind::Rivenditore;
                            let (action, label) = if o.active {
                                ("disattiva", "Disattiva")
                            } else {
                                ("riattiva", "Riattiva")
                            };
                            let button = format!("{label} {}", o.name);
                            let rename = format!(
                                "{}?rinomina={}#rinomina-h",
                                crate::routes::ORGANISATIONS,
                                o.id,
                            );
                            let rename_label = format!("Rinomina {}", o.name);
                            view! {
                                <tr>
                                    <td>{o.name.clone()}</td>
                                    <td>{o.kind.label()}</td>
                                    <td>{if o.active { "Attiva" } else { "Disattivata" }}</td>
                                    <td>{o.operators}</td>
                                    <td>{o.created_at.italian_date()}</td>
                                    <td>
                                        <a href=rename aria-label=rename_label>
                                            "Rinomina"
                                        </a>
                                        {reseller
                                            .then(|| {
                                                view! {
                                                    <form
                                                        method="post"
                                                        action=ChangeOrganisation::url()
                                                        class="inline"
                                                    >
                                                        <input type="hidden" name="id" value=o.id.to_string() />
                                                        <button
                                                            type="submit"
                                                            name="azione"
                                                            value=action
                                                            aria-label=button
                                                        >
                                                            {label}
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
    }
}

#[component]
fn RenameForm(id: i64, name: String) -> impl IntoView {
    view! {
        <section aria-labelledby="rinomina-h">
            <h2 id="rinomina-h">{format!("Rinomina {name}")}</h2>
            <form
                method="post"
                action=ChangeOrganisation::url()
                aria-label="Rinomina organizzazione"
                class="wizard-form"
            >
                <input type="hidden" name="id" value=id.to_string() />
                <div class="field">
                    <label for="rinomina-nome">"Nuovo nome"</label>
                    <div class="control">
                        <input
                            type="text"
                            id="rinomina-nome"
                            name="name"
                            value=name
                            required
                            maxlength="100"
                        />
                    </div>
                </div>
                <div class="actions">
                    <button type="submit" class="primary" name="azione" value="rinomina">
                        "Salva nome"
                    </button>
                </div>
            </form>
        </section>
    }
}

/// "Nuova organizzazione": a reseller and its first administrator, checked while typing.
#[island]
fn NewReseller(typed: NewResellerForm) -> impl IntoView {
    crate::components::islands::on_page();
    let name = RwSignal::new(typed.name.clone());
    let name_t = RwSignal::new(!typed.name.is_empty());
    let name_e = Signal::derive(move || {
        name_t
            .get()
            .then(|| {
                name.with(|n| crate::domain::organisations::organisation_name(n).err().map(|e| e.to_string()))
            })
            .flatten()
    });
    let user = RwSignal::new(typed.username.clone());
    let user_t = RwSignal::new(!typed.username.is_empty());
    let user_e = Signal::derive(move || {
        user_t
            .get()
            .then(|| {
                user.with(|u| {
                    crate::domain::auth::username(u).err().map(|_| OrganisationRefusal::Username.to_string())
                })
            })
            .flatten()
    });
    let display = RwSignal::new(typed.display_name.clone());
    let display_t = RwSignal::new(false);
    let display_e = Signal::derive(move || {
        display_t
            .get()
            .then(|| {
                display.with(|d| {
                    crate::domain::auth::display_name(d)
                        .err()
                        .map(|_| OrganisationRefusal::DisplayName.to_string())
                })
            })
            .flatten()
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        name_t.set(true);
        user_t.set(true);
        display_t.set(true);
        let first = [(name_e, "org-nome"), (user_e, "org-utente"), (display_e, "org-amministratore")]
            .into_iter()
            .find(|(e, _)| e.get_untracked().is_some());
        if let Some((_, id)) = first {
            ev.prevent_default();
            crate::components::focus_element(id);
        }
    };
    view! {
        <section aria-labelledby="nuova-org-h">
            <h2 id="nuova-org-h">"Nuova organizzazione"</h2>
            <form
                method="post"
                action=CreateOrganisation::url()
                aria-labelledby="nuova-org-h"
                class="wizard-form"
                novalidate
                on:submit=on_submit
            >
                <TextField
                    id="org-nome"
                    name="form[name]"
                    label="Nome"
                    value=name
                    touched=name_t
                    error=name_e
                    required=true
                />
                <TextField
                    id="org-utente"
                    name="form[username]"
                    label="Nome utente amministratore"
                    value=user
                    touched=user_t
                    error=user_e
                    required=true
                    autocomplete=Some("off")
                />
                <TextField
                    id="org-amministratore"
                    name="form[display_name]"
                    label="Nome e cognome amministratore"
                    value=display
                    touched=display_t
                    error=display_e
                    required=true
                />
                <div class="actions">
                    <button type="submit" class="primary">
                        "Crea organizzazione"
                    </button>
                </div>
            </form>
        </section>
    }
}
