//! Islands: every page is rendered on the server; only the parts that need the browser (live
//! checks, the CSV reader, the row editor…) are `#[island]` components, hydrated by the WASM
//! bundle. A page without islands sends no script at all and says at once that it is ready
//! (`<body data-hydrated="true">`, docs/UI_CONTRACT.md); a page with islands loads the bundle,
//! whose `hydrate()` sets the attribute once its islands are live.
//!
//! A part whose only need of the browser is a line of script (print the page, send a form when
//! a file is chosen) is no island: it calls [`enhanced`], and the page loads the few hundred
//! bytes of `public/enhance.js`, which wires what carries `data-enhance` and then sets the mark.
//!
//! Each island calls [`on_page`] first. After the whole page has been rendered, [`PageScripts`]
//! (the last thing in `<body>`) then knows whether any island was on it.

use leptos::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Waker;

/// What the current response holds that needs a script (provided by the shell), and how many of
/// its parts are still loading.
#[derive(Clone, Debug, Default)]
pub struct IslandsOnPage {
    islands: Arc<AtomicBool>,
    enhanced: Arc<AtomicBool>,
    loading: Arc<Mutex<Loading>>,
}

/// The parts of the page still loading their data, and the part that waits for all of them.
#[derive(Debug, Default)]
struct Loading {
    parts: usize,
    waiting: Option<Waker>,
}

/// One part of the page loading: it counts until it has rendered what it loaded, or is dropped.
#[derive(Debug)]
pub struct LoadingPart(Arc<Mutex<Loading>>);

impl Drop for LoadingPart {
    fn drop(&mut self) {
        let waiting = match self.0.lock() {
            Ok(mut loading) => {
                loading.parts = loading.parts.saturating_sub(1);
                (loading.parts == 0).then(|| loading.waiting.take()).flatten()
            }
            Err(_) => None,
        };
        if let Some(waker) = waiting {
            waker.wake();
        }
    }
}

impl IslandsOnPage {
    pub fn any(&self) -> bool {
        self.islands.load(Ordering::SeqCst)
    }

    fn enhanced(&self) -> bool {
        self.enhanced.load(Ordering::SeqCst)
    }

    /// A part of the page starts loading (`components::loaded`).
    pub fn part_loading(&self) -> LoadingPart {
        if let Ok(mut loading) = self.loading.lock() {
            loading.parts += 1;
        }
        LoadingPart(self.loading.clone())
    }

    #[cfg(feature = "ssr")]
    fn loaded(&self) -> bool {
        self.loading.lock().map(|l| l.parts == 0).unwrap_or(true)
    }

    #[cfg(feature = "ssr")]
    /// Until every part of the page has rendered what it loaded, and still so a turn later,
    /// when what they rendered has started loading parts of its own.
    async fn settled(&self) {
        loop {
            self.all_loaded().await;
            let mut first = true;
            std::future::poll_fn(|cx| {
                if std::mem::take(&mut first) {
                    cx.waker().wake_by_ref();
                    std::task::Poll::Pending
                } else {
                    std::task::Poll::Ready(())
                }
            })
            .await;
            if self.loaded() {
                return;
            }
        }
    }

    /// Until every part of the page has rendered what it loaded: a part rendered from loaded
    /// data starts counting (its own parts) before the part around it stops.
    #[cfg(feature = "ssr")]
    async fn all_loaded(&self) {
        std::future::poll_fn(|cx| match self.loading.lock() {
            Ok(mut loading) if loading.parts > 0 => {
                loading.waiting = Some(cx.waker().clone());
                std::task::Poll::Pending
            }
            _ => std::task::Poll::Ready(()),
        })
        .await
    }
}

/// Counts a part of the page that loads its data, on the server (where the page's scripts wait
/// for it); nothing in the browser.
pub fn part_loading() -> Option<LoadingPart> {
    use_context::<IslandsOnPage>().map(|flag| flag.part_loading())
}

/// Called first by every island: on the server, the page then gets the hydration scripts.
pub fn on_page() {
    if let Some(flag) = use_context::<IslandsOnPage>() {
        flag.islands.store(true, Ordering::SeqCst);
    }
}

/// Called by a server component with a `data-enhance` control: the page then loads
/// `public/enhance.js`.
pub fn enhanced() {
    if let Some(flag) = use_context::<IslandsOnPage>() {
        flag.enhanced.store(true, Ordering::SeqCst);
    }
}

/// How long the page's scripts wait for its parts to settle at most: far above any page's
/// loading (a connection is waited for 5 s, a SQLite lock 10 s: `pec_store::pool`), so that it
/// only ends a wait that would never end.
#[cfg(feature = "ssr")]
const SETTLE_MAX: std::time::Duration = std::time::Duration::from_secs(30);

/// Where `public/enhance.js` is served.
pub const ENHANCE_SCRIPT: &str = "/enhance.js";

