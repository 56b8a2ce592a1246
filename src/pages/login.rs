//! "Accesso": the login page, logout, and who is logged in (shown in the page header).

use crate::domain::auth::Operator;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[server(endpoint = "accedi")]
pub async fn login(username: String, password: String, next: String) -> Result<(), AppError> {
    use crate::server::auth::{self, LoginOutcome};
    let state = crate::server::state()?;
    let to = match auth::login(&state.store, &username, &password).await? {
        LoginOutcome::Success { token, .. } => {
            if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
                let cookie = auth::session_cookie(&token, state.secure_cookies);
                if let Ok(v) = http::HeaderValue::from_str(&cookie) {
                    res.append_header(http::header::SET_COOKIE, v);
                }
            }
            auth::safe_next(&next).to_string()
        }
        outcome => {
            let code = if matches!(outcome, LoginOutcome::Locked) { "bloccato" } else { "credenziali" };
            format!(
                "{}?errore={code}&utente={}&next={}",
                auth::LOGIN_PATH,
                auth::url_encode(username.trim()),
                auth::url_encode(auth::safe_next(&next))
            )
        }
    };
    leptos_axum::redirect(&to);
    Ok(())
}

#[server(endpoint = "esci")]
pub async fn logout() -> Result<(), AppError> {
    use crate::server::auth;
    let op = crate::server::require()?;
    let state = crate::server::state()?;
    let token = use_context::<http::request::Parts>().and_then(|p| auth::token_from(&p.headers));
    if let Some(token) = token {
        auth::logout(&state.store, &op, &token).await?;
    }
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(v) = http::HeaderValue::from_str(&auth::expired_cookie(state.secure_cookies)) {
            res.append_header(http::header::SET_COOKIE, v);
        }
    }
    leptos_axum::redirect(auth::LOGIN_PATH);
    Ok(())
}

/// The operator of this session.
#[server(endpoint = "sessione")]
pub async fn whoami() -> Result<Operator, AppError> {
    crate::server::require()
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let error = move || {
        query.read().get("errore").map(|code| match code.as_str() {
            "bloccato" => "Troppi tentativi non riusciti: l'accesso è bloccato per 15 minuti.",
            _ => "Nome utente o password non validi.",
        })
    };
    let username = query.read_untracked().get("utente").unwrap_or_default();
    let next = query.read_untracked().get("next").unwrap_or_else(|| "/".into());
    view! {
        <Title text="Accesso"/>
        <h1>"Accesso"</h1>
        {move || error().map(|e| view! { <div class="error-panel" role="alert"><p>{e}</p></div> })}
        <form method="post" action=Login::url() class="login-form wizard-form">
            <input type="hidden" name="next" value=next/>
            <div class="field">
                <label for="username">"Nome utente"</label>
                <div class="control">
                    <input type="text" id="username" name="username" value=username autocomplete="username"
                        autocapitalize="none" spellcheck="false"/>
                </div>
            </div>
            <div class="field">
                <label for="password">"Password"</label>
                <div class="control">
                    <input type="password" id="password" name="password" autocomplete="current-password"/>
                </div>
            </div>
            <div class="actions">
                <button type="submit" class="primary">"Accedi"</button>
            </div>
        </form>
    }
}

/// Who is logged in, with "Esci". Not shown on the login page.
#[component]
pub fn SessionBar() -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    let on_login = move || location.pathname.get() == "/accesso";
    let me = Resource::new(on_login, |on_login| async move {
        if on_login {
            Ok(None)
        } else {
            whoami().await.map(Some)
        }
    });
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                me.await.ok().flatten().map(|op| {
                    view! {
                        <div class="session">
                            <span class="who">
                                {op.display_name.clone()} " · " {op.organisation_name.clone()} " · "
                                {op.role.label()}
                            </span>
                            <form method="post" action=Logout::url()>
                                <button type="submit" class="logout">"Esci"</button>
                            </form>
                        </div>
                    }
                })
            })}
        </Suspense>
    }
}
