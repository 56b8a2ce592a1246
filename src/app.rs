//! The HTML shell, the layout and the routes.

use crate::components::islands::{IslandsOnPage, PageScripts};
use crate::components::not_found::NotFoundPage;
use crate::components::{FormErrorBanner, MainMenu};
use crate::pages::activation::ActivationPage;
use crate::pages::api_keys::ApiKeysPage;
use crate::pages::audit::AuditPage;
use crate::pages::configuration::{ConfigurationPage, OperatorsPage};
use crate::pages::customers::CustomersPage;
use crate::pages::domains::DomainsPage;
use crate::pages::expiries::products::ProductExpiriesPage;
use crate::pages::expiries::ExpiriesPage;
use crate::pages::home::HomePage;
use crate::pages::login::{LoginPage, SessionBar};
use crate::pages::mailbox::MailboxPage;
use crate::pages::offers::OffersPage;
use crate::pages::order_detail::OrderPage;
use crate::pages::organisations::OrganisationsPage;
use crate::pages::profile::ProfilePage;
use crate::pages::recent::RecentPage;
use crate::pages::reports::ReportsPage;
use crate::pages::search::SearchPageView;
use crate::pages::settings::SettingsPage;
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
    // Islands: what server components load is not sent again for hydration (only islands
    // hydrate, from their props).
    if let Some(sc) = Owner::current_shared_context() {
        sc.set_is_hydrating(false);
    }
    provide_context(IslandsOnPage::default());
    view! {
        <!DOCTYPE html>
        <html lang="it">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <AutoReload options=options.clone() />
                // The stylesheet's name carries its hash in release builds (see hash-files).
                <HashedStylesheet id="leptos" options=options.clone() />
                <MetaTags />
            </head>
            <body>
                <App />
                <PageScripts options />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Every page renders completely before it is sent (SsrMode::Async): it works without
    // JavaScript, and the end of the page knows whether it holds islands (PageScripts).
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
                        <Route path=path!("/accesso") view=LoginPage ssr=ssr.clone() />
                        <Route path=path!("/profilo") view=ProfilePage ssr=ssr.clone() />
                        <Route path=path!("/attiva") view=ActivationPage ssr=ssr.clone() />
                        <Route path=path!("/configurazione") view=ConfigurationPage ssr=ssr.clone() />
                        <Route path=path!("/configurazione/operatori") view=OperatorsPage ssr=ssr.clone() />
                        <Route path=path!("/configurazione/registro") view=AuditPage ssr=ssr.clone() />
                        <Route path=path!("/richiesta") view=RequestStep ssr=ssr.clone() />
                        <Route path=path!("/richiesta/:draft") view=RequestStep ssr=ssr.clone() />
                        <Route path=path!("/richiesta/:draft/caselle") view=MailboxesStep ssr=ssr.clone() />
                        <Route path=path!("/richiesta/:draft/verifica") view=ReviewStep ssr=ssr.clone() />
                        <Route path=path!("/richiesta/:draft/riepilogo") view=SummaryStep ssr=ssr.clone() />
                        <Route path=path!("/domini") view=DomainsPage ssr=ssr.clone() />
                        <Route path=path!("/offerte") view=OffersPage ssr=ssr.clone() />
                        <Route path=path!("/scadenze/caselle") view=ExpiriesPage ssr=ssr.clone() />
                        <Route path=path!("/scadenze/prodotti") view=ProductExpiriesPage ssr=ssr.clone() />
                        <Route path=path!("/report") view=ReportsPage ssr=ssr.clone() />
                        <Route
                            path=path!("/configurazione/organizzazioni")
                            view=OrganisationsPage
                            ssr=ssr.clone()
                        />
                        <Route path=path!("/configurazione/impostazioni") view=SettingsPage ssr=ssr.clone() />
                        <Route path=path!("/configurazione/chiavi-api") view=ApiKeysPage ssr=ssr.clone() />
                        <Route path=path!("/configurazione/clienti") view=CustomersPage ssr=ssr.clone() />
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
