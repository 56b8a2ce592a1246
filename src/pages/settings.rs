//! "Impostazioni" (Configurazione, the provider's administrators): the values the platform reads
//! instead of constants, each checked by the shared core as it is typed and again on the server.

use crate::components::{loaded, TextField};
use crate::domain::forms::FormRefusal;
use crate::domain::settings::{field_error, form_of, SettingField, Settings, SettingsForm, SettingsRefusal};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
const SETTINGS_FORM: &str = "configurazione/impostazioni";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SettingsData {
    pub current: Settings,
    pub typed: Option<SettingsForm>,
    /// The refusal of the store, when there was one (the last number given).
    pub last_order_number: i64,
}

#[server(endpoint = "configurazione/impostazioni")]
pub async fn load_settings() -> Result<SettingsData, AppError> {
    crate::server::require_provider_admin()?;
    let store = crate::server::store()?;
    let current = store.settings().await?;
    Ok(SettingsData {
        last_order_number: current.next_order_number - 1,
        current,
        typed: crate::server::stash::kept(SETTINGS_FORM).await?,
    })
}

#[server(endpoint = "configurazione/salva-impostazioni")]
pub async fn save_settings(#[server(default)] form: SettingsForm) -> Result<(), AppError> {
    let op = crate::server::require_provider_admin()?;
    let state = crate::server::state()?;
    let to = save(&state, &op, form).await?;
    crate::server::redirect::redirect(&to);
    Ok(())
}

#[cfg(feature = "ssr")]
async fn save(
    state: &crate::server::AppState,
    op: &crate::domain::auth::Operator,
    form: SettingsForm,
) -> Result<String, AppError> {
    // Only the known fields, each bounded, are kept for the session.
    let form: SettingsForm = SettingField::ALL
        .iter()
        .map(|f| {
            (f.key().to_string(), form.get(f.key()).map(|v| v.chars().take(40).collect()).unwrap_or_default())
        })
        .collect();
    Ok(match crate::usecases::settings::save(&state.store, op, &form).await? {
        crate::usecases::Saved::Saved(()) => {
            crate::server::stash::forget(SETTINGS_FORM).await?;
            crate::routes::settings_saved()
        }
        crate::usecases::Saved::Refused(why) => {
            crate::server::stash::keep(SETTINGS_FORM, &form).await?;
            crate::routes::settings_refused(why)
        }
    })
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    // The view reads the address (what is edited, what was saved or refused): a link within the
    // page must show it again, as a reload would.
    let query = use_query_map();
    let data = Resource::new(
        move || {
            let q = query.read();
            (q.get("salvate"), q.get("errore"))
        },
        |_| load_settings(),
    );
    view! {
        <Title text="Impostazioni" />
        <h1>"Impostazioni"</h1>
        {loaded(data, |d| view! { <SettingsView data=d /> })}
    }
}

#[component]
fn SettingsView(data: SettingsData) -> impl IntoView {
    let query = use_query_map();
    let q = |k: &str| query.read_untracked().get(k).unwrap_or_default();
    let error = q("errore");
    let saved = q("salvate") == "1";
    let SettingsData { current, typed, last_order_number } = data;
    let form = typed.filter(|_| !error.is_empty()).unwrap_or_else(|| form_of(&current));
    let refusal = FormRefusal::<SettingsRefusal>::from_code(&error);
    let refused_fields = refusal == Some(FormRefusal::Fields);
    let refused = (refusal == Some(FormRefusal::Data(SettingsRefusal::OrderNumberUsed))).then(|| {
        format!("Il prossimo numero d'ordine deve superare l'ultimo già dato ({last_order_number})")
    });
    view! {
        {saved
            .then(|| {
                view! {
                    <p class="notice" role="status">
                        "Impostazioni salvate."
                    </p>
                }
            })}
        {refused
            .map(|m| {
                view! {
                    <div class="error-panel" role="alert">
                        <p>{m}</p>
                    </div>
                }
            })}
        <SettingsEditor form=form refused_fields=refused_fields />
    }
}

/// The settings, each checked while typing (the same ranges the server applies).
#[island]
fn SettingsEditor(form: SettingsForm, refused_fields: bool) -> impl IntoView {
    crate::components::islands::on_page();
    let fields: Vec<_> = SettingField::ALL
        .into_iter()
        .map(|f| {
            let value = RwSignal::new(form.get(f.key()).cloned().unwrap_or_default());
            let touched = RwSignal::new(refused_fields);
            let error =
                Signal::derive(move || touched.get().then(|| value.with(|v| field_error(f, v))).flatten());
            (f, value, touched, error)
        })
        .collect();
    let checks: Vec<_> = fields.iter().map(|(f, v, t, _)| (*f, *v, *t)).collect();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        let first = checks.iter().find(|(f, v, _)| v.with_untracked(|v| field_error(*f, v)).is_some());
        if let Some((f, _, _)) = first {
            ev.prevent_default();
            checks.iter().for_each(|(_, _, t)| t.set(true));
            crate::components::focus_element(&format!("imp-{}", f.key()));
        }
    };
    view! {
        <form
            method="post"
            action=SaveSettings::url()
            aria-label="Impostazioni"
            class="wizard-form"
            novalidate
            on:submit=on_submit
        >
            {fields
                .into_iter()
                .map(|(f, value, touched, error)| {
                    let numeric = f.range().is_some();
                    view! {
                        <TextField
                            id=format!("imp-{}", f.key())
                            name=format!("form[{}]", f.key())
                            label=f.label()
                            value=value
                            touched=touched
                            error=error
                            required=!f.optional()
                            inputmode=if numeric { Some("numeric") } else { None }
                        />
                    }
                })
                .collect_view()}
            <div class="actions">
                <button type="submit" class="primary">
                    "Salva impostazioni"
                </button>
            </div>
        </form>
    }
}
