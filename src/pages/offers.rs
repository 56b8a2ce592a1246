//! "Offerte": the catalogue of mailbox types. Everyone sees the offers they may sell; the
//! provider's administrators add and edit them ("Nuova offerta"), each field checked by the
//! shared core on every keystroke and again on the server. Offers are deactivated, never deleted.

use crate::components::{loaded, TextField};
use crate::domain::forms::FormRefusal;
use crate::domain::offers::OfferRow;
use crate::domain::offers::{field_error, price_text, OfferField, OfferForm, OfferRefusal, SERVICES};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
const OFFER_FORM: &str = "offerte/modifica";

/// The code of a refused form whose fields the form itself explains.

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OffersData {
    pub offers: Vec<OfferRow>,
    /// The provider's administrators edit the catalogue.
    pub can_edit: bool,
    /// (id, name) of every reseller, for "Rivenditori".
    pub resellers: Vec<(i64, String)>,
    /// The last refused form of this session.
    pub typed: Option<OfferForm>,
}

#[server(endpoint = "offerte")]
pub async fn load_offers() -> Result<OffersData, AppError> {
    let op = crate::server::require()?;
    let store = crate::server::store()?;
    let can_edit = op.is_provider_admin();
    let resellers = if can_edit { crate::usecases::catalogue::resellers(&store).await? } else { Vec::new() };
    Ok(OffersData {
        offers: store.offer_catalogue(op.scope()).await?,
        can_edit,
        resellers,
        typed: if can_edit { crate::server::stash::kept(OFFER_FORM).await? } else { None },
    })
}

/// Saves "Nuova offerta" (`original` empty) or the edit of offer `original`.
#[server(endpoint = "offerte/salva")]
pub async fn save_offer(
    #[server(default)] original: String,
    #[server(default)] form: OfferForm,
) -> Result<(), AppError> {
    let op = crate::server::require_provider_admin()?;
    let store = crate::server::store()?;
    let to = save(&store, &op, &original, form).await?;
    crate::server::redirect::redirect(&to);
    Ok(())
}

/// Saves the form; a refusal keeps what was typed for this session. Answers the page to go
/// back to.
#[cfg(feature = "ssr")]
async fn save(
    store: &crate::store::Store,
    op: &crate::domain::auth::Operator,
    original: &str,
    form: OfferForm,
) -> Result<String, AppError> {
    use crate::usecases::{catalogue::save_offer, Saved};
    // The edited offer's code comes back from the page: only a well-formed one is used.
    let editing = if original.is_empty() {
        None
    } else {
        Some(crate::domain::offers::offer_code(original).map_err(AppError::BadRequest)?)
    };
    Ok(match save_offer(store, op, editing.as_deref(), &form).await? {
        Saved::Saved(code) => {
            crate::server::stash::forget(OFFER_FORM).await?;
            crate::routes::offer_saved(&code)
        }
        Saved::Refused(why) => {
            crate::server::stash::keep(OFFER_FORM, &form).await?;
            crate::routes::offer_refused(editing.as_deref(), why)
        }
    })
}

#[component]
pub fn OffersPage() -> impl IntoView {
    // The view reads the address (what is edited, what was saved or refused): a link within the
    // page must show it again, as a reload would.
    let query = use_query_map();
    let data = Resource::new(
        move || {
            let q = query.read();
            (q.get("modifica"), q.get("salvata"), q.get("errore"))
        },
        |_| load_offers(),
    );
    view! {
        <Title text="Offerte" />
        <h1>"Offerte"</h1>
        {loaded(data, |d| view! { <OffersView data=d /> })}
    }
}

#[component]
fn OffersView(data: OffersData) -> impl IntoView {
    let query = use_query_map();
    let q = |k: &str| query.read_untracked().get(k).unwrap_or_default();
    // The address is anyone's to write: only an offer of the catalogue is named from it.
    let known = |code: String| data.offers.iter().find(|o| o.offer.code == code).map(|o| o.offer.clone());
    let saved = known(q("salvata")).map(|o| o.code);
    let editing = known(q("modifica"));
    let error = q("errore");
    let OffersData { offers, can_edit, resellers, typed } = data.clone();
    // A refused form comes back as typed; otherwise the edited offer, or an empty form.
    let form = match (typed.filter(|_| !error.is_empty()), &editing) {
        (Some(t), _) => t,
        (None, Some(o)) => OfferForm::of(o),
        (None, None) => OfferForm { months: "12".into(), active: Some("1".into()), ..Default::default() },
    };
    view! {
        {saved
            .map(|code| {
                view! {
                    <p class="notice" role="status">
                        {format!("Offerta {code} salvata.")}
                    </p>
                }
            })}
        <OffersTable offers=offers can_edit=can_edit />
        {can_edit
            .then(|| {
                let original = editing.map(|o| o.code).unwrap_or_default();
                view! { <OfferEditor original=original form=form resellers=resellers error=error.clone() /> }
            })}
    }
}

