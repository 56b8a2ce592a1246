//! The actions of "Dettaglio casella" (Trasforma, Sposta, Inserisci nota, Aggiungi
//! Multiutenza, Associazioni), RIEPILOGO SERVIZI → Modifica and SERVIZI EXTRA. Each is a small
//! form in a `<details>` (works without JavaScript) posting to one server function; a refused
//! form comes back open, with the reason and what was typed.

use crate::components::loaded;
use crate::domain::mailbox_admin::ExtraUser;
use crate::domain::records::{MailboxExtras, Offer, Services};
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

impl AdminForm {
    /// The typed text fields, by the keys of `RETURNED`.
    fn typed(&self) -> std::collections::HashMap<String, String> {
        let u = &self.user;
        let values = [
            &self.disk_gb,
            &self.note,
            &u.first_name,
            &u.last_name,
            &u.tax_code,
            &u.email,
            &self.associate,
            &self.blocked,
            &self.phone,
            &self.recovery_email,
            &self.contacts,
        ];
        RETURNED.iter().zip(values).map(|(k, v)| (k.to_string(), v.clone())).collect()
    }
}

/// The stash key of a mailbox's small forms.
#[cfg(feature = "ssr")]
fn actions_form_key(userid: &str) -> String {
    format!("casella/{userid}/azione")
}

/// Every field of every small form (each form posts its own).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AdminForm {
    pub disk_gb: String,
    pub sms: Option<String>,
    pub security_archive: Option<String>,
    pub legal_preservation: Option<String>,
    pub shadow_pec: Option<String>,
    pub push_imap: Option<String>,
    pub phishing_protection: Option<String>,
    pub offer: String,
    pub order: String,
    pub note: String,
    pub user: ExtraUser,
    pub associate: String,
    pub blocked: String,
    pub pec_only: Option<String>,
    pub phone: String,
    pub recovery_email: String,
    pub contacts: String,
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
    let missing = || AppError::no_mailbox(&userid);
    let extras = store.mailbox_extras(op.scope(), &userid).await?.ok_or_else(missing)?;
    let refused = crate::server::stash::kept(&actions_form_key(&userid)).await?;
    Ok(AdminData { extras, offers: store.offers().await?, refused })
}

