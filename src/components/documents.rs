//! "Documentazione" of an order, on Dettaglio ordine and on the wizard's summary: the table
//! "Documenti" (each file downloaded by its name; "Rimuovi <file>" while the order is
//! PRENOTATO), the required documents still missing, and "Carica documentazione": a plain
//! multipart form (type and file) that works without JavaScript; with the page's small script
//! a file may also be dropped on it. The routes are in `pages/order_documents.rs`.

use crate::domain::documents::{DocumentRefusal, DocumentType, OrderDocuments, DOCUMENTS_PER_ORDER_MAX};
use crate::domain::OrderNumber;
use crate::error::AppError;
use crate::routes::{DocumentNotice, DocumentsPage};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The key under which the name of the last refused file is kept for the session (never in
/// the address).
pub fn refused_file_key(number: &OrderNumber) -> String {
    format!("documento-rifiutato:{number}")
}

/// What the section shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentsData {
    pub documents: OrderDocuments,
    /// The name of the file the last upload refused, in this session.
    pub refused_file: Option<String>,
}

#[server(endpoint = "ordine/documenti")]
pub async fn load_documents(number: OrderNumber) -> Result<DocumentsData, AppError> {
    let op = crate::server::require()?;
    let store = crate::server::store()?;
    Ok(DocumentsData {
        documents: crate::usecases::documents::list(&store, &op, &number).await?,
        refused_file: crate::server::stash::kept(&refused_file_key(&number)).await?,
    })
}

/// The section, loading its own data for order `number` shown on `page`.
#[component]
pub fn OrderDocumentsSection(number: OrderNumber, page: DocumentsPage) -> impl IntoView {
    let data = {
        let number = number.clone();
        Resource::new(move || number.clone(), load_documents)
    };
    let notice = leptos_router::hooks::use_query_map()
        .with_untracked(|q| q.get("documento").and_then(|c| DocumentNotice::from_code(&c)));
    view! {
        <section class="documents no-print" aria-labelledby="documentazione-h" id="documentazione">
            <h2 id="documentazione-h">"Documentazione"</h2>
            {crate::components::loaded(
                data,
                move |d| view! { <Documents number=number.clone() data=d page=page.clone() notice=notice /> },
            )}
        </section>
    }
}

#[component]
fn Documents(
    number: OrderNumber,
    data: DocumentsData,
    page: DocumentsPage,
    notice: Option<DocumentNotice>,
) -> impl IntoView {
    let DocumentsData { documents, refused_file } = data;
    let OrderDocuments { documents, editable, missing } = documents;
    let said = notice.map(|n| match n {
        DocumentNotice::Uploaded => ("notice", "status", "Documento caricato.".to_string()),
        DocumentNotice::Removed => ("notice", "status", "Documento rimosso.".to_string()),
        DocumentNotice::Refused(why) => {
            ("error-panel", "alert", why.message(refused_file.as_deref().unwrap_or_default()))
        }
    });
    let full = documents.len() as i64 >= DOCUMENTS_PER_ORDER_MAX;
    view! {
        {said
            .map(|(class, role, text)| {
                view! {
                    <div class=class role=role>
                        <p>{text}</p>
                    </div>
                }
            })}
        {(!missing.is_empty())
            .then(|| {
                let names: Vec<_> = missing.iter().map(|t| t.label()).collect();
                view! {
                    <p class="hint">
                        {format!("Documenti richiesti per l'evasione ancora mancanti: {}.", names.join(", "))}
                    </p>
                }
            })}
        <DocumentTable number=number.clone() documents=documents page=page.clone() editable=editable />
        {(editable && !full).then(|| view! { <UploadForm number=number.clone() page=page.clone() /> })}
        {(editable && full)
            .then(|| {
                view! { <p class="hint">{DocumentRefusal::TooMany.reason()}</p> }
            })}
    }
}

#[component]
fn DocumentTable(
    number: OrderNumber,
    documents: Vec<crate::domain::documents::DocumentRow>,
    page: DocumentsPage,
    editable: bool,
) -> impl IntoView {
    if documents.is_empty() {
        return view! { <p>"Nessun documento caricato."</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table>
                <caption>"Documenti"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Documento"</th>
                        <th scope="col">"Tipo"</th>
                        <th scope="col">"Caricato da"</th>
                        <th scope="col">"Data"</th>
                        <th scope="col">"Dimensione"</th>
                        {editable.then(|| view! { <th scope="col">"Azioni"</th> })}
                    </tr>
                </thead>
                <tbody>
                    {documents
                        .into_iter()
                        .map(|d| {
                            let href = crate::routes::order_document(&number, d.id);
                            let remove = crate::routes::order_document_remove(&number, d.id);
                            let name = d.file_name.clone();
                            view! {
                                <tr>
                                    <td>
                                        // A file, not a page: the router must not handle it.
                                        <a href=href rel="external" download=name.clone()>
                                            {name.clone()}
                                        </a>
                                    </td>
                                    <td>{d.doc_type.label()}</td>
                                    <td>{d.uploaded_by.clone()}</td>
                                    <td>{d.uploaded_at.italian_stamp()}</td>
                                    <td>{size(d.bytes)}</td>
                                    {editable
                                        .then(|| {
                                            view! {
                                                <td>
                                                    <form method="post" action=remove class="inline-form">
                                                        <ReturnField page=page.clone() />
                                                        <button
                                                            type="submit"
                                                            class="danger"
                                                            aria-label=format!("Rimuovi {name}")
                                                        >
                                                            "Rimuovi"
                                                        </button>
                                                    </form>
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
    .into_any()
}

/// `1,2 MB`, `340 kB`.
fn size(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0)).replace('.', ",")
    } else {
        format!("{} kB", (bytes + 1023) / 1024)
    }
}

/// On the wizard's summary, the forms say so, to lead back there.
#[component]
fn ReturnField(page: DocumentsPage) -> impl IntoView {
    match page {
        DocumentsPage::Summary(draft) => {
            view! { <input type="hidden" name="riepilogo" value=draft.to_string() /> }.into_any()
        }
        DocumentsPage::Order(_) => ().into_any(),
    }
}

/// "Carica documentazione": the type and the file, in a plain multipart form.
#[component]
fn UploadForm(number: OrderNumber, page: DocumentsPage) -> impl IntoView {
    crate::components::islands::enhanced();
    view! {
        <form
            method="post"
            action=crate::routes::order_documents(&number)
            enctype="multipart/form-data"
            class="document-upload"
            data-enhance="drop"
        >
            <ReturnField page=page.clone() />
            <label for="documento-tipo">"Tipo documento"</label>
            <select id="documento-tipo" name="tipo" required>
                <option value="">"Scegliere il tipo…"</option>
                {DocumentType::ALL
                    .into_iter()
                    .map(|t| view! { <option value=t.code()>{t.label()}</option> })
                    .collect_view()}
            </select>
            <label for="documento-file">"Carica documentazione"</label>
            <input
                type="file"
                id="documento-file"
                name="documento"
                required
                aria-describedby="documento-aiuto"
                accept=".pdf,.jpg,.jpeg,.png,.p7m,application/pdf,image/jpeg,image/png,application/pkcs7-mime"
            />
            <p id="documento-aiuto" class="hint">
                "PDF, JPEG, PNG o documento firmato .p7m, al massimo 10 MB; fino a 20 documenti per ordine. "
                "Il file si può anche trascinare qui."
            </p>
            <button type="submit">"Carica"</button>
        </form>
    }
}
