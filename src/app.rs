//! The HTML shell, the layout and the routes.

use crate::components::{FormErrorBanner, MainMenu};
use crate::pages::activation::ActivationPage;
use crate::pages::api_keys::ApiKeysPage;
use crate::pages::audit::AuditPage;
use crate::pages::configuration::{ConfigurationPage, OperatorsPage};
use crate::pages::customers::CustomersPage;
use crate::pages::domains::DomainsPage;
use crate::pages::expiries::ExpiriesPage;
use crate::pages::home::{HomePage, NotFoundPage};
use crate::pages::login::{LoginPage, SessionBar};
use crate::pages::mailbox_detail::MailboxPage;
use crate::pages::offers::OffersPage;
use crate::pages::order_detail::OrderPage;
use crate::pages::organisations::OrganisationsPage;
use crate::pages::product_expiries::ProductExpiriesPage;
use crate::pages::recent::RecentPage;
use crate::pages::reports::ReportsPage;
use crate::pages::search::SearchPageView;
use crate::pages::settings::SettingsPage;
use crate::pages::wizard::{MailboxesStep, RequestStep, ReviewStep, SummaryStep};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{lazy_route, path, Lazy, LazyRoute, SsrMode};

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
                        <Route path=path!("/accesso") view=LoginRoute::page() />
                        <Route path=path!("/attiva") view=ActivationRoute::page() ssr=ssr.clone() />
                        <Route
                            path=path!("/configurazione")
                            view=ConfigurationRoute::page()
                            ssr=ssr.clone()
                        />
                        <Route
                            path=path!("/configurazione/operatori")
                            view=OperatorsRoute::page()
                            ssr=ssr.clone()
                        />
                        <Route
                            path=path!("/configurazione/registro")
                            view=AuditRoute::page()
                            ssr=ssr.clone()
                        />
                        <Route path=path!("/richiesta") view=RequestRoute::page() ssr=ssr.clone() />
                        <Route path=path!("/richiesta/:draft") view=RequestRoute::page() ssr=ssr.clone() />
                        <Route
                            path=path!("/richiesta/:draft/caselle")
                            view=MailboxesRoute::page()
                            ssr=ssr.clone()
                        />
                        <Route
                            path=path!("/richiesta/:draft/verifica")
                            view=ReviewRoute::page()
                            ssr=ssr.clone()
                        />
                        <Route
                            path=path!("/richiesta/:draft/riepilogo")
                            view=SummaryRoute::page()
                            ssr=ssr.clone()
                        />
                        <Route path=path!("/domini") view=DomainsRoute::page() ssr=ssr.clone() />
                        <Route path=path!("/offerte") view=OffersRoute::page() ssr=ssr.clone() />
                        <Route path=path!("/scadenze/caselle") view=ExpiriesRoute::page() ssr=ssr.clone() />
                        <Route
                            path=path!("/scadenze/prodotti")
                            view=ProductExpiriesRoute::page()
                            ssr=ssr.clone()
                        />
                        <Route path=path!("/report") view=ReportsRoute::page() ssr=ssr.clone() />
                        <Route
                            path=path!("/configurazione/organizzazioni")
                            view=OrganisationsRoute::page()
                            ssr=ssr.clone()
                        />
                        <Route
                            path=path!("/configurazione/impostazioni")
                            view=SettingsRoute::page()
                            ssr=ssr.clone()
                        />
                        <Route
                            path=path!("/configurazione/chiavi-api")
                            view=ApiKeysRoute::page()
                            ssr=ssr.clone()
                        />
                        <Route
                            path=path!("/configurazione/clienti")
                            view=CustomersRoute::page()
                            ssr=ssr.clone()
                        />
                        <Route path=path!("/recenti") view=RecentRoute::page() ssr=ssr.clone() />
                        <Route path=path!("/ricerca") view=SearchRoute::page() ssr=ssr.clone() />
                        <Route path=path!("/ordini/:numero") view=OrderRoute::page() ssr=ssr.clone() />
                        <Route path=path!("/caselle/:userid") view=MailboxRoute::page() ssr=ssr />
                    </Routes>
                </main>
            </div>
        </Router>
    }
}

/// A page whose code the browser loads the first time it is shown (`cargo leptos build
/// --split`): the first load carries the shell and the menu, not every page.
macro_rules! lazy_page {
    ($($route:ident => $page:ident),* $(,)?) => {$(
        pub struct $route;

        impl $route {
            /// What the router shows for this route's path.
            pub fn page() -> Lazy<Self> {
                Lazy::new()
            }
        }

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page /> }.into_any()
            }
        }
    )*};
}

lazy_page! {
    LoginRoute => LoginPage,
    ActivationRoute => ActivationPage,
    ConfigurationRoute => ConfigurationPage,
    OperatorsRoute => OperatorsPage,
    AuditRoute => AuditPage,
    DomainsRoute => DomainsPage,
    OffersRoute => OffersPage,
    ExpiriesRoute => ExpiriesPage,
    ReportsRoute => ReportsPage,
    ProductExpiriesRoute => ProductExpiriesPage,
    CustomersRoute => CustomersPage,
    SettingsRoute => SettingsPage,
    ApiKeysRoute => ApiKeysPage,
    OrganisationsRoute => OrganisationsPage,
    RequestRoute => RequestStep,
    MailboxesRoute => MailboxesStep,
    ReviewRoute => ReviewStep,
    SummaryRoute => SummaryStep,
    RecentRoute => RecentPage,
    SearchRoute => SearchPageView,
    OrderRoute => OrderPage,
    MailboxRoute => MailboxPage,
}
