//! "Attiva identità/utenza" at `/attiva`: the page behind the link each holder receives by
//! e-mail, where the mailbox password is chosen (rules shown live, checked again by the
//! server, stored only as an argon2 hash); the link then stops working. Without a link, an
//! operator can send a new one for a mailbox.

use crate::components::links::ResendLink;
use crate::components::TextField;
use crate::domain::lifecycle::{mailbox_password, password_checks};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

/// The mailbox a link is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedMailbox {
    pub userid: crate::domain::UserId,
    pub address: String,
    /// An additional user's login (Multiutenza), whose password the link sets.
    pub user_login: Option<String>,
}

#[cfg(feature = "ssr")]
fn link_not_working() -> AppError {
    AppError::NotFound(
        "Il collegamento non è valido, è già stato usato o è scaduto: chieda all'operatore di inviarne uno nuovo"
            .into(),
    )
}

/// Public: the holder has no operator session; the token is the credential.
#[server(endpoint = "attiva/collegamento")]
pub async fn link_info(token: String) -> Result<LinkedMailbox, AppError> {
    let store = crate::server::store()?;
    let token = token.trim();
    if !crate::store::is_token(token) {
        return Err(link_not_working());
    }
    let target = store.link_target(token).await?.ok_or_else(link_not_working)?;
    Ok(LinkedMailbox { userid: target.userid, address: target.address, user_login: target.user_login })
}

/// Public, like `link_info`. The link is checked (cheap) before the password is hashed
/// (costly), and used atomically afterwards.
#[server(endpoint = "attiva/password")]
pub async fn set_password(token: String, password: String, password_again: String) -> Result<(), AppError> {
    let state = crate::server::state()?;
    let to = holder_sets_password(&state, token.trim(), &password, &password_again).await?;
    crate::server::redirect::redirect(&to);
    Ok(())
}

/// Sets the password (`usecases::activation`); a password the rules refuse sends the holder
/// back to the form with the reason.
#[cfg(feature = "ssr")]
async fn holder_sets_password(
    state: &crate::server::AppState,
    token: &str,
    password: &str,
    again: &str,
) -> Result<String, AppError> {
    use crate::usecases::activation::{set_password, PasswordSet};
    match set_password(state, token, password, again).await? {
        PasswordSet::Set => Ok(crate::routes::password_set()),
        PasswordSet::LinkNotWorking => Err(link_not_working()),
        PasswordSet::Refused(why) => Ok(crate::routes::holder_password_refused(token, why)),
    }
}

#[component]
pub fn ActivationPage() -> impl IntoView {
    let query = use_query_map();
    let token = query.read_untracked().get("token").unwrap_or_default();
    let done = query.read_untracked().get("fatto").is_some();
    let error = query.read_untracked().get("errore");
    view! {
        <Title text="Attiva identità/utenza" />
        <h1>"Attiva identità/utenza"</h1>
        {if done {
            view! {
                <div class="notice" role="status">
                    <p>
                        "Password impostata: la casella è pronta. Il collegamento ricevuto non funziona più."
                    </p>
                </div>
            }
                .into_any()
        } else if token.is_empty() {
            view! { <ResendForm /> }.into_any()
        } else {
            view! { <PasswordPage token=token error=error /> }.into_any()
        }}
    }
}

/// The link's mailbox, loaded on the server; the form itself is an island.
#[component]
fn PasswordPage(token: String, error: Option<String>) -> impl IntoView {
    let key = token.clone();
    let info = Resource::new(move || key.clone(), |t| async move { link_info(t).await });
    crate::components::loaded(info, move |info: LinkedMailbox| {
        let intro = match &info.user_login {
            None => format!("Casella {} (userid {}): scelga la password.", info.address, info.userid),
            Some(login) => {
                format!(
                    "Casella {} (userid {}): scelga la password del suo accesso {}.",
                    info.address, info.userid, login
                )
            }
        };
        view! { <PasswordForm token=token.clone() intro=intro error=error.clone() /> }
    })
}

/// The password and its confirmation, with the rules ticked off while typing (the same rules
/// the server applies).
#[island]
fn PasswordForm(token: String, intro: String, error: Option<String>) -> impl IntoView {
    crate::components::islands::on_page();
    let mismatch = crate::domain::lifecycle::PasswordError::Mismatch.code();
    let error = error.map(|code| {
        if code == mismatch {
            "Le due password non coincidono: le scriva di nuovo."
        } else {
            "La password non rispetta le regole indicate: ne scelga un'altra."
        }
    });
    let password = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let (touched, again_touched) = (RwSignal::new(false), RwSignal::new(false));
    let attempted = RwSignal::new(false);
    let checks = move || password.with(|p| password_checks(p));
    let again_error = Signal::derive(move || {
        ((again_touched.get() || attempted.get()) && again.get() != password.get())
            .then(|| "Le due password non coincidono".to_string())
    });
    let password_error = Signal::derive(move || {
        (attempted.get() && checks().iter().any(|(_, ok)| !ok))
            .then(|| "La password non rispetta le regole".to_string())
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        if mailbox_password(&password.get_untracked(), &again.get_untracked()).is_err() {
            ev.prevent_default();
            attempted.set(true);
            crate::components::focus_element("password");
        }
    };
    view! {
        <p>{intro}</p>
        {error
            .map(|e| {
                view! {
                    <div class="error-panel" role="alert">
                        <p>{e}</p>
                    </div>
                }
            })}
        <form method="post" action=SetPassword::url() on:submit=on_submit novalidate class="narrow-form">
            <input type="hidden" name="token" value=token />
            <TextField
                id="password"
                name="password"
                label="Password"
                value=password
                touched=touched
                error=password_error
                required=true
                kind="password"
                autocomplete=Some("new-password")
            />
            <ul class="password-rules" aria-label="Regole della password" aria-live="polite">
                {move || {
                    checks()
                        .into_iter()
                        .map(|(rule, ok)| {
                            let mark = if ok { "✔" } else { "✘" };
                            let state = if ok { "rispettata" } else { "da rispettare" };
                            view! {
                                <li class:ok=ok>
                                    <span aria-hidden="true">{mark}" "</span>
                                    {rule}
                                    <span class="visually-hidden">{format!(" ({state})")}</span>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
            <TextField
                id="password-again"
                name="password_again"
                label="Conferma password"
                value=again
                touched=again_touched
                error=again_error
                required=true
                kind="password"
                autocomplete=Some("new-password")
            />
            <button type="submit" class="primary">
                "Imposta password"
            </button>
        </form>
    }
}

#[component]
fn ResendForm() -> impl IntoView {
    view! {
        <p>
            "Il titolare di una casella apre il collegamento ricevuto per e-mail per sceglierne la password."
        </p>
        <h2>"Nuovo collegamento"</h2>
        <p>
            "Un operatore può inviare al titolare un nuovo collegamento (quelli precedenti smettono di funzionare)."
        </p>
        <form method="post" action=ResendLink::url() class="narrow-form">
            <div class="field">
                <label for="userid">"Userid"</label>
                <div class="control">
                    <input type="text" id="userid" name="userid" autocomplete="off" required />
                </div>
            </div>
            <button type="submit">"Invia di nuovo il collegamento"</button>
        </form>
    }
}
