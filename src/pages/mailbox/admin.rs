//! The actions of "Dettaglio casella" (Trasforma, Sposta, Inserisci nota, Aggiungi
//! Multiutenza, Associazioni), RIEPILOGO SERVIZI → Modifica and SERVIZI EXTRA. Each is a small
//! form in a `<details>` (works without JavaScript) posting to one server function; a refused
//! form comes back open, with the reason and what was typed.

use crate::components::loaded;
use crate::domain::mailbox_admin::AdminForm;
use crate::domain::offers::Services;
use crate::domain::{mailboxes::MailboxExtras, offers::Offer};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminData {
    pub extras: MailboxExtras,
    pub offers: Vec<Offer>,
    /// The last refused small form of this session, with its reason.
    pub refused: Option<Refused>,
}

/// A refused small form, kept on the server for the session (it may hold a codice fiscale, a
/// phone number or an e-mail address: never in the URL).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refused {
    pub azione: String,
    pub message: String,
    pub form: AdminForm,
}

/// The typed text fields of a refused form, by the keys of `RETURNED`.
fn typed(form: &AdminForm) -> std::collections::HashMap<String, String> {
    let u = &form.user;
    let values = [
        &form.disk_gb,
        &form.note,
        &u.first_name,
        &u.last_name,
        &u.tax_code,
        &u.email,
        &form.associate,
        &form.blocked,
        &form.phone,
        &form.recovery_email,
        &form.contacts,
    ];
    RETURNED.iter().zip(values).map(|(k, v)| (k.to_string(), v.clone())).collect()
}

/// The stash key of a mailbox's small forms.
#[cfg(feature = "ssr")]
fn actions_form_key(userid: &crate::domain::UserId) -> String {
    format!("casella/{userid}/azione")
}

/// The typed text fields that come back after a refusal.
const RETURNED: [&str; 11] = [
    "disk_gb",
    "note",
    "first_name",
    "last_name",
    "tax_code",
    "email",
    "associate",
    "blocked",
    "phone",
    "recovery_email",
    "contacts",
];

#[server(endpoint = "casella/extra")]
pub async fn load_admin_data(userid: String) -> Result<AdminData, AppError> {
    let op = crate::server::require()?;
    let store = crate::server::store()?;
    let userid = AppError::mailbox_asked(&userid)?;
    let missing = || AppError::no_mailbox(&userid);
    let extras = store.mailbox_extras(op.scope(), &userid).await?.ok_or_else(missing)?;
    let refused = crate::server::stash::kept(&actions_form_key(&userid)).await?;
    Ok(AdminData { extras, offers: store.usable_offers(op.scope(), op.organisation_id).await?, refused })
}

#[server(endpoint = "casella/azione")]
pub async fn apply_mailbox_action(
    userid: crate::domain::UserId,
    azione: String,
    #[server(default)] form: AdminForm,
) -> Result<(), AppError> {
    let op = crate::server::require()?;
    let action = crate::domain::mailbox_admin::MailboxAction::from_code(&azione)
        .ok_or_else(|| AppError::BadRequest("azione sconosciuta".into()))?;
    let to = apply_action(&op, &userid, action, form).await?;
    crate::server::redirect::redirect(&to);
    Ok(())
}

/// Applies one small form (`usecases::mailboxes::apply`). Answers the page to go back to; a
/// refusal keeps what was typed for this session (not in the URL) and says why on the form.
#[cfg(feature = "ssr")]
async fn apply_action(
    op: &crate::domain::auth::Operator,
    userid: &crate::domain::UserId,
    action: crate::domain::mailbox_admin::MailboxAction,
    form: AdminForm,
) -> Result<String, AppError> {
    use crate::usecases::mailboxes::{apply, MailboxChanged};
    let state = crate::server::state()?;
    let outcome = match apply(&state, op, userid, action, &form).await? {
        MailboxChanged::Done => Ok(()),
        MailboxChanged::Refused(why) => Err(why),
    };
    let key = actions_form_key(userid);
    Ok(match outcome {
        Ok(()) => {
            crate::server::stash::forget(&key).await?;
            crate::routes::mailbox_action_done(userid, action)
        }
        Err(message) => {
            let azione = action.code().to_string();
            crate::server::stash::keep(&key, &Refused { azione, message, form }).await?;
            crate::routes::mailbox_action_refused(userid, action)
        }
    })
}

