//! Step 2, "Casella PEC — Caselle PEC": expiry year, customer's order number and one block per
//! mailbox, validated on every keystroke; names are checked against the platform while typing.

use super::request_step::AlreadyOrdered;
use super::row_table::{editor_field_id, RowEditor, RowTable};
use super::upload_zone::UploadZone;
use super::{
    mailbox_field_id, mailbox_field_name, with_wizard, SaveMailboxes, StepList, WizardAction, WizardData,
};
use crate::components::availability::check_availability;
use crate::components::not_found::NotFoundPage;
use crate::components::{focus_element, sleep_ms, MailboxFields, TextField};
use crate::domain::csv_file::ImportNote;
use crate::domain::request::{validate_mailboxes, validate_mailboxes_header};
use crate::domain::{fields, MailboxField, MailboxInput, OrderDraft, RequestField};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use std::collections::BTreeSet;

/// Debounce of the availability check while typing.
const CHECK_DELAY_MS: u32 = 400;

#[component]
pub fn MailboxesStep() -> impl IntoView {
    view! {
        <Title text="Attivazione casella — Caselle PEC" />
        <h1>"Attivazione casella"</h1>
        <StepList current=2 />
        {with_wizard(|data| match (&data.id, &data.order_number) {
            (None, _) => {
                // Step 2 is always of a saved draft (its address names it).
                view! { <NotFoundPage /> }
                    .into_any()
            }
            (Some(id), Some(_)) => view! { <AlreadyOrdered id=id.clone() /> }.into_any(),
            _ => view! { <MailboxesForm data=data /> }.into_any(),
        })}
    }
}

/// One mailbox block: a key that survives removals above it, and its fields.
#[derive(Clone, Copy)]
struct Block {
    key: u64,
    fields: MailboxFields,
}

impl Block {
    fn new(key: u64, m: &MailboxInput) -> Self {
        Self { key, fields: MailboxFields::new(m) }
    }

    fn input(&self) -> MailboxInput {
        self.fields.input()
    }
}

fn field_index(f: MailboxField) -> usize {
    MailboxField::ALL.iter().position(|g| *g == f).unwrap_or(0)
}

/// Names are checked against the platform a moment after the typing stops. The first run
/// is skipped: the server checked the saved values when it rendered the page.
fn watch_availability(
    blocks: RwSignal<Vec<Block>>,
    domains: Vec<String>,
    taken_addresses: RwSignal<BTreeSet<String>>,
    taken_nicknames: RwSignal<BTreeSet<String>>,
) {
    let generation = StoredValue::new(0u64);
    Effect::new(move |prev: Option<()>| {
        let (address, nickname) = (field_index(MailboxField::Address), field_index(MailboxField::Nickname));
        // The names being typed: every block's, or the table's row editor's.
        // (The table's row editor asks the server about its row itself.)
        let typed: Vec<(String, String)> = blocks.with(|bs| {
            bs.iter().map(|b| (b.fields.values[address].get(), b.fields.values[nickname].get())).collect()
        });
        let addresses: Vec<String> =
            typed.iter().filter_map(|(a, _)| fields::mailbox_address(a, &domains).ok()).collect();
        let nicknames: Vec<String> =
            typed.iter().filter_map(|(_, n)| fields::nickname(n).ok().filter(|n| !n.is_empty())).collect();
        // Offline, nothing to ask: the server checks again on Conferma.
        if prev.is_none() || !window().navigator().on_line() {
            return;
        }
        generation.update_value(|g| *g += 1);
        let current = generation.get_value();
        leptos::task::spawn_local(async move {
            sleep_ms(CHECK_DELAY_MS).await;
            // `try_`: the form may be gone meanwhile (a CSV upload re-renders it).
            if generation.try_get_value() != Some(current) {
                return;
            }
            // Offline or failing: keep the last answer; the server checks again on Conferma.
            let asked = (addresses.clone(), nicknames.clone());
            if let Ok(av) = check_availability(addresses, nicknames).await {
                if generation.try_get_value() == Some(current) {
                    // Only the names asked about change: the others keep what the server said.
                    let merge = |set: &mut BTreeSet<String>, asked: &[String], taken: &BTreeSet<String>| {
                        for name in asked.iter().map(|n| fields::name_key(n)) {
                            if taken.contains(&name) {
                                set.insert(name);
                            } else {
                                set.remove(&name);
                            }
                        }
                    };
                    taken_addresses.try_update(|s| merge(s, &asked.0, &av.taken_addresses));
                    taken_nicknames.try_update(|s| merge(s, &asked.1, &av.taken_nicknames));
                }
            }
        });
    });
}

