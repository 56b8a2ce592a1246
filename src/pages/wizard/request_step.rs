//! Step 1, "Richiesta — Dati richiesta": customer, legal representative, offer, consent.

use super::{with_wizard, SaveRequest, Step, StepList, WizardData};
use crate::components::{focus_element, SelectField, TextField};
use crate::domain::request::validate_request_step;
use crate::domain::{CustomerKind, DraftId, OrderDraft, RequestField};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

pub fn request_field_id(f: RequestField) -> String {
    f.key().replace('_', "-")
}

#[component]
pub fn RequestStep() -> impl IntoView {
    view! {
        <Title text="Attivazione casella — Richiesta" />
        <h1>"Attivazione casella"</h1>
        <StepList current=1 />
        <h2>"Dati richiesta"</h2>
        {with_wizard(|data| match (&data.id, &data.order_number) {
            (Some(id), Some(_)) => view! { <AlreadyOrdered id=id.clone() /> }.into_any(),
            _ => view! { <RequestForm data=data /> }.into_any(),
        })}
    }
}

/// Step 1's fields, checked on every keystroke with the server's rules.
#[island]
fn RequestForm(data: WizardData) -> impl IntoView {
    crate::components::islands::on_page();
    let WizardData { id, draft, rules, offers, customers, .. } = data;
    let values = RequestField::STEP1.map(|f| RwSignal::new(draft.get(f).to_string()));
    let touched = RequestField::STEP1.map(|f| RwSignal::new(!draft.get(f).is_empty()));
    let consent = RwSignal::new(draft.consent);
    // Ticked or not before the page became interactive: kept.
    crate::components::islands::keep_ticked("consent", consent);
    let attempted = RwSignal::new(draft.attempted_request);
    let rules = StoredValue::new(rules);
    let errors = Memo::new(move |_| {
        let mut d = OrderDraft::default();
        for (i, f) in RequestField::STEP1.into_iter().enumerate() {
            d.set(f, values[i].get());
        }
        rules.with_value(|r| validate_request_step(&d, r))
    });
    let shown = move |i: usize| {
        Signal::derive(move || {
            if !(attempted.get() || touched[i].get()) {
                return None;
            }
            let f = RequestField::STEP1[i];
            errors.with(|e| e.iter().find(|(g, _)| *g == f).map(|(_, e)| e.to_string()))
        })
    };

    // Picking a known customer fills in what is still empty.
    let value_of =
        move |f: RequestField| values[RequestField::STEP1.iter().position(|g| *g == f).unwrap_or(0)];
    let customers = StoredValue::new(customers);
    Effect::new(move |_| {
        let name = value_of(RequestField::CustomerName).get().trim().to_lowercase();
        customers.with_value(|cs| {
            if let Some(c) = cs.iter().find(|c| c.name.to_lowercase() == name) {
                for (f, v) in [
                    (RequestField::CustomerKind, &c.kind),
                    (RequestField::LegalRep, &c.legal_rep_cf),
                    (RequestField::ContactEmail, &c.contact_email),
                ] {
                    if value_of(f).with_untracked(String::is_empty) && !v.is_empty() {
                        value_of(f).set(v.clone());
                    }
                }
            }
        });
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        if let Some((f, _)) = errors.with_untracked(|e| e.first().cloned()) {
            ev.prevent_default();
            attempted.set(true);
            focus_element(&request_field_id(f));
        }
    };

    let field = move |i: usize| {
        let f = RequestField::STEP1[i];
        (request_field_id(f), f.key(), f.label(), f.required())
    };
    let text = move |i: usize, kind: &'static str, list: Option<&'static str>| {
        let (fid, name, label, required) = field(i);
        view! {
            <TextField
                id=fid
                name=name
                label=label
                value=values[i]
                touched=touched[i]
                error=shown(i)
                required=required
                kind=kind
                list=list
            />
        }
    };
    let select = move |i: usize, options: Vec<(String, String)>| {
        let (fid, name, label, required) = field(i);
        view! {
            <SelectField
                id=fid
                name=name
                label=label
                value=values[i]
                touched=touched[i]
                options=options
                error=shown(i)
                required=required
            />
        }
    };
    let kinds = CustomerKind::ALL.iter().map(|k| (k.code().to_string(), k.label().to_string())).collect();
    let offer_options = offers.into_iter().map(|o| (o.code, o.name)).collect();

    view! {
        <form method="post" action=SaveRequest::url() novalidate on:submit=on_submit class="wizard-form">
            <input type="hidden" name="draft" value=id.map(|i| i.to_string()).unwrap_or_default() />
            <datalist id="clienti">
                {customers
                    .with_value(|cs| {
                        cs.iter().map(|c| view! { <option value=c.name.clone()></option> }).collect_view()
                    })}
            </datalist>
            {text(0, "text", Some("clienti"))}
            {select(1, kinds)}
            {text(2, "text", None)}
            {text(3, "email", None)}
            {select(4, offer_options)}
            <div class="field checkbox">
                <input
                    type="checkbox"
                    id="consent"
                    name="consent"
                    value="on"
                    checked=draft.consent
                    prop:checked=move || consent.get()
                    on:change=move |ev| consent.set(event_target_checked(&ev))
                />
                <label for="consent">"Consenso trattamenti"</label>
            </div>
            <div class="actions">
                <button type="submit" name="azione" value="continua" class="primary">
                    "Continua"
                </button>
            </div>
        </form>
    }
}

/// A request that was already confirmed can only be looked at.
#[component]
pub fn AlreadyOrdered(id: DraftId) -> impl IntoView {
    view! {
        <p class="notice" role="status">
            "Questa richiesta è già stata confermata. "
            <a href=crate::routes::wizard_step(&id, Step::Summary)>"Vai al riepilogo dell'ordine"</a>
        </p>
    }
}
