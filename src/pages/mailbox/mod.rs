//! "Dettaglio casella" at `/caselle/<userid>`: what was requested and the holder its dates, services and password link.
//! Its administration section (services, products, additional users) is `admin`.

pub mod admin;

use crate::components::links::ResendLink;
use crate::components::loaded;
use crate::components::{focus_element, MailboxFields, TextField};
use crate::domain::dates::italian_date;
use crate::domain::fields::name_key;
use crate::domain::UserId;
use crate::domain::{audit::AuditEntry, mailboxes::MailboxDetail};
use crate::domain::{MailboxField, MailboxInput, Rules};
use crate::error::AppError;
use crate::routes::MailboxNotice;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

#[server(endpoint = "casella")]
pub async fn get_mailbox(userid: String) -> Result<MailboxDetail, AppError> {
    let op = crate::server::require()?;
    let state = crate::server::state()?;
    let userid = AppError::mailbox_asked(&userid)?;
    let missing = || AppError::no_mailbox(&userid);
    let mut mailbox = state.store.mailbox(op.scope(), &userid).await?.ok_or_else(missing)?;
    mailbox.mail_sync.configured = state.provisioner.configured();
    Ok(mailbox)
}

/// What "Modifica dati" starts from: the rules for checking it in the browser (domains of the
/// platform) and, after a refused save, what was typed (kept on the server, not in the URL).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EditBasis {
    pub rules: Rules,
    pub returned: Option<MailboxInput>,
}

/// The stash key of this mailbox's edit form.
#[cfg(feature = "ssr")]
fn edit_form_key(userid: &UserId) -> String {
    format!("casella/{userid}/modifica")
}

#[server(endpoint = "casella/regole")]
pub async fn edit_start(userid: UserId) -> Result<EditBasis, AppError> {
    let op = crate::server::require()?;
    let store = crate::server::store()?;
    Ok(EditBasis {
        rules: Rules {
            current_year: crate::server::current_year(),
            domains: store.usable_domains(op.scope()).await?,
            ..Rules::default()
        },
        returned: crate::server::stash::kept(&edit_form_key(&userid)).await?,
    })
}

/// "Modifica dati": the same rules as the wizard, uniqueness included (its own names are not
/// "taken"; the database has the last word). Errors send the browser back to the form, whose
/// typed values the server keeps for the session.
#[server(endpoint = "casella/modifica")]
pub async fn update_mailbox(
    userid: UserId,
    #[server(default)] mailbox: MailboxInput,
) -> Result<(), AppError> {
    let op = crate::server::require()?;
    let store = crate::server::store()?;
    let to = edit_mailbox(&store, &op, &userid, mailbox).await?;
    crate::server::redirect::redirect(&to);
    Ok(())
}

/// "Modifica dati" from the page: a refusal keeps what was typed for the session. Answers the
/// page to go back to.
#[cfg(feature = "ssr")]
async fn edit_mailbox(
    store: &crate::store::Store,
    op: &crate::domain::auth::Operator,
    userid: &UserId,
    mut m: MailboxInput,
) -> Result<String, AppError> {
    let form = edit_form_key(userid);
    let refused = |why| crate::routes::mailbox_edit_refused(userid, why);
    use crate::usecases::mailbox_edit::{edit, Edited};
    Ok(match edit(store, op, userid, &mut m).await? {
        Edited::Saved => {
            crate::server::stash::forget(&form).await?;
            crate::routes::mailbox_edited(userid)
        }
        Edited::Invalid(_) => {
            crate::server::stash::keep(&form, &m).await?;
            refused(crate::routes::EditRefusal::Invalid)
        }
        Edited::Taken => {
            crate::server::stash::keep(&form, &m).await?;
            refused(crate::routes::EditRefusal::Taken)
        }
    })
}

/// A state change from the page ("Transizioni di stato"); only what the lifecycle table allows.
#[server(endpoint = "casella/stato")]
pub async fn change_state(userid: UserId, transizione: String) -> Result<(), AppError> {
    use crate::domain::lifecycle::Transition;
    use crate::usecases::mailboxes::{self, StateChange};
    let op = crate::server::require()?;
    let t = Transition::from_code(&transizione)
        .filter(|t| t.by_operator())
        .ok_or_else(|| AppError::BadRequest("scegliere una transizione di stato".into()))?;
    let state = crate::server::state()?;
    match mailboxes::change_state(&state, &op, &userid, t).await? {
        StateChange::Changed(_) => {
            crate::server::redirect::redirect(&crate::routes::mailbox_state_changed(&userid));
            Ok(())
        }
        StateChange::Missing => Err(AppError::no_mailbox(&userid)),
        StateChange::Refused(why) => Err(AppError::BadRequest(why.to_string())),
    }
}

