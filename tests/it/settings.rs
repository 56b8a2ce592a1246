//! "Impostazioni" on SQLite and PostgreSQL: read back by the code that uses them.

use crate::common;
use crate::common::wizard;
use pec_manager::domain::settings::{check_settings, form_of, Settings};
use pec_manager::store::SettingsError;

fn changed(s: &Settings, pairs: &[(&str, &str)]) -> Settings {
    let mut form = form_of(s);
    for (k, v) in pairs {
        form.insert(k.to_string(), v.to_string());
    }
    check_settings(&form).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_are_read_by_the_order_and_the_csv_reader() {
    for store in common::stores().await {
        let admin = common::operator(&store, "admin").await;
        let alfa = common::operator(&store, "alfa").await;
        let now = store.settings().await.unwrap();
        assert_eq!(now.userid_prefix, "VIT", "the demo data's prefix");

        // A new prefix and a later next number: the next order has both.
        let new = changed(&now, &[("userid_prefix", "abc"), ("next_order_number", "50000000")]);
        store.save_settings(&admin, &new).await.unwrap();
        let d =
            common::draft_with(&store, &alfa, vec![common::mailbox("impostazioni1@legalmail.it", "")]).await;
        common::book(&store, &alfa, &d).await;
        let number = store.load_draft(&d).await.unwrap().unwrap().order_number.unwrap();
        assert_eq!(number.as_str(), "50000000");
        let order = store.order(alfa.scope(), &number).await.unwrap().unwrap();
        assert!(order.mailboxes[0].userid.as_str().starts_with("ABC"), "{:?}", order.mailboxes[0]);

        // Numbers already given are never given again.
        let back = changed(&new, &[("next_order_number", "49999999")]);
        match store.save_settings(&admin, &back).await {
            Err(SettingsError::OrderNumberUsed(50_000_000)) => {}
            other => panic!("order number moved back: {other:?}"),
        }
        assert_eq!(store.settings().await.unwrap().next_order_number, 50_000_001);

        // A lower row limit applies to the next upload.
        let small = changed(&store.settings().await.unwrap(), &[("csv_max_rows", "2")]);
        store.save_settings(&admin, &small).await.unwrap();
        let d =
            common::draft_with(&store, &alfa, vec![common::mailbox("impostazioni2@legalmail.it", "")]).await;
        let file = "Email gestione password,Nome casella\na@b.it,x1@legalmail.it\na@b.it,x2@legalmail.it\na@b.it,x3@legalmail.it\n";
        let year = (pec_manager::server::current_year() + 1).to_string();
        wizard::upload_csv(
            &store,
            &alfa,
            &d,
            year,
            String::new(),
            None,
            Some(("f.csv".into(), file.as_bytes().to_vec())),
        )
        .await
        .unwrap();
        let note = store.load_draft(&d).await.unwrap().unwrap().draft.last_import.unwrap();
        assert_eq!(
            note.error.map(|e| e.to_string()),
            Some("Troppe righe: il massimo è 2 caselle per file".into())
        );

        // Every change is in the audit log with what it was and what it became.
        let log = store.audit_entries(admin.scope(), &Default::default(), 1, 20).await.unwrap();
        let entry = log.items.iter().find(|e| e.action == "IMPOSTAZIONI_MODIFICATE").unwrap();
        assert!(
            entry.before.contains("\"csv_max_rows\":\"20000\"")
                && entry.after.contains("\"csv_max_rows\":\"2\""),
            "{entry:?}"
        );
    }
}
