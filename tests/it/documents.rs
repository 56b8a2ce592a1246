//! An order's documents ("Carica documentazione"), through the HTTP application and the API,
//! on SQLite and PostgreSQL: what is accepted and refused (by content, size and count), who may
//! download, removal while the order is PRENOTATO only, required documents before fulfilment.

use crate::common;
use crate::web::*;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use pec_manager::domain::OrderNumber;
use pec_manager::server::router;

/// "Carica" on the order's page: type `tipo`, the file `name` with `bytes`.
fn upload(number: &OrderNumber, tipo: &str, name: &str, bytes: &[u8], cookie: &str) -> Request<Body> {
    let (content_type, body) = multipart_as(&[("tipo", tipo)], "documento", Some((name, bytes)));
    Request::post(format!("/ordini/{number}/documenti"))
        .header(header::HOST, HOST)
        .header(header::ORIGIN, ORIGIN)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::COOKIE, cookie)
        .body(Body::from(body))
        .unwrap()
}

fn pdf(text: &str) -> Vec<u8> {
    format!("%PDF-1.7\n% {text}\n%%EOF\n").into_bytes()
}

fn after(number: &OrderNumber, code: &str) -> String {
    format!("/ordini/{number}?documento={code}#documentazione")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_are_judged_by_content_kept_and_served_only_to_who_sees_the_order() {
    for store in common::stores().await {
        let app = app(&store);
        let alfa = common::operator(&store, "alfa").await;
        let (_, number) =
            order_by(&store, &alfa, "Cliente documenti", mailbox("documenti@legalmail.it")).await;
        let cookie = login(&app, "alfa").await;

        let mut p7m =
            vec![0x30, 0x80, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02, 0xA0];
        p7m.extend([0u8; 64]);
        let accepted: [(&str, &str, Vec<u8>); 4] = [
            ("IDENTITA", "carta identità.pdf", pdf("identità")),
            ("VISURA", "visura.jpg", b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00".to_vec()),
            ("DELEGA", "delega.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec()),
            ("ALTRO", "modulo.pdf.p7m", p7m),
        ];
        for (tipo, name, bytes) in &accepted {
            let r = send(&app, upload(&number, tipo, name, bytes, &cookie)).await;
            assert_eq!(r.location(), after(&number, "caricato"), "{name}");
        }

        let mut big = pdf("grande");
        big.resize(11 * 1024 * 1024, b' ');
        let refused: [(&str, &str, Vec<u8>, &str); 6] = [
            ("ALTRO", "programma.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00".to_vec(), "formato"),
            (
                "ALTRO",
                "pagina.pdf",
                b"<html><body>%PDF-1.4<script>alert(1)</script></body></html>".to_vec(),
                "formato",
            ),
            (
                "ALTRO",
                "disegno.svg",
                b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec(),
                "formato",
            ),
            ("ALTRO", "enorme.pdf", big, "troppo_grande"),
            ("ALTRO", "vuoto.pdf", Vec::new(), "vuoto"),
            ("", "senza-tipo.pdf", pdf("x"), "tipo"),
        ];
        for (tipo, name, bytes, code) in &refused {
            let r = send(&app, upload(&number, tipo, name, bytes, &cookie)).await;
            assert_eq!(r.location(), after(&number, code), "{name}");
            // The page names the file and the reason; the address carries neither.
            assert!(!r.location().contains(name));
            let page =
                send(&app, get(&r.location().replace("#documentazione", ""), Some(&cookie))).await.body;
            assert!(page.contains(&format!("Documento «{name}» non caricato")), "{name}: {page}");
        }
        let listed = store.documents(alfa.scope(), &number).await.unwrap().unwrap().1;
        assert_eq!(listed.len(), 4, "a refused file was stored");

        // The order's page lists them; a download is an attachment that cannot run as a page.
        let page = send(&app, get(&format!("/ordini/{number}"), Some(&cookie))).await.body;
        assert!(
            page.contains("<caption>Documenti</caption>") && page.contains("carta identità.pdf"),
            "{page}"
        );
        assert!(page.contains("Rimuovi carta identità.pdf"), "{page}");
        let first = &listed[0];
        let r = send(&app, get(&format!("/ordini/{number}/documenti/{}", first.id), Some(&cookie))).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.bytes, pdf("identità"));
        assert_eq!(r.headers[header::CONTENT_TYPE], "application/pdf");
        assert_eq!(r.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert!(r.headers[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("attachment;"));
        assert!(r.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap().contains("sandbox"));
        let log = store.audit_entries(alfa.scope(), &Default::default(), 1, 30).await.unwrap();
        assert!(log.items.iter().any(|e| e.action == "DOCUMENTO_SCARICATO"));
        assert!(log.items.iter().filter(|e| e.action == "DOCUMENTO_CARICATO").count() == 4);
        assert!(
            log.items.iter().all(|e| !e.after.contains("carta identità")),
            "a file name in the audit log"
        );

        // Another reseller: not found, whatever it asks.
        let beta = login(&app, "beta").await;
        for path in
            [format!("/ordini/{number}/documenti/{}", first.id), format!("/ordini/{number}/documenti/abc")]
        {
            assert_eq!(send(&app, get(&path, Some(&beta))).await.status, StatusCode::NOT_FOUND, "{path}");
        }
        let r = send(&app, upload(&number, "ALTRO", "intruso.pdf", &pdf("x"), &beta)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = send(
            &app,
            post(
                &format!("/ordini/{number}/documenti/{}/rimuovi", first.id),
                "",
                Some(&beta),
                Some(ORIGIN),
                true,
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        // 20 per order: the 21st is refused.
        for i in 4..20 {
            let r =
                send(&app, upload(&number, "ALTRO", &format!("altro-{i}.pdf"), &pdf("altro"), &cookie)).await;
            assert_eq!(r.location(), after(&number, "caricato"));
        }
        let r = send(&app, upload(&number, "ALTRO", "ventunesimo.pdf", &pdf("21"), &cookie)).await;
        assert_eq!(r.location(), after(&number, "troppi"));
        // Removed while PRENOTATO, which makes room again.
        let r = send(
            &app,
            post(
                &format!("/ordini/{number}/documenti/{}/rimuovi", first.id),
                "",
                Some(&cookie),
                Some(ORIGIN),
                true,
            ),
        )
        .await;
        assert_eq!(r.location(), after(&number, "rimosso"));
        assert_eq!(store.documents(alfa.scope(), &number).await.unwrap().unwrap().1.len(), 19);
        let log = store.audit_entries(alfa.scope(), &Default::default(), 1, 5).await.unwrap();
        assert!(log.items.iter().any(|e| e.action == "DOCUMENTO_RIMOSSO"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_required_document_missing_blocks_fulfilment_and_documents_are_read_only_afterwards() {
    for store in common::stores().await {
        let mut test_state = state(&store);
        // Signatures are another test's subject: accepted here, so that only documents decide.
        test_state.signatures = common::signature_policy(true);
        let app = router::build(test_state);
        store.set_setting("required_documents", "identita").await.unwrap();
        let alfa = common::operator(&store, "alfa").await;
        let (draft, number) =
            order_by(&store, &alfa, "Cliente richiesti", mailbox("richiesti@legalmail.it")).await;
        let cookie = login(&app, "alfa").await;
        let page = send(&app, get(&format!("/ordini/{number}"), Some(&cookie))).await.body;
        assert!(
            page.contains("ancora mancanti: Documento d&#x27;identità")
                || page.contains("ancora mancanti: Documento d'identità"),
            "{page}"
        );

        let r = send(&app, contract_upload(&number, b"%PDF-1.7 non firmato", Some(&cookie))).await;
        assert_eq!(r.location(), format!("/ordini/{number}?errore=documenti"));
        assert_eq!(store.order(alfa.scope(), &number).await.unwrap().unwrap().state.code(), "PRENOTATO");
        let page = send(&app, get(r.location(), Some(&cookie))).await.body;
        assert!(page.contains("Mancano documenti richiesti per l"), "{page}");

        // From the wizard's summary, the form leads back there.
        let (content_type, body) = multipart_as(
            &[("tipo", "IDENTITA"), ("riepilogo", draft.as_str())],
            "documento",
            Some(("ci.pdf", &pdf("ci"))),
        );
        let req = Request::post(format!("/ordini/{number}/documenti"))
            .header(header::HOST, HOST)
            .header(header::ORIGIN, ORIGIN)
            .header(header::CONTENT_TYPE, content_type)
            .header(header::COOKIE, &cookie)
            .body(Body::from(body))
            .unwrap();
        let r = send(&app, req).await;
        assert_eq!(r.location(), format!("/richiesta/{draft}/riepilogo?documento=caricato#documentazione"));
        let summary = send(&app, get(&format!("/richiesta/{draft}/riepilogo"), Some(&cookie))).await.body;
        assert!(summary.contains("Carica documentazione") && summary.contains("ci.pdf"), "{summary}");

        let r = send(&app, contract_upload(&number, b"%PDF-1.7 non firmato", Some(&cookie))).await;
        assert_eq!(r.location(), format!("/ordini/{number}?esito=evaso"));
        // EVASO: the documents stay, read-only.
        let id = store.documents(alfa.scope(), &number).await.unwrap().unwrap().1[0].id;
        let r = send(
            &app,
            post(&format!("/ordini/{number}/documenti/{id}/rimuovi"), "", Some(&cookie), Some(ORIGIN), true),
        )
        .await;
        assert_eq!(r.location(), after(&number, "non_prenotato"));
        let r = send(&app, upload(&number, "ALTRO", "tardi.pdf", &pdf("tardi"), &cookie)).await;
        assert_eq!(r.location(), after(&number, "non_prenotato"));
        assert_eq!(store.documents(alfa.scope(), &number).await.unwrap().unwrap().1.len(), 1);
        let page = send(&app, get(&format!("/ordini/{number}"), Some(&cookie))).await.body;
        assert!(!page.contains("Rimuovi ci.pdf") && !page.contains("Carica documentazione"), "{page}");
        store.set_setting("required_documents", "").await.unwrap();
    }
}

/// A cancelled order's documents are removed once the retention period has passed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_orders_documents_go_after_the_retention_period() {
    for store in common::stores().await {
        let app = app(&store);
        let alfa = common::operator(&store, "alfa").await;
        let (_, number) =
            order_by(&store, &alfa, "Cliente annullato", mailbox("annullato.doc@legalmail.it")).await;
        let cookie = login(&app, "alfa").await;
        let r = send(&app, upload(&number, "ALTRO", "a.pdf", &pdf("a"), &cookie)).await;
        assert_eq!(r.location(), after(&number, "caricato"));
        assert!(store.cancel_order(&alfa, &number).await.unwrap());
        assert_eq!(store.purge_cancelled_documents(30).await.unwrap(), 0, "removed before its time");
        assert_eq!(store.purge_cancelled_documents(-1).await.unwrap(), 1);
        assert!(store.documents(alfa.scope(), &number).await.unwrap().unwrap().1.is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_uploads_lists_and_downloads_documents() {
    use crate::api::key;
    use pec_manager::domain::api_keys::ApiKeyScope;
    for store in common::stores().await {
        let app = app(&store);
        let alfa = common::operator(&store, "alfa").await;
        let (_, number) =
            order_by(&store, &alfa, "Cliente API documenti", mailbox("api.doc@legalmail.it")).await;
        let write = key(&store, "alfa.admin", "documenti", ApiKeyScope::Scrittura).await;
        let call = |method: &str, path: String, body: Vec<u8>| {
            Request::builder()
                .method(method)
                .uri(format!("/api/v1{path}"))
                .header(header::HOST, HOST)
                .header(header::AUTHORIZATION, format!("Bearer {write}"))
                .header(header::CONTENT_TYPE, "application/octet-stream")
                .body(Body::from(body))
                .unwrap()
        };
        let r = send(
            &app,
            call("PUT", format!("/orders/{number}/documents?type=VISURA&file_name=visura.pdf"), pdf("v")),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let doc: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!((doc["type"].as_str(), doc["format"].as_str()), (Some("VISURA"), Some("PDF")));
        let r = send(
            &app,
            call(
                "PUT",
                format!("/orders/{number}/documents?type=VISURA&file_name=x.svg"),
                b"<svg/>".to_vec(),
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("\"code\":\"formato\"") && r.body.contains("«x.svg»"), "{}", r.body);
        let r = send(&app, call("PUT", format!("/orders/{number}/documents"), pdf("senza tipo"))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = send(&app, call("GET", format!("/orders/{number}/documents"), Vec::new())).await;
        let list: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(list["items"].as_array().map(Vec::len), Some(1), "{}", r.body);
        let id = doc["id"].as_i64().unwrap();
        let r = send(&app, call("GET", format!("/orders/{number}/documents/{id}"), Vec::new())).await;
        assert_eq!((r.status, r.bytes), (StatusCode::OK, pdf("v")));
        // Another organisation's key: not found.
        let beta = key(&store, "beta", "documenti beta", ApiKeyScope::Scrittura).await;
        let r = send(
            &app,
            Request::get(format!("/api/v1/orders/{number}/documents/{id}"))
                .header(header::HOST, HOST)
                .header(header::AUTHORIZATION, format!("Bearer {beta}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
}
