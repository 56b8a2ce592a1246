//! "Chiavi API" (Configurazione, administrators): the keys an organisation's programs use with
//! the REST API (`/api/v1`). A new key is shown once, right after it is made; only its hash is
//! kept. Revoking a key stops it at once.

use crate::components::loaded;
use crate::domain::api_keys::{ApiKeyRow, ApiKeyScope};
use crate::domain::dates::italian_stamp;
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

/// Makes a key (`pec_` and 256 random bits), stores its hash and keeps the key for the page to
/// show once. Answers the page to go back to.
#[cfg(feature = "ssr")]
async fn create(
    store: &crate::store::Store,
    me: &crate::domain::auth::Operator,
    name: &str,
    scope: &str,
) -> Result<String, AppError> {
    use crate::store::ApiKeyError;
    let page = crate::routes::API_KEYS;
    let name: String = name.chars().take(200).collect();
    let Ok(name) = crate::domain::api_keys::check_name(&name) else {
        return Ok(format!("{page}?errore=nome"));
    };
    let Some(scope) = ApiKeyScope::from_code(scope) else {
        return Ok(format!("{page}?errore=ambito"));
    };
    let key = format!("{}{}", crate::domain::api_keys::PREFIX, crate::store::new_token());
    let hint = format!("{}…", &key[..12]);
    match store.create_api_key(me, &name, scope, &crate::store::token_hash(&key), &hint).await {
        Ok(_) => {
            crate::server::stash::keep(NEW_KEY, &key).await?;
            Ok(format!("{page}?creata=1"))
        }
        Err(ApiKeyError::NameTaken) => Ok(format!("{page}?errore=uso")),
        Err(ApiKeyError::TooMany) => Ok(format!("{page}?errore=troppe")),
        Err(ApiKeyError::Store(e)) => Err(e.into()),
    }
}

#[server(endpoint = "configurazione/revoca-chiave-api")]
pub async fn revoke_api_key(id: i64) -> Result<(), AppError> {
    let me = crate::server::require_admin()?;
    let store = crate::server::store()?;
    let outcome = if store.revoke_api_key(&me, id).await? { "revocata=1" } else { "errore=revoca" };
    crate::server::redirect::redirect(&format!("{}?{outcome}", crate::routes::API_KEYS));
    Ok(())
}

fn refusal(code: &str) -> Option<&'static str> {
    Some(match code {
        "nome" => "Indicare un nome per la chiave: al massimo 60 caratteri stampabili.",
        "ambito" => "Scegliere l'ambito della chiave.",
        "uso" => "Esiste già una chiave attiva con questo nome.",
        "troppe" => {
            "Raggiunto il numero massimo di chiavi attive (50): revocarne una prima di crearne un'altra."
        }
        "revoca" => "Chiave non trovata o già revocata.",
        _ => return None,
    })
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
    let refused = refusal(&q("errore"));
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
                            let live = k.revoked_at.is_empty();
                            let state = if live {
                                "Attiva".to_string()
                            } else {
                                format!("Revocata il {}", italian_stamp(&k.revoked_at))
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
                                    <td>{italian_stamp(&k.created_at)}</td>
                                    <td>{italian_stamp(&k.last_used_at)}</td>
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