/// The outcome of the last small form, and its typed values when refused.
#[derive(Clone, Debug, Default)]
struct Outcome {
    open: String,
    error: Option<String>,
    done: Option<String>,
    typed: std::collections::HashMap<String, String>,
}

impl Outcome {
    fn value(&self, key: &str, current: String) -> String {
        self.typed.get(key).cloned().unwrap_or(current)
    }
}

#[component]
pub fn MailboxAdmin(services: Services, state: crate::domain::MailboxState) -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let userid = params.read_untracked().get("userid").unwrap_or_default();
    let (open, refused_now, done) = query.with_untracked(|q| {
        (
            q.get("azione").or_else(|| q.get("fatto")).unwrap_or_default(),
            q.get("errore").is_some(),
            q.get("fatto"),
        )
    });
    let key = userid.clone();
    let data = Resource::new(move || key.clone(), |u| async move { load_admin_data(u).await });
    use crate::domain::MailboxState as S;
    let active = matches!(state, S::Attiva | S::Sospesa | S::Prenotata);
    loaded(data, move |d: AdminData| {
        // The reason and the typed values of a refusal come from the server's stash.
        let refused = d.refused.clone().filter(|r| refused_now && r.azione == open);
        let outcome = Outcome {
            open: open.clone(),
            error: refused.as_ref().map(|r| r.message.clone()),
            done: done.clone(),
            typed: refused.map(|r| typed(&r.form)).unwrap_or_default(),
        };
        view! { <Forms userid=userid.clone() data=d services=services.clone() active=active outcome=outcome /> }
    })
}