/// The end of `<body>`: the hydration scripts if an island is on the page, else the mark that
/// the page is ready. The decision waits for the page: pages render with `SsrMode::Async`,
/// in order, so this asynchronous part is rendered after everything above it (every Suspense
/// included); `tests/it/islands.rs` checks the outcome on pages with and without islands.
#[component]
pub fn PageScripts(options: LeptosOptions) -> impl IntoView {
    let flag = use_context::<IslandsOnPage>().unwrap_or_default();
    // Its own owner: an asynchronous part at the top level keeps a channel in its owner's
    // context, which another one rendered later in the same owner would replace (and this
    // part would then render nothing).
    let owner = Owner::new();
    let view = owner.with(|| {
        Suspend::new(async move {
            // Decided once every part above has rendered what it loaded (their islands are
            // counted then). A part that never settles (a bug: its count leaked) must not hold
            // the response forever: past the bound the page is decided with what rendered.
            #[cfg(feature = "ssr")]
            if tokio::time::timeout(SETTLE_MAX, flag.settled()).await.is_err() {
                tracing::warn!("page parts still loading after {SETTLE_MAX:?}: scripts decided without them");
            }
            // Sets the mark itself once it has wired the page, if no island is on it. `async`,
            // not `defer`: the page above is parsed already, and DOMContentLoaded need not wait.
            let enhance = flag.enhanced().then(|| view! { <script src=ENHANCE_SCRIPT async></script> });
            if flag.any() {
                view! {
                    <HydrationScripts options islands=true />
                    {enhance}
                }
                .into_any()
            } else if enhance.is_some() {
                enhance.into_any()
            } else {
                // Registered here, where this request's owner is current: the view an
                // asynchronous part returns is rendered later, outside it.
                let _ = view! { <leptos_meta::Body attr:data-hydrated="true" /> }.to_html();
                ().into_any()
            }
        })
    });
    leptos::tachys::reactive_graph::OwnedView::new_with_owner(view, owner)
}

/// The value the user has already put into the control with this id, read when an island
/// hydrates: what was typed, chosen or ticked while the bundle loaded is kept, and checked,
/// instead of being overwritten with the server's value. `None` on the server.
pub fn typed_value(id: &str) -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        let el = document().get_element_by_id(id)?;
        if let Some(input) = el.dyn_ref::<web_sys::HtmlInputElement>() {
            return Some(input.value());
        }
        if let Some(select) = el.dyn_ref::<web_sys::HtmlSelectElement>() {
            return Some(select.value());
        }
        el.dyn_ref::<web_sys::HtmlTextAreaElement>().map(|t| t.value())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = id;
        None
    }
}

/// Whether the checkbox with this id is ticked now, read when an island hydrates (see
/// [`typed_value`]). `None` on the server.
pub fn typed_checked(id: &str) -> Option<bool> {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        document().get_element_by_id(id)?.dyn_ref::<web_sys::HtmlInputElement>().map(|i| i.checked())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = id;
        None
    }
}

/// A control's starting value in an island: what the user typed before hydration, else the
/// server's; and whether it differs from the server's (so that its checks show at once).
fn starting_value(id: &str, server: &str) -> (String, bool) {
    match typed_value(id) {
        Some(typed) if typed != server => (typed, true),
        _ => (server.to_string(), false),
    }
}

/// In an island hydrating: what the user already typed or chose in the control `id` goes into
/// `value`, marked `touched`, so that it is kept and checked as if typed now. The signals change
/// once the island has hydrated (an effect runs after it): hydration takes the server's HTML as
/// it stands, so a change made before would not reach the page (the error, the rules ticked).
pub fn keep_typed(id: &str, value: RwSignal<String>, touched: RwSignal<bool>) {
    let (start, typed) = starting_value(id, &value.get_untracked());
    if typed {
        let mut start = Some(start);
        Effect::new(move |_| {
            if let Some(start) = start.take() {
                value.set(start);
                touched.set(true);
            }
        });
    }
}

/// As [`keep_typed`], for a checkbox ticked or not before hydration.
pub fn keep_ticked(id: &str, checked: RwSignal<bool>) {
    if let Some(now) = typed_checked(id).filter(|now| *now != checked.get_untracked()) {
        Effect::new(move |_| checked.set(now));
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use std::future::Future;
    use std::sync::atomic::AtomicUsize;
    use std::task::{Context, Wake};

    /// Counts its wake-ups.
    struct Counter(AtomicUsize);

    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn the_scripts_wait_for_every_part_and_wake_when_the_last_is_done() {
        let page = IslandsOnPage::default();
        let counter = Arc::new(Counter(AtomicUsize::new(0)));
        let waker = Waker::from(counter.clone());
        let mut cx = Context::from_waker(&waker);
        let (outer, inner) = (page.part_loading(), page.part_loading());
        let mut waiting = std::pin::pin!(page.all_loaded());
        assert!(waiting.as_mut().poll(&mut cx).is_pending());
        drop(outer);
        assert_eq!(counter.0.load(Ordering::SeqCst), 0, "woken while a part still loads");
        assert!(waiting.as_mut().poll(&mut cx).is_pending());
        drop(inner);
        assert_eq!(counter.0.load(Ordering::SeqCst), 1, "not woken by the last part");
        assert!(waiting.as_mut().poll(&mut cx).is_ready());
    }

    #[test]
    fn a_part_started_by_a_finished_one_is_waited_for_too() {
        let page = IslandsOnPage::default();
        let waker = Waker::from(Arc::new(Counter(AtomicUsize::new(0))));
        let mut cx = Context::from_waker(&waker);
        let outer = page.part_loading();
        let mut settling = std::pin::pin!(page.settled());
        assert!(settling.as_mut().poll(&mut cx).is_pending());
        // The outer part renders what it loaded, which starts a part of its own, then stops.
        let inner = page.part_loading();
        drop(outer);
        assert!(settling.as_mut().poll(&mut cx).is_pending());
        assert!(settling.as_mut().poll(&mut cx).is_pending(), "decided while the inner part loads");
        drop(inner);
        assert!((0..3).any(|_| settling.as_mut().poll(&mut cx).is_ready()));
    }

    #[test]
    fn a_page_without_parts_is_settled_at_once_but_for_one_turn() {
        let page = IslandsOnPage::default();
        let waker = Waker::from(Arc::new(Counter(AtomicUsize::new(0))));
        let mut cx = Context::from_waker(&waker);
        let mut settling = std::pin::pin!(page.settled());
        assert!(settling.as_mut().poll(&mut cx).is_pending(), "the turn for parts started late");
        assert!(settling.as_mut().poll(&mut cx).is_ready());
    }
}
