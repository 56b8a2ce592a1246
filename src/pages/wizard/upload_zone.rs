//! The CSV drop zone of step 2. Without JavaScript, "Carica" posts the whole step-2 form with
//! the file (multipart), so that nothing typed is lost, and the server answers with the page.
//! With JavaScript a file chosen or dropped is first read in the browser by the same reader
//! and validators as the server's (an instant answer, and a bad file never leaves the
//! browser), then sent the same way with a progress bar; the page is then loaded again.

use crate::domain::{MailboxInput, Rules};
use leptos::prelude::*;

/// What the browser made of the chosen file.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))] // only the browser fills it
enum Preview {
    Idle,
    /// Read and checked here; being sent (`sent` from 0 to 1).
    Sending {
        file: String,
        rows: usize,
        errors: usize,
        example: bool,
        ms: f64,
        sent: f64,
    },
    /// Refused here: not sent, nothing changed.
    Refused {
        file: String,
        error: String,
    },
    /// The server could not be reached or refused the upload.
    Failed(String),
}

#[component]
pub fn UploadZone(
    /// Where the form goes with the file.
    action: String,
    /// The mailboxes already in the request, for duplicates.
    existing: Signal<Vec<MailboxInput>>,
    rules: Memo<Rules>,
) -> impl IntoView {
    let preview = RwSignal::new(Preview::Idle);
    let dragging = RwSignal::new(false);
    let action = StoredValue::new(action);
    #[cfg(feature = "hydrate")]
    let start = move |file: web_sys::File| {
        browser::start(file, action.get_value(), existing, rules, preview);
    };
    // Event handlers never run on the server.
    #[cfg(not(feature = "hydrate"))]
    let start = move |_: web_sys::File| {
        let _ = (existing, rules);
    };
    let on_change = move |ev: leptos::ev::Event| {
        use leptos::wasm_bindgen::JsCast;
        let input = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok());
        if let Some(file) = input.and_then(|i| i.files()).and_then(|f| f.get(0)) {
            start(file);
        }
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        if let Some(file) = ev.data_transfer().and_then(|d| d.files()).and_then(|f| f.get(0)) {
            start(file);
        }
    };
    view! {
        <div
            class="upload"
            id="importazione"
            class:dragging=move || dragging.get()
            on:dragover=move |ev: leptos::ev::DragEvent| {
                ev.prevent_default();
                dragging.set(true);
            }
            on:dragleave=move |_| dragging.set(false)
            on:drop=on_drop
        >
            <p class="drop-text">"Trascina i file da allegare o sfoglia"</p>
            <label for="csv-file">"Carica file CSV"</label>
            <input
                type="file"
                id="csv-file"
                name="file"
                accept=".csv,text/csv,text/plain"
                on:change=on_change
            />
            // Without JavaScript: posts the whole form with the file. With it, choosing is enough.
            <button
                type="submit"
                id="csv-upload"
                name="azione"
                value="carica"
                class="no-js-only"
                formaction=action.get_value()
                formenctype="multipart/form-data"
                formnovalidate=true
            >
                "Carica"
            </button>
            <p class="template-link">
                // A file, not a page: the router must not handle it.
                <a href=crate::routes::CSV_TEMPLATE download="modello-caselle.csv" rel="external">
                    "Scarica un esempio"
                </a>
                " (le colonne e una riga di esempio, che non serve cancellare)"
            </p>
            {move || preview_view(preview.get())}
        </div>
    }
}

fn preview_view(p: Preview) -> impl IntoView {
    match p {
        Preview::Idle => ().into_any(),
        Preview::Sending { file, rows, errors, example, ms, sent } => {
            let rows_text = match rows {
                0 => "nessuna casella da aggiungere".to_string(),
                1 => "1 casella da aggiungere".to_string(),
                n => format!("{n} caselle da aggiungere"),
            };
            let errors_text = match errors {
                0 => String::new(),
                1 => ", 1 con errori".to_string(),
                n => format!(", {n} con errori"),
            };
            let example_text = if example { " (la riga di esempio è ignorata)" } else { "" };
            let percent = (sent * 100.0).round() as u32;
            view! {
                <div role="status" id="anteprima" data-parse-ms=format!("{ms:.1}")>
                    <p>
                        {format!(
                            "File «{file}»: {rows_text}{errors_text}{example_text}. Invio in corso…",
                        )}
                    </p>
                    <progress max="100" value=percent.to_string() aria-label="Invio del file">
                        {format!("{percent}%")}
                    </progress>
                </div>
            }
            .into_any()
        }
        Preview::Refused { file, error } => view! {
            <div role="alert" class="error-panel" id="anteprima">
                <p>{format!("File «{file}»: {error}. Nessuna casella aggiunta.")}</p>
            </div>
        }
        .into_any(),
        Preview::Failed(why) => view! {
            <div role="alert" class="error-panel" id="anteprima">
                <p>{format!("Caricamento non riuscito: {why}. Nessuna casella aggiunta.")}</p>
            </div>
        }
        .into_any(),
    }
}

