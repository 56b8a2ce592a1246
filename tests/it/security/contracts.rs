//! Forged contracts: only the order's own contract, signed by its legal representative, fulfils
//! it; the contract routes check the session, the organisation and the file.

use crate::common;
use crate::web::*;
use axum::http::StatusCode;
use pec_manager::domain::OrderNumber;
use pec_manager::server::router;
use pec_manager::store::Store;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_contract_routes_check_the_session_the_organisation_and_the_file() {
    for store in common::stores().await {
        let app = app(&store);
        let alfa = common::operator(&store, "alfa").await;
        let (_, number) =
            order_by(&store, &alfa, "Cliente contratto", mailbox("contratto.http@legalmail.it")).await;
        let scope = alfa.scope();
        let state = move |store: Store, number: OrderNumber| async move {
            store.order(scope, &number).await.unwrap().unwrap().state
        };

        // Without a session: nothing, for every contract route.
        for path in [format!("/ordini/{number}/contratto.pdf"), format!("/ordini/{number}/contratto-firmato")]
        {
            let r = send(&app, get(&path, None)).await;
            assert!(
                r.status == StatusCode::UNAUTHORIZED || r.location().starts_with("/accesso"),
                "{path}: {}",
                r.status
            );
        }
        let r = send(&app, contract_upload(&number, b"%PDF-1.7", None)).await;
        assert!(r.status == StatusCode::UNAUTHORIZED || r.location().starts_with("/accesso"), "{}", r.status);

        let alfa_cookie = login(&app, "alfa").await;
        let r = send(&app, get(&format!("/ordini/{number}/contratto.pdf"), Some(&alfa_cookie))).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.starts_with("%PDF-"));
        let contract = r.bytes;
        // Not signed yet.
        let r = send(&app, get(&format!("/ordini/{number}/contratto-firmato"), Some(&alfa_cookie))).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        // Another organisation: not found, nothing changes, even with a valid signature.
        let beta = login(&app, "beta").await;
        let r = send(&app, get(&format!("/ordini/{number}/contratto.pdf"), Some(&beta))).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let valid = pec_manager::signature::testing::cades(&common::pki().rep, &contract);
        let r = send(&app, contract_upload(&number, &valid, Some(&beta))).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(state(store.clone(), number.clone()).await.code(), "PRENOTATO");

        // A file that is not a contract: back to the order with the reason, nothing changes.
        let r = send(&app, contract_upload(&number, b"\x89PNG\r\n\x1a\n", Some(&alfa_cookie))).await;
        assert_eq!(r.location(), format!("/ordini/{number}?errore=formato"));
        assert_eq!(state(store.clone(), number.clone()).await.code(), "PRENOTATO");
        // The signed PDF fulfils the order, once (the upload test of the signatures test).
        let r = send(&app, contract_upload(&number, &valid, Some(&alfa_cookie))).await;
        assert_eq!(r.location(), format!("/ordini/{number}?esito=evaso"));
        assert_eq!(state(store.clone(), number.clone()).await.code(), "EVASO");
        let r = send(&app, get(&format!("/ordini/{number}/contratto-firmato"), Some(&alfa_cookie))).await;
        assert_eq!((r.status, r.bytes.as_slice()), (StatusCode::OK, valid.as_slice()));
        let r = send(&app, contract_upload(&number, &valid, Some(&alfa_cookie))).await;
        assert_eq!(r.location(), format!("/ordini/{number}?errore=stato"));
    }
}

