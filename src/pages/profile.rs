//! "Il mio profilo" at `/profilo`, linked from the session bar: who the operator is, "Cambia
//! password" and "Sessioni attive". Plain forms: the page needs no script. What they do is in
//! `usecases::profile`.

use crate::components::loaded;
use crate::domain::auth::{Operator, SessionRow};
use crate::error::AppError;
use crate::routes::ProfileNotice;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProfileData {
    pub me: Operator,
    pub sessions: Vec<SessionRow>,
}

#[server(endpoint = "profilo")]
pub async fn load_profile() -> Result<ProfileData, AppError> {
    let me = crate::server::require()?;
    let store = crate::server::store()?;
    let current = crate::server::auth::current_session_hash().unwrap_or_default();
    let sessions = crate::usecases::profile::sessions(&store, &me, &current).await?;
    Ok(ProfileData { me, sessions })
}

#[server(endpoint = "profilo/password")]
pub async fn change_password(attuale: String, nuova: String, ripetuta: String) -> Result<(), AppError> {
    let me = crate::server::require()?;
    let state = crate::server::state()?;
    let current = crate::server::auth::current_session_hash().ok_or(AppError::Unauthorized)?;
    let source = use_context::<http::request::Parts>()
        .and_then(|p| state.throttle.client_ip(&p))
        .map(|ip| ip.to_string())
        .unwrap_or_default();
    let done = crate::usecases::profile::change_password(
        &state, &me, &source, &current, &attuale, &nuova, &ripetuta,
    )
    .await?;
    let notice = done.map_or_else(ProfileNotice::Refused, |()| ProfileNotice::PasswordChanged);
    crate::server::redirect::redirect(&crate::routes::profile_after(notice));
    Ok(())
}

#[server(endpoint = "profilo/termina")]
pub async fn end_session(sessione: String) -> Result<(), AppError> {
    let me = crate::server::require()?;
    let store = crate::server::store()?;
    let current = crate::server::auth::current_session_hash().ok_or(AppError::Unauthorized)?;
    if !crate::usecases::profile::end_session(&store, &me, &current, &sessione).await? {
        return Err(AppError::NotFound("Sessione non trovata: forse è già terminata".into()));
    }
    crate::server::redirect::redirect(&crate::routes::profile_after(ProfileNotice::SessionEnded));
    Ok(())
}

#[server(endpoint = "profilo/termina-altre")]
pub async fn end_other_sessions() -> Result<(), AppError> {
    let me = crate::server::require()?;
    let store = crate::server::store()?;
    let current = crate::server::auth::current_session_hash().ok_or(AppError::Unauthorized)?;
    crate::usecases::profile::end_other_sessions(&store, &me, &current).await?;
    crate::server::redirect::redirect(&crate::routes::profile_after(ProfileNotice::OthersEnded));
    Ok(())
}

#[component]
pub fn ProfilePage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(
        move || {
            let q = query.read();
            (q.get("esito"), q.get("errore"))
        },
        |_| load_profile(),
    );
    view! {
        <Title text="Il mio profilo" />
        <h1>"Il mio profilo"</h1>
        <crate::components::FormErrorBanner />
        {loaded(data, |d| view! { <Profile data=d /> })}
    }
}

#[component]
fn Profile(data: ProfileData) -> impl IntoView {
    let query = use_query_map();
    let notice = query.with_untracked(|q| ProfileNotice::from_query(q.get_str("esito"), q.get_str("errore")));
    let ProfileData { me, sessions } = data;
    let first = me.must_change_password;
    view! {
        {first
            .then(|| {
                view! {
                    <div class="notice" role="status">
                        <p>
                            "La password è stata scelta da un amministratore: cambiarla prima di continuare."
                        </p>
                    </div>
                }
            })}
        {notice
            .map(|n| {
                let (class, role) = if matches!(n, ProfileNotice::Refused(_)) {
                    ("error-panel", "alert")
                } else {
                    ("notice", "status")
                };
                view! {
                    <div class=class role=role>
                        <p>{n.text()}</p>
                    </div>
                }
            })}
        <dl class="detail">
            <dt>"Nome"</dt>
            <dd>{me.display_name.clone()}</dd>
            <dt>"Nome utente"</dt>
            <dd>{me.username.clone()}</dd>
            <dt>"Organizzazione"</dt>
            <dd>{me.organisation_name.clone()}</dd>
            <dt>"Ruolo"</dt>
            <dd>{me.role.label()}</dd>
        </dl>
        <PasswordForm />
        <Sessions sessions=sessions />
    }
}

