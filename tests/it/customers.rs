//! "Clienti" on SQLite and PostgreSQL: one name per organisation in any case, each
//! organisation's customers its own, changes audited with before and after.

use crate::common;
use pec_manager::domain::customers::{check_customer, CustomerForm};
use pec_manager::store::CustomerError;

fn form(name: &str) -> CustomerForm {
    CustomerForm {
        name: name.into(),
        kind: "IMPRESA".into(),
        legal_rep_cf: "RCLMRA74D15F205V".into(),
        contact_email: "ufficio@example.it".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_are_unique_per_organisation_and_kept_apart() {
    for store in common::stores().await {
        let alfa = common::operator(&store, "alfa").await;
        let beta = common::operator(&store, "beta").await;
        let admin = common::operator(&store, "admin").await;
        store.create_customer(&alfa, &check_customer(&form("Ditta Rossi")).unwrap()).await.unwrap();
        match store.create_customer(&alfa, &check_customer(&form("  DITTA ROSSI ")).unwrap()).await {
            Err(CustomerError::Duplicate) => {}
            other => panic!("duplicate accepted: {other:?}"),
        }
        // Another organisation may serve a customer of the same name.
        store.create_customer(&beta, &check_customer(&form("Ditta Rossi")).unwrap()).await.unwrap();

        // Step 1 offers each organisation its own.
        let names = |v: Vec<pec_manager::domain::customers::Customer>| {
            v.into_iter().map(|c| c.name).collect::<Vec<_>>()
        };
        assert!(names(store.customers(alfa.scope()).await.unwrap()).contains(&"Ditta Rossi".to_string()));
        let rows = store.customer_rows(alfa.scope()).await.unwrap();
        assert!(rows.iter().all(|r| r.organisation == "Rivenditore Alfa"), "{rows:?}");
        let alfa_id = rows.iter().find(|r| r.customer.name == "Ditta Rossi").unwrap().id;

        // Beta cannot change Alfa's customer: not found, nothing changed.
        let mut changed = form("Ditta Rossi Srl");
        changed.kind = "PROFESSIONISTA".into();
        match store.update_customer(&beta, alfa_id, &check_customer(&changed).unwrap()).await {
            Err(CustomerError::NotFound) => {}
            other => panic!("another organisation's customer changed: {other:?}"),
        }
        assert!(store
            .customer_rows(alfa.scope())
            .await
            .unwrap()
            .iter()
            .any(|r| r.customer.name == "Ditta Rossi"));
        // Alfa can; the provider too; both audited with before and after.
        store.update_customer(&alfa, alfa_id, &check_customer(&changed).unwrap()).await.unwrap();
        store
            .update_customer(&admin, alfa_id, &check_customer(&form("Ditta Rossi Spa")).unwrap())
            .await
            .unwrap();
        let log = store.audit_entries(alfa.scope(), &Default::default(), 1, 20).await.unwrap();
        let edits: Vec<_> = log.items.iter().filter(|e| e.action == "CLIENTE_MODIFICATO").collect();
        assert_eq!(edits.len(), 2, "{:?}", log.items);
        assert!(edits[1].before.contains("Ditta Rossi\"") && edits[1].after.contains("Ditta Rossi Srl"));
        // A rename onto another customer's name is a duplicate.
        store.create_customer(&alfa, &check_customer(&form("Studio Bianchi")).unwrap()).await.unwrap();
        match store.update_customer(&alfa, alfa_id, &check_customer(&form("studio bianchi")).unwrap()).await {
            Err(CustomerError::Duplicate) => {}
            other => panic!("renamed onto a duplicate: {other:?}"),
        }
    }
}