#[component]
fn OffersTable(offers: Vec<OfferRow>, can_edit: bool) -> impl IntoView {
    let total = offers.len();
    view! {
        <div class="table-wrap">
            <table>
                <caption>{format!("Offerte ({total})")}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Codice"</th>
                        <th scope="col">"Nome"</th>
                        <th scope="col">"Descrizione"</th>
                        <th scope="col">"Durata (mesi)"</th>
                        <th scope="col">"Spazio disco (GB)"</th>
                        <th scope="col">"Servizi"</th>
                        <th scope="col">"Prezzo di listino"</th>
                        <th scope="col">"Rivenditori"</th>
                        <th scope="col">"Caselle"</th>
                        <th scope="col">"Stato"</th>
                        {can_edit.then(|| view! { <th scope="col">"Azioni"</th> })}
                    </tr>
                </thead>
                <tbody>
                    {offers
                        .into_iter()
                        .map(|row| {
                            let o = row.offer;
                            let services: Vec<&str> = SERVICES
                                .iter()
                                .zip(o.services)
                                .filter(|(_, on)| *on)
                                .map(|((_, label), _)| *label)
                                .collect();
                            let edit = crate::routes::offer_edit(&o.code);
                            let label = format!("Modifica {}", o.code);
                            view! {
                                <tr>
                                    <td>{o.code.clone()}</td>
                                    <td>{o.name}</td>
                                    <td>{o.description}</td>
                                    <td>{o.months}</td>
                                    <td>{o.disk_gb}</td>
                                    <td>{services.join(", ")}</td>
                                    <td>{format!("€ {}", price_text(o.price_cents))}</td>
                                    <td>{row.reseller_names.join(", ")}</td>
                                    <td>{row.mailboxes}</td>
                                    <td>{if o.active { "Attiva" } else { "Non attiva" }}</td>
                                    {can_edit
                                        .then(|| {
                                            view! {
                                                <td>
                                                    <a href=edit aria-label=label>
                                                        "Modifica"
                                                    </a>
                                                </td>
                                            }
                                        })}
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// One text field of the editor, checked as it is typed.
fn field(
    form: &OfferForm,
    f: OfferField,
    refused: bool,
) -> (RwSignal<String>, RwSignal<bool>, Signal<Option<String>>) {
    let initial = match f {
        OfferField::Code => form.code.clone(),
        OfferField::Name => form.name.clone(),
        OfferField::Description => form.description.clone(),
        OfferField::Months => form.months.clone(),
        OfferField::DiskGb => form.disk_gb.clone(),
        OfferField::Price => form.price.clone(),
        OfferField::Resellers => String::new(),
    };
    let value = RwSignal::new(initial);
    let touched = RwSignal::new(refused);
    let error = Signal::derive(move || touched.get().then(|| value.with(|v| field_error(f, v))).flatten());
    (value, touched, error)
}

/// "Nuova offerta", or "Modifica offerta" of `original`; each field checked while typing.
#[island]
fn OfferEditor(
    original: String,
    form: OfferForm,
    resellers: Vec<(i64, String)>,
    error: String,
) -> impl IntoView {
    crate::components::islands::on_page();
    let refusal = FormRefusal::<OfferRefusal>::from_code(&error);
    let refused_fields = refusal == Some(FormRefusal::Fields);
    let refused = match refusal {
        Some(FormRefusal::Data(why)) => Some(why.to_string()),
        _ => None,
    };
    let (code, code_t, code_e) = field(&form, OfferField::Code, refused_fields);
    let (name, name_t, name_e) = field(&form, OfferField::Name, refused_fields);
    let (description, description_t, description_e) = field(&form, OfferField::Description, refused_fields);
    // Text typed before the page became interactive is kept (a textarea, not a TextField).
    crate::components::islands::keep_typed("offerta-descrizione", description, description_t);
    let (months, months_t, months_e) = field(&form, OfferField::Months, refused_fields);
    let (disk, disk_t, disk_e) = field(&form, OfferField::DiskGb, refused_fields);
    let (price, price_t, price_e) = field(&form, OfferField::Price, refused_fields);
    let checks = [
        (code, code_t, "offerta-codice"),
        (name, name_t, "offerta-nome"),
        (description, description_t, "offerta-descrizione"),
        (months, months_t, "offerta-durata"),
        (disk, disk_t, "offerta-disco"),
        (price, price_t, "offerta-prezzo"),
    ];
    let fields = [
        OfferField::Code,
        OfferField::Name,
        OfferField::Description,
        OfferField::Months,
        OfferField::DiskGb,
        OfferField::Price,
    ];
    // A refused Salva shows every error and moves to the first.
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        let first = checks
            .iter()
            .zip(fields)
            .find(|((value, _, _), f)| value.with_untracked(|v| field_error(*f, v)).is_some());
        if let Some(((_, _, id), _)) = first {
            ev.prevent_default();
            checks.iter().for_each(|(_, touched, _)| touched.set(true));
            crate::components::focus_element(id);
        }
    };
    let title = if original.is_empty() {
        "Nuova offerta".to_string()
    } else {
        format!("Modifica offerta {original}")
    };
    let described =
        move || if description_e.get().is_some() { Some("offerta-descrizione-err") } else { None };
    view! {
        <section aria-labelledby="offerta-h">
            <h2 id="offerta-h">{title.clone()}</h2>
            {refused
                .map(|m| {
                    view! {
                        <div class="error-panel" role="alert">
                            <p>{m}</p>
                        </div>
                    }
                })}
            <form
                method="post"
                action=SaveOffer::url()
                aria-label=if original.is_empty() { "Nuova offerta" } else { "Modifica offerta" }
                class="wizard-form"
                novalidate
                on:submit=on_submit
            >
                <input type="hidden" name="original" value=original.clone() />
                <TextField
                    id="offerta-codice"
                    name="form[code]"
                    label="Codice"
                    value=code
                    touched=code_t
                    error=code_e
                    required=true
                    autocomplete=Some("off")
                />
                <TextField
                    id="offerta-nome"
                    name="form[name]"
                    label="Nome"
                    value=name
                    touched=name_t
                    error=name_e
                    required=true
                />
                <div class="field" class:invalid=move || description_e.get().is_some()>
                    <label for="offerta-descrizione">"Descrizione"</label>
                    <div class="control">
                        <textarea
                            id="offerta-descrizione"
                            name="form[description]"
                            rows="3"
                            aria-invalid=move || if description_e.get().is_some() { "true" } else { "false" }
                            aria-describedby=described
                            prop:value=move || description.get()
                            on:input=move |ev| {
                                description.set(event_target_value(&ev));
                                description_t.set(true);
                            }
                        >
                            {description.get_untracked()}
                        </textarea>
                    </div>
                    {move || {
                        description_e
                            .get()
                            .map(|e| {
                                view! {
                                    <p class="error" id="offerta-descrizione-err">
                                        {e}
                                    </p>
                                }
                            })
                    }}
                </div>
                <TextField
                    id="offerta-durata"
                    name="form[months]"
                    label="Durata (mesi)"
                    value=months
                    touched=months_t
                    error=months_e
                    required=true
                    inputmode=Some("numeric")
                />
                <TextField
                    id="offerta-disco"
                    name="form[disk_gb]"
                    label="Spazio disco (GB)"
                    value=disk
                    touched=disk_t
                    error=disk_e
                    required=true
                    inputmode=Some("numeric")
                />
                <TextField
                    id="offerta-prezzo"
                    name="form[price]"
                    label="Prezzo di listino (€)"
                    value=price
                    touched=price_t
                    error=price_e
                    required=true
                    inputmode=Some("decimal")
                />
                <fieldset>
                    <legend>"Servizi inclusi"</legend>
                    {SERVICES
                        .map(|(key, label)| {
                            let id = format!("offerta-{key}");
                            view! {
                                <div class="check">
                                    <input
                                        type="checkbox"
                                        id=id.clone()
                                        name=format!("form[{key}]")
                                        value="1"
                                        checked=form.service(key)
                                    />
                                    <label for=id>{label}</label>
                                </div>
                            }
                        })
                        .collect_view()}
                </fieldset>
                <fieldset>
                    <legend>"Rivenditori che la vendono"</legend>
                    {resellers
                        .into_iter()
                        .map(|(id, name)| {
                            let field_id = format!("offerta-riv-{id}");
                            let checked = form.resellers.contains_key(&id.to_string());
                            view! {
                                <div class="check">
                                    <input
                                        type="checkbox"
                                        id=field_id.clone()
                                        name=format!("form[resellers][{id}]")
                                        value="1"
                                        checked=checked
                                    />
                                    <label for=field_id>{name}</label>
                                </div>
                            }
                        })
                        .collect_view()}
                </fieldset>
                <div class="check">
                    <input
                        type="checkbox"
                        id="offerta-attiva"
                        name="form[active]"
                        value="1"
                        checked=form.active.is_some()
                    />
                    <label for="offerta-attiva">"Attiva (ordinabile)"</label>
                </div>
                <div class="actions">
                    <button type="submit" class="primary">
                        "Salva offerta"
                    </button>
                    {(!original.is_empty())
                        .then(|| {
                            view! { <a href=crate::routes::OFFERS>"Annulla modifica"</a> }
                        })}
                </div>
            </form>
        </section>
    }
}