#[server(endpoint = "casella/azione")]
pub async fn apply_mailbox_action(
    userid: String,
    azione: String,
    #[server(default)] form: AdminForm,
) -> Result<(), AppError> {
    use crate::domain::mailbox_admin as rules;
    use crate::store::{ChangeError, MailboxChange};
    let op = crate::server::require()?;
    let store = crate::server::store()?;
    let missing = || AppError::no_mailbox(&userid);
    let mailbox = store.mailbox(op.scope(), &userid).await?.ok_or_else(missing)?;
    let settings = store.mailbox_extras(op.scope(), &userid).await?.ok_or_else(missing)?.settings;
    let checked = |o: &Option<String>| o.is_some();
    let change: Result<MailboxChange, String> = match azione.as_str() {
        "servizi" => rules::services(
            &form.disk_gb,
            Services {
                disk_used_mb: mailbox.services.disk_used_mb,
                sms: checked(&form.sms),
                security_archive: checked(&form.security_archive),
                legal_preservation: checked(&form.legal_preservation),
                shadow_pec: checked(&form.shadow_pec),
                push_imap: checked(&form.push_imap),
                phishing_protection: checked(&form.phishing_protection),
                ..Services::default()
            },
        )
        .map(MailboxChange::Services)
        .map_err(|e| e.to_string()),
        "trasforma" => Ok(MailboxChange::Offer(form.offer.trim().to_string())),
        "sposta" => Ok(MailboxChange::Move(form.order.trim().to_string())),
        "nota" => rules::note(&form.note).map(MailboxChange::Note).map_err(|e| e.to_string()),
        "multiutenza" => rules::extra_user(&form.user).map(MailboxChange::AddUser).map_err(|e| e.to_string()),
        "associa" => Ok(MailboxChange::Associate(form.associate.trim().to_uppercase())),
        "filtri" => rules::blocked_senders(&form.blocked)
            .map(|blocked| {
                MailboxChange::Settings(rules::ExtraSettings {
                    blocked_senders: blocked,
                    pec_only: checked(&form.pec_only),
                    ..settings.clone()
                })
            })
            .map_err(|e| e.to_string()),
        "sicurezza" => rules::security_info(&form.phone, &form.recovery_email)
            .map(|(phone, email)| {
                MailboxChange::Settings(rules::ExtraSettings {
                    recovery_phone: phone,
                    recovery_email: email,
                    ..settings.clone()
                })
            })
            .map_err(|e| e.to_string()),
        "contatti" => rules::contacts(&form.contacts)
            .map(|contacts| MailboxChange::Settings(rules::ExtraSettings { contacts, ..settings.clone() }))
            .map_err(|e| e.to_string()),
        _ => return Err(AppError::BadRequest("azione sconosciuta".into())),
    };
    let outcome = match change {
        Ok(change) => match store.change_mailbox(&op, &userid, change).await {
            Ok(()) => Ok(()),
            Err(ChangeError::NotFound) => return Err(missing()),
            Err(ChangeError::Store(e)) => return Err(e.into()),
            Err(e) => Err(e.to_string()),
        },
        Err(message) => Err(message),
    };
    let page = format!("/caselle/{}", crate::components::url_encode(&mailbox.userid));
    let key = actions_form_key(&mailbox.userid);
    let to = match outcome {
        Ok(()) => {
            crate::server::stash::forget(&key).await?;
            format!("{page}?fatto={azione}#{azione}")
        }
        Err(message) => {
            crate::server::stash::keep(&key, &Refused { azione: azione.clone(), message, form }).await?;
            format!("{page}?azione={azione}&errore=1#{azione}")
        }
    };
    crate::server::redirect::redirect(&to);
    Ok(())
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
pub fn MailboxAdmin(services: Services, state: String) -> impl IntoView {
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
    let active = state == "ATTIVA" || state == "SOSPESA" || state == "PRENOTATA";
    loaded(data, move |d: AdminData| {
        // The reason and the typed values of a refusal come from the server's stash.
        let refused = d.refused.clone().filter(|r| refused_now && r.azione == open);
        let outcome = Outcome {
            open: open.clone(),
            error: refused.as_ref().map(|r| r.message.clone()),
            done: done.clone(),
            typed: refused.map(|r| r.form.typed()).unwrap_or_default(),
        };
        view! { <Forms userid=userid.clone() data=d services=services.clone() active=active outcome=outcome/> }
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
    // One small form: `<details id=azione>` open when it was just used.
    let block = move |azione: &'static str, title: String, body: AnyView| {
        let (is_open, error, done) =
            o.with_value(|o| (o.open == azione, o.error.clone(), o.done.as_deref() == Some(azione)));
        view! {
            <details id=azione open=is_open>
                <summary>{title}</summary>
                {is_open.then_some(error).flatten().map(|e| view! { <div class="error-panel" role="alert"><p>{e}</p></div> })}
                {done.then(|| view! { <p class="notice" role="status">"Salvato."</p> })}
                <form method="post" action=ApplyMailboxAction::url() class="small-form">
                    <input type="hidden" name="userid" value=userid.clone()/>
                    <input type="hidden" name="azione" value=azione/>
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
                <div class="control"><input type="text" id=id name=name value=value autocomplete="off"/></div>
            </div>
        }
    };
    let area = move |name: &'static str, key: &'static str, label: &'static str, current: String| {
        let id = format!("f-{key}");
        let value = o.with_value(|o| o.value(key, current));
        view! {
            <div class="field">
                <label for=id.clone()>{label}</label>
                <div class="control"><textarea id=id name=name rows="4">{value}</textarea></div>
            </div>
        }
    };
    let check = |name: &'static str, label: &'static str, on: bool| {
        let id = format!("c-{name}");
        view! {
            <div class="check">
                <input type="checkbox" id=id.clone() name=format!("form[{name}]") value="1" checked=on/>
                <label for=id>{label}</label>
            </div>
        }
    };
    let settings = extras.settings.clone();
    let s = services.clone();
    let submit = |label: &'static str| view! { <button type="submit">{label}</button> };
    view! {
        <section aria-labelledby="azioni-h" class="no-print">
            <h2 id="azioni-h">"Azioni"</h2>
            {active.then(|| block("trasforma", "Trasforma".into(), view! {
                <div class="field">
                    <label for="f-offer">"Nuova tipologia casella"</label>
                    <div class="control">
                        <select id="f-offer" name="form[offer]">
                            {offers.iter().map(|of| view! { <option value=of.code.clone()>{of.name.clone()}</option> }).collect_view()}
                        </select>
                    </div>
                </div>
                {submit("Trasforma casella")}
            }.into_any()))}
            {active.then(|| block("sposta", "Sposta".into(), view! {
                <div class="field">
                    <label for="f-order">"Ordine di destinazione"</label>
                    <div class="control">
                        <select id="f-order" name="form[order]">
                            {extras.orders.iter().map(|n| view! { <option value=n.clone()>{n.clone()}</option> }).collect_view()}
                        </select>
                    </div>
                </div>
                {submit("Sposta casella")}
            }.into_any()))}
            <p><a href="#storia-h">"Storia servizi"</a></p>
            {block("nota", "Inserisci nota".into(), view! {
                {area("form[note]", "note", "Nota", String::new())}
                {submit("Salva nota")}
            }.into_any())}
            {(!extras.notes.is_empty()).then(|| view! {
                <ul class="notes" aria-label="Note">
                    {extras.notes.iter().map(|n| view! { <li><span class="when">{format!("{} · {}", n.at, n.username)}</span>" "{n.text.clone()}</li> }).collect_view()}
                </ul>
            })}
            {block("multiutenza", "Aggiungi Multiutenza".into(), view! {
                {text("form[user][first_name]", "first_name", "Nome", String::new())}
                {text("form[user][last_name]", "last_name", "Cognome", String::new())}
                {text("form[user][tax_code]", "tax_code", "Codice fiscale", String::new())}
                {text("form[user][email]", "email", "E-mail", String::new())}
                {submit("Aggiungi utente")}
            }.into_any())}
            {(!extras.users.is_empty()).then(|| view! {
                <ul aria-label="Utenti aggiuntivi">
                    {extras.users.iter().map(|u| view! { <li>{format!("{} {} ({}) – {}", u.first_name, u.last_name, u.tax_code, u.email)}</li> }).collect_view()}
                </ul>
            })}
            {block("associa", format!("Associazioni ({})", extras.associations.len()), view! {
                <ul aria-label="Caselle associate">
                    {extras.associations.iter().map(|a| view! { <li><a href=format!("/caselle/{a}") rel="external">{a.clone()}</a></li> }).collect_view()}
                </ul>
                {text("form[associate]", "associate", "Userid da associare", String::new())}
                {submit("Associa")}
            }.into_any())}
        </section>
        <section aria-labelledby="servizi-modifica-h" class="no-print">
            <h2 id="servizi-modifica-h" class="visually-hidden">"Modifica servizi"</h2>
            {block("servizi", "Modifica".into(), view! {
                {text("form[disk_gb]", "disk_gb", "Spazio disco (GB)", s.disk_gb.to_string())}
                {check("sms", "Notifica SMS", s.sms)}
                {check("security_archive", "Archivio di sicurezza", s.security_archive)}
                {check("legal_preservation", "Conservazione a norma", s.legal_preservation)}
                {check("shadow_pec", "Shadow PEC", s.shadow_pec)}
                {check("push_imap", "Push IMAP", s.push_imap)}
                {check("phishing_protection", "Phishing Protection", s.phishing_protection)}
                {submit("Salva servizi")}
            }.into_any())}
        </section>
        <section aria-labelledby="extra-h" class="no-print">
            <h2 id="extra-h">"Servizi extra"</h2>
            {block("filtri", "Configura filtri di ricezione".into(), view! {
                {area("form[blocked]", "blocked", "Mittenti rifiutati (uno per riga)", settings.blocked_senders.join("\n"))}
                {check("pec_only", "Accetta solo messaggi PEC", settings.pec_only)}
                {submit("Salva filtri")}
            }.into_any())}
            {block("sicurezza", "Configurazione informazioni di sicurezza".into(), view! {
                {text("form[phone]", "phone", "Cellulare per il recupero", settings.recovery_phone.clone())}
                {text("form[recovery_email]", "recovery_email", "E-mail di recupero", settings.recovery_email.clone())}
                {submit("Salva informazioni di sicurezza")}
            }.into_any())}
            {block("contatti", "Contatti della casella".into(), view! {
                {area(
                    "form[contacts]",
                    "contacts",
                    "Contatti (Nome;indirizzo, uno per riga)",
                    settings.contacts.iter().map(|(n, a)| format!("{n};{a}")).collect::<Vec<_>>().join("\n"),
                )}
                {submit("Salva contatti")}
            }.into_any())}
        </section>
    }
}