#[component]
fn Forms(
    userid: String,
    data: AdminData,
    services: Services,
    active: bool,
    outcome: Outcome,
) -> impl IntoView {
    let AdminData { extras, offers, .. } = data;
    let o = StoredValue::new(outcome);
    let owner = StoredValue::new(userid.clone());
    // One small form: `<details id=azione>` open when it was just used.
    let block = move |azione: &'static str, title: String, body: AnyView| {
        let (is_open, error, done) =
            o.with_value(|o| (o.open == azione, o.error.clone(), o.done.as_deref() == Some(azione)));
        view! {
            <details id=azione open=is_open>
                <summary>{title}</summary>
                {is_open
                    .then_some(error)
                    .flatten()
                    .map(|e| {
                        view! {
                            <div class="error-panel" role="alert">
                                <p>{e}</p>
                            </div>
                        }
                    })}
                {done
                    .then(|| {
                        view! {
                            <p class="notice" role="status">
                                "Salvato."
                            </p>
                        }
                    })}
                <form method="post" action=ApplyMailboxAction::url() class="small-form">
                    <input type="hidden" name="userid" value=userid.clone() />
                    <input type="hidden" name="azione" value=azione />
                    {body}
                </form>
            </details>
        }
    };
    let text = move |name: &'static str, key: &'static str, label: &'static str, current: String| {
        let id = format!("f-{key}");
        let value = o.with_value(|o| o.value(key, current));
        view! {
            <div class="field">
                <label for=id.clone()>{label}</label>
                <div class="control">
                    <input type="text" id=id name=name value=value autocomplete="off" />
                </div>
            </div>
        }
    };
    let area = move |name: &'static str, key: &'static str, label: &'static str, current: String| {
        let id = format!("f-{key}");
        let value = o.with_value(|o| o.value(key, current));
        view! {
            <div class="field">
                <label for=id.clone()>{label}</label>
                <div class="control">
                    <textarea id=id name=name rows="4">
                        {value}
                    </textarea>
                </div>
            </div>
        }
    };
    let check = |name: &'static str, label: &'static str, on: bool| {
        let id = format!("c-{name}");
        view! {
            <div class="check">
                <input type="checkbox" id=id.clone() name=format!("form[{name}]") value="1" checked=on />
                <label for=id>{label}</label>
            </div>
        }
    };
    // A "Rimuovi" button beside an additional user or an association: its own small form.
    let remove_button = move |azione: &'static str, value: String, label: String| {
        view! {
            <form method="post" action=ApplyMailboxAction::url() class="inline-form">
                <input type="hidden" name="userid" value=owner.get_value() />
                <input type="hidden" name="azione" value=azione />
                <input type="hidden" name="form[remove]" value=value />
                <button type="submit" aria-label=label>
                    "Rimuovi"
                </button>
            </form>
        }
    };
    // What the last removal did (the lists have no `<details>` of their own).
    let removal = move |azione: &'static str, done_text: &'static str| {
        o.with_value(|o| {
            if o.open != azione {
                None
            } else if let Some(e) = o.error.clone() {
                Some(
                    view! {
                        <p class="error-panel" role="alert">
                            {e}
                        </p>
                    }
                    .into_any(),
                )
            } else {
                (o.done.as_deref() == Some(azione)).then(|| {
                    view! {
                        <p class="notice" role="status">
                            {done_text}
                        </p>
                    }
                    .into_any()
                })
            }
        })
    };
    let settings = extras.settings.clone();
    let s = services.clone();
    let submit = |label: &'static str| view! { <button type="submit">{label}</button> };
    view! {
        <section aria-labelledby="azioni-h" class="no-print">
            <h2 id="azioni-h">"Azioni"</h2>
            {active
                .then(|| block(
                    "trasforma",
                    "Trasforma".into(),
                    view! {
                        <div class="field">
                            <label for="f-offer">"Nuova tipologia casella"</label>
                            <div class="control">
                                <select id="f-offer" name="form[offer]">
                                    {offers
                                        .iter()
                                        .map(|of| {
                                            view! { <option value=of.code.clone()>{of.name.clone()}</option> }
                                        })
                                        .collect_view()}
                                </select>
                            </div>
                        </div>
                        {submit("Trasforma casella")}
                    }
                        .into_any(),
                ))}
            {active
                .then(|| block(
                    "sposta",
                    "Sposta".into(),
                    view! {
                        <div class="field">
                            <label for="f-order">"Ordine di destinazione"</label>
                            <div class="control">
                                <select id="f-order" name="form[order]">
                                    {extras
                                        .orders
                                        .iter()
                                        .map(|n| {
                                            view! { <option value=n.to_string()>{n.to_string()}</option> }
                                        })
                                        .collect_view()}
                                </select>
                            </div>
                        </div>
                        {submit("Sposta casella")}
                    }
                        .into_any(),
                ))}
            <p>
                <a href="#storia-h">"Storia servizi"</a>
            </p>
            {block(
                "nota",
                "Inserisci nota".into(),
                view! {
                    {area("form[note]", "note", "Nota", String::new())}
                    {submit("Salva nota")}
                }
                    .into_any(),
            )}
            {(!extras.notes.is_empty())
                .then(|| {
                    view! {
                        <ul class="notes" aria-label="Note">
                            {extras
                                .notes
                                .iter()
                                .map(|n| {
                                    view! {
                                        <li>
                                            <span class="when">{format!("{} · {}", n.at, n.username)}</span>
                                            " "
                                            {n.text.clone()}
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                })}
            {block(
                "multiutenza",
                "Aggiungi Multiutenza".into(),
                view! {
                    {text("form[user][first_name]", "first_name", "Nome", String::new())}
                    {text("form[user][last_name]", "last_name", "Cognome", String::new())}
                    {text("form[user][tax_code]", "tax_code", "Codice fiscale", String::new())}
                    {text("form[user][email]", "email", "E-mail", String::new())}
                    {submit("Aggiungi utente")}
                }
                    .into_any(),
            )}
            {(!extras.users.is_empty())
                .then(|| {
                    view! {
                        <ul aria-label="Utenti aggiuntivi">
                            {extras
                                .users
                                .iter()
                                .map(|u| {
                                    let label = format!("Rimuovi {} {}", u.first_name, u.last_name);
                                    view! {
                                        <li>
                                            {format!(
                                                "{} {} ({}) – {} – accesso {} ({})",
                                                u.first_name,
                                                u.last_name,
                                                u.tax_code,
                                                u.email,
                                                u.login,
                                                if u.has_password {
                                                    "password impostata"
                                                } else {
                                                    "password non ancora impostata"
                                                },
                                            )} " " {remove_button("rimuovi-utente", u.id.to_string(), label)}
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                })}
            {removal("rimuovi-utente", "Utente aggiuntivo rimosso.")}
            {block(
                "associa",
                format!("Associazioni ({})", extras.associations.len()),
                view! {
                    {text("form[associate]", "associate", "Userid da associare", String::new())}
                    {submit("Associa")}
                }
                    .into_any(),
            )}
            {(!extras.associations.is_empty())
                .then(|| {
                    view! {
                        <ul aria-label="Caselle associate">
                            {extras
                                .associations
                                .iter()
                                .map(|a| {
                                    let label = format!("Rimuovi associazione con {a}");
                                    view! {
                                        <li>
                                            <a href=crate::routes::mailbox(a) rel="external">
                                                {a.to_string()}
                                            </a>
                                            " "
                                            {remove_button("rimuovi-associazione", a.to_string(), label)}
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                })}
            {removal("rimuovi-associazione", "Associazione rimossa.")}
        </section>
        <section aria-labelledby="servizi-modifica-h" class="no-print">
            <h2 id="servizi-modifica-h" class="visually-hidden">
                "Modifica servizi"
            </h2>
            {block(
                "servizi",
                "Modifica".into(),
                view! {
                    {text("form[disk_gb]", "disk_gb", "Spazio disco (GB)", s.disk_gb.to_string())}
                    {check("sms", "Notifica SMS", s.sms)}
                    {check("security_archive", "Archivio di sicurezza", s.security_archive)}
                    {check("legal_preservation", "Conservazione a norma", s.legal_preservation)}
                    {check("shadow_pec", "Shadow PEC", s.shadow_pec)}
                    {check("push_imap", "Push IMAP", s.push_imap)}
                    {check("phishing_protection", "Phishing Protection", s.phishing_protection)}
                    {submit("Salva servizi")}
                }
                    .into_any(),
            )}
            {block(
                "azzera-disco",
                "Azz. spazio disco usato".into(),
                view! {
                    <p>
                        "Riporta a zero lo spazio disco usato conteggiato (ad esempio dopo una pulizia della casella) e chiede alla piattaforma di posta di contarlo di nuovo da ciò che la casella contiene; l'azzeramento resta nella storia servizi."
                    </p>
                    {submit("Azzera spazio usato")}
                }
                    .into_any(),
            )}
        </section>
        <section aria-labelledby="extra-h" class="no-print">
            <h2 id="extra-h">"Servizi extra"</h2>
            {block(
                "filtri",
                "Configura filtri di ricezione".into(),
                view! {
                    {area(
                        "form[blocked]",
                        "blocked",
                        "Mittenti rifiutati (uno per riga)",
                        settings.blocked_senders.join("\n"),
                    )}
                    {check("pec_only", "Accetta solo messaggi PEC", settings.pec_only)}
                    {submit("Salva filtri")}
                }
                    .into_any(),
            )}
            {block(
                "sicurezza",
                "Configurazione informazioni di sicurezza".into(),
                view! {
                    {text(
                        "form[phone]",
                        "phone",
                        "Cellulare per il recupero",
                        settings.recovery_phone.clone(),
                    )}
                    {text(
                        "form[recovery_email]",
                        "recovery_email",
                        "E-mail di recupero",
                        settings.recovery_email.clone(),
                    )}
                    {submit("Salva informazioni di sicurezza")}
                }
                    .into_any(),
            )}
            {block(
                "contatti",
                "Configurazione contatti casella".into(),
                view! {
                    {area(
                        "form[contacts]",
                        "contacts",
                        "Contatti (Nome;indirizzo, uno per riga)",
                        settings
                            .contacts
                            .iter()
                            .map(|(n, a)| format!("{n};{a}"))
                            .collect::<Vec<_>>()
                            .join("\n"),
                    )}
                    {submit("Salva contatti")}
                }
                    .into_any(),
            )}
        </section>
    }
}
