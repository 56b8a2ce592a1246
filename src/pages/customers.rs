//! "Clienti" (Configurazione): the customers an organisation serves, added and corrected by its
//! operators with step 1's field rules, checked on every keystroke and on the server. Step 1 of
//! the wizard offers them.

use crate::components::{loaded, TextField};
use crate::domain::customers::CustomerRow;
use crate::domain::customers::{field_error, CustomerForm, CustomerRefusal, FIELDS};
use crate::domain::forms::FormRefusal;
use crate::domain::{CustomerKind, RequestField};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
const CUSTOMER_FORM: &str = "configurazione/cliente";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomersData {
    pub customers: Vec<CustomerRow>,
    /// The provider sees every organisation's customers.
    pub provider: bool,
    pub typed: Option<CustomerForm>,
}

#[server(endpoint = "configurazione/clienti")]
pub async fn load_customers() -> Result<CustomersData, AppError> {
    let op = crate::server::require()?;
    let store = crate::server::store()?;
    Ok(CustomersData {
        customers: store.customer_rows(op.scope()).await?,
        provider: op.scope() == crate::domain::auth::Scope::All,
        typed: crate::server::stash::kept(CUSTOMER_FORM).await?,
    })
}

/// Saves "Nuovo cliente" (`id` 0) or the edit of customer `id`.
#[server(endpoint = "configurazione/cliente")]
pub async fn save_customer(
    #[server(default)] id: i64,
    #[server(default)] form: CustomerForm,
) -> Result<(), AppError> {
    let op = crate::server::require()?;
    let store = crate::server::store()?;
    let to = save(&store, &op, id, form).await?;
    crate::server::redirect::redirect(&to);
    Ok(())
}

/// Saves the form; a refusal keeps what was typed for this session. Answers the page to go
/// back to.
#[cfg(feature = "ssr")]
async fn save(
    store: &crate::store::Store,
    op: &crate::domain::auth::Operator,
    id: i64,
    form: CustomerForm,
) -> Result<String, AppError> {
    use crate::usecases::{catalogue::save_customer, Saved};
    let editing = (id > 0).then_some(id);
    Ok(match save_customer(store, op, editing, &form).await? {
        Saved::Saved(()) => {
            crate::server::stash::forget(CUSTOMER_FORM).await?;
            crate::routes::customer_saved()
        }
        Saved::Refused(why) => {
            crate::server::stash::keep(CUSTOMER_FORM, &form).await?;
            crate::routes::customer_refused(editing, why)
        }
    })
}

#[component]
pub fn CustomersPage() -> impl IntoView {
    // The view reads the address (what is edited, what was saved or refused): a link within the
    // page must show it again, as a reload would.
    let query = use_query_map();
    let data = Resource::new(
        move || {
            let q = query.read();
            (q.get("modifica"), q.get("salvato"), q.get("errore"))
        },
        |_| load_customers(),
    );
    view! {
        <Title text="Clienti" />
        <h1>"Clienti"</h1>
        {loaded(data, |d| view! { <CustomersView data=d /> })}
    }
}

#[component]
fn CustomersView(data: CustomersData) -> impl IntoView {
    let query = use_query_map();
    let q = |k: &str| query.read_untracked().get(k).unwrap_or_default();
    let CustomersData { customers, provider, typed } = data;
    let editing =
        q("modifica").parse::<i64>().ok().and_then(|id| customers.iter().find(|c| c.id == id).cloned());
    let error = q("errore");
    let form = match (typed.filter(|_| !error.is_empty()), &editing) {
        (Some(t), _) => t,
        (None, Some(c)) => CustomerForm::of(&c.customer),
        (None, None) => CustomerForm::default(),
    };
    let saved = q("salvato") == "1";
    view! {
        {saved
            .then(|| {
                view! {
                    <p class="notice" role="status">
                        "Cliente salvato."
                    </p>
                }
            })}
        <CustomersTable customers=customers provider=provider />
        <CustomerEditor id=editing.map_or(0, |c| c.id) form=form error=error />
    }
}

