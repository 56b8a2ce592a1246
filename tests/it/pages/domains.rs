//! Gestione domini through the HTTP application: adding, suspending and removing, Verifica DNS.

use crate::common;
use crate::web::*;
use axum::http::StatusCode;
use pec_manager::server::router;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gestione_domini_lets_administrators_add_and_shows_each_organisation_its_own() {
    for store in common::stores().await {
        let app = app(&store);
        // Without a session: the login page.
        let r = send(&app, get("/domini", None)).await;
        assert!(r.location().starts_with("/accesso"), "{}", r.location());

        // An operator reads the list but may not add.
        let operator = login(&app, "alfa").await;
        let r = send(&app, get("/domini", Some(&operator))).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("<h1>Gestione domini"), "{}", r.body);
        assert!(!r.body.contains("Aggiungi dominio"), "{}", r.body);
        let form = "form%5Bname%5D=alfa.legalmail.it&form%5Bkind%5D=TERZO_LIVELLO";
        let r = send(&app, post("/api/domini/nuovo", form, Some(&operator), Some(ORIGIN), false)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);

        // A reseller's administrator: a third-level name is added; a shared one refused, with
        // the reason in the address and nothing stored.
        let admin = login(&app, "alfa.admin").await;
        let r = send(&app, post("/api/domini/nuovo", form, Some(&admin), Some(ORIGIN), true)).await;
        assert_eq!(r.location(), "/domini?aggiunto=alfa.legalmail.it", "{}", r.body);
        let shared = "form%5Bname%5D=alfa-pec.it&form%5Bkind%5D=CONDIVISO";
        let r = send(&app, post("/api/domini/nuovo", shared, Some(&admin), Some(ORIGIN), true)).await;
        assert_eq!(r.location(), "/domini?errore=condiviso#nuovo-dominio-h");
        let page = send(&app, get("/domini?errore=condiviso", Some(&admin))).await;
        assert!(page.body.contains("Solo il fornitore aggiunge domini condivisi"), "{}", page.body);
        assert!(page.body.contains("value=\"alfa-pec.it\""), "what was typed is kept");

        // Another reseller sees the shared domains, not Alfa's.
        let beta = login(&app, "beta").await;
        let r = send(&app, get("/domini", Some(&beta))).await;
        assert!(r.body.contains("legalmail.it") && !r.body.contains("alfa.legalmail.it"), "{}", r.body);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gestione_domini_suspends_and_removes_through_its_buttons() {
    for store in common::stores().await {
        let app = app(&store);
        let admin = login(&app, "alfa.admin").await;
        let form = "form%5Bname%5D=sede.legalmail.it&form%5Bkind%5D=TERZO_LIVELLO";
        send(&app, post("/api/domini/nuovo", form, Some(&admin), Some(ORIGIN), true)).await;
        let page = send(&app, get("/domini", Some(&admin))).await;
        assert!(page.body.contains("aria-label=\"Sospendi sede.legalmail.it\""), "{}", page.body);
        assert!(
            !page.body.contains("aria-label=\"Sospendi legalmail.it\""),
            "a reseller's button on a shared domain"
        );
        let r = send(
            &app,
            post(
                "/api/domini/azione",
                "name=sede.legalmail.it&azione=sospendi",
                Some(&admin),
                Some(ORIGIN),
                true,
            ),
        )
        .await;
        assert_eq!(r.location(), "/domini?esito=sospendi&dominio=sede.legalmail.it");
        let page = send(&app, get(r.location(), Some(&admin))).await;
        assert!(page.body.contains("Dominio sede.legalmail.it sospeso."), "{}", page.body);
        // Certification only through "Verifica DNS"; a shared domain is not the reseller's.
        let r = send(
            &app,
            post(
                "/api/domini/azione",
                "name=sede.legalmail.it&azione=certifica",
                Some(&admin),
                Some(ORIGIN),
                false,
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        let r = send(
            &app,
            post("/api/domini/azione", "name=legalmail.it&azione=rimuovi", Some(&admin), Some(ORIGIN), true),
        )
        .await;
        assert_eq!(r.location(), "/domini?rifiuto=non-trovato");
        let r = send(
            &app,
            post(
                "/api/domini/azione",
                "name=sede.legalmail.it&azione=rimuovi",
                Some(&admin),
                Some(ORIGIN),
                true,
            ),
        )
        .await;
        assert_eq!(r.location(), "/domini?esito=rimuovi&dominio=sede.legalmail.it");
        // Operators may not change domains.
        let operator = login(&app, "alfa").await;
        let r = send(
            &app,
            post(
                "/api/domini/azione",
                "name=legalmail.it&azione=sospendi",
                Some(&operator),
                Some(ORIGIN),
                false,
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verifica_dns_through_the_page_shows_the_records_and_the_outcome() {
    use std::collections::HashMap;
    let zones = HashMap::from([
        ("studio-bianchi.it", crate::dns::good_zone()),
        ("studio-verdi.it", crate::dns::Zone { mx: vec!["mx.altro.it"], ..Default::default() }),
    ]);
    let dns = crate::dns::FakeDns::start(zones).await;
    for store in common::stores().await {
        let mut state = state(&store);
        state.dns = dns.resolver();
        let app = router::build(state);
        let admin = login(&app, "admin").await;
        for name in ["studio-bianchi.it", "studio-verdi.it"] {
            let form = format!("form%5Bname%5D={name}&form%5Bkind%5D=CLIENTE&form%5Bcustomer%5D=Collaudo");
            let r = send(&app, post("/api/domini/nuovo", &form, Some(&admin), Some(ORIGIN), true)).await;
            assert_eq!(r.location(), format!("/domini?aggiunto={name}"));
        }
        // The records to publish, and the button on a domain awaiting certification only.
        let page = send(&app, get("/domini", Some(&admin))).await;
        assert!(page.body.contains("aria-label=\"Verifica DNS studio-bianchi.it\""), "{}", page.body);
        assert!(!page.body.contains("aria-label=\"Verifica DNS legalmail.it\""), "{}", page.body);
        assert!(page.body.contains(">10 mx.pec.fornitore.it.<"), "{}", page.body);
        assert!(page.body.contains(">v=spf1 include:spf.pec.fornitore.it -all<"), "{}", page.body);

        let verify = |name: &str| format!("name={name}&azione=verifica-dns");
        let r = send(
            &app,
            post("/api/domini/azione", &verify("studio-verdi.it"), Some(&admin), Some(ORIGIN), true),
        )
        .await;
        assert_eq!(r.location(), "/domini?esito=verifica-dns&dominio=studio-verdi.it");
        let page = send(&app, get(r.location(), Some(&admin))).await;
        assert!(page.body.contains("Verifica DNS non superata: il dominio studio-verdi.it resta IN_ATTESA."));
        assert!(page.body.contains("Il record MX non punta a mx.pec.fornitore.it (trovati: mx.altro.it)"));
        assert!(page.body.contains("Record DNS per studio-verdi.it"), "{}", page.body);
        // The session's outcome shows only at the address that reports it.
        let other =
            send(&app, get("/domini?esito=verifica-dns&dominio=studio-bianchi.it", Some(&admin))).await;
        assert!(!other.body.contains("Verifica DNS non superata"), "{}", other.body);

        let r = send(
            &app,
            post("/api/domini/azione", &verify("studio-bianchi.it"), Some(&admin), Some(ORIGIN), true),
        )
        .await;
        let page = send(&app, get(r.location(), Some(&admin))).await;
        assert!(page.body.contains("Verifica DNS superata: il dominio studio-bianchi.it è CERTIFICATO."));
        assert!(!page.body.contains("aria-label=\"Verifica DNS studio-bianchi.it\""), "{}", page.body);
        // Again: not in a state that is verified.
        let r = send(
            &app,
            post("/api/domini/azione", &verify("studio-bianchi.it"), Some(&admin), Some(ORIGIN), true),
        )
        .await;
        assert_eq!(r.location(), "/domini?rifiuto=stato");
        // A reseller's administrator cannot have another organisation's domain looked up.
        let alfa = login(&app, "alfa.admin").await;
        let asked = dns.questions_about("studio-verdi.it");
        let r = send(
            &app,
            post("/api/domini/azione", &verify("studio-verdi.it"), Some(&alfa), Some(ORIGIN), true),
        )
        .await;
        assert_eq!(r.location(), "/domini?rifiuto=non-trovato");
        assert_eq!(dns.questions_about("studio-verdi.it"), asked);
    }
}
