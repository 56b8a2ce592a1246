//! The read-only review of the request after "Continua" on step 2, with "Conferma".

use super::request_step::AlreadyOrdered;
use super::{with_wizard, ConfirmOrder, Step, StepList, WizardData};
use crate::components::not_found::NotFoundPage;
use crate::components::MailboxPager;
use crate::domain::MailboxField;
use crate::domain::{customers::customer_kind_label, lists::PageOf};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

#[component]
pub fn ReviewStep() -> impl IntoView {
    view! {
        <Title text="Attivazione casella — Verifica" />
        <h1>"Attivazione casella"</h1>
        <StepList current=2 />
        {with_wizard(|data| view! { <Review data=data /> })}
    }
}

#[component]
fn Review(data: WizardData) -> impl IntoView {
    let WizardData { id, draft, order_number, offers, large, .. } = data;
    // The review is always of a saved draft (its address names it).
    let Some(id) = id else { return view! { <NotFoundPage /> }.into_any() };
    if order_number.is_some() {
        return view! { <AlreadyOrdered id=id /> }.into_any();
    }
    // A large request comes a page at a time; a small one whole.
    let (total, page, rows) = match large {
        Some(l) => {
            (l.total, l.rows, l.page_rows.into_iter().map(|r| (r.index, r.mailbox)).collect::<Vec<_>>())
        }
        None => {
            let n = draft.mailboxes.len();
            (n, PageOf::whole(n), draft.mailboxes.iter().cloned().enumerate().collect())
        }
    };
    let review_url = crate::routes::wizard_step(&id, Step::Review);
    let page_link = move |p: usize| format!("{review_url}?pagina={p}#caselle");
    let offer = offers.iter().find(|o| o.code == draft.offer).map(|o| o.name.clone()).unwrap_or_default();
    // No script here: a second click while the first confirmation is on its way gets the
    // same order from the server (`usecases::drafts::confirm`).
    view! {
        <h2>"Verifica dei dati"</h2>
        <dl class="summary">
            <dt>"Denominazione"</dt>
            <dd>{draft.customer_name.clone()}</dd>
            <dt>"Tipo cliente"</dt>
            <dd>{customer_kind_label(&draft.customer_kind).to_string()}</dd>
            <dt>"Legale rappresentante"</dt>
            <dd>{draft.legal_rep_cf.trim().to_uppercase()}</dd>
            <dt>"Tipologia casella"</dt>
            <dd>{offer}</dd>
            <dt>"Anno scadenza caselle"</dt>
            <dd>{draft.expiry_year.clone()}</dd>
            <dt>"Numero ordine"</dt>
            <dd>{draft.customer_po.clone()}</dd>
        </dl>
        <h3 id="caselle" tabindex="-1">
            {format!("CASELLE LEGALMAIL ({total})")}
        </h3>
        <MailboxPager rows=page link=page_link.clone() />
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
                    {rows
                        .iter()
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
        {(page.pages > 1).then(|| view! { <MailboxPager rows=page link=page_link /> })}
        <form method="post" action=ConfirmOrder::url() class="actions">
            <input type="hidden" name="draft" value=id.to_string() />
            <button type="submit" name="azione" value="indietro">
                <span aria-hidden="true">"← "</span>
                "Indietro"
            </button>
            <button type="submit" name="azione" value="conferma" class="primary">
                "Conferma"
            </button>
        </form>
    }
    .into_any()
}