/// The whole step-2 form: every keystroke checked with the server's rules, names checked
/// against the platform, blocks added and removed in place, the CSV read here before upload.
#[island]
fn MailboxesForm(data: WizardData) -> impl IntoView {
    crate::components::islands::on_page();
    let WizardData { id, draft, rules, large, .. } = data;
    let Some(id) = id else { return ().into_any() };
    // A large request (a CSV import, mostly) is shown as a table; its rows stay on the server.
    let table_mode = large.is_some();
    let editor = RowEditor::new(large.as_ref().and_then(|l| l.editing.as_ref()));
    let total = large.as_ref().map(|l| l.total).unwrap_or_default();
    let taken_addresses = RwSignal::new(rules.taken_addresses.clone());
    let taken_nicknames = RwSignal::new(rules.taken_nicknames.clone());
    let base_rules = StoredValue::new(rules);
    let large_errors = StoredValue::new(large.as_ref().map(|l| (l.errors, l.first_errors.clone())));
    let next_key = StoredValue::new(draft.mailboxes.len() as u64);
    let blocks = RwSignal::new(if table_mode {
        Vec::new()
    } else {
        draft.mailboxes.iter().enumerate().map(|(i, m)| Block::new(i as u64, m)).collect::<Vec<_>>()
    });
    let expiry = RwSignal::new(draft.expiry_year.clone());
    let expiry_touched = RwSignal::new(true);
    let po = RwSignal::new(draft.customer_po.clone());
    let po_touched = RwSignal::new(true);
    let attempted = RwSignal::new(draft.attempted_mailboxes);

    let rules = Memo::new(move |_| {
        let mut r = base_rules.get_value();
        r.taken_addresses = taken_addresses.get();
        r.taken_nicknames = taken_nicknames.get();
        r
    });
    let reports = Memo::new(move |_| {
        let inputs: Vec<MailboxInput> = blocks.with(|bs| bs.iter().map(Block::input).collect());
        rules.with(|r| validate_mailboxes(&inputs, r))
    });
    let header_errors = Memo::new(move |_| {
        let d = OrderDraft { expiry_year: expiry.get(), customer_po: po.get(), ..OrderDraft::default() };
        rules.with(|r| validate_mailboxes_header(&d, r))
    });
    let header_error = move |f: RequestField, touched: RwSignal<bool>| {
        Signal::derive(move || {
            (attempted.get() || touched.get())
                .then(|| header_errors.with(|e| e.iter().find(|(g, _)| *g == f).map(|(_, e)| e.to_string())))
                .flatten()
        })
    };
    let position = move |key: u64| blocks.with(|bs| bs.iter().position(|b| b.key == key));

    watch_availability(
        blocks,
        base_rules.with_value(|r| r.domains.clone()),
        taken_addresses,
        taken_nicknames,
    );

    let add = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        if table_mode {
            editor.open(total, &MailboxInput::default());
            set_timeout(move || focus_element(&editor_field_id(MailboxField::Address)), Default::default());
            return;
        }
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        blocks.update(|bs| bs.push(Block::new(key, &MailboxInput::default())));
        let n = blocks.with_untracked(Vec::len);
        set_timeout(
            move || focus_element(&mailbox_field_id(n - 1, MailboxField::Address)),
            Default::default(),
        );
    };
    let remove = move |key: u64| {
        blocks.update(|bs| {
            bs.retain(|b| b.key != key);
            if bs.is_empty() {
                let k = next_key.get_value();
                next_key.set_value(k + 1);
                bs.push(Block::new(k, &MailboxInput::default()));
            }
        });
        set_timeout(|| focus_element("add-mailbox"), Default::default());
    };

    // Every error of the request, in page order, with the id of its field.
    let all_errors = move || -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = header_errors.with(|e| {
            e.iter().map(|(f, e)| (f.key().replace('_', "-"), format!("{}: {e}", f.label()))).collect()
        });
        if let Some((bad, named)) = large_errors.get_value() {
            // The table shows the rows with their errors; the summary names the first few.
            for (i, e) in &named {
                out.push((format!("riga-{}", i + 1), format!("Casella {} – {e}", i + 1)));
            }
            if bad > named.len() {
                let more = bad - named.len();
                out.push(("tabella-titolo".into(), format!("… e altre {more} caselle con errori")));
            }
            return out;
        }
        reports.with(|rs| {
            blocks.with(|bs| {
                for (i, (r, b)) in rs.iter().zip(bs.iter()).enumerate() {
                    for (f, e) in &r.errors {
                        let typed = b.fields.values[field_index(*f)].get();
                        let what = if typed.trim().is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", typed.trim())
                        };
                        out.push((
                            mailbox_field_id(i, *f),
                            format!("Casella {} – {}{what}: {e}", i + 1, f.label()),
                        ));
                    }
                }
            })
        });
        out
    };

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        let action = ev
            .submitter()
            .and_then(|s| s.get_attribute("value"))
            .map(|v| WizardAction::parse(&v))
            .unwrap_or(WizardAction::Continue);
        // A large request is judged on the server, which holds its rows.
        if action != WizardAction::Continue || table_mode {
            return;
        }
        if let Some((fid, _)) = all_errors().into_iter().next() {
            ev.prevent_default();
            attempted.set(true);
            focus_element(&fid);
        }
    };

    let count = move || if table_mode { total } else { blocks.with(Vec::len) };
    // Right after an upload the saved draft is what the page shows: the report matches it.
    let report_link = crate::routes::error_report(&id);
    let table_draft = id.clone();
    let upload_action = crate::routes::upload_csv(&id);
    let last_import = draft.last_import.clone();
    // The rows a file's duplicates are checked against in the browser; a large request's rows
    // are on the server, which counts its duplicates when the file arrives.
    let existing = Signal::derive(move || {
        if table_mode {
            Vec::new()
        } else {
            blocks.with(|bs| bs.iter().map(Block::input).collect())
        }
    });
    view! {
        <h2>"Caselle PEC"</h2>
        <form method="post" action=SaveMailboxes::url() novalidate on:submit=on_submit class="wizard-form">
            // Enter in a field continues (the first submit button is the form's default).
            <button
                type="submit"
                name="azione"
                value="continua"
                class="default-submit"
                tabindex="-1"
                aria-hidden="true"
            >
                "Continua"
            </button>
            <input type="hidden" name="draft" value=id.to_string() />
            <ErrorSummary errors=Signal::derive(all_errors) shown=attempted />
            <div class="header-fields">
                <TextField
                    id="expiry-year"
                    name="expiry_year"
                    label="Anno scadenza caselle"
                    value=expiry
                    touched=expiry_touched
                    error=header_error(RequestField::ExpiryYear, expiry_touched)
                    required=true
                    inputmode=Some("numeric")
                />
                <TextField
                    id="customer-po"
                    name="customer_po"
                    label="Numero ordine"
                    value=po
                    touched=po_touched
                    error=header_error(RequestField::CustomerPo, po_touched)
                />
            </div>
            <UploadZone action=upload_action existing=existing rules=rules />
            {last_import.map(|note| view! { <ImportResult note=note report_link=report_link.clone() /> })}
            <h2 class="mailbox-count">{move || format!("CASELLE LEGALMAIL ({})", count())}</h2>
            {if let Some(table) = large {
                view! {
                    <RowTable
                        draft=table_draft.clone()
                        table=table
                        rules=rules
                        editor=editor
                        attempted=attempted
                    />
                }
                    .into_any()
            } else {
                view! {
                    <For
                        each=move || blocks.get()
                        key=|b| b.key
                        children=move |block: Block| {
                            let key = block.key;
                            let idx = Memo::new(move |_| position(key).unwrap_or(0));
                            view! {
                                <MailboxBlock
                                    block=block
                                    idx=idx
                                    reports=reports
                                    attempted=attempted
                                    on_remove=move || remove(key)
                                />
                            }
                        }
                    />
                }
                    .into_any()
            }}
            <div class="add-row">
                <button
                    type="submit"
                    name="azione"
                    value="aggiungi"
                    id="add-mailbox"
                    class="add"
                    on:click=add
                >
                    <span aria-hidden="true">"+ "</span>
                    "Aggiungi casella"
                </button>
            </div>
            <div class="actions">
                <button type="submit" name="azione" value="indietro">
                    <span aria-hidden="true">"← "</span>
                    "Indietro"
                </button>
                <button type="submit" name="azione" value="continua" class="primary">
                    "Continua"
                </button>
            </div>
        </form>
    }
    .into_any()
}

