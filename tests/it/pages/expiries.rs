//! Gestione scadenze caselle and prodotti through the HTTP application: renewing the ticked rows
//! once, tacit renewal, the refusals, the exports.

use crate::common;
use crate::web::*;
use axum::http::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gestione_scadenze_caselle_renews_the_ticked_rows_once_and_exports_the_filter() {
    for store in common::stores().await {
        let app = app(&store);
        let n = std::process::id();
        let soon = pec_manager::server::today().add_days(10).iso();
        let (a, b) = (format!("scad-a{n}@legalmail.it"), format!("scad-b{n}@legalmail.it"));
        let ids = crate::renewals::active(&store, &[(&a, &soon, "ATTIVA"), (&b, &soon, "ATTIVA")]).await;
        store
            .raw_execute(&format!(
                "UPDATE mailboxes SET description = '=HYPERLINK(\"x\")' WHERE userid = '{}'",
                ids[0]
            ))
            .await
            .unwrap();
        let alfa = login(&app, "alfa").await;
        let page = send(&app, get("/scadenze/caselle", Some(&alfa))).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("<h1>Gestione scadenze caselle"), "{}", page.body);
        for id in &ids {
            assert!(page.body.contains(&format!("aria-label=\"Seleziona {id}\"")), "{}", page.body);
        }
        assert!(page.body.contains("Rinnova selezionate") && page.body.contains("Esporta CSV"));

        // The export: Excel's CSV, the filter's rows, formulas neutralised; another
        // organisation's export does not hold them.
        let csv = send(&app, get("/scadenze/caselle.csv?entro=30", Some(&alfa))).await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv.body.starts_with("\u{feff}Userid;Casella;Descrizione;"), "{}", csv.body);
        assert!(
            csv.body.contains(ids[0].as_str()) && csv.body.contains("\"'=HYPERLINK(\"\"x\"\")\""),
            "{}",
            csv.body
        );
        let beta = login(&app, "beta").await;
        let other = send(&app, get("/scadenze/caselle.csv?entro=30", Some(&beta))).await;
        assert!(!other.body.contains(ids[0].as_str()));
        let anonymous = send(&app, get("/scadenze/caselle.csv", None)).await;
        assert!(anonymous.location().starts_with("/accesso"), "{}", anonymous.status);

        // "Rinnova selezionate" with the page's request key; sent twice, renewed once.
        let key =
            page.body.split("name=\"richiesta\" value=\"").nth(1).and_then(|r| r.split('"').next()).unwrap();
        let form = format!(
            "scelte%5B{}%5D=1&scelte%5B{}%5D=1&filtro%5Bentro%5D=30&richiesta={key}&azione=rinnova",
            ids[0], ids[1]
        );
        let r = send(&app, post("/api/scadenze/azione", &form, Some(&alfa), Some(ORIGIN), true)).await;
        assert!(
            r.location().starts_with("/scadenze/caselle?entro=30&esito=rinnovate&caselle=2&ordini="),
            "{}",
            r.location()
        );
        let again = send(&app, post("/api/scadenze/azione", &form, Some(&alfa), Some(ORIGIN), true)).await;
        assert_eq!(again.location(), r.location());
        let number = r.location().rsplit('=').next().unwrap().to_string();
        let done = send(&app, get(r.location(), Some(&alfa))).await;
        assert!(done.body.contains("Rinnovo eseguito: 2 caselle rinnovate."), "{}", done.body);
        assert!(done.body.contains(&format!("href=\"/ordini/{number}\"")), "{}", done.body);
        let order = send(&app, get(&format!("/ordini/{number}"), Some(&alfa))).await;
        assert!(order.body.contains("RINNOVO") && order.body.contains(ids[1].as_str()), "{}", order.body);
        let mailbox = store.mailbox(pec_manager::domain::auth::Scope::All, &ids[0]).await.unwrap().unwrap();
        let next_year = pec_manager::domain::lifecycle::Date::parse_iso(&soon).unwrap().add_months(12).iso();
        assert_eq!(
            (mailbox.expires_at.as_str(), mailbox.invoice_expires_at.as_str()),
            (next_year.as_str(), next_year.as_str())
        );

        // Another organisation's mailbox is not found; nothing selected says so.
        let theirs = format!("scelte%5B{}%5D=1&richiesta={}&azione=rinnova", ids[0], "b".repeat(64));
        let r = send(&app, post("/api/scadenze/azione", &theirs, Some(&beta), Some(ORIGIN), true)).await;
        assert_eq!(r.location(), "/scadenze/caselle?rifiuto=non-trovate");
        let none = format!("richiesta={}&azione=rinnova", "c".repeat(64));
        let r = send(&app, post("/api/scadenze/azione", &none, Some(&alfa), Some(ORIGIN), true)).await;
        let page = send(&app, get(r.location(), Some(&alfa))).await;
        assert!(page.body.contains("Nessuna casella selezionata"), "{}", page.body);

        // The filter comes back in the address only bounded, however long it was sent.
        let long = format!(
            "richiesta={}&azione=rinnova&filtro%5Bcliente%5D={}",
            "d".repeat(64),
            "x".repeat(100_000)
        );
        let r = send(&app, post("/api/scadenze/azione", &long, Some(&alfa), Some(ORIGIN), true)).await;
        assert!(r.location().starts_with("/scadenze/caselle?"), "{:.80}", r.location());
        assert!(r.location().len() < 1_000, "{} bytes echoed", r.location().len());

        // Tacit renewal on, for every row of the filter.
        let all = format!("tutte=1&filtro%5Bdal%5D={next_year}&filtro%5Bal%5D={next_year}&azione=tacito-si");
        let r = send(&app, post("/api/scadenze/azione", &all, Some(&alfa), Some(ORIGIN), true)).await;
        assert!(r.location().contains("esito=tacito-si&caselle=2"), "{}", r.location());
        assert!(
            store
                .mailbox(pec_manager::domain::auth::Scope::All, &ids[1])
                .await
                .unwrap()
                .unwrap()
                .tacit_renewal
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gestione_scadenze_prodotti_renews_the_ticked_products_and_exports_the_filter() {
    for store in common::stores().await {
        let app = app(&store);
        let n = std::process::id();
        let address = format!("prodotti-a{n}@legalmail.it");
        let ids = crate::renewals::active(&store, &[(&address, "2027-06-01", "ATTIVA")]).await;
        let soon = pec_manager::server::today().add_days(10).iso();
        store
            .raw_execute(&format!(
                "UPDATE products SET expires_at = '{soon}' WHERE mailbox_id = (SELECT id FROM mailboxes WHERE userid = '{}')",
                ids[0]
            ))
            .await
            .unwrap();
        store
            .raw_execute(&format!(
                "UPDATE customers SET name = '@SOMMA(B2) {n}', name_key = '@somma(b2) {n}' WHERE id = \
                 (SELECT o.customer_id FROM orders o JOIN mailboxes m ON m.order_id = o.id WHERE m.userid = '{}')",
                ids[0]
            ))
            .await
            .unwrap();
        let alfa = login(&app, "alfa").await;
        let beta = login(&app, "beta").await;
        let page = send(&app, get("/scadenze/prodotti?prodotto=CONSERVAZIONE", Some(&alfa))).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("<h1>Gestione scadenze prodotti"), "{}", page.body);
        assert!(page.body.contains(&format!("aria-label=\"Seleziona {}\"", ids[0])), "{}", page.body);
        assert!(page.body.contains("LM-CONS-12") && page.body.contains("Rinnova selezionate"));
        assert!(page.body.contains("Esporta CSV") && page.body.contains("Scadenza entro"));

        // The export: the filter's products, formulas neutralised, Alfa's only.
        let csv = send(&app, get("/scadenze/prodotti.csv?entro=30", Some(&alfa))).await;
        assert!(
            csv.body.starts_with("\u{feff}Userid;Casella;Cliente;Offerta;Ordine;Prodotto;"),
            "{}",
            csv.body
        );
        assert!(
            csv.body.contains(&format!("'@SOMMA(B2) {n}"))
                && csv.body.contains("Credito SMS;100 SMS;LM-SMS-12")
        );
        let theirs = send(&app, get("/scadenze/prodotti.csv?entro=30", Some(&beta))).await;
        assert!(!theirs.body.contains(ids[0].as_str()));

        // "Rinnova selezionate": the ticked product, once for the same request.
        let id =
            page.body.split("name=\"scelte[").nth(1).and_then(|r| r.split(']').next()).unwrap().to_string();
        let key =
            page.body.split("name=\"richiesta\" value=\"").nth(1).and_then(|r| r.split('"').next()).unwrap();
        let form = format!("scelte%5B{id}%5D=1&filtro%5Bprodotto%5D=CONSERVAZIONE&richiesta={key}");
        let r =
            send(&app, post("/api/scadenze/prodotti/rinnova", &form, Some(&alfa), Some(ORIGIN), true)).await;
        assert!(
            r.location()
                .starts_with("/scadenze/prodotti?prodotto=CONSERVAZIONE&esito=rinnovati&prodotti=1&ordini="),
            "{}",
            r.location()
        );
        let again =
            send(&app, post("/api/scadenze/prodotti/rinnova", &form, Some(&alfa), Some(ORIGIN), true)).await;
        assert_eq!(again.location(), r.location());
        let done = send(&app, get(r.location(), Some(&alfa))).await;
        assert!(done.body.contains("Rinnovo eseguito: 1 prodotti rinnovati."), "{}", done.body);
        let number = r.location().rsplit('=').next().unwrap().to_string();
        let order = send(&app, get(&format!("/ordini/{number}"), Some(&alfa))).await;
        assert!(
            order.body.contains("Prodotti rinnovati") && order.body.contains("Conservazione a norma"),
            "{}",
            order.body
        );
        let mailbox = send(&app, get(&format!("/caselle/{}", ids[0]), Some(&alfa))).await;
        assert!(mailbox.body.contains("Prodotti a scadenza") && mailbox.body.contains("RINNOVO_PRODOTTO"));

        // Beta's request for Alfa's product: not found, nothing renewed.
        let theirs = format!("scelte%5B{id}%5D=1&richiesta={}", "e".repeat(64));
        let r = send(&app, post("/api/scadenze/prodotti/rinnova", &theirs, Some(&beta), Some(ORIGIN), true))
            .await;
        assert_eq!(r.location(), "/scadenze/prodotti?rifiuto=non-trovate");
        let page = send(&app, get(r.location(), Some(&beta))).await;
        assert!(page.body.contains("Alcuni prodotti selezionati non esistono più"), "{}", page.body);
    }
}