/// The outside review's finding of issue 13: "Upload Firma Contratto" accepted any file whose
/// first kilobyte held `%PDF-`. Now only the order's own contract, signed by its legal
/// representative with a valid certificate of a trusted authority, fulfils it; each other case
/// has its own refusal and changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_orders_own_contract_signed_by_its_legal_representative_fulfils_it() {
    use pec_manager::signature::testing::{cades, pades};
    let pki = common::pki();
    for store in common::stores().await {
        let app = app(&store);
        let alfa = common::operator(&store, "alfa").await;
        let n = 1;
        let (_, number) =
            order_by(&store, &alfa, "Cliente firme", mailbox(&format!("firme{n}@legalmail.it"))).await;
        let (_, other) =
            order_by(&store, &alfa, "Cliente firme", mailbox(&format!("altra{n}@legalmail.it"))).await;
        let cookie = login(&app, "alfa").await;
        let pdf_of = |number: &OrderNumber| format!("/ordini/{number}/contratto.pdf");
        let contract = send(&app, get(&pdf_of(&number), Some(&cookie))).await.bytes;
        let others = send(&app, get(&pdf_of(&other), Some(&cookie))).await.bytes;
        let mut tampered = cades(&pki.rep, &contract);
        let at = tampered.windows(8).position(|w| w == b"Contratt").unwrap();
        tampered[at] = b'c';
        let mut tampered_pdf = pades(&pki.rep, &contract);
        tampered_pdf[40] ^= 1;
        let refused: Vec<(&str, Vec<u8>)> = vec![
            ("non_firmato", contract.clone()),
            ("non_firmato", b"%PDF-1.7 firmato".to_vec()),
            ("firma", tampered),
            ("firma", tampered_pdf),
            ("documento", cades(&pki.rep, &others)),
            ("documento", pades(&pki.rep, b"%PDF-1.7\n%%EOF\n")),
            ("firmatario", cades(&pki.other, &contract)),
            ("certificato_scaduto", cades(&pki.expired, &contract)),
            ("certificato_non_attendibile", cades(&pki.forged, &contract)),
        ];
        let audit_before = store.audit_entries(alfa.scope(), &Default::default(), 1, 1).await.unwrap().total;
        for (code, file) in &refused {
            let r = send(&app, contract_upload(&number, file, Some(&cookie))).await;
            assert_eq!(r.location(), format!("/ordini/{number}?errore={code}"), "{code}");
            let page = send(&app, get(r.location(), Some(&cookie))).await.body;
            let message =
                pec_manager::domain::contract::SignatureRefusal::from_code(code).unwrap().to_string();
            assert!(page.contains(&leptos_escape(&message)), "{code}: the page says why");
        }
        let order = store.order(alfa.scope(), &number).await.unwrap().unwrap();
        assert_eq!((order.state.code(), order.contract, order.signature), ("PRENOTATO", false, None));
        let audit_after = store.audit_entries(alfa.scope(), &Default::default(), 1, 1).await.unwrap().total;
        assert_eq!(audit_before, audit_after, "a refusal writes nothing");

        // The PAdES signature of the order's own contract by its legal representative fulfils it,
        // and the order page says who signed it and when.
        let signed = pades(&pki.rep, &contract);
        let r = send(&app, contract_upload(&number, &signed, Some(&cookie))).await;
        assert_eq!(r.location(), format!("/ordini/{number}?esito=evaso"));
        let order = store.order(alfa.scope(), &number).await.unwrap().unwrap();
        let signature = order.signature.unwrap();
        assert!(signature.verified);
        assert_eq!(
            (signature.signer_name.as_str(), signature.signer_tax_code.as_str()),
            ("Mario Rossi", common::LEGAL_REP)
        );
        let page = send(&app, get(&format!("/ordini/{number}"), Some(&cookie))).await.body;
        assert!(page.contains("Firmato da"));
        assert!(
            page.contains("Mario Rossi (RCLMRA74D15F205V), firma verificata del"),
            "the signer on the order page"
        );
        let log = store.audit_entries(alfa.scope(), &Default::default(), 1, 5).await.unwrap();
        let entry =
            log.items.iter().find(|e| e.action == "ORDINE_EVASO" && e.object_id == number.as_str()).unwrap();
        assert!(entry.after.contains("verificata: firmata da Mario Rossi"), "{}", entry.after);
    }
}

/// A test installation may accept what cannot be verified, with a warning in the audit log;
/// what is wrong (another signer, another document) stays refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_test_installation_accepts_unverifiable_signatures_with_a_warning() {
    use pec_manager::signature::testing::cades;
    let pki = common::pki();
    for store in common::stores().await {
        let mut test_state = state(&store);
        test_state.signatures = common::signature_policy(true);
        let app = router::build(test_state);
        let alfa = common::operator(&store, "alfa").await;
        let n = 1;
        let (_, number) =
            order_by(&store, &alfa, "Cliente prova", mailbox(&format!("prova{n}@legalmail.it"))).await;
        let cookie = login(&app, "alfa").await;
        let contract = send(&app, get(&format!("/ordini/{number}/contratto.pdf"), Some(&cookie))).await.bytes;
        let r = send(&app, contract_upload(&number, &cades(&pki.other, &contract), Some(&cookie))).await;
        assert_eq!(r.location(), format!("/ordini/{number}?errore=firmatario"));
        let r = send(&app, contract_upload(&number, b"%PDF-1.7 non firmato", Some(&cookie))).await;
        assert_eq!(r.location(), format!("/ordini/{number}?esito=evaso"));
        let order = store.order(alfa.scope(), &number).await.unwrap().unwrap();
        assert_eq!(order.state.code(), "EVASO");
        assert!(!order.signature.unwrap().verified);
        let page = send(&app, get(&format!("/ordini/{number}"), Some(&cookie))).await.body;
        assert!(page.contains("Firma non verificata"));
        let log = store.audit_entries(alfa.scope(), &Default::default(), 1, 5).await.unwrap();
        let entry =
            log.items.iter().find(|e| e.action == "ORDINE_EVASO" && e.object_id == number.as_str()).unwrap();
        assert!(entry.after.contains("ATTENZIONE: firma non verificata"), "{}", entry.after);
    }
}
