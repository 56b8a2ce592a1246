//! Reaching what is not one's own: roles, and one organisation's data, pages and exports
//! kept from another's.

use crate::common;
use crate::common::wizard;
use crate::web::*;
use axum::http::{header, StatusCode};
use pec_manager::domain::auth::Scope;
use pec_manager::domain::wizard::{RequestForm, WizardAction};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_administrators_manage_operators_and_read_the_audit_log() {
    for store in common::stores().await {
        let app = app(&store);
        let operator = login(&app, "alfa").await;
        for page in ["/configurazione", "/configurazione/operatori", "/configurazione/registro"] {
            let r = send(&app, get(page, Some(&operator))).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{page}");
            assert!(r.body.contains("Operazione non consentita"));
        }
        let r =
            send(&app, post("/api/configurazione/operatori", "", Some(&operator), Some(ORIGIN), false)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);

        // A reseller's administrator sees and creates operators of their own organisation only.
        let admin = login(&app, "alfa.admin").await;
        let r = send(&app, get("/configurazione/operatori", Some(&admin))).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(
            r.body.contains("alfa.admin") && !r.body.contains(">beta<"),
            "other organisations' operators shown"
        );
        let provider_id = store.organisation_by_name("InfoCert").await.unwrap().unwrap().id;
        let form = format!(
            "username=intruso&display_name=X&role=AMMINISTRATORE&organisation={provider_id}&password={}",
            enc("una password lunga")
        );
        let r =
            send(&app, post("/api/configurazione/nuovo-operatore", &form, Some(&admin), Some(ORIGIN), true))
                .await;
        assert!(r.location().contains("errore=organizzazione"), "{}", r.location());
        assert!(store.login_record("intruso").await.unwrap().is_none());
        let alfa_id = store.organisation_by_name("Rivenditore Alfa").await.unwrap().unwrap().id;
        let form = format!(
            "username=alfa.nuovo&display_name=Nuovo&role=OPERATORE&organisation={alfa_id}&password={}",
            enc("una password lunga")
        );
        let r =
            send(&app, post("/api/configurazione/nuovo-operatore", &form, Some(&admin), Some(ORIGIN), true))
                .await;
        assert!(r.location().contains("creato=alfa.nuovo"), "{}", r.location());
        let r = send(
            &app,
            post(
                "/api/accedi",
                &format!("username=alfa.nuovo&password={}&next=%2F", enc("una password lunga")),
                None,
                Some(ORIGIN),
                true,
            ),
        )
        .await;
        assert!(r.headers.get(header::SET_COOKIE).is_some(), "new operator cannot log in");
        // Disabling ends the operator's sessions.
        let r = send(
            &app,
            post(
                "/api/configurazione/stato-operatore",
                "username=alfa&active=false",
                Some(&admin),
                Some(ORIGIN),
                true,
            ),
        )
        .await;
        assert!(r.status.is_redirection());
        let r = send(&app, get("/recenti", Some(&operator))).await;
        assert!(r.location().starts_with("/accesso"));

        let r = send(&app, get("/configurazione/registro?azione=OPERATORE_CREATO", Some(&admin))).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("alfa.nuovo"));
        // The audit log cannot be rewritten, even bypassing the application.
        assert!(store.raw_execute("UPDATE audit_log SET action = 'X'").await.is_err());
        assert!(store.raw_execute("DELETE FROM audit_log").await.is_err());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organisations_cannot_see_or_change_each_others_data() {
    for store in common::stores().await {
        let app = app(&store);
        let alfa = common::operator(&store, "alfa").await;
        let beta = common::operator(&store, "beta").await;
        let (alfa_draft, number) =
            order_by(&store, &alfa, "Cliente Alfa", mailbox("cliente.alfa@legalmail.it")).await;
        let userid = store.order(Scope::All, &number).await.unwrap().unwrap().mailboxes[0].userid.clone();
        // A draft of Alfa not yet confirmed.
        let pending = wizard::save_request(
            &store,
            &alfa,
            None,
            RequestForm { customer_name: "Altro".into(), ..Default::default() },
            WizardAction::Back,
        )
        .await
        .unwrap();
        let pending = common::draft_of(&pending);

        let b = login(&app, "beta").await;
        for page in [
            format!("/ordini/{number}"),
            format!("/caselle/{userid}"),
            format!("/richiesta/{alfa_draft}/riepilogo"),
            format!("/richiesta/{pending}/caselle"),
        ] {
            let r = send(&app, get(&page, Some(&b))).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{page}");
            assert!(
                !r.body.contains("RSSMRA70A01H501S") && !r.body.contains("Cliente Alfa"),
                "{page} leaks data"
            );
        }
        for (path, form) in [
            ("/api/ordine", format!("number={number}&pagina=1")),
            ("/api/casella", format!("userid={userid}")),
        ] {
            let r = send(&app, post(path, &form, Some(&b), Some(ORIGIN), false)).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        }
        for (path, json) in [
            (
                "/api/richiesta/dati",
                format!(r#"{{"draft":"{pending}","view":{{"only_errors":false,"page":1,"editing":null}}}}"#),
            ),
            (
                "/api/richiesta/verifica-riga",
                format!(
                    r#"{{"draft":"{pending}","index":0,"mailbox":{}}}"#,
                    serde_json::to_string(&mailbox("x@y.it")).unwrap()
                ),
            ),
        ] {
            let mut req = post(path, &json, Some(&b), Some(ORIGIN), false);
            req.headers_mut().insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
            let r = send(&app, req).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.body);
        }
        // Writes into Alfa's draft are refused and change nothing.
        let before = store.load_draft(&pending).await.unwrap().unwrap();
        let form = format!("draft={pending}&azione=continua&expiry_year=2030&customer_po=X");
        let r = send(&app, post("/api/richiesta/salva-caselle", &form, Some(&b), Some(ORIGIN), false)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = send(
            &app,
            post(
                "/api/richiesta/conferma",
                &format!("draft={pending}&azione=conferma"),
                Some(&b),
                Some(ORIGIN),
                false,
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(store.load_draft(&pending).await.unwrap().unwrap(), before);

        let r = send(&app, get("/recenti", Some(&b))).await;
        assert!(!r.body.contains(number.as_str()), "Beta's recent activity lists Alfa's order");
        let data = wizard::wizard_data(&store, &beta, None, Default::default()).await.unwrap();
        assert!(data.customers.iter().all(|c| c.name != "Cliente Alfa"), "Alfa's customer offered to Beta");

        // A reseller's own domain is not Beta's.
        let alfa_org = store.organisation_by_name("Rivenditore Alfa").await.unwrap().unwrap().id;
        store.add_domain(alfa_org, "alfa.legalmail.it").await.unwrap();
        assert!(wizard::wizard_data(&store, &alfa, None, Default::default())
            .await
            .unwrap()
            .rules
            .domains
            .contains(&"alfa.legalmail.it".to_string()));
        assert!(!data.rules.domains.contains(&"alfa.legalmail.it".to_string()));

        // The provider sees everything, and the order says who made it.
        let p = login(&app, "operatore").await;
        let r = send(&app, get(&format!("/ordini/{number}"), Some(&p))).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("Operatore Alfa"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_and_list_exports_are_each_organisation_own_and_formula_safe() {
    for store in common::stores().await {
        let app = app(&store);
        let n = std::process::id();
        let address = format!("export-a{n}@legalmail.it");
        let ids = crate::renewals::active(&store, &[(&address, "2027-06-01", "ATTIVA")]).await;
        store
            .raw_execute(&format!(
                "UPDATE customers SET name = '=SOMMA(A1) {n}', name_key = '=somma(a1) {n}' WHERE id = \
                 (SELECT o.customer_id FROM orders o JOIN mailboxes m ON m.order_id = o.id WHERE m.userid = '{}')",
                ids[0]
            ))
            .await
            .unwrap();
        let alfa = login(&app, "alfa").await;
        let beta = login(&app, "beta").await;
        let admin = login(&app, "admin").await;

        // The page: each report a figure with its caption and its table, an export each; the
        // resellers' report only for the provider.
        let page = send(&app, get("/report", Some(&alfa))).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("<h1>Report"), "{}", page.body);
        for kind in ["stato", "offerta", "cliente", "dominio", "mensile", "operatori"] {
            assert!(
                page.body.contains(&format!("href=\"/report.csv?report={kind}")),
                "{kind}: {}",
                page.body
            );
        }
        assert!(
            page.body.contains("<figure") && page.body.contains("<figcaption") && page.body.contains("<svg")
        );
        assert!(page.body.matches("Esporta CSV").count() >= 6);
        assert!(!page.body.contains("Caselle per rivenditore"));
        let provider = send(&app, get("/report?periodo=24", Some(&admin))).await;
        assert!(
            provider.body.contains("Caselle per rivenditore") && provider.body.contains("Rivenditore Alfa")
        );
        assert!(provider.body.contains("Ultimi 24 mesi"));

        // The report's export: Excel's CSV, the name's formula neutralised; Beta's lacks it.
        let csv = send(&app, get("/report.csv?report=cliente", Some(&alfa))).await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv.body.starts_with("\u{feff}Cliente;Caselle\r\n"), "{}", csv.body);
        assert!(csv.body.contains(&format!("'=SOMMA(A1) {n};1\r\n")), "{}", csv.body);
        let theirs = send(&app, get("/report.csv?report=cliente", Some(&beta))).await;
        assert!(!theirs.body.contains(&format!("SOMMA(A1) {n}")), "{}", theirs.body);
        let monthly = send(&app, get("/report.csv?report=mensile&periodo=24", Some(&alfa))).await;
        assert!(monthly.body.starts_with("\u{feff}Mese;Attivazioni;Scadenze;Rinnovi\r\n"));
        assert_eq!(monthly.body.lines().count(), 25, "{}", monthly.body);
        assert_eq!(
            send(&app, get("/report.csv?report=rivenditori", Some(&alfa))).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            send(&app, get("/report.csv?report=nulla", Some(&alfa))).await.status,
            StatusCode::NOT_FOUND
        );
        assert!(send(&app, get("/report.csv?report=stato", None)).await.location().starts_with("/accesso"));

        // Ricerca's export: the search's rows, of the operator's organisation only.
        let found = send(&app, get(&format!("/ricerca.csv?q={}", ids[0]), Some(&alfa))).await;
        assert!(found.body.starts_with("\u{feff}Userid;Nome casella;Stato;"), "{}", found.body);
        assert!(found.body.contains(&format!("{};{address};ATTIVA", ids[0])), "{}", found.body);
        assert!(found.body.contains(&format!("'=SOMMA(A1) {n}")));
        let hidden = send(&app, get(&format!("/ricerca.csv?q={}", ids[0]), Some(&beta))).await;
        assert!(!hidden.body.contains(ids[0].as_str()), "{}", hidden.body);
        let page = send(&app, get(&format!("/ricerca?q={}", ids[0]), Some(&alfa))).await;
        assert!(page.body.contains("action=\"/ricerca.csv\"") && page.body.contains("Esporta CSV"));

        // The audit log's export: administrators only, their organisation's lines.
        assert_eq!(
            send(&app, get("/configurazione/registro.csv", Some(&alfa))).await.status,
            StatusCode::FORBIDDEN
        );
        let alfa_admin = login(&app, "alfa.admin").await;
        let log = send(&app, get("/configurazione/registro.csv?utente=alfa", Some(&alfa_admin))).await;
        assert_eq!(log.status, StatusCode::OK);
        assert!(log.body.starts_with("\u{feff}Quando (UTC);Utente;Organizzazione;Azione;"), "{}", log.body);
        assert!(log.body.contains(";alfa;Rivenditore Alfa;LOGIN;"), "{}", log.body);
        let own = send(&app, get("/configurazione/registro.csv", Some(&alfa_admin))).await;
        assert!(own.body.contains(";alfa;") && !own.body.contains(";beta;"), "{}", own.body);
        let beta_log = send(&app, get("/configurazione/registro.csv", Some(&admin))).await;
        assert!(beta_log.body.contains(";beta;Rivenditore Beta;LOGIN;"));
        let page = send(&app, get("/configurazione/registro", Some(&alfa_admin))).await;
        assert!(page.body.contains("action=\"/configurazione/registro.csv\""), "{}", page.body);
    }
}
