//! The back office through the HTTP application: offerte, clienti, impostazioni, organizzazioni.

use crate::common;
use crate::web::*;
use axum::http::{header, StatusCode};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offerte_are_edited_by_the_provider_and_read_by_resellers() {
    for store in common::stores().await {
        let app = app(&store);
        let r = send(&app, get("/offerte", None)).await;
        assert!(r.location().starts_with("/accesso"), "{}", r.location());

        let alfa_org = common::operator(&store, "alfa").await.organisation_id;
        let form = format!(
            "original=&form%5Bcode%5D=pec_plus&form%5Bname%5D=PEC+Plus&form%5Bdescription%5D=&form%5Bmonths%5D=36\
             &form%5Bdisk_gb%5D=8&form%5Bprice%5D=49%2C90&form%5Bsms%5D=1&form%5Bactive%5D=1\
             &form%5Bresellers%5D%5B{alfa_org}%5D=1"
        );
        // A reseller's administrator reads the catalogue but may not change it.
        let reseller_admin = login(&app, "alfa.admin").await;
        let r =
            send(&app, post("/api/offerte/salva", &form, Some(&reseller_admin), Some(ORIGIN), false)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = send(&app, get("/offerte", Some(&reseller_admin))).await;
        assert!(r.body.contains("<h1>Offerte") && r.body.contains("CONSIP"), "{}", r.body);
        assert!(!r.body.contains("Salva offerta"), "{}", r.body);

        // The provider's administrator adds it, sold by Alfa only.
        let admin = login(&app, "admin").await;
        let r = send(&app, post("/api/offerte/salva", &form, Some(&admin), Some(ORIGIN), true)).await;
        assert_eq!(r.location(), "/offerte?salvata=PEC_PLUS", "{}", r.body);
        let page = send(&app, get("/offerte?salvata=PEC_PLUS", Some(&admin))).await;
        assert!(page.body.contains("Offerta PEC_PLUS salvata."), "{}", page.body);
        assert!(page.body.contains("€ 49,90"), "{}", page.body);
        let alfa = common::operator(&store, "alfa").await;
        let usable = store.usable_offers(alfa.scope(), alfa.organisation_id).await.unwrap();
        assert!(usable.iter().any(|o| o.code == "PEC_PLUS"), "the checkbox of the reseller was read");
        let beta = login(&app, "beta").await;
        assert!(!send(&app, get("/offerte", Some(&beta))).await.body.contains("PEC_PLUS"));

        // A refused form comes back as typed, with the field's message.
        let bad = "original=PEC_PLUS&form%5Bcode%5D=PEC_PLUS&form%5Bname%5D=PEC+Plus&form%5Bmonths%5D=0\
                   &form%5Bdisk_gb%5D=8&form%5Bprice%5D=49%2C90";
        let r = send(&app, post("/api/offerte/salva", bad, Some(&admin), Some(ORIGIN), true)).await;
        assert_eq!(r.location(), "/offerte?modifica=PEC_PLUS&errore=campi#offerta-h");
        let page = send(&app, get("/offerte?modifica=PEC_PLUS&errore=campi", Some(&admin))).await;
        assert!(page.body.contains("Un numero intero da 1 a 120"), "{}", page.body);
        assert!(page.body.contains("Modifica offerta PEC_PLUS"), "{}", page.body);
        // An edit of an unknown offer changes nothing.
        let other =
            bad.replace("original=PEC_PLUS", "original=NESSUNA").replace("months%5D=0", "months%5D=12");
        let r = send(&app, post("/api/offerte/salva", &other, Some(&admin), Some(ORIGIN), true)).await;
        assert_eq!(r.location(), "/offerte?modifica=NESSUNA&errore=non-trovata#offerta-h");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clienti_are_added_by_operators_and_refusals_keep_what_was_typed() {
    for store in common::stores().await {
        let app = app(&store);
        let alfa = login(&app, "alfa").await;
        let form = "id=0&form%5Bname%5D=Studio+Verdi&form%5Bkind%5D=PROFESSIONISTA\
                    &form%5Blegal_rep_cf%5D=RCLMRA74D15F205V&form%5Bcontact_email%5D=";
        let r = send(&app, post("/api/configurazione/cliente", form, Some(&alfa), Some(ORIGIN), true)).await;
        assert_eq!(r.location(), "/configurazione/clienti?salvato=1", "{}", r.body);
        let page = send(&app, get("/configurazione/clienti?salvato=1", Some(&alfa))).await;
        assert!(page.body.contains("<h1>Clienti") && page.body.contains("Studio Verdi"), "{}", page.body);
        // Again: a duplicate, kept as typed.
        let r = send(&app, post("/api/configurazione/cliente", form, Some(&alfa), Some(ORIGIN), true)).await;
        assert_eq!(r.location(), "/configurazione/clienti?errore=duplicato#cliente-h");
        let page = send(&app, get("/configurazione/clienti?errore=duplicato", Some(&alfa))).await;
        assert!(page.body.contains("Esiste già un cliente con questa denominazione"), "{}", page.body);
        // Beta does not see it and cannot edit it by its number.
        let beta = login(&app, "beta").await;
        assert!(!send(&app, get("/configurazione/clienti", Some(&beta))).await.body.contains("Studio Verdi"));
        let alfa_op = common::operator(&store, "alfa").await;
        let id = store
            .customer_rows(alfa_op.scope())
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.customer.name == "Studio Verdi")
            .unwrap()
            .id;
        let edit = form.replace("id=0", &format!("id={id}")).replace("Studio+Verdi", "Preso");
        let r = send(&app, post("/api/configurazione/cliente", &edit, Some(&beta), Some(ORIGIN), true)).await;
        assert_eq!(
            r.location(),
            format!("/configurazione/clienti?modifica={id}&errore=non-trovato#cliente-h")
        );
        assert!(store
            .customer_rows(alfa_op.scope())
            .await
            .unwrap()
            .iter()
            .any(|r| r.customer.name == "Studio Verdi"));
    }
}

/// Impostazioni through the HTTP application: only the provider's administrators; the lock-out
/// threshold and the session's length are read by the login that follows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn impostazioni_are_changed_by_the_provider_and_read_by_the_login() {
    for store in common::stores().await {
        let app = app(&store);
        let fields = |failures: &str, hours: &str| {
            let s = pec_manager::domain::settings::Settings::default();
            let mut form = pec_manager::domain::settings::form_of(&s);
            form.insert("userid_prefix".into(), "VIT".into());
            form.insert("next_order_number".into(), "99000000".into());
            form.insert("lockout_failures".into(), failures.into());
            form.insert("session_max_hours".into(), hours.into());
            form.iter().map(|(k, v)| format!("form%5B{k}%5D={}", enc(v))).collect::<Vec<_>>().join("&")
        };
        let reseller_admin = login(&app, "alfa.admin").await;
        let r = send(
            &app,
            post(
                "/api/configurazione/salva-impostazioni",
                &fields("3", "2"),
                Some(&reseller_admin),
                Some(ORIGIN),
                false,
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = send(&app, get("/configurazione/impostazioni", Some(&reseller_admin))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);

        let admin = login(&app, "admin").await;
        // Out of range: refused, kept as typed, nothing changed.
        let r = send(
            &app,
            post(
                "/api/configurazione/salva-impostazioni",
                &fields("2", "2"),
                Some(&admin),
                Some(ORIGIN),
                true,
            ),
        )
        .await;
        assert_eq!(r.location(), "/configurazione/impostazioni?errore=campi");
        let page = send(&app, get("/configurazione/impostazioni?errore=campi", Some(&admin))).await;
        assert!(page.body.contains("Un numero intero da 3 a 20"), "{}", page.body);
        assert_eq!(store.settings().await.unwrap().lockout_failures, 5);

        let r = send(
            &app,
            post(
                "/api/configurazione/salva-impostazioni",
                &fields("3", "2"),
                Some(&admin),
                Some(ORIGIN),
                true,
            ),
        )
        .await;
        assert_eq!(r.location(), "/configurazione/impostazioni?salvate=1", "{}", r.body);
        let page = send(&app, get("/configurazione/impostazioni?salvate=1", Some(&admin))).await;
        assert!(page.body.contains("<h1>Impostazioni") && page.body.contains("Impostazioni salvate."));

        // A session now lasts two hours at most...
        let form = format!("username=alfa&password={}&next=%2F", enc(common::PASSWORD));
        let r = send(&app, post("/api/accedi", &form, None, Some(ORIGIN), true)).await;
        let cookie = r.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
        assert!(cookie.contains("Max-Age=7200"), "{cookie}");
        // ...and three failures lock the name.
        for _ in 0..3 {
            send(
                &app,
                post("/api/accedi", "username=beta&password=sbagliata&next=%2F", None, Some(ORIGIN), true),
            )
            .await;
        }
        let form = format!("username=beta&password={}&next=%2F", enc(common::PASSWORD));
        let r = send(&app, post("/api/accedi", &form, None, Some(ORIGIN), true)).await;
        assert!(r.location().contains("errore=bloccato"), "{}", r.location());
    }
}

/// Organizzazioni: a reseller created with its first administrator, who logs in with the
/// password shown once; disabled, its sessions end and its operators cannot log in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organizzazioni_create_resellers_whose_administrators_log_in_until_disabled() {
    for store in common::stores().await {
        let app = app(&store);
        let reseller_admin = login(&app, "alfa.admin").await;
        let form = "form%5Bname%5D=Rivenditore+Gamma&form%5Busername%5D=gamma.admin&form%5Bdisplay_name%5D=Gina+Gamma";
        let r = send(
            &app,
            post(
                "/api/configurazione/nuova-organizzazione",
                form,
                Some(&reseller_admin),
                Some(ORIGIN),
                false,
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);

        let admin = login(&app, "admin").await;
        let r = send(
            &app,
            post("/api/configurazione/nuova-organizzazione", form, Some(&admin), Some(ORIGIN), true),
        )
        .await;
        assert_eq!(r.location(), "/configurazione/organizzazioni?creata=1", "{}", r.body);
        let page = send(&app, get("/configurazione/organizzazioni?creata=1", Some(&admin))).await;
        assert!(
            page.body
                .contains("Organizzazione Rivenditore Gamma creata con l&#x27;amministratore gamma.admin")
                || page
                    .body
                    .contains("Organizzazione Rivenditore Gamma creata con l'amministratore gamma.admin"),
            "{}",
            page.body
        );
        let password = page
            .body
            .split("<code>")
            .nth(1)
            .and_then(|s| s.split('<').next())
            .expect("password shown")
            .to_string();
        assert!(password.len() >= 12);
        // Shown once only.
        let again = send(&app, get("/configurazione/organizzazioni?creata=1", Some(&admin))).await;
        assert!(!again.body.contains(&password));
        // The same name again: refused, nothing created.
        let r = send(
            &app,
            post(
                "/api/configurazione/nuova-organizzazione",
                &form.replace("gamma.admin", "altro.admin"),
                Some(&admin),
                Some(ORIGIN),
                true,
            ),
        )
        .await;
        assert_eq!(r.location(), "/configurazione/organizzazioni?errore=nome-esistente");
        assert!(store.login_record("altro.admin").await.unwrap().is_none());

        // The new administrator logs in and sees only its organisation.
        let form = format!("username=gamma.admin&password={}&next=%2F", enc(&password));
        let r = send(&app, post("/api/accedi", &form, None, Some(ORIGIN), true)).await;
        let gamma = r
            .headers
            .get(header::SET_COOKIE)
            .expect("logged in")
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        // Its password was shown to the provider's administrator: it changes it first.
        let ops = send(&app, get("/configurazione/operatori", Some(&gamma))).await;
        assert_eq!(ops.location(), "/profilo#cambia-password");
        let new = enc("la-password-di-gamma-2026");
        let change = format!("attuale={}&nuova={new}&ripetuta={new}", enc(&password));
        let r = send(&app, post("/api/profilo/password", &change, Some(&gamma), Some(ORIGIN), true)).await;
        assert_eq!(r.location(), "/profilo?esito=password");
        let ops = send(&app, get("/configurazione/operatori", Some(&gamma))).await;
        assert!(ops.body.contains("gamma.admin") && !ops.body.contains("alfa.admin"), "{}", ops.body);
        let form = format!("username=gamma.admin&password={new}&next=%2F");

        // Disabled: its session ends at once, and it cannot log in again; enabled: it can.
        let id = store
            .organisation_rows()
            .await
            .unwrap()
            .into_iter()
            .find(|o| o.name == "Rivenditore Gamma")
            .unwrap()
            .id;
        // It sells the active catalogue from the start.
        let sold = store.usable_offers(pec_manager::domain::auth::Scope::Organisation(id), id).await.unwrap();
        assert!(sold.iter().any(|o| o.code == "CONSIP"), "{sold:?}");
        let r = send(
            &app,
            post(
                "/api/configurazione/organizzazione",
                &format!("id={id}&azione=disattiva"),
                Some(&admin),
                Some(ORIGIN),
                true,
            ),
        )
        .await;
        assert_eq!(r.location(), "/configurazione/organizzazioni?modificata=1");
        let r = send(&app, get("/recenti", Some(&gamma))).await;
        assert!(r.location().starts_with("/accesso"), "{}", r.location());
        let r = send(&app, post("/api/accedi", &form, None, Some(ORIGIN), true)).await;
        assert!(
            r.headers.get(header::SET_COOKIE).is_none() && r.location().contains("errore="),
            "{}",
            r.location()
        );
        send(
            &app,
            post(
                "/api/configurazione/organizzazione",
                &format!("id={id}&azione=riattiva"),
                Some(&admin),
                Some(ORIGIN),
                true,
            ),
        )
        .await;
        let r = send(&app, post("/api/accedi", &form, None, Some(ORIGIN), true)).await;
        assert!(r.headers.get(header::SET_COOKIE).is_some(), "{}", r.location());
        // The provider is never disabled; renames are checked.
        let provider = store.organisation_rows().await.unwrap()[0].id;
        let r = send(
            &app,
            post(
                "/api/configurazione/organizzazione",
                &format!("id={provider}&azione=disattiva"),
                Some(&admin),
                Some(ORIGIN),
                true,
            ),
        )
        .await;
        assert_eq!(r.location(), "/configurazione/organizzazioni?errore=fornitore");
        let r = send(
            &app,
            post(
                "/api/configurazione/organizzazione",
                &format!("id={id}&azione=rinomina&name=Rivenditore+Alfa"),
                Some(&admin),
                Some(ORIGIN),
                true,
            ),
        )
        .await;
        assert_eq!(
            r.location(),
            format!("/configurazione/organizzazioni?rinomina={id}&errore=nome-esistente")
        );
        let r = send(
            &app,
            post(
                "/api/configurazione/organizzazione",
                &format!("id={id}&azione=rinomina&name=Gamma+Srl"),
                Some(&admin),
                Some(ORIGIN),
                true,
            ),
        )
        .await;
        assert_eq!(r.location(), "/configurazione/organizzazioni?modificata=1");
        let log = store
            .audit_entries(pec_manager::domain::auth::Scope::All, &Default::default(), 1, 30)
            .await
            .unwrap();
        for action in [
            "ORGANIZZAZIONE_CREATA",
            "ORGANIZZAZIONE_DISATTIVATA",
            "ORGANIZZAZIONE_RIATTIVATA",
            "ORGANIZZAZIONE_RINOMINATA",
        ] {
            assert!(log.items.iter().any(|e| e.action == action), "{action} not audited");
        }
    }
}

/// "Disattiva" and "Sblocca" (the use cases behind the Operatori page): an administrator may not
/// disable their own account, nor touch an operator of another organisation, and a name that
/// is no user name is simply not found.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_are_disabled_and_unlocked_only_within_reach() {
    use pec_manager::usecases::operators::{set_active, unlock, OperatorChanged};
    for store in common::stores().await {
        let alfa_admin = common::operator(&store, "alfa.admin").await;
        let admin = common::operator(&store, "admin").await;
        assert_eq!(
            set_active(&store, &alfa_admin, "alfa.admin", false).await.unwrap(),
            OperatorChanged::OwnAccount
        );
        assert_eq!(set_active(&store, &alfa_admin, "beta", false).await.unwrap(), OperatorChanged::NotFound);
        assert_eq!(
            set_active(&store, &alfa_admin, "<b>x</b>", false).await.unwrap(),
            OperatorChanged::NotFound
        );
        assert_eq!(unlock(&store, &alfa_admin, "beta").await.unwrap(), OperatorChanged::NotFound);
        assert_eq!(set_active(&store, &alfa_admin, "alfa", false).await.unwrap(), OperatorChanged::Done);
        assert!(!store.login_record("alfa").await.unwrap().expect("alfa").active);
        assert_eq!(set_active(&store, &admin, "alfa", true).await.unwrap(), OperatorChanged::Done);
        assert_eq!(unlock(&store, &admin, "alfa").await.unwrap(), OperatorChanged::Done);
    }
}