/// The browser side: read, check, send with progress, reload the wizard's data.
#[cfg(feature = "hydrate")]
mod browser {
    use super::Preview;
    use crate::domain::csv_file;
    use crate::domain::{MailboxInput, Rules};
    use leptos::prelude::*;
    use leptos::wasm_bindgen::{closure::Closure, JsCast, JsValue};

    pub fn start(
        file: web_sys::File,
        action: String,
        existing: Signal<Vec<MailboxInput>>,
        rules: Memo<Rules>,
        preview: RwSignal<Preview>,
    ) {
        leptos::task::spawn_local(async move {
            let name = file.name();
            let bytes = match read(&file).await {
                Ok(b) => b,
                Err(_) => {
                    preview.set(Preview::Failed("il file non può essere letto".into()));
                    return;
                }
            };
            let now = || window().performance().map(|p| p.now()).unwrap_or_default();
            let t0 = now();
            let checked =
                existing.with_untracked(|e| rules.with_untracked(|r| csv_file::check(&bytes, e, r)));
            let ms = now() - t0;
            let (rows, errors, example) = match checked {
                Ok(c) => (c.rows, c.errors, c.example_line.is_some()),
                Err(error) => {
                    clear_input();
                    preview.set(Preview::Refused { file: name, error: error.to_string() });
                    return;
                }
            };
            preview.set(Preview::Sending { file: name, rows, errors, example, ms, sent: 0.0 });
            if let Err(why) = send(&action, file, preview).await {
                clear_input();
                preview.set(Preview::Failed(why));
                return;
            }
            // The server saved the draft with the file's rows: show the page again.
            let _ = window().location().reload();
        });
    }

    async fn read(file: &web_sys::File) -> Result<Vec<u8>, JsValue> {
        let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await?;
        Ok(js_sys::Uint8Array::new(&buffer).to_vec())
    }

    fn clear_input() {
        if let Some(input) = document()
            .get_element_by_id("csv-file")
            .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
        {
            input.set_value("");
        }
    }

    /// Posts the step-2 form with `file` as the upload route expects it, reporting progress.
    async fn send(action: &str, file: web_sys::File, preview: RwSignal<Preview>) -> Result<(), String> {
        let failed = |_| "errore del browser".to_string();
        let form = document()
            .get_element_by_id("csv-file")
            .and_then(|e| e.closest("form").ok().flatten())
            .and_then(|f| f.dyn_into::<web_sys::HtmlFormElement>().ok())
            .ok_or("modulo non trovato")?;
        let data = web_sys::FormData::new_with_form(&form).map_err(failed)?;
        data.set_with_blob_and_filename("file", &file, &file.name()).map_err(failed)?;
        data.set_with_str("azione", "carica").map_err(failed)?;
        let xhr = web_sys::XmlHttpRequest::new().map_err(failed)?;
        xhr.open("POST", action).map_err(failed)?;
        // Tells the server to answer 204 rather than redirect to a page we do not need.
        xhr.set_request_header("X-Pec-Upload", "xhr").map_err(failed)?;
        let on_progress =
            Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
                if e.length_computable() && e.total() > 0.0 {
                    preview.update(|p| {
                        if let Preview::Sending { sent, .. } = p {
                            *sent = e.loaded() / e.total();
                        }
                    });
                }
            });
        xhr.upload().map_err(failed)?.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
        let (done_tx, done_rx) = futures::channel::oneshot::channel::<()>();
        let done_tx = std::cell::Cell::new(Some(done_tx));
        let on_end = Closure::<dyn FnMut()>::new(move || {
            if let Some(tx) = done_tx.take() {
                let _ = tx.send(());
            }
        });
        xhr.set_onloadend(Some(on_end.as_ref().unchecked_ref()));
        xhr.send_with_opt_form_data(Some(&data)).map_err(failed)?;
        let _ = done_rx.await;
        // The callbacks live until the request is over.
        drop((on_progress, on_end));
        match xhr.status().unwrap_or(0) {
            200..=299 => Ok(()),
            0 => Err("server non raggiungibile".into()),
            413 => Err(crate::domain::csv_file::CsvError::TooLarge(
                crate::domain::csv_file::MAX_FILE_BYTES / (1024 * 1024),
            )
            .to_string()),
            _ => Err(xhr.response_text().ok().flatten().unwrap_or_default()),
        }
    }
}
