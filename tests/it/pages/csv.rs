//! The wizard's CSV routes through the HTTP application: the template, an upload joining the
//! typed mailboxes, the error report.

use crate::common;
use crate::common::wizard;
use crate::web::*;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use pec_manager::domain::wizard::{RequestForm, WizardAction};

#[tokio::test]
async fn the_csv_template_needs_a_session_and_opens_in_excel() {
    let store = common::sqlite_store().await;
    let app = app(&store);
    let r = send(&app, get("/richiesta/modello.csv", None)).await;
    assert!(r.location().starts_with("/accesso"));
    let cookie = login(&app, "alfa").await;
    let r = send(&app, get("/richiesta/modello.csv", Some(&cookie))).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers.get(header::CONTENT_TYPE).unwrap(), "text/csv; charset=utf-8");
    assert!(r
        .headers
        .get(header::CONTENT_DISPOSITION)
        .unwrap()
        .to_str()
        .unwrap()
        .contains("modello-caselle.csv"));
    assert!(r.body.starts_with('\u{feff}'));
    assert!(r.body.contains(
        "Nome casella;Descrizione;Email gestione password;Nome;Cognome;Codice fiscale;Nickname\r\n"
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_csv_upload_joins_the_typed_mailboxes_and_a_bad_file_changes_nothing() {
    for store in common::stores().await {
        let app = app(&store);
        let alfa = common::operator(&store, "alfa").await;
        let form = RequestForm {
            customer_name: "Cliente CSV".into(),
            customer_kind: "IMPRESA".into(),
            legal_rep_cf: "RCLMRA74D15F205V".into(),
            offer: "CONSIP".into(),
            ..Default::default()
        };
        let to = wizard::save_request(&store, &alfa, None, form, WizardAction::Continue).await.unwrap();
        let id = common::draft_of(&to);
        let cookie = login(&app, "alfa").await;
        let upload = |fields: Vec<(&'static str, &'static str)>,
                      file: Option<(&'static str, &'static [u8])>,
                      cookie: String| {
            let (content_type, body) = multipart(&fields, file);
            Request::post(format!("/richiesta/{id}/carica"))
                .header(header::HOST, HOST)
                .header(header::ORIGIN, ORIGIN)
                .header(header::CONTENT_TYPE, content_type)
                .header(header::COOKIE, cookie)
                .body(Body::from(body))
                .unwrap()
        };
        let typed = vec![
            ("draft", "x"),
            ("azione", "carica"),
            ("expiry_year", "2030"),
            ("customer_po", "PO-7"),
            ("mailboxes[0][address]", "digitata@legalmail.it"),
            ("mailboxes[0][password_email]", "pwd@example.it"),
        ];
        let seed: &'static [u8] = include_bytes!("../../data/seed.csv");
        let r = send(&app, upload(typed.clone(), Some(("seed.csv", seed)), cookie.clone())).await;
        assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
        assert_eq!(r.location(), format!("/richiesta/{id}/caselle#importazione"));
        let d = store.load_draft(&id).await.unwrap().unwrap().draft;
        assert_eq!(d.mailboxes.len(), 10, "typed + 9 rows");
        assert_eq!(d.mailboxes[0].address, "digitata@legalmail.it");
        assert_eq!(d.mailboxes[1].address, "Nuova_da_csv_1@testcert.legalmail.it");
        assert_eq!((d.expiry_year.as_str(), d.customer_po.as_str()), ("2030", "PO-7"));
        let note = d.last_import.clone().unwrap();
        assert_eq!((note.added, note.example_line, note.error), (9, Some(2), None));
        // The page shows the rows with their errors.
        let page = send(&app, get(&format!("/richiesta/{id}/caselle"), Some(&cookie))).await;
        assert!(page.body.contains("9 caselle aggiunte") && page.body.contains("CASELLE LEGALMAIL (10)"));
        assert!(page.body.contains("Codice fiscale non valido"));

        // A binary file: one message, nothing typed or stored is lost.
        let mut typed_more = typed.clone();
        typed_more.push(("mailboxes[1][address]", "seconda@legalmail.it"));
        let r =
            send(&app, upload(typed_more, Some(("foto.csv", b"\x89PNG\r\n\x1a\n\x00\x00")), cookie.clone()))
                .await;
        assert!(r.status.is_redirection());
        let d = store.load_draft(&id).await.unwrap().unwrap().draft;
        assert_eq!(d.mailboxes.len(), 2);
        assert_eq!(d.mailboxes[1].address, "seconda@legalmail.it");
        assert_eq!(
            d.last_import.unwrap().error.unwrap().to_string(),
            "Il file non è un CSV: il contenuto non è testo"
        );
        let r = send(&app, upload(typed.clone(), None, cookie.clone())).await;
        assert!(r.status.is_redirection());
        assert_eq!(
            store
                .load_draft(&id)
                .await
                .unwrap()
                .unwrap()
                .draft
                .last_import
                .unwrap()
                .error
                .unwrap()
                .to_string(),
            "Scegliere un file CSV da caricare"
        );

        // The table of a large request posts no rows (`righe=bozza`): the saved ones stay and
        // the file's join them. Sent by the page's script, the answer is 204, not a page.
        let table =
            vec![("azione", "carica"), ("expiry_year", "2031"), ("customer_po", ""), ("righe", "bozza")];
        let mut request = upload(table, Some(("seed.csv", seed)), cookie.clone());
        request.headers_mut().insert("x-pec-upload", "xhr".parse().unwrap());
        let r = send(&app, request).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        let d = store.load_draft(&id).await.unwrap().unwrap().draft;
        assert_eq!(d.mailboxes.len(), 10);
        assert_eq!(
            (d.mailboxes[0].address.as_str(), d.expiry_year.as_str()),
            ("digitata@legalmail.it", "2031")
        );

        // Another organisation cannot upload into this draft.
        let beta = login(&app, "beta").await;
        let r = send(&app, upload(typed, Some(("seed.csv", seed)), beta)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(store.load_draft(&id).await.unwrap().unwrap().draft.mailboxes.len(), 10);
    }
}

#[tokio::test]
async fn the_error_report_lists_the_rows_with_errors_formula_safe() {
    let store = common::sqlite_store().await;
    let app = app(&store);
    let alfa = common::operator(&store, "alfa").await;
    let to =
        wizard::save_request(&store, &alfa, None, RequestForm::default(), WizardAction::Back).await.unwrap();
    let id = common::draft_of(&to);
    let mut bad = mailbox("=cmd|' /C calc'!A0");
    bad.description = "=HYPERLINK(\"http://evil.example\")".into();
    wizard::save_mailboxes(
        &store,
        &alfa,
        &id,
        "2030".into(),
        String::new(),
        vec![mailbox("buona@legalmail.it"), bad],
        WizardAction::Add,
    )
    .await
    .unwrap();
    let cookie = login(&app, "alfa").await;
    let r = send(&app, get(&format!("/richiesta/{id}/errori.csv"), Some(&cookie))).await;
    assert_eq!(r.status, StatusCode::OK);
    let lines: Vec<&str> =
        r.body.trim_start_matches('\u{feff}').split("\r\n").filter(|l| !l.is_empty()).collect();
    // Header, the bad row and the empty third block ("Aggiungi" added it); not the good row.
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines[0].ends_with(";Errori"));
    assert!(lines[1].starts_with("'=cmd"), "formula not neutralised: {}", lines[1]);
    assert!(lines[1].contains("'=HYPERLINK"));
    assert!(lines[1].contains("Nome casella: Carattere non ammesso"));
    let beta = login(&app, "beta").await;
    assert_eq!(
        send(&app, get(&format!("/richiesta/{id}/errori.csv"), Some(&beta))).await.status,
        StatusCode::NOT_FOUND
    );
}
