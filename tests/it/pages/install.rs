//! The README's production sequence on an empty database, through the command line and the
//! HTTP application.

use crate::common;
use crate::web::*;
use axum::http::header;
use pec_manager::server::{self};
use pec_manager::store::Store;

/// The README's production sequence on an empty database (no demo data): the first
/// administrator, a shared domain and the catalogue from the command line, then an order
/// placed through the HTTP application, with the domain rule read from the database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_install_is_provisioned_from_the_command_line_and_takes_an_order() {
    let dir = std::env::temp_dir().join(format!("pec-bootstrap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/prod.db?mode=rwc", dir.display());
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_pec-manager"))
            .args(args)
            .env("DATABASE_URL", &url)
            .env("PEC_OPERATOR_PASSWORD", "una password abbastanza lunga")
            .env("RUST_LOG", "error")
            .output()
            .expect("run pec-manager");
        let text =
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        (out.status.success(), text)
    };
    let ok = |args: &[&str]| {
        let (success, text) = run(args);
        assert!(success, "{args:?}: {text}");
        text
    };
    ok(&["create-operator", "--organizzazione", "Fornitore Srl", "--tipo", "fornitore", "--utente", "capo"]
        .iter()
        .chain(&["--nome", "Prima Amministratrice", "--ruolo", "amministratore"])
        .copied()
        .collect::<Vec<_>>());
    let text = ok(&["add-domain", "PEC.Fornitore.it", "--tipo", "condiviso"]);
    assert!(
        text.contains("Dominio pec.fornitore.it (condiviso) aggiunto a Fornitore Srl: CERTIFICATO"),
        "{text}"
    );
    let (again, text) = run(&["add-domain", "pec.fornitore.it", "--tipo", "condiviso"]);
    assert!(!again && text.contains("Dominio già presente"), "{text}");
    let offers = dir.join("offerte.csv");
    std::fs::write(
        &offers,
        "Codice;Nome;Descrizione;Durata (mesi);Spazio disco (GB);Prezzo di listino;Push IMAP\r\n\
         BASE;PEC Base;La casella essenziale;12;2;25,00;sì\r\n",
    )
    .unwrap();
    let text = ok(&["import-offers", offers.to_str().unwrap()]);
    assert!(text.contains("1 offerte lette, 1 aggiunte al catalogo"), "{text}");
    let text = ok(&["import-offers", offers.to_str().unwrap()]);
    assert!(text.contains("1 offerte lette, 0 aggiunte al catalogo, 1 già presenti"), "{text}");
    let bad = dir.join("rotto.csv");
    std::fs::write(
        &bad,
        "Codice,Nome,Durata (mesi),Spazio disco (GB),Prezzo di listino\nALTRA,Altra,0,2,1\n",
    )
    .unwrap();
    let (imported, text) = run(&["import-offers", bad.to_str().unwrap()]);
    assert!(!imported && text.contains("Riga 2: Durata (mesi)"), "{text}");
    // check-csv takes the domains from the database.
    let csv = dir.join("caselle.csv");
    std::fs::write(&csv, "Email gestione password,Nome casella\nuno@example.it,uno@pec.fornitore.it\n")
        .unwrap();
    let text = ok(&["check-csv", csv.to_str().unwrap()]);
    assert!(text.contains("1 righe valide, 0 con errori"), "{text}");
    std::fs::write(&csv, "Email gestione password,Nome casella\nuno@example.it,uno@legalmail.it\n").unwrap();
    assert!(!run(&["check-csv", csv.to_str().unwrap()]).0, "a domain that is not in the database");

    // The HTTP application on that database: log in, order one mailbox on the new domain.
    let store = Store::open(&url).await.unwrap();
    let app = app(&store);
    let r = send(
        &app,
        post(
            "/api/accedi",
            "username=capo&password=una+password+abbastanza+lunga&next=%2F",
            None,
            Some(ORIGIN),
            true,
        ),
    )
    .await;
    let cookie = r.headers.get(header::SET_COOKIE).expect("a session").to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_string();
    let step1 = send(&app, get("/richiesta", Some(&cookie))).await;
    assert!(step1.body.contains("PEC Base"), "the imported offer is offered");
    let form = "draft=&azione=continua&customer_name=Comune+di+Prova&customer_kind=PA_LOCALE\
                &legal_rep_cf=RCLMRA74D15F205V&contact_email=protocollo%40comune.example&offer=BASE&consent=on";
    let r = send(&app, post("/api/richiesta/salva-dati", form, Some(&cookie), Some(ORIGIN), true)).await;
    assert!(r.location().ends_with("/caselle"), "{} {}", r.location(), r.body);
    let draft = common::draft_of(r.location());
    let year = server::current_year() + 1;
    let form = format!(
        "draft={draft}&azione=continua&expiry_year={year}&customer_po=\
         &mailboxes%5B0%5D%5Baddress%5D=protocollo%40pec.fornitore.it&mailboxes%5B0%5D%5Bdescription%5D=\
         &mailboxes%5B0%5D%5Bpassword_email%5D=titolare%40example.it&mailboxes%5B0%5D%5Bfirst_name%5D=\
         &mailboxes%5B0%5D%5Blast_name%5D=&mailboxes%5B0%5D%5Btax_code%5D=&mailboxes%5B0%5D%5Bnickname%5D="
    );
    let r = send(&app, post("/api/richiesta/salva-caselle", &form, Some(&cookie), Some(ORIGIN), true)).await;
    assert!(r.location().ends_with("/verifica"), "{} {}", r.location(), r.body);
    let form = format!("draft={draft}&azione=conferma");
    let r = send(&app, post("/api/richiesta/conferma", &form, Some(&cookie), Some(ORIGIN), true)).await;
    assert!(r.location().ends_with("/riepilogo"), "{} {}", r.location(), r.body);
    let summary = send(&app, get(r.location(), Some(&cookie))).await;
    assert!(summary.body.contains("protocollo@pec.fornitore.it"), "{}", summary.body);
    // Numbering starts from the empty database's settings (prefix PEC).
    assert!(summary.body.contains("PEC00001"), "{}", summary.body);
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
