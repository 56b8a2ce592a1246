//! Building blocks shared by pages: labelled fields with their messages, the main menu, error
//! panels. Accessible names follow docs/UI_CONTRACT.md.

pub mod availability;
pub mod contract;
pub mod documents;
pub mod islands;
pub mod links;
pub mod not_found;

use crate::error::AppError;
use crate::routes;
use leptos::prelude::*;
use leptos_router::components::A;

/// The main menu, in the order of the guide.
pub const MENU: [(&str, &str); 10] = [
    ("Richiesta caselle e prodotti", routes::NEW_REQUEST),
    ("Attiva identità/utenza", routes::ACTIVATION),
    ("Ricerca", routes::SEARCH),
    ("Visualizza recenti", routes::RECENT),
    ("Gestione domini", routes::DOMAINS),
    ("Gestione scadenze caselle", routes::EXPIRIES),
    ("Gestione scadenze prodotti", routes::PRODUCT_EXPIRIES),
    ("Report", routes::REPORTS),
    ("Configurazione", routes::CONFIGURATION),
    ("Offerte", routes::OFFERS),
];

#[component]
pub fn MainMenu() -> impl IntoView {
    view! {
        <nav aria-label="Menu principale" class="main-menu">
            <ul>
                {MENU
                    .into_iter()
                    .map(|(label, href)| {
                        // `A` marks the link of the current section with aria-current="page".
                        view! {
                            <li>
                                <A href=href>{label}</A>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </nav>
    }
}

/// The seven fields of a mailbox as a form edits them (wizard blocks, the table's row editor,
/// Modifica dati): each value and whether it was touched, by index in `MailboxField::ALL`.
#[derive(Clone, Copy)]
pub struct MailboxFields {
    pub values: [RwSignal<String>; 7],
    pub touched: [RwSignal<bool>; 7],
}

impl MailboxFields {
    /// Filled fields count as touched: their errors show at once.
    pub fn new(m: &crate::domain::MailboxInput) -> Self {
        use crate::domain::MailboxField;
        Self {
            values: MailboxField::ALL.map(|f| RwSignal::new(m.get(f).to_string())),
            touched: MailboxField::ALL.map(|f| RwSignal::new(!m.get(f).is_empty())),
        }
    }

    pub fn load(&self, m: &crate::domain::MailboxInput) {
        for (i, f) in crate::domain::MailboxField::ALL.into_iter().enumerate() {
            self.values[i].set(m.get(f).to_string());
            self.touched[i].set(!m.get(f).is_empty());
        }
    }

    /// The values now (tracked).
    pub fn input(&self) -> crate::domain::MailboxInput {
        let mut m = crate::domain::MailboxInput::default();
        for (i, f) in crate::domain::MailboxField::ALL.into_iter().enumerate() {
            m.set(f, self.values[i].get());
        }
        m
    }
}

/// Moves keyboard focus to the element with this id.
/// Called from event handlers only, which never run on the server.
pub fn focus_element(id: &str) {
    use leptos::wasm_bindgen::JsCast;
    if let Some(el) = document().get_element_by_id(id).and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

/// Waits in the browser (debouncing); resolves at once elsewhere, where effects never run.
pub async fn sleep_ms(ms: u32) {
    #[cfg(feature = "hydrate")]
    gloo_timers::future::TimeoutFuture::new(ms).await;
    #[cfg(not(feature = "hydrate"))]
    let _ = ms;
}

/// The word the guide puts beside required fields. Not part of the label: the accessible name
/// stays exactly the label, and `aria-required` says the same to screen readers.
#[component]
fn RequiredMark() -> impl IntoView {
    view! {
        <span class="required" aria-hidden="true">
            "OBBLIGATORIO"
        </span>
    }
}

/// Error and warning lines under a field; their ids go into the field's aria-describedby.
#[component]
fn FieldMessages(
    #[prop(into)] id: Signal<String>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(into)] warning: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <p class="field-error" id=move || format!("{}-err", id.get())>
            {move || error.get()}
        </p>
        <p class="field-warning" id=move || format!("{}-warn", id.get())>
            {move || warning.get()}
        </p>
    }
}

fn described_by(
    id: Signal<String>,
    error: Signal<Option<String>>,
    warning: Signal<Option<String>>,
) -> impl Fn() -> Option<String> + Send + Sync + Copy {
    move || {
        let id = id.get();
        let mut ids = Vec::new();
        if error.with(Option::is_some) {
            ids.push(format!("{id}-err"));
        }
        if warning.with(Option::is_some) {
            ids.push(format!("{id}-warn"));
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    }
}

/// A labelled text input bound to `value`. `error` is the message to show now (the caller
/// decides when: after typing, leaving the field or trying to continue). With `clear`, an "X"
/// button empties the field: in the browser directly, without JavaScript by posting the form
/// with that action.
#[component]
pub fn TextField(
    #[prop(into)] id: Signal<String>,
    #[prop(into)] name: Signal<String>,
    label: &'static str,
    value: RwSignal<String>,
    touched: RwSignal<bool>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(into, optional)] warning: Signal<Option<String>>,
    #[prop(optional)] required: bool,
    #[prop(into, optional)] clear: Option<Signal<String>>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = None)] autocomplete: Option<&'static str>,
    #[prop(default = None)] list: Option<&'static str>,
    #[prop(default = None)] inputmode: Option<&'static str>,
) -> impl IntoView {
    islands::keep_typed(&id.get_untracked(), value, touched);
    let initial = value.get_untracked();
    let describedby = described_by(id, error, warning);
    // Without JavaScript the page cannot know which fields get filled, so every field has its
    // X; once hydrated, CSS hides the X of empty fields ("for filled fields", as the guide).
    let clear_button = clear.map(|action| {
        view! {
            <button
                type="submit"
                class="clear"
                class:empty=move || value.with(String::is_empty)
                name="azione"
                value=move || action.get()
                title=format!("Cancella {label}")
                on:click=move |ev| {
                    ev.prevent_default();
                    value.set(String::new());
                    touched.set(true);
                    focus_element(&id.get_untracked());
                }
            >
                // The name is text, not aria-label: a search by label then finds only the field.
                <span aria-hidden="true">"×"</span>
                <span class="visually-hidden">{format!("Cancella {label}")}</span>
            </button>
        }
    });
    view! {
        <div class="field" class:invalid=move || error.with(Option::is_some)>
            <label for=move || id.get()>{label}</label>
            {required.then(|| view! { <RequiredMark /> })}
            <div class="control">
                <input
                    type=kind
                    id=move || id.get()
                    name=move || name.get()
                    value=initial
                    prop:value=move || value.get()
                    autocomplete=autocomplete
                    list=list
                    inputmode=inputmode
                    aria-required=required.then_some("true")
                    aria-invalid=move || error.with(Option::is_some).then_some("true")
                    aria-describedby=describedby
                    on:input=move |ev| {
                        value.set(event_target_value(&ev));
                        touched.set(true);
                    }
                    on:blur=move |_| touched.set(true)
                />
                {clear_button}
            </div>
            <FieldMessages id=id error=error warning=warning />
        </div>
    }
}

/// A labelled select bound to `value`; the first option is an empty "Selezionare…".
#[component]
pub fn SelectField(
    #[prop(into)] id: Signal<String>,
    #[prop(into)] name: Signal<String>,
    label: &'static str,
    value: RwSignal<String>,
    touched: RwSignal<bool>,
    options: Vec<(String, String)>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(optional)] required: bool,
) -> impl IntoView {
    islands::keep_typed(&id.get_untracked(), value, touched);
    let initial = value.get_untracked();
    let describedby = described_by(id, error, Signal::stored(None::<String>));
    view! {
        <div class="field" class:invalid=move || error.with(Option::is_some)>
            <label for=move || id.get()>{label}</label>
            {required.then(|| view! { <RequiredMark /> })}
            <div class="control">
                <select
                    id=move || id.get()
                    name=move || name.get()
                    aria-required=required.then_some("true")
                    aria-invalid=move || error.with(Option::is_some).then_some("true")
                    aria-describedby=describedby
                    prop:value=move || value.get()
                    on:change=move |ev| {
                        value.set(event_target_value(&ev));
                        touched.set(true);
                    }
                >
                    <option value="" selected=initial.is_empty()>
                        "Selezionare…"
                    </option>
                    {options
                        .into_iter()
                        .map(|(code, text)| {
                            let selected = code == initial;
                            view! {
                                <option value=code selected=selected>
                                    {text}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <FieldMessages id=id error=error warning=Signal::stored(None::<String>) />
        </div>
    }
}

/// Without JavaScript, a server function that fails sends the browser back to the form's page
/// with the error encoded in `__err`: say it here, in Italian.
#[component]
pub fn FormErrorBanner() -> impl IntoView {
    use leptos::server_fn::error::ServerFnUrlError;
    let query = leptos_router::hooks::use_query_map();
    move || {
        query.read().get("__err").map(|e| {
            let error = ServerFnUrlError::<AppError>::decode_err(&e);
            view! {
                <div class="error-panel" role="alert">
                    <p>{error.to_string()}</p>
                </div>
            }
        })
    }
}

/// The address of page `p` of the filtered list at `base`: the filter in the current address
/// is kept, `pagina` set (the `link` of a `Pager`).
pub fn page_of_list(base: &'static str) -> impl Fn(i64) -> String + Clone + 'static {
    let query = leptos_router::hooks::use_query_map();
    move |p| {
        let mut q = query.read_untracked().clone();
        q.replace("pagina", p.to_string());
        format!("{base}{}", q.to_query_string())
    }
}

/// Links to the previous and next page of a paged list; `link` makes the address of a page.
#[component]
pub fn Pager(page: i64, pages: i64, link: impl Fn(i64) -> String + 'static) -> impl IntoView {
    view! {
        <nav aria-label="Pagine" class="pager">
            {(page > 1).then(|| view! { <a href=link(page - 1)>"Pagina precedente"</a> })}
            <span>{format!("Pagina {page} di {pages}")}</span>
            {(page < pages).then(|| view! { <a href=link(page + 1)>"Pagina successiva"</a> })}
        </nav>
    }
}

/// Where a page of a long list of mailboxes stands ("Caselle 101–200 di 10000") and links to
/// the pages around it; nothing more when the list fits on one page.
#[component]
pub fn MailboxPager(
    rows: crate::domain::lists::PageOf,
    link: impl Fn(usize) -> String + 'static,
) -> impl IntoView {
    use crate::domain::lists::LIST_PAGE_ROWS;
    if rows.pages <= 1 {
        return None;
    }
    let first = rows.offset(LIST_PAGE_ROWS) + 1;
    let last = (first + LIST_PAGE_ROWS - 1).min(rows.total);
    let (page, pages) = (rows.page, rows.pages);
    Some(view! {
        <nav aria-label="Pagine delle caselle" class="pager">
            {(page > 1).then(|| view! { <a href=link(page - 1)>"Pagina precedente"</a> })}
            <span>{format!("Caselle {first}–{last} di {} (pagina {page} di {pages})", rows.total)}</span>
            {(page < pages).then(|| view! { <a href=link(page + 1)>"Pagina successiva"</a> })}
        </nav>
    })
}

/// Renders the value a server function loaded, or the error it gave, once it is there.
pub fn loaded<T, V>(
    resource: Resource<Result<T, AppError>>,
    render: impl Fn(T) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    V: IntoView + 'static,
{
    // Counted until what it loaded is rendered: the page's scripts are decided after that.
    let part = std::sync::Arc::new(std::sync::Mutex::new(islands::part_loading()));
    view! {
        <Suspense fallback=|| {
            view! { <p>"Caricamento…"</p> }
        }>
            {move || {
                let render = render.clone();
                let part = part.clone();
                Suspend::new(async move {
                    let view = match resource.await {
                        Ok(value) => render(value).into_any(),
                        Err(error) => view! { <ErrorPanel error=error /> }.into_any(),
                    };
                    if let Ok(mut part) = part.lock() {
                        part.take();
                    }
                    view
                })
            }}
        </Suspense>
    }
}

/// A failed load, said in Italian, with the HTTP status that goes with it (and Retry-After
/// when waiting helps: a page whose session was still in the process's cache meets a database
/// outage here rather than in the session layer).
#[component]
pub fn ErrorPanel(error: AppError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        error.set_on(&res);
    }
    view! {
        <div class="error-panel" role="alert">
            <p>{error.to_string()}</p>
            <p>
                <a href="/">"Torna alla pagina iniziale"</a>
            </p>
        </div>
    }
}