/// "Cambia password": a plain form of three password fields.
#[component]
fn PasswordForm() -> impl IntoView {
    let field = |id: &'static str, name: &'static str, label: &'static str, autocomplete: &'static str| {
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <input type="password" id=id name=name required autocomplete=autocomplete maxlength="1024" />
            </div>
        }
    };
    view! {
        <section aria-labelledby="cambia-password-h" id="cambia-password">
            <h2 id="cambia-password-h">"Cambia password"</h2>
            <form method="post" action=ChangePassword::url() aria-label="Cambia password" class="wizard-form">
                {field("password-attuale", "attuale", "Password attuale", "current-password")}
                {field("password-nuova", "nuova", "Nuova password", "new-password")}
                {field("password-ripetuta", "ripetuta", "Ripeti la nuova password", "new-password")}
                <p class="hint">
                    {format!(
                        "Da {} a {} caratteri. Cambiandola, le altre sessioni aperte con questo utente terminano.",
                        crate::domain::auth::PASSWORD_MIN,
                        crate::domain::auth::PASSWORD_MAX,
                    )}
                </p>
                <div class="actions">
                    <button type="submit" class="primary">
                        "Cambia password"
                    </button>
                </div>
            </form>
        </section>
    }
}

/// "Sessioni attive": each with its start, last use, address and browser; every session but
/// this one can be ended.
#[component]
fn Sessions(sessions: Vec<SessionRow>) -> impl IntoView {
    let others = sessions.iter().filter(|s| !s.current).count();
    view! {
        <section aria-labelledby="sessioni-h">
            <h2 id="sessioni-h">"Sessioni attive"</h2>
            <div class="table-wrap">
                <table>
                    <caption>"Sessioni attive"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Sessione"</th>
                            <th scope="col">"Inizio"</th>
                            <th scope="col">"Ultimo uso"</th>
                            <th scope="col">"Indirizzo"</th>
                            <th scope="col">"Browser"</th>
                            <th scope="col">"Azioni"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {sessions
                            .into_iter()
                            .enumerate()
                            .map(|(i, s)| {
                                let n = i + 1;
                                view! {
                                    <tr>
                                        <td>
                                            {if s.current {
                                                format!("{n} (questa sessione)")
                                            } else {
                                                n.to_string()
                                            }}
                                        </td>
                                        <td>{s.started_at.italian_stamp()}</td>
                                        <td>{s.last_seen_at.italian_stamp()}</td>
                                        <td>
                                            {if s.address.is_empty() {
                                                "—".to_string()
                                            } else {
                                                s.address.clone()
                                            }}
                                        </td>
                                        <td>
                                            {if s.browser.is_empty() {
                                                "—".to_string()
                                            } else {
                                                s.browser.clone()
                                            }}
                                        </td>
                                        <td>
                                            {(!s.current)
                                                .then(|| {
                                                    view! {
                                                        <form
                                                            method="post"
                                                            action=EndSession::url()
                                                            class="inline-form"
                                                        >
                                                            <input type="hidden" name="sessione" value=s.id.clone() />
                                                            <button
                                                                type="submit"
                                                                aria-label=format!("Termina sessione {n}")
                                                            >
                                                                "Termina"
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
            {(others > 0)
                .then(|| {
                    view! {
                        <form method="post" action=EndOtherSessions::url() class="inline-form">
                            <button type="submit" class="danger">
                                "Termina tutte le altre"
                            </button>
                        </form>
                    }
                })}
        </section>
    }
}
