//! The HTML shell, the layout and the routes.

use crate::components::{FormErrorBanner, MainMenu};
use crate::pages::activation::ActivationPage;
use crate::pages::audit::AuditPage;
use crate::pages::configuration::{ConfigurationPage, OperatorsPage};
use crate::pages::home::{HomePage, NotFoundPage};
use crate::pages::login::{LoginPage, SessionBar};
use crate::pages::mailbox_detail::MailboxPage;
use crate::pages::order_detail::OrderPage;
use crate::pages::recent::RecentPage;
use crate::pages::search::SearchPageView;
use crate::pages::wizard::{MailboxesStep, RequestStep, ReviewStep, SummaryStep};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    // The page's Content-Security-Policy names the nonce of this response's inline script.
    #[cfg(feature = "ssr")]
    if let (Some(nonce), Some(res)) =
        (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    {
        if let Ok(v) = http::HeaderValue::from_str(&crate::server::edge::page_csp(&nonce.to_string())) {
            res.insert_header(http::header::CONTENT_SECURITY_POLICY, v);
        }
    }
    view! {
        <!DOCTYPE html>
        <html lang="it">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <AutoReload options=options.clone() />
                <HydrationScripts options=options.clone() />
                // The stylesheet's name carries its hash in release builds (see hash-files).
                <HashedStylesheet id="leptos" options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Pages whose content comes from the server render completely before they are sent
    // (SsrMode::Async), so that they work without JavaScript.
    let ssr = SsrMode::Async;
    view! {
        <Router>
            <a class="skip-link" href="#contenuto">
                "Vai al contenuto"
            </a>
            <header class="top">
                <a href="/" class="brand">
                    "pec-manager"
                </a>
                <span class="tagline">"Gestione caselle PEC"</span>
                <SessionBar />
            </header>
            <div class="layout">
                <MainMenu />
                <main id="contenuto" tabindex="-1">
                    <FormErrorBanner />
                    <Routes fallback=|| view! { <NotFoundPage /> }>
                        <Route path=path!("") view=HomePage ssr=ssr.clone() />
                        <Route path=path!("/accesso") view=LoginPage />
                        <Route path=path!("/attiva") view=ActivationPage ssr=ssr.clone() />
                        <Route path=path!("/configurazione") view=ConfigurationPage ssr=ssr.clone() />
                        <Route path=path!("/configurazione/operatori") view=OperatorsPage ssr=ssr.clone() />
                        <Route path=path!("/configurazione/registro") view=AuditPage ssr=ssr.clone() />
                        <Route path=path!("/richiesta") view=RequestStep ssr=ssr.clone() />
                        <Route path=path!("/richiesta/:draft") view=RequestStep ssr=ssr.clone() />
                        <Route path=path!("/richiesta/:draft/caselle") view=MailboxesStep ssr=ssr.clone() />
                        <Route path=path!("/richiesta/:draft/verifica") view=ReviewStep ssr=ssr.clone() />
                        <Route path=path!("/richiesta/:draft/riepilogo") view=SummaryStep ssr=ssr.clone() />
                        <Route path=path!("/recenti") view=RecentPage ssr=ssr.clone() />
                        <Route path=path!("/ricerca") view=SearchPageView ssr=ssr.clone() />
                        <Route path=path!("/ordini/:numero") view=OrderPage ssr=ssr.clone() />
                        <Route path=path!("/caselle/:userid") view=MailboxPage ssr=ssr />
                    </Routes>
                </main>
            </div>
        </Router>
    }
}
