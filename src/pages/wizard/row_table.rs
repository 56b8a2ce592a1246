//! Step 2 of a large request (from `TABLE_FROM` mailboxes, typically a CSV import): instead of
//! hundreds of fieldsets, a compact table (row, address, state, first error), paged, with the
//! filter "solo righe con errori", and one row editor validated on every keystroke.
//!
//! The rows stay in the saved draft. Without JavaScript every button posts the step-2 form and
//! the server answers with the table as the URL describes it (`?errori=1&pagina=2&riga=7`).
//! With JavaScript the same buttons act in place: the editor opens in the page, and saving or
//! removing a row sends only that row (`save_row`, `remove_row`).

use super::{remove_row, save_row, TableView, WizardAction, TABLE_PAGE_ROWS};
use crate::components::{focus_element, MailboxFields, TextField};
use crate::domain::request::validate_mailbox_after;
use crate::domain::{MailboxField, MailboxInput, MailboxReport, Rules};
use leptos::prelude::*;

/// The row editor: which row it holds (`rows.len()` for a new one) and its fields.
#[derive(Clone, Copy)]
pub struct RowEditor {
    pub index: RwSignal<Option<usize>>,
    pub fields: MailboxFields,
}

impl RowEditor {
    pub fn new(rows: &[MailboxInput], editing: Option<usize>) -> Self {
        let empty = MailboxInput::default();
        let row = editing.and_then(|i| rows.get(i)).unwrap_or(&empty);
        Self { index: RwSignal::new(editing.filter(|i| *i <= rows.len())), fields: MailboxFields::new(row) }
    }

    pub fn open(&self, index: usize, row: &MailboxInput) {
        self.fields.load(row);
        self.index.set(Some(index));
    }

    pub fn input(&self) -> MailboxInput {
        self.fields.input()
    }
}

pub fn editor_field_id(f: MailboxField) -> String {
    format!("riga-{}", f.key().replace('_', "-"))
}

/// "Nome casella: Campo obbligatorio", the first error of a row.
pub fn first_error(report: &MailboxReport) -> Option<String> {
    report.errors.first().map(|(f, e)| format!("{}: {e}", f.label()))
}

fn pages(n: usize) -> usize {
    n.div_ceil(TABLE_PAGE_ROWS).max(1)
}

