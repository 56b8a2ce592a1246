//! "Accesso": the login page, logout, and who is logged in (shown in the page header).

use crate::domain::auth::Operator;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[server(endpoint = "accedi")]
pub async fn login(username: String, password: String, next: String) -> Result<(), AppError> {
    let state = crate::server::state()?;
    let parts = use_context::<http::request::Parts>();
    let source =
        parts.as_ref().and_then(|p| state.throttle.client_ip(p)).map(|ip| ip.to_string()).unwrap_or_default();
    let browser = parts
        .as_ref()
        .and_then(|p| p.headers.get(http::header::USER_AGENT))
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let client = crate::store::SessionClient::new(&source, browser);
    let signed = crate::server::auth::sign_in(&state, &username, &password, &next, &client).await?;
    let cookie = signed.cookie.and_then(|c| http::HeaderValue::from_str(&c).ok());
    if let (Some(cookie), Some(res)) = (cookie, use_context::<leptos_axum::ResponseOptions>()) {
        res.append_header(http::header::SET_COOKIE, cookie);
    }
    crate::server::redirect::redirect(&signed.to);
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
    crate::server::redirect::redirect(auth::LOGIN_PATH);
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
        query.read().get("errore").map(|code| {
            use crate::routes::LoginRefusal;
            LoginRefusal::from_code(&code).unwrap_or(LoginRefusal::Invalid).message()
        })
    };
    let username = query.read_untracked().get("utente").unwrap_or_default();
    let next = query.read_untracked().get("next").unwrap_or_else(|| "/".into());
    view! {
        <Title text="Accesso" />
        <h1>"Accesso"</h1>
        {move || {
            error()
                .map(|e| {
                    view! {
                        <div class="error-panel" role="alert">
                            <p>{e}</p>
                        </div>
                    }
                })
        }}
        <form method="post" action=Login::url() class="login-form wizard-form">
            <input type="hidden" name="next" value=next />
            <div class="field">
                <label for="username">"Nome utente"</label>
                <div class="control">
                    <input
                        type="text"
                        id="username"
                        name="username"
                        value=username
                        autocomplete="username"
                        autocapitalize="none"
                        spellcheck="false"
                    />
                </div>
            </div>
            <div class="field">
                <label for="password">"Password"</label>
                <div class="control">
                    <input type="password" id="password" name="password" autocomplete="current-password" />
                </div>
            </div>
            <div class="actions">
                <button type="submit" class="primary">
                    "Accedi"
                </button>
            </div>
        </form>
    }
}

/// Who is logged in, with "Esci". Not shown on the login page.
#[component]
pub fn SessionBar() -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    let on_login = move || location.pathname.get() == "/accesso";
    // Blocking: the bar is in the first HTML, in place, on every page (pages streamed out of
    // order would leave it in a <template> that only a script moves, i.e. no "Esci" without
    // JavaScript).
    let me = Resource::new_blocking(on_login, |on_login| async move {
        if on_login {
            Ok(None)
        } else {
            whoami().await.map(Some)
        }
    });
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                me.await
                    .ok()
                    .flatten()
                    .map(|op| {
                        view! {
                            <div class="session">
                                <span class="who">
                                    {op.display_name.clone()} " · " {op.organisation_name.clone()} " · "
                                    {op.role.label()}
                                </span>
                                <a href=crate::routes::PROFILE class="profile-link">
                                    "Il mio profilo"
                                </a>
                                <form method="post" action=Logout::url()>
                                    <button type="submit" class="logout">
                                        "Esci"
                                    </button>
                                </form>
                            </div>
                        }
                    })
            })}
        </Suspense>
    }
}
