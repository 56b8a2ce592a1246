//! Step 2 of a large request (from `TABLE_FROM` mailboxes, typically a CSV import): instead of
//! hundreds of fieldsets, a compact table (row, address, state, first error), paged, with the
//! filter "solo righe con errori", and one row editor validated on every keystroke.
//!
//! The rows stay on the server, which validates them all and sends one page (`LargeRequest`).
//! Every button posts the step-2 form, with or without JavaScript, so that the expiry year and
//! order number typed above are saved with the change; the server answers with the table as the
//! URL describes it (`?errori=1&pagina=2&riga=7`). With JavaScript "Correggi" opens the editor
//! in place, the filter applies as soon as it is ticked, and the editor checks each keystroke
//! here and, a moment later, against the other rows on the server (`check_row`).

use super::{check_row, LargeRequest, TableRow, WizardAction};
use crate::components::{focus_element, sleep_ms, MailboxFields, TextField};
use crate::domain::request::validate_mailbox_after;
use crate::domain::{MailboxField, MailboxInput, MailboxReport, Rules};
use leptos::prelude::*;

/// Pause between the last keystroke in the editor and the server's check of the row.
const CHECK_DELAY_MS: u32 = 300;

/// The row editor: which row it holds (`total` for a new one) and its fields.
#[derive(Clone, Copy)]
pub struct RowEditor {
    pub index: RwSignal<Option<usize>>,
    pub fields: MailboxFields,
}

impl RowEditor {
    pub fn new(editing: Option<&(usize, MailboxInput)>) -> Self {
        let empty = MailboxInput::default();
        let row = editing.map(|(_, m)| m).unwrap_or(&empty);
        Self { index: RwSignal::new(editing.map(|(i, _)| *i)), fields: MailboxFields::new(row) }
    }

    pub fn open(&self, index: usize, row: &MailboxInput) {
        self.fields.load(row);
        self.index.set(Some(index));
    }

    pub fn input(&self) -> MailboxInput {
        self.fields.input()
    }
}

pub use crate::domain::wizard::editor_field_id;

#[component]
pub fn RowTable(
    draft: crate::domain::DraftId,
    table: LargeRequest,
    rules: Memo<Rules>,
    editor: RowEditor,
    attempted: RwSignal<bool>,
) -> impl IntoView {
    let draft = StoredValue::new(draft);
    let LargeRequest { total, errors, only_errors, rows: page, page_rows, .. } = table;
    let rows = StoredValue::new(page_rows.clone());
    let open = move |i: usize| {
        let row = rows.with_value(|r| r.iter().find(|r| r.index == i).map(|r| r.mailbox.clone()));
        editor.open(i, &row.unwrap_or_default());
        set_timeout(move || focus_element(&editor_field_id(MailboxField::Address)), Default::default());
    };

    let row_view = move |row: TableRow| {
        let TableRow { index: i, mailbox, first_error } = row;
        let n = i + 1;
        let bad = first_error.is_some();
        let state = if bad { "Errore" } else { "Valida" };
        view! {
            <tr id=format!("riga-{n}") class:row-error=bad>
                <td>{n}</td>
                <td>{mailbox.address}</td>
                <td>{state}</td>
                <td>{first_error}</td>
                <td class="row-actions">
                    <button
                        type="submit"
                        name="azione"
                        id=format!("correggi-{n}")
                        value=WizardAction::Edit(i).value()
                        on:click=move |ev| {
                            ev.prevent_default();
                            open(i);
                        }
                    >
                        {format!("Correggi casella {n}")}
                    </button>
                    <button type="submit" name="azione" class="remove" value=WizardAction::Remove(i).value()>
                        {format!("Rimuovi casella {n}")}
                    </button>
                </td>
            </tr>
        }
    };

    let pager_button = move |p: usize, label: &'static str| {
        view! {
            <button type="submit" name="azione" value=WizardAction::Page(p).value()>
                {label}
            </button>
        }
    };
    let title = match errors {
        0 => format!("{total} caselle, nessuna con errori"),
        1 => format!("{total} caselle, 1 con errori"),
        e => format!("{total} caselle, {e} con errori"),
    };
    let empty = page_rows.is_empty();

    view! {
        <section id="tabella" class="row-table" aria-labelledby="tabella-titolo">
            <input type="hidden" name="righe" value="bozza" />
            <input type="hidden" name="pagina" value=page.page.to_string() />
            <h3 id="tabella-titolo" tabindex="-1">
                {title}
            </h3>
            <div class="table-tools">
                <label class="check">
                    <input
                        type="checkbox"
                        name="solo_errori"
                        value="1"
                        checked=only_errors
                        // With JavaScript the filter applies at once, through the same post.
                        on:change=move |_| click_element("filtra")
                    />
                    " solo righe con errori"
                </label>
                <button type="submit" name="azione" value="filtra" id="filtra" class="no-js-only">
                    "Filtra"
                </button>
            </div>
            {move || {
                editor
                    .index
                    .get()
                    .map(|i| {
                        view! {
                            <RowEditorView
                                index=i
                                draft=draft.get_value()
                                rules=rules
                                editor=editor
                                attempted=attempted
                            />
                        }
                    })
            }}
            <div class="table-wrap">
                <table class="rows">
                    <caption class="visually-hidden">"Caselle della richiesta"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Riga"</th>
                            <th scope="col">"Nome casella"</th>
                            <th scope="col">"Stato"</th>
                            <th scope="col">"Primo errore"</th>
                            <th scope="col">"Azioni"</th>
                        </tr>
                    </thead>
                    <tbody>{page_rows.into_iter().map(row_view).collect_view()}</tbody>
                </table>
            </div>
            {empty.then(|| view! { <p>"Nessuna casella con errori."</p> })}
            <nav aria-label="Pagine della tabella" class="pager">
                {(page.page > 1).then(|| pager_button(page.page - 1, "Pagina precedente"))}
                <span>{format!("Pagina {} di {}", page.page, page.pages)}</span>
                {(page.page < page.pages).then(|| pager_button(page.page + 1, "Pagina successiva"))}
            </nav>
        </section>
    }
}