#[component]
pub fn RowTable(
    draft: String,
    rows: RwSignal<Vec<MailboxInput>>,
    reports: Memo<Vec<MailboxReport>>,
    rules: Memo<Rules>,
    editor: RowEditor,
    view: RwSignal<TableView>,
    attempted: RwSignal<bool>,
) -> impl IntoView {
    let draft = StoredValue::new(draft);
    // What a failed in-place save or removal says.
    let message = RwSignal::new(None::<String>);
    let errors = Memo::new(move |_| reports.with(|r| r.iter().filter(|r| !r.is_ok()).count()));
    // Rows that pass the filter, by index.
    let shown = Memo::new(move |_| {
        let only_errors = view.with(|v| v.only_errors);
        reports.with(|r| (0..r.len()).filter(|&i| !only_errors || !r[i].is_ok()).collect::<Vec<_>>())
    });
    let page_count = Memo::new(move |_| shown.with(|s| pages(s.len())));
    let page = Memo::new(move |_| view.with(|v| v.page).clamp(1, page_count.get()));

    let close_editor = move || {
        editor.index.set(None);
        message.set(None);
    };
    let open = move |i: usize| {
        let row = rows.with_untracked(|r| r.get(i).cloned()).unwrap_or_default();
        editor.open(i, &row);
        message.set(None);
        set_timeout(move || focus_element(&editor_field_id(MailboxField::Address)), Default::default());
    };
    let remove = move |i: usize| {
        leptos::task::spawn_local(async move {
            match remove_row(draft.get_value(), i).await {
                Ok(()) => {
                    rows.update(|r| {
                        if i < r.len() {
                            r.remove(i);
                        }
                        if r.is_empty() {
                            r.push(MailboxInput::default());
                        }
                    });
                    match editor.index.get_untracked() {
                        Some(e) if e == i => close_editor(),
                        Some(e) if e > i => editor.index.set(Some(e - 1)),
                        _ => {}
                    }
                    message.set(Some(format!("Casella {} rimossa.", i + 1)));
                    focus_element("tabella-titolo");
                }
                Err(e) => message.set(Some(e.to_string())),
            }
        });
    };
    let save = move || {
        let Some(i) = editor.index.get_untracked() else { return };
        let row = editor.input();
        leptos::task::spawn_local(async move {
            match save_row(draft.get_value(), i, row.clone()).await {
                Ok(()) => {
                    rows.update(|r| {
                        if i < r.len() {
                            r[i] = row;
                        } else {
                            r.push(row);
                        }
                    });
                    close_editor();
                    message.set(Some(format!("Casella {} salvata.", i + 1)));
                    set_timeout(move || focus_element(&format!("correggi-{}", i + 1)), Default::default());
                }
                Err(e) => message.set(Some(e.to_string())),
            }
        });
    };

    let row_view = move |i: usize| {
        let (address, report) = (
            rows.with(|r| r.get(i).map(|m| m.address.clone()).unwrap_or_default()),
            reports.with(|r| r.get(i).cloned().unwrap_or_default()),
        );
        let n = i + 1;
        let error = first_error(&report);
        let bad = error.is_some();
        let state = if bad { "Errore" } else { "Valida" };
        view! {
            <tr id=format!("riga-{n}") class:row-error=bad>
                <td>{n}</td>
                <td>{address}</td>
                <td>{state}</td>
                <td>{error}</td>
                <td class="row-actions">
                    <button type="submit" name="azione" id=format!("correggi-{n}")
                        value=WizardAction::Edit(i).value()
                        on:click=move |ev| {
                            ev.prevent_default();
                            open(i);
                        }
                    >
                        {format!("Correggi casella {n}")}
                    </button>
                    <button type="submit" name="azione" class="remove"
                        value=WizardAction::Remove(i).value()
                        on:click=move |ev| {
                            ev.prevent_default();
                            remove(i);
                        }
                    >
                        {format!("Rimuovi casella {n}")}
                    </button>
                </td>
            </tr>
        }
    };

    let go_to = move |p: usize| {
        view.update(|v| v.page = p);
        focus_element("tabella-titolo");
    };
    let pager_button = move |p: usize, label: &'static str| {
        view! {
            <button type="submit" name="azione" value=WizardAction::Page(p).value()
                on:click=move |ev| {
                    ev.prevent_default();
                    go_to(p);
                }
            >
                {label}
            </button>
        }
    };

    view! {
        <section id="tabella" class="row-table" aria-labelledby="tabella-titolo">
            <input type="hidden" name="righe" value="bozza"/>
            <input type="hidden" name="pagina" value=move || page.get().to_string()/>
            <h3 id="tabella-titolo" tabindex="-1">
                {move || {
                    let (n, e) = (rows.with(Vec::len), errors.get());
                    match e {
                        0 => format!("{n} caselle, nessuna con errori"),
                        1 => format!("{n} caselle, 1 con errori"),
                        e => format!("{n} caselle, {e} con errori"),
                    }
                }}
            </h3>
            <div class="table-tools">
                <label class="check">
                    <input
                        type="checkbox"
                        name="solo_errori"
                        value="1"
                        checked=view.with_untracked(|v| v.only_errors)
                        prop:checked=move || view.with(|v| v.only_errors)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            view.update(|v| {
                                v.only_errors = on;
                                v.page = 1;
                            });
                        }
                    />
                    " solo righe con errori"
                </label>
                // Without JavaScript the filter applies with this button; with it, at once.
                <button type="submit" name="azione" value="filtra" class="no-js-only"
                    on:click=move |ev| ev.prevent_default()>
                    "Filtra"
                </button>
            </div>
            {move || message.get().map(|m| view! { <p role="status" class="notice">{m}</p> })}
            {move || {
                editor.index.get().map(|i| view! {
                    <RowEditorView index=i rows=rows rules=rules editor=editor attempted=attempted
                        on_save=save on_cancel=close_editor/>
                })
            }}
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
                <tbody>
                    {move || {
                        let p = page.get();
                        shown.with(|s| {
                            s.iter()
                                .skip((p - 1) * TABLE_PAGE_ROWS)
                                .take(TABLE_PAGE_ROWS)
                                .map(|&i| row_view(i))
                                .collect_view()
                        })
                    }}
                </tbody>
            </table>
            {move || shown.with(Vec::is_empty).then(|| view! { <p>"Nessuna casella con errori."</p> })}
            <nav aria-label="Pagine della tabella" class="pager">
                {move || (page.get() > 1).then(|| pager_button(page.get() - 1, "Pagina precedente"))}
                <span>{move || format!("Pagina {} di {}", page.get(), page_count.get())}</span>
                {move || (page.get() < page_count.get()).then(|| pager_button(page.get() + 1, "Pagina successiva"))}
            </nav>
        </section>
    }
}

/// The editor of one row: the fields of a mailbox block, checked like the typed ones, with
/// duplicates against every row before it.
#[component]
fn RowEditorView(
    index: usize,
    rows: RwSignal<Vec<MailboxInput>>,
    rules: Memo<Rules>,
    editor: RowEditor,
    attempted: RwSignal<bool>,
    on_save: impl Fn() + Copy + Send + Sync + 'static,
    on_cancel: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let n = index + 1;
    let report = Memo::new(move |_| {
        let m = editor.input();
        rows.with(|r| rules.with(|rules| validate_mailbox_after(&r[..index.min(r.len())], &m, rules)))
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
            <input type="hidden" name="riga_indice" value=index.to_string()/>
            <div class="mailbox-fields">
                {MailboxField::ALL.into_iter().enumerate().map(field_view).collect_view()}
            </div>
            <div class="editor-actions">
                <button type="submit" name="azione" value="salva" class="primary"
                    on:click=move |ev| {
                        ev.prevent_default();
                        on_save();
                    }
                >
                    {format!("Salva casella {n}")}
                </button>
                <button type="submit" name="azione" value="annulla"
                    on:click=move |ev| {
                        ev.prevent_default();
                        on_cancel();
                    }
                >
                    "Annulla"
                </button>
            </div>
        </fieldset>
    }
}
