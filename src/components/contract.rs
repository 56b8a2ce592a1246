//! The contract of a booked order, shown by Dettaglio ordine and the wizard's summary:
//! "Download Contratto", "Upload Firma Contratto" and "Annulla ordine".

use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// Cancels a booked order (its mailboxes are released).
#[server(endpoint = "ordine/annulla")]
pub async fn cancel_order(number: crate::domain::OrderNumber) -> Result<(), AppError> {
    let op = crate::server::require()?;
    let store = crate::server::store()?;
    use crate::usecases::orders::{cancel, Cancellation};
    if !matches!(cancel(&store, &op, &number).await?, Cancellation::Cancelled) {
        return Err(AppError::BadRequest(format!("l'ordine {number} non è prenotato: non si può annullare")));
    }
    crate::server::redirect::redirect(&crate::routes::order_outcome(
        &number,
        crate::routes::OrderOutcome::Cancelled,
    ));
    Ok(())
}

/// "Download Contratto", and for a booked order "Upload Firma Contratto" (a plain multipart
/// form; with JavaScript choosing the file is enough).
#[component]
pub fn ContractControls(
    number: crate::domain::OrderNumber,
    state: crate::domain::OrderState,
    signed: bool,
) -> impl IntoView {
    let booked = state == crate::domain::OrderState::Prenotato;
    view! {
        <section class="contract no-print" aria-labelledby="contratto-h" id="contratto">
            <h2 id="contratto-h">"Contratto"</h2>
            <p>
                // Files, not pages: the router must not handle them.
                <a
                    href=crate::routes::contract_pdf(&number)
                    download=format!("contratto-{number}.pdf")
                    rel="external"
                >
                    "Download Contratto"
                </a>
                {signed
                    .then(|| {
                        view! {
                            " · "
                            <a href=crate::routes::signed_contract(&number) rel="external">
                                "Scarica il contratto firmato"
                            </a>
                        }
                    })}
            </p>
            {booked
                .then(|| {
                    view! {
                        <ContractUpload number=number.clone() />
                        <form method="post" action=CancelOrder::url() class="inline-form">
                            <input type="hidden" name="number" value=number.to_string() />
                            <button type="submit" class="danger">
                                "Annulla ordine"
                            </button>
                        </form>
                    }
                })}
        </section>
    }
}

/// "Upload Firma Contratto": a plain multipart form (its button posts it without JavaScript);
/// with the page's small script (`public/enhance.js`) choosing the file is enough, also a file
/// chosen before the script ran. No island: nothing here needs the WASM bundle.
#[component]
fn ContractUpload(number: crate::domain::OrderNumber) -> impl IntoView {
    crate::components::islands::enhanced();
    view! {
        <form
            method="post"
            action=crate::routes::contract_upload(&number)
            enctype="multipart/form-data"
            class="contract-upload"
            data-enhance="submit-on-choice"
        >
            <label for="contratto-file">"Upload Firma Contratto"</label>
            <input
                type="file"
                id="contratto-file"
                name="contratto"
                aria-describedby="contratto-aiuto"
                accept=".pdf,.p7m,application/pdf,application/pkcs7-mime"
            />
            <p id="contratto-aiuto" class="hint">
                "Il contratto scaricato con Download Contratto, firmato digitalmente dal legale rappresentante: PDF firmato (PAdES) oppure file .p7m (CAdES), al massimo 5 MB. "
                "Caricandolo l'ordine viene evaso e le caselle attivate."
            </p>
            <button type="submit" class="no-js-only">
                "Invia contratto firmato"
            </button>
        </form>
    }
}