#[component]
fn CustomersTable(customers: Vec<CustomerRow>, provider: bool) -> impl IntoView {
    let total = customers.len();
    view! {
        <div class="table-wrap">
            <table>
                <caption>{format!("Clienti ({total})")}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Denominazione"</th>
                        <th scope="col">"Tipo cliente"</th>
                        <th scope="col">"Legale rappresentante"</th>
                        <th scope="col">"E-mail"</th>
                        {provider.then(|| view! { <th scope="col">"Organizzazione"</th> })}
                        <th scope="col">"Ordini"</th>
                        <th scope="col">"Azioni"</th>
                    </tr>
                </thead>
                <tbody>
                    {customers
                        .into_iter()
                        .map(|row| {
                            let c = row.customer;
                            let label = format!("Modifica {}", c.name);
                            view! {
                                <tr>
                                    <td>{c.name}</td>
                                    <td>{c.kind.label()}</td>
                                    <td>{c.legal_rep_cf}</td>
                                    <td>{c.contact_email}</td>
                                    {provider.then(|| view! { <td>{row.organisation}</td> })}
                                    <td>{row.orders}</td>
                                    <td>
                                        <a href=crate::routes::customer_edit(row.id) aria-label=label>
                                            "Modifica"
                                        </a>
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

/// "Nuovo cliente", or "Modifica cliente" of customer `id`; each field checked while typing.
#[island]
fn CustomerEditor(id: i64, form: CustomerForm, error: String) -> impl IntoView {
    crate::components::islands::on_page();
    let refusal = FormRefusal::<CustomerRefusal>::from_code(&error);
    let refused_fields = refusal == Some(FormRefusal::Fields);
    let refused = match refusal {
        Some(FormRefusal::Data(why)) => Some(why.to_string()),
        _ => None,
    };
    let field = |f: RequestField| {
        let value = RwSignal::new(form.get(f).to_string());
        let touched = RwSignal::new(refused_fields);
        let error = Signal::derive(move || {
            touched.get().then(|| value.with(|v| field_error(f, v).map(|e| e.to_string()))).flatten()
        });
        (value, touched, error)
    };
    let (name, name_t, name_e) = field(RequestField::CustomerName);
    let (kind, kind_t, kind_e) = field(RequestField::CustomerKind);
    let (cf, cf_t, cf_e) = field(RequestField::LegalRep);
    let (email, email_t, email_e) = field(RequestField::ContactEmail);
    let checks = [
        (name, name_t, "cliente-denominazione"),
        (kind, kind_t, "cliente-tipo"),
        (cf, cf_t, "cliente-cf"),
        (email, email_t, "cliente-email"),
    ];
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        let first = checks
            .iter()
            .zip(FIELDS)
            .find(|((v, _, _), f)| v.with_untracked(|v| field_error(*f, v)).is_some());
        if let Some(((_, _, id), _)) = first {
            ev.prevent_default();
            checks.iter().for_each(|(_, t, _)| t.set(true));
            crate::components::focus_element(id);
        }
    };
    let title = if id == 0 { "Nuovo cliente" } else { "Modifica cliente" };
    // A choice made before the page became interactive is kept.
    crate::components::islands::keep_typed("cliente-tipo", kind, kind_t);
    let chosen = form.kind.clone();
    view! {
        <section aria-labelledby="cliente-h">
            <h2 id="cliente-h">{title}</h2>
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
                action=SaveCustomer::url()
                aria-label=title
                class="wizard-form"
                novalidate
                on:submit=on_submit
            >
                <input type="hidden" name="id" value=id.to_string() />
                <TextField
                    id="cliente-denominazione"
                    name="form[name]"
                    label="Denominazione"
                    value=name
                    touched=name_t
                    error=name_e
                    required=true
                />
                <div class="field" class:invalid=move || kind_e.get().is_some()>
                    <label for="cliente-tipo">"Tipo cliente"</label>
                    <div class="control">
                        <select
                            id="cliente-tipo"
                            name="form[kind]"
                            aria-invalid=move || if kind_e.get().is_some() { "true" } else { "false" }
                            on:change=move |ev| {
                                kind.set(event_target_value(&ev));
                                kind_t.set(true);
                            }
                        >
                            <option value="">"Scegliere…"</option>
                            {CustomerKind::ALL
                                .iter()
                                .map(|k| {
                                    view! {
                                        <option value=k.code() selected=chosen == k.code()>
                                            {k.label()}
                                        </option>
                                    }
                                })
                                .collect_view()}
                        </select>
                    </div>
                    {move || kind_e.get().map(|e| view! { <p class="error">{e}</p> })}
                </div>
                <TextField
                    id="cliente-cf"
                    name="form[legal_rep_cf]"
                    label="Legale rappresentante"
                    value=cf
                    touched=cf_t
                    error=cf_e
                    required=true
                    autocomplete=Some("off")
                />
                <TextField
                    id="cliente-email"
                    name="form[contact_email]"
                    label="E-mail di contatto"
                    value=email
                    touched=email_t
                    error=email_e
                    kind="email"
                />
                <div class="actions">
                    <button type="submit" class="primary">
                        "Salva cliente"
                    </button>
                    {(id != 0)
                        .then(|| {
                            view! { <a href=crate::routes::CUSTOMERS>"Annulla modifica"</a> }
                        })}
                </div>
            </form>
        </section>
    }
}
