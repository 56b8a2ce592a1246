//! The read-only review of the request after "Continua" on step 2, with "Conferma".

use super::request_step::AlreadyOrdered;
use super::{with_wizard, ConfirmOrder, StepList, WizardData};
use crate::domain::records::customer_kind_label;
use crate::domain::MailboxField;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

#[component]
pub fn ReviewStep() -> impl IntoView {
    view! {
        <Title text="Attivazione casella — Verifica"/>
        <h1>"Attivazione casella"</h1>
        <StepList current=2/>
        {with_wizard(|data| view! { <Review data=data/> })}
    }
}

#[component]
fn Review(data: WizardData) -> impl IntoView {
    let WizardData { id, draft, order_number, offers, .. } = data;
    if order_number.is_some() {
        return view! { <AlreadyOrdered id=id/> }.into_any();
    }
    let offer = offers.iter().find(|o| o.code == draft.offer).map(|o| o.name.clone()).unwrap_or_default();
    // A second click while the first confirmation is on its way does nothing (the server
    // would answer with the same order anyway).
    let sending = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        if sending.get_untracked() {
            ev.prevent_default();
        }
        sending.set(true);
    };
    view! {
        <h2>"Verifica dei dati"</h2>
        <dl class="summary">
            <dt>"Denominazione"</dt><dd>{draft.customer_name.clone()}</dd>
            <dt>"Tipo cliente"</dt><dd>{customer_kind_label(&draft.customer_kind).to_string()}</dd>
            <dt>"Legale rappresentante"</dt><dd>{draft.legal_rep_cf.trim().to_uppercase()}</dd>
            <dt>"Tipologia casella"</dt><dd>{offer}</dd>
            <dt>"Anno scadenza caselle"</dt><dd>{draft.expiry_year.clone()}</dd>
            <dt>"Numero ordine"</dt><dd>{draft.customer_po.clone()}</dd>
        </dl>
        <h3>{format!("CASELLE LEGALMAIL ({})", draft.mailboxes.len())}</h3>
        <div class="table-wrap">
            <table class="review">
                <caption>"Caselle richieste"</caption>
                <thead>
                    <tr>
                        <th scope="col">"N."</th>
                        {MailboxField::ALL.map(|f| view! { <th scope="col">{f.label()}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {draft
                        .mailboxes
                        .iter()
                        .enumerate()
                        .map(|(i, m)| {
                            view! {
                                <tr>
                                    <td>{i + 1}</td>
                                    {MailboxField::ALL
                                        .map(|f| view! { <td>{m.get(f).trim().to_string()}</td> })
                                        .collect_view()}
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
        <form method="post" action=ConfirmOrder::url() on:submit=on_submit class="actions">
            <input type="hidden" name="draft" value=id/>
            <button type="submit" name="azione" value="indietro">
                <span aria-hidden="true">"← "</span>
                "Indietro"
            </button>
            <button type="submit" name="azione" value="conferma" class="primary">"Conferma"</button>
        </form>
    }
    .into_any()
}