/// "Storia servizi": every recorded change of the mailbox, newest first.
#[server(endpoint = "casella/storia")]
pub async fn mailbox_history(userid: String) -> Result<Vec<AuditEntry>, AppError> {
    let op = crate::server::require()?;
    let store = crate::server::store()?;
    let userid = AppError::mailbox_asked(&userid)?;
    if store.mailbox(op.scope(), &userid).await?.is_none() {
        return Err(AppError::no_mailbox(&userid));
    }
    Ok(store.audit_of(op.scope(), "casella", userid.as_str(), 100).await?)
}

#[component]
pub fn MailboxPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    // "↻ Aggiorna" reloads this very address.
    let here = leptos_router::hooks::use_location().pathname;
    let mailbox = Resource::new(
        move || params.read().get("userid").unwrap_or_default(),
        |u| async move { get_mailbox(u).await },
    );
    view! {
        <Title text="Dettaglio casella" />
        <h1>"Dettaglio casella"</h1>
        // A full reload, as the guide's ↻: the data may have changed elsewhere.
        <p class="no-print">
            <a href=move || here.get() rel="external">
                <span aria-hidden="true">"↻ "</span>
                "Aggiorna"
            </a>
        </p>
        {move || {
            MailboxNotice::in_query(|k| query.read().get(k))
                .into_iter()
                .map(|n| {
                    view! {
                        <div class="notice" role="status">
                            <p>{n.text()}</p>
                        </div>
                    }
                })
                .collect_view()
        }}
        <crate::components::FormErrorBanner />
        {loaded(mailbox, |m| view! { <MailboxView mailbox=m /> })}
        <History />
    }
}