/// "Correggere i dati indicati prima di proseguire": every error of the step, each a link to
/// its field; shown once the user tried to continue.
#[component]
fn ErrorSummary(errors: Signal<Vec<(String, String)>>, shown: RwSignal<bool>) -> impl IntoView {
    move || {
        let errors = errors.get();
        (shown.get() && !errors.is_empty()).then(|| {
            view! {
                <div id="errori" class="error-summary" role="alert" tabindex="-1">
                    <h3>"Correggere i dati indicati prima di proseguire"</h3>

                    <ul>
                        {errors
                            .into_iter()
                            .map(|(fid, msg)| {
                                view! {
                                    <li>
                                        <a href=format!("#{fid}")>{msg}</a>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                </div>
            }
        })
    }
}

/// One mailbox of a small request: its fields, checked on every keystroke, and "Rimuovi
/// casella N". `idx` is its position now (blocks above it may be removed).
#[component]
fn MailboxBlock(
    block: Block,
    idx: Memo<usize>,
    reports: Memo<Vec<crate::domain::MailboxReport>>,
    attempted: RwSignal<bool>,
    on_remove: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let field_view = move |f: MailboxField| {
        let fi = field_index(f);
        let error = Signal::derive(move || {
            if !(attempted.get() || block.fields.touched[fi].get()) {
                return None;
            }
            let i = idx.get();
            reports.with(|r| r.get(i).and_then(|r| r.error(f)).map(ToString::to_string))
        });
        let warning = Signal::derive(move || {
            let i = idx.get();
            reports.with(|r| r.get(i).and_then(|r| r.warning(f)).map(ToString::to_string))
        });
        let kind = if f == MailboxField::PasswordEmail { "email" } else { "text" };
        view! {
            <TextField
                id=Signal::derive(move || mailbox_field_id(idx.get(), f))
                name=Signal::derive(move || mailbox_field_name(idx.get(), f))
                label=f.label()
                value=block.fields.values[fi]
                touched=block.fields.touched[fi]
                error=error
                warning=warning
                required=f.required()
                kind=kind
                autocomplete=Some("off")
                clear=Signal::derive(move || { WizardAction::Clear(idx.get(), f).value() })
            />
        }
    };
    view! {
        <fieldset class="mailbox" id=move || format!("casella-{}", idx.get() + 1)>
            <legend>{move || format!("Casella {}", idx.get() + 1)}</legend>
            <div class="mailbox-fields">{MailboxField::ALL.into_iter().map(field_view).collect_view()}</div>
            <button
                type="submit"
                name="azione"
                class="remove"
                value=move || WizardAction::Remove(idx.get()).value()
                on:click=move |ev| {
                    ev.prevent_default();
                    on_remove();
                }
            >
                {move || format!("Rimuovi casella {}", idx.get() + 1)}
            </button>
        </fieldset>
    }
}

/// What the last CSV upload did: rows added, example row skipped, columns ignored, or why
/// the file was refused.
#[component]
fn ImportResult(note: ImportNote, report_link: String) -> impl IntoView {
    let file =
        if note.file_name.is_empty() { String::new() } else { format!("File «{}»: ", note.file_name) };
    match note.error {
        Some(error) => view! {
            <div class="error-panel" role="alert" id="esito-importazione">
                <p>{format!("{file}{error}. Nessuna casella aggiunta.")}</p>
            </div>
        }
        .into_any(),
        None => {
            let added = match note.added {
                0 => "nessuna casella aggiunta".to_string(),
                1 => "1 casella aggiunta".to_string(),
                n => format!("{n} caselle aggiunte"),
            };
            view! {
                <div class="notice" role="status" id="esito-importazione">
                    <p>{format!("{file}{added}.")}</p>
                    {note
                        .example_line
                        .map(|line| {
                            view! {
                                <p>
                                    {format!(
                                        "La riga {line} è la riga di esempio del modello ed è stata ignorata.",
                                    )}
                                </p>
                            }
                        })}
                    {(!note.ignored_columns.is_empty())
                        .then(|| {
                            view! {
                                <p>{format!("Colonne ignorate: {}.", note.ignored_columns.join(", "))}</p>
                            }
                        })}
                    {(note.added > 0)
                        .then(|| {
                            view! {
                                <p>
                                    <a href=report_link download="caselle-con-errori.csv" rel="external">
                                        "Scarica le righe con errori (CSV)"
                                    </a>
                                    " per correggerle nel foglio di calcolo e caricarle di nuovo."
                                </p>
                            }
                        })}
                </div>
            }
            .into_any()
        }
    }
}
