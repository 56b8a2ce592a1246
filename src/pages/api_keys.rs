//! "Chiavi API" (Configurazione, administrators): the keys an organisation's programs use with
//! the REST API (`/api/v1`). A new key is shown once, right after it is made; only its hash is
//! kept. Revoking a key stops it at once.

use crate::components::loaded;
use crate::domain::api_keys::{ApiKeyRefusal, ApiKeyRow, ApiKeyScope};
use crate::domain::forms::Coded;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

/// Where the new key waits, for this session only, until the page has shown it once.
#[cfg(feature = "ssr")]
const NEW_KEY: &str = "configurazione/chiave-api-nuova";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeysData {
    pub keys: Vec<ApiKeyRow>,
    /// The key just created, shown this once.
    pub new_key: Option<String>,
}

#[server(endpoint = "configurazione/chiavi-api")]
pub async fn list_api_keys() -> Result<ApiKeysData, AppError> {
    let me = crate::server::require_admin()?;
    let store = crate::server::store()?;
    let new_key: Option<String> = crate::server::stash::kept(NEW_KEY).await?;
    if new_key.is_some() {
        crate::server::stash::forget(NEW_KEY).await?;
    }
    Ok(ApiKeysData { keys: store.api_keys(me.scope()).await?, new_key })
}

#[server(endpoint = "configurazione/nuova-chiave-api")]
pub async fn create_api_key(name: String, scope: String) -> Result<(), AppError> {
    let me = crate::server::require_admin()?;
    let store = crate::server::store()?;
    let to = create(&store, &me, &name, &scope).await?;
    crate::server::redirect::redirect(&to);
    Ok(())
}

/// Makes the key and keeps it for the page to show once. Answers the page to go back to.
#[cfg(feature = "ssr")]
async fn create(
    store: &crate::store::Store,
    me: &crate::domain::auth::Operator,
    name: &str,
    scope: &str,
) -> Result<String, AppError> {
    use crate::usecases::api_keys::{self, KeyMade};
    Ok(match api_keys::create(store, me, name, scope).await? {
        KeyMade::Made(key) => {
            crate::server::stash::keep(NEW_KEY, &key).await?;
            crate::routes::api_key_made()
        }
        KeyMade::Refused(why) => crate::routes::api_keys_refused(why),
    })
}

#[server(endpoint = "configurazione/revoca-chiave-api")]
pub async fn revoke_api_key(id: i64) -> Result<(), AppError> {
    let me = crate::server::require_admin()?;
    let store = crate::server::store()?;
    let to = match crate::usecases::api_keys::revoke(&store, &me, id).await? {
        Ok(()) => crate::routes::api_key_revoked(),
        Err(why) => crate::routes::api_keys_refused(why),
    };
    crate::server::redirect::redirect(&to);
    Ok(())
}

#[component]
pub fn ApiKeysPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(
        move || {
            let q = query.read();
            (q.get("creata"), q.get("revocata"), q.get("errore"))
        },
        |_| list_api_keys(),
    );
    view! {
        <Title text="Chiavi API" />
        <h1>"Chiavi API"</h1>
        <p>
            "Le chiavi con cui i programmi dell'organizzazione usano l'API REST (documentazione: "
            <a href="/api/v1/docs" rel="external">
                "API v1"
            </a> "). Ogni chiave agisce per la sua organizzazione come un operatore; "
            "quelle di sola lettura non possono modificare nulla."
        </p>
        {loaded(data, |d| view! { <ApiKeysView data=d /> })}
    }
}

#[component]
fn ApiKeysView(data: ApiKeysData) -> impl IntoView {
    let query = use_query_map();
    let q = |k: &str| query.read_untracked().get(k).unwrap_or_default();
    let refused = ApiKeyRefusal::from_code(&q("errore")).map(|r| r.to_string());
    let revoked = q("revocata") == "1";
    let ApiKeysData { keys, new_key } = data;
    view! {
        {new_key
            .map(|key| {
                view! {
                    <div class="notice" role="status">
                        <p>"Chiave creata. Copiarla ora: non sarà più mostrata."</p>
                        <p>
                            <label for="chiave-nuova">"Nuova chiave API"</label>
                            <input id="chiave-nuova" type="text" readonly value=key class="key" />
                        </p>
                    </div>
                }
            })}
        {revoked
            .then(|| {
                view! {
                    <p class="notice" role="status">
                        "Chiave revocata: non è più accettata."
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
        <form method="post" action=CreateApiKey::url() aria-label="Nuova chiave" class="wizard-form">
            <h2>"Nuova chiave"</h2>
            <div class="field">
                <label for="chiave-nome">"Nome"</label>
                <input id="chiave-nome" name="name" type="text" required maxlength="60" />
            </div>
            <div class="field">
                <label for="chiave-ambito">"Ambito"</label>
                <select id="chiave-ambito" name="scope">
                    {ApiKeyScope::ALL
                        .into_iter()
                        .map(|s| view! { <option value=s.code()>{s.label()}</option> })
                        .collect_view()}
                </select>
            </div>
            <div class="actions">
                <button type="submit" class="primary">
                    "Crea chiave"
                </button>
            </div>
        </form>
        <div class="table-wrap">
            <table>
                <caption>"Chiavi"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Nome"</th>
                        <th scope="col">"Ambito"</th>
                        <th scope="col">"Inizio"</th>
                        <th scope="col">"Organizzazione"</th>
                        <th scope="col">"Creata da"</th>
                        <th scope="col">"Creata il"</th>
                        <th scope="col">"Ultimo uso"</th>
                        <th scope="col">"Stato"</th>
                        <th scope="col">"Azioni"</th>
                    </tr>
                </thead>
                <tbody>
                    {keys
                        .into_iter()
                        .map(|k| {
                            let live = k.revoked_at.is_none();
                            let state = if live {
                                "Attiva".to_string()
                            } else {
                                format!(
                                    "Revocata il {}",
                                    k.revoked_at.map(|t| t.italian_stamp()).unwrap_or_default(),
                                )
                            };
                            view! {
                                <tr>
                                    <td>{k.name.clone()}</td>
                                    <td>{k.scope.label()}</td>
                                    <td>
                                        <code>{k.hint.clone()}</code>
                                    </td>
                                    <td>{k.organisation.clone()}</td>
                                    <td>{k.created_by.clone()}</td>
                                    <td>{k.created_at.italian_stamp()}</td>
                                    <td>
                                        {k
                                            .last_used_at
                                            .map_or_else(|| "—".to_string(), |t| t.italian_stamp())}
                                    </td>
                                    <td>{state}</td>
                                    <td>
                                        {live
                                            .then(|| {
                                                view! {
                                                    <form
                                                        method="post"
                                                        action=RevokeApiKey::url()
                                                        class="inline-form"
                                                    >
                                                        <input type="hidden" name="id" value=k.id.to_string() />
                                                        <button
                                                            type="submit"
                                                            class="danger"
                                                            aria-label=format!("Revoca {}", k.name)
                                                        >
                                                            "Revoca"
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
