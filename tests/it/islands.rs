//! Issue 25: pages are server components; only islands load the bundle. A page without islands
//! carries no script and says at once that it is ready (`data-hydrated`); a page with islands
//! loads the hydration script, and its body waits for the bundle to set the mark. A page whose
//! only live parts are a print button and the contract upload loads the few hundred bytes of
//! `public/enhance.js` instead of the bundle, which sets the mark.

use crate::activation::booked_order;
use crate::common;
use crate::web::{get, login, send, state};
use pec_manager::server::{mail, router};
use pec_manager::store::Store;

/// What a page's HTML says about its islands.
#[derive(Debug, PartialEq, Eq)]
struct Shape {
    islands: bool,
    script: bool,
    enhance: bool,
    ready_at_once: bool,
}

fn shape(html: &str) -> Shape {
    let body = html.split_once("<body").map(|(_, b)| b).unwrap_or_default();
    let body_tag = body.split_once('>').map(|(t, _)| t).unwrap_or_default();
    Shape {
        islands: html.contains("<leptos-island"),
        // The bundle: its module script and the preloads of its JS and WASM. (leptos_axum also
        // writes two tiny inline scripts declaring its resource arrays on every page.)
        script: html.contains("type=\"module\"") || html.contains("/pkg/pec-manager.js"),
        enhance: html.contains("src=\"/enhance.js\""),
        ready_at_once: body_tag.contains("data-hydrated=\"true\""),
    }
}

const STATIC: Shape = Shape { islands: false, script: false, enhance: false, ready_at_once: true };
const INTERACTIVE: Shape = Shape { islands: true, script: true, enhance: false, ready_at_once: false };
const ENHANCED: Shape = Shape { islands: false, script: false, enhance: true, ready_at_once: false };

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_pages_with_islands_load_the_bundle() {
    for store in common::stores().await {
        pages_on(&store).await;
    }
}

async fn pages_on(store: &Store) {
    let app = router::build(state(store));
    let page = |path: String, cookie: Option<String>| {
        let app = app.clone();
        async move {
            let r = send(&app, get(&path, cookie.as_deref())).await;
            assert!(r.status.is_success() || r.status.as_u16() == 404, "{path}: {}", r.status);
            (path, shape(&r.body))
        }
    };
    // Signed out: the login page and the holder's page without a link.
    for path in ["/accesso", "/attiva"] {
        let (path, s) = page(path.into(), None).await;
        assert_eq!(s, STATIC, "{path}");
    }
    let admin = login(&app, "admin").await;
    let alfa = login(&app, "alfa.admin").await;
    let booked = booked_order(store, &["isole@legalmail.it"]).await;
    let op = common::operator(store, "alfa").await;
    let order = store.order(op.scope(), &booked).await.unwrap().unwrap();
    let userid = order.mailboxes[0].userid.clone();
    let draft = common::draft_with(store, &op, vec![common::mailbox("passo2@legalmail.it", "")]).await;
    // A fulfilled order has nothing left to upload: its page is read-only.
    let fulfilled = booked_order(store, &["evasaisole@legalmail.it"]).await;
    let today = pec_manager::server::today();
    store
        .fulfil_order(&op, &fulfilled, &common::signed_pdf(), today, &mail::link_mail("http://x"), &[])
        .await
        .unwrap();

    let lists = [
        "/",
        "/recenti",
        "/ricerca",
        "/ricerca?testo=isole",
        "/scadenze/caselle",
        "/scadenze/prodotti",
        "/report",
        "/configurazione",
        "/configurazione/operatori",
        "/configurazione/registro",
        "/configurazione/chiavi-api",
        "/pagina-che-non-esiste",
    ];
    for path in lists {
        let (path, s) = page(path.into(), Some(admin.clone())).await;
        assert_eq!(s, STATIC, "{path}");
    }
    for path in
        [format!("/caselle/{userid}"), format!("/richiesta/{draft}/verifica"), format!("/ordini/{fulfilled}")]
    {
        let (path, s) = page(path, Some(alfa.clone())).await;
        assert_eq!(s, STATIC, "{path}");
    }
    // A booked order's contract upload, the summary's print button.
    let summary = common::draft_with(store, &op, vec![common::mailbox("riepilogo@legalmail.it", "")]).await;
    let to = crate::common::wizard::confirm(
        store,
        &op,
        &summary,
        pec_manager::domain::wizard::WizardAction::Continue,
    )
    .await
    .unwrap();
    assert!(to.ends_with("/riepilogo"), "{to}");
    for path in [format!("/ordini/{booked}"), format!("/richiesta/{summary}/riepilogo")] {
        let (path, s) = page(path, Some(alfa.clone())).await;
        assert_eq!(s, ENHANCED, "{path}");
    }
    // Forms with live checks, the wizard.
    for path in [
        "/richiesta".to_string(),
        format!("/richiesta/{draft}"),
        format!("/richiesta/{draft}/caselle"),
        format!("/caselle/{userid}?modifica=1"),
        "/configurazione/clienti".to_string(),
        "/domini".to_string(),
    ] {
        let (path, s) = page(path, Some(alfa.clone())).await;
        assert_eq!(s, INTERACTIVE, "{path}");
    }
    for path in ["/offerte", "/configurazione/impostazioni", "/configurazione/organizzazioni"] {
        let (path, s) = page(path.into(), Some(admin.clone())).await;
        assert_eq!(s, INTERACTIVE, "{path}");
    }
}