#[component]
fn History() -> impl IntoView {
    let params = use_params_map();
    let history = Resource::new(
        move || params.read().get("userid").unwrap_or_default(),
        |u| async move { mailbox_history(u).await },
    );
    view! {
        <section aria-labelledby="storia-h">
            <h2 id="storia-h">"Storia servizi"</h2>
            {loaded(
                history,
                |entries: Vec<AuditEntry>| {
                    if entries.is_empty() {
                        return view! { <p>"Nessuna modifica registrata."</p> }.into_any();
                    }
                    view! {
                        <div class="table-wrap">
                            <table aria-labelledby="storia-h">
                                <thead>
                                    <tr>
                                        <th scope="col">"Data"</th>
                                        <th scope="col">"Operatore"</th>
                                        <th scope="col">"Operazione"</th>
                                        <th scope="col">"Prima"</th>
                                        <th scope="col">"Dopo"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {entries
                                        .into_iter()
                                        .map(|e| {
                                            view! {
                                                <tr>
                                                    <td>{e.at.to_string()}</td>
                                                    <td>{e.username}</td>
                                                    <td>{e.action}</td>
                                                    <td>{e.before}</td>
                                                    <td>{e.after}</td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }
                        .into_any()
                },
            )}
        </section>
    }
}

/// "Transizioni di stato": only the transitions the lifecycle table allows from this state.
#[component]
fn Transitions(userid: UserId, state: crate::domain::MailboxState) -> impl IntoView {
    use crate::domain::lifecycle::offered;
    let options = offered(state);
    view! {
        <section aria-labelledby="transizioni-h">
            <h2 id="transizioni-h">"Transizioni di stato"</h2>
            {if options.is_empty() {
                view! { <p>{format!("Nessuna transizione disponibile per una casella {state}.")}</p> }
                    .into_any()
            } else {
                view! {
                    <form method="post" action=ChangeState::url() class="narrow-form">
                        <input type="hidden" name="userid" value=userid.to_string() />
                        <fieldset>
                            <legend>"Transizione"</legend>
                            {options
                                .into_iter()
                                .map(|t| {
                                    let id = format!("t-{}", t.code().to_lowercase());
                                    view! {
                                        <div class="check">
                                            <input
                                                type="radio"
                                                name="transizione"
                                                id=id.clone()
                                                value=t.code()
                                                required
                                            />
                                            <label for=id>{t.label()}</label>
                                        </div>
                                    }
                                })
                                .collect_view()}
                        </fieldset>
                        <button type="submit">"Conferma"</button>
                    </form>
                }
                    .into_any()
            }}
        </section>
    }
}

fn iso_to_italian(iso: &str) -> String {
    crate::domain::lifecycle::Date::parse_iso(iso).map(|d| d.italian()).unwrap_or_default()
}

fn service(on: bool, name: String) -> impl IntoView {
    let (mark, state) = if on { ("✔", "attivo") } else { ("✘", "non attivo") };
    view! {
        <li class:off=!on>
            <span aria-hidden="true">{mark}" "</span>
            {name}
            <span class="visually-hidden">{format!(": {state}")}</span>
        </li>
    }
}

#[component]
fn MailboxView(mailbox: MailboxDetail) -> impl IntoView {
    let m = mailbox;
    view! {
        <p>"Ordine " <a href=crate::routes::order(&m.order_number)>{m.order_number.to_string()}</a></p>
        <section aria-labelledby="richiesta-h">
            <h2 id="richiesta-h">"Richiesta"</h2>
            <dl class="detail">
                <dt>"Nome casella"</dt>
                <dd>{m.address.clone()}</dd>
                <dt>"Descrizione casella"</dt>
                <dd>{m.description.clone()}</dd>
                <dt>"Email gestione password"</dt>
                <dd>{m.password_email.clone()}</dd>
                <dt>"Tipologia casella"</dt>
                <dd>{m.offer_name.clone()}</dd>
                <dt>"Riferimento"</dt>
                <dd>{m.reference.clone()}</dd>
                <dt>"Userid"</dt>
                <dd>{m.userid.to_string()}</dd>
                <dt>"Stato casella"</dt>
                <dd>{m.state.code()}</dd>
                <dt>"Data richiesta"</dt>
                <dd>{m.created_at.italian_date()}</dd>
                <dt>"Anno scadenza"</dt>
                <dd>{m.expiry_year}</dd>
                <dt>"Data attivazione"</dt>
                <dd>{iso_to_italian(&m.activated_at)}</dd>
                <dt>"Data scadenza"</dt>
                <dd>{iso_to_italian(&m.expires_at)}</dd>
                <dt>"Data scad. fattura"</dt>
                <dd>{iso_to_italian(&m.invoice_expires_at)}</dd>
                <dt>"Rinnovo tacito"</dt>
                <dd>{if m.tacit_renewal { "sì" } else { "no" }}</dd>
                <dt>"Promemoria di scadenza"</dt>
                <dd>
                    {if m.reminders.is_empty() {
                        "nessuno inviato".to_string()
                    } else {
                        m.reminders
                            .iter()
                            .map(|r| {
                                format!(
                                    "{} giorni prima del {} (inviato il {})",
                                    r.window_days,
                                    iso_to_italian(&r.expires_at),
                                    italian_date(&r.sent_at),
                                )
                            })
                            .collect::<Vec<_>>()
                            .join("; ")
                    }}
                </dd>
                <dt>"Password"</dt>
                <dd>{if m.has_password { "impostata dal titolare" } else { "non ancora impostata" }}</dd>
                <dt>"Piattaforma di posta"</dt>
                <dd>{m.mail_sync.line()}</dd>
            </dl>
            {(m.state == crate::domain::MailboxState::Attiva && !m.has_password)
                .then(|| {
                    view! {
                        <form method="post" action=ResendLink::url() class="inline-form">
                            <input type="hidden" name="userid" value=m.userid.to_string() />
                            <button type="submit">"Invia di nuovo il collegamento per la password"</button>
                        </form>
                    }
                })}
        </section>
        <Transitions userid=m.userid.clone() state=m.state />
        <admin::MailboxAdmin services=m.services.clone() state=m.state />
        <section aria-labelledby="servizi-h">
            <h2 id="servizi-h">"Riepilogo servizi"</h2>
            <ul class="services">
                {service(
                    m.services.disk_gb > 0,
                    crate::domain::mailbox_admin::disk_line(
                        m.services.disk_gb,
                        m.services.disk_used_mb,
                        &m.disk_reset_at,
                    ),
                )} {service(m.services.sms, "Notifica SMS".into())}
                {service(m.services.security_archive, "Archivio di sicurezza".into())}
                {service(m.services.legal_preservation, "Conservazione a norma".into())}
                {service(m.services.shadow_pec, "Shadow PEC".into())}
                {service(m.services.push_imap, "Push IMAP".into())}
                {service(m.services.phishing_protection, "Phishing Protection".into())}
            </ul>
            {(!m.products.is_empty())
                .then(|| {
                    view! {
                        <div class="table-wrap">
                            <table>
                                <caption>"Prodotti a scadenza"</caption>
                                <thead>
                                    <tr>
                                        <th scope="col">"Prodotto"</th>
                                        <th scope="col">"Quantità"</th>
                                        <th scope="col">"Codice listino"</th>
                                        <th scope="col">"Stato"</th>
                                        <th scope="col">"Inizio"</th>
                                        <th scope="col">"Scadenza"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {m
                                        .products
                                        .iter()
                                        .map(|p| {
                                            view! {
                                                <tr>
                                                    <td>{p.kind.label()}</td>
                                                    <td>{p.kind.quantity_text(p.quantity)}</td>
                                                    <td>{p.price_code.clone()}</td>
                                                    <td>{p.state.code()}</td>
                                                    <td>{p.starts_at.italian()}</td>
                                                    <td>{p.expires_at.italian()}</td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }
                })}
        </section>
        <section aria-labelledby="utente-h">
            <h2 id="utente-h">"Dati utente principale"</h2>
            <dl class="detail">
                <dt>"Nome"</dt>
                <dd>{m.first_name.clone()}</dd>
                <dt>"Cognome"</dt>
                <dd>{m.last_name.clone()}</dd>
                <dt>"Codice fiscale"</dt>
                <dd>{m.tax_code.clone()}</dd>
                <dt>"Nickname"</dt>
                <dd>{m.nickname.clone()}</dd>
            </dl>
            <EditSection mailbox=m.clone() />
        </section>
        <section aria-labelledby="proprieta-h">
            <h2 id="proprieta-h">"Proprietà"</h2>
            <dl class="detail">
                <dt>"REFERENCE_NUMBER"</dt>
                <dd>{m.reference.clone()}</dd>
                <dt>"TITOLARE_PEC"</dt>
                <dd>{format!("{};{};{}", m.first_name, m.last_name, m.tax_code)}</dd>
            </dl>
        </section>
    }
}

/// "Modifica dati": a link that opens the form (`?modifica=1`), then the form itself.
#[component]
fn EditSection(mailbox: MailboxDetail) -> impl IntoView {
    let query = use_query_map();
    // The form follows the URL (`?modifica=1`), so that the link and "Annulla" work in place
    // with JavaScript and as plain links without it.
    let editing = Memo::new(move |_| query.read().get("modifica").is_some());
    let mailbox = StoredValue::new(mailbox);
    move || {
        if !editing.get() {
            let href = mailbox.with_value(|m| crate::routes::mailbox_editing(&m.userid));
            return view! {
                <p>
                    <a href=href>"Modifica dati"</a>
                </p>
            }
            .into_any();
        }
        // After a refused save, the reason is in the URL and the typed values on the server.
        let error = query.with_untracked(|q| q.get("errore"));
        let userid = mailbox.with_value(|m| m.userid.clone());
        let start = Resource::new(move || userid.clone(), |u| async move { edit_start(u).await });
        loaded(start, move |start: EditBasis| {
            let mailbox = mailbox.get_value();
            let returned = error.as_ref().and(start.returned);
            view! { <EditForm mailbox=mailbox rules=start.rules returned=returned error=error.clone() /> }
        })
        .into_any()
    }
}

/// The mailbox's data, checked while typing and against the platform a moment later.
#[island]
fn EditForm(
    mailbox: MailboxDetail,
    rules: Rules,
    returned: Option<MailboxInput>,
    error: Option<String>,
) -> impl IntoView {
    crate::components::islands::on_page();
    let booked = mailbox.state == crate::domain::MailboxState::Prenotata;
    let current = MailboxInput {
        address: mailbox.address.clone(),
        description: mailbox.description.clone(),
        password_email: mailbox.password_email.clone(),
        first_name: mailbox.first_name.clone(),
        last_name: mailbox.last_name.clone(),
        tax_code: mailbox.tax_code.clone(),
        nickname: mailbox.nickname.clone(),
    };
    let attempted = RwSignal::new(returned.is_some());
    let start = returned.unwrap_or(current);
    let fields = MailboxFields::new(&start);
    let MailboxFields { values, touched } = fields;
    let rules = RwSignal::new(rules);
    let input = move || fields.input();
    let report = Memo::new(move |_| {
        let m = input();
        rules.with(|r| crate::domain::request::validate_one(&m, r).err().unwrap_or_default())
    });
    // As in the wizard, names are checked against the platform a moment after typing stops;
    // the mailbox's own names are not "taken".
    let own = (name_key(&mailbox.address), name_key(&mailbox.nickname));
    let generation = StoredValue::new(0u64);
    Effect::new(move |prev: Option<()>| {
        let m = input();
        if prev.is_none() {
            return;
        }
        generation.update_value(|g| *g += 1);
        let current = generation.get_value();
        let (address, nickname) = (name_key(&m.address), name_key(&m.nickname));
        let own = own.clone();
        leptos::task::spawn_local(async move {
            crate::components::sleep_ms(400).await;
            if generation.try_get_value() != Some(current) {
                return;
            }
            let asked = (
                vec![address.clone()],
                vec![nickname.clone()].into_iter().filter(|n| !n.is_empty()).collect(),
            );
            if let Ok(av) = crate::components::availability::check_availability(asked.0, asked.1).await {
                rules.try_update(|r| {
                    r.taken_addresses = av.taken_addresses.into_iter().filter(|a| *a != own.0).collect();
                    r.taken_nicknames = av.taken_nicknames.into_iter().filter(|n| *n != own.1).collect();
                });
            }
        });
    });
    let message = error.map(|code| match crate::routes::EditRefusal::from_code(&code) {
        Some(crate::routes::EditRefusal::Taken) => {
            "Nome casella o nickname già in uso da un'altra casella: nulla è stato salvato."
        }
        _ => "Correggere i dati indicati: nulla è stato salvato.",
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        if let Some((f, _)) = report.with_untracked(|r| r.errors.first().cloned()) {
            ev.prevent_default();
            attempted.set(true);
            focus_element(&format!("modifica-{}", f.key().replace('_', "-")));
        }
    };
    let userid = mailbox.userid.clone();
    let fields = MailboxField::ALL
        .into_iter()
        .enumerate()
        .filter(|(_, f)| booked || *f != MailboxField::Address)
        .map(|(i, f)| {
            let t = touched[i];
            let error = Signal::derive(move || {
                (attempted.get() || t.get())
                    .then(|| report.with(|r| r.error(f).map(ToString::to_string)))
                    .flatten()
            });
            let warning = Signal::derive(move || report.with(|r| r.warning(f).map(ToString::to_string)));
            let kind = if f == MailboxField::PasswordEmail { "email" } else { "text" };
            view! {
                <TextField
                    id=format!("modifica-{}", f.key().replace('_', "-"))
                    name=format!("mailbox[{}]", f.key())
                    label=f.label()
                    value=values[i]
                    touched=t
                    error=error
                    warning=warning
                    required=f.required()
                    kind=kind
                    autocomplete=Some("off")
                />
            }
        })
        .collect_view();
    view! {
        <form
            method="post"
            action=UpdateMailbox::url()
            on:submit=on_submit
            novalidate
            id="modifica"
            class="edit-form"
        >
            <h3>"Modifica dati"</h3>
            {message
                .map(|m| {
                    view! {
                        <div class="error-panel" role="alert">
                            <p>{m}</p>
                        </div>
                    }
                })}
            <input type="hidden" name="userid" value=userid.to_string() />
            {(!booked)
                .then(|| {
                    view! { <input type="hidden" name="mailbox[address]" value=mailbox.address.clone() /> }
                })}
            <div class="mailbox-fields">{fields}</div>
            <div class="actions">
                <a href=crate::routes::mailbox(&userid)>"Annulla"</a>
                <button type="submit" class="primary">
                    "Salva modifiche"
                </button>
            </div>
        </form>
    }
}