/// Clicks the element with this id (event handlers only).
fn click_element(id: &str) {
    use leptos::wasm_bindgen::JsCast;
    if let Some(el) = document().get_element_by_id(id).and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        el.click();
    }
}

/// The editor of one row: the fields of a mailbox block. Each keystroke is checked here; the
/// server's verdict on the same values (duplicates of other rows, names taken) follows.
#[component]
fn RowEditorView(
    index: usize,
    draft: crate::domain::DraftId,
    rules: Memo<Rules>,
    editor: RowEditor,
    attempted: RwSignal<bool>,
) -> impl IntoView {
    let n = index + 1;
    // The server's report and the values it judged; used only while the values are the same.
    let judged = RwSignal::new(None::<(MailboxInput, MailboxReport)>);
    let report = Memo::new(move |_| {
        let m = editor.input();
        judged
            .with(|j| j.as_ref().filter(|(input, _)| *input == m).map(|(_, r)| r.clone()))
            .unwrap_or_else(|| rules.with(|rules| validate_mailbox_after(&[], &m, rules)))
    });
    let draft = StoredValue::new(draft);
    let generation = StoredValue::new(0u64);
    Effect::new(move |_| {
        let m = editor.input();
        generation.update_value(|g| *g += 1);
        let current = generation.get_value();
        leptos::task::spawn_local(async move {
            sleep_ms(CHECK_DELAY_MS).await;
            if generation.try_get_value() != Some(current) {
                return;
            }
            // Offline or failing: the local check stands; the server checks again on save.
            if let Ok(r) = check_row(draft.get_value(), index, m.clone()).await {
                if generation.try_get_value() == Some(current) {
                    judged.try_set(Some((m, r)));
                }
            }
        });
    });
    let field_view = move |(fi, f): (usize, MailboxField)| {
        let touched = editor.fields.touched[fi];
        let error = Signal::derive(move || {
            (attempted.get() || touched.get())
                .then(|| report.with(|r| r.error(f).map(ToString::to_string)))
                .flatten()
        });
        let warning = Signal::derive(move || report.with(|r| r.warning(f).map(ToString::to_string)));
        let kind = if f == MailboxField::PasswordEmail { "email" } else { "text" };
        view! {
            <TextField
                id=editor_field_id(f)
                name=format!("riga[{}]", f.key())
                label=f.label()
                value=editor.fields.values[fi]
                touched=touched
                error=error
                warning=warning
                required=f.required()
                kind=kind
                autocomplete=Some("off")
                clear=Signal::stored(WizardAction::Clear(index, f).value())
            />
        }
    };
    view! {
        <fieldset class="mailbox editor" id="editor">
            <legend>{format!("Casella {n}")}</legend>
            <input type="hidden" name="riga_indice" value=index.to_string() />
            <div class="mailbox-fields">
                {MailboxField::ALL.into_iter().enumerate().map(field_view).collect_view()}
            </div>
            <div class="editor-actions">
                <button type="submit" name="azione" value="salva" class="primary">
                    {format!("Salva casella {n}")}
                </button>
                <button
                    type="submit"
                    name="azione"
                    value="annulla"
                    on:click=move |ev| {
                        ev.prevent_default();
                        editor.index.set(None);
                    }
                >
                    "Annulla"
                </button>
            </div>
        </fieldset>
    }
}
