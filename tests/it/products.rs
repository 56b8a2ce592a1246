//! Products with their own term on SQLite and PostgreSQL: started with the services at
//! activation, ceased and restarted with them, listed by end date in the operator's scope,
//! renewed all or nothing and once per request, expired by the hourly job once.

use crate::common;
use crate::renewals::active;
use pec_manager::domain::auth::Scope;
use pec_manager::domain::lifecycle::Date;
use pec_manager::domain::offers::Services;
use pec_manager::domain::products::{ProductKind, ProductRow, ProductState};
use pec_manager::domain::renewals::{ExpiryFilter, RenewalRefused};
use pec_manager::domain::UserId;
use pec_manager::store::{MailboxChange, RenewError, Store};

async fn products(store: &Store, userid: &UserId) -> Vec<ProductRow> {
    store.products_of(Scope::All, userid).await.unwrap()
}

fn of(list: &[ProductRow], kind: ProductKind) -> ProductRow {
    list.iter().find(|p| p.kind == kind).cloned().unwrap_or_else(|| panic!("no {kind:?} in {list:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn products_start_with_services_renew_once_and_expire_once() {
    for store in common::stores().await {
        let n = std::process::id();
        let today = pec_manager::server::today();
        let alfa = common::operator(&store, "alfa").await;
        let beta = common::operator(&store, "beta").await;
        let (a, b) = (format!("prod-a{n}@legalmail.it"), format!("prod-b{n}@legalmail.it"));
        let ids = active(&store, &[(&a, "2027-06-01", "ATTIVA"), (&b, "2027-06-01", "ATTIVA")]).await;

        // The offer (CONSIP) has Conservazione a norma and Notifica SMS: one product each,
        // from the activation day, for one term, with its price-list code.
        let list = products(&store, &ids[0]).await;
        assert_eq!(list.len(), 2, "{list:?}");
        let cons = of(&list, ProductKind::LegalPreservation);
        assert_eq!((cons.state, cons.price_code.as_str()), (ProductState::Attivo, "LM-CONS-12"));
        assert_eq!(cons.expires_at, cons.starts_at.add_months(12));

        // Services: SMS off ceases its credit; more disk than the offer's is a product; SMS on
        // again starts a new term today.
        let link = pec_manager::server::mail::link_mail("http://x");
        let change = |s: Services| store.change_mailbox(&alfa, &ids[0], MailboxChange::Services(s), &link);
        let base = store.mailbox(Scope::All, &ids[0]).await.unwrap().unwrap().services;
        change(Services { sms: false, disk_gb: 10, ..base.clone() }).await.unwrap();
        let list = products(&store, &ids[0]).await;
        assert_eq!(of(&list, ProductKind::SmsCredit).state, ProductState::Cessato);
        assert_eq!(of(&list, ProductKind::ExtraDisk).quantity, 10 - 6);
        store
            .raw_execute(&format!(
                "UPDATE products SET starts_at = '2025-01-01', expires_at = '2026-01-01' WHERE kind = 'CREDITO_SMS' \
                 AND mailbox_id = (SELECT id FROM mailboxes WHERE userid = '{}')",
                ids[0]
            ))
            .await
            .unwrap();
        change(Services { sms: true, disk_gb: 6, ..base.clone() }).await.unwrap();
        let list = products(&store, &ids[0]).await;
        let sms = of(&list, ProductKind::SmsCredit);
        assert_eq!((sms.state, sms.starts_at), (ProductState::Attivo, today));
        assert_eq!(of(&list, ProductKind::ExtraDisk).state, ProductState::Cessato);

        // The list: ending within 30 days, Alfa's only.
        let soon = today.add_days(10).iso();
        store
            .raw_execute(&format!(
                "UPDATE products SET expires_at = '{soon}' WHERE kind = 'CONSERVAZIONE' AND mailbox_id IN \
                 (SELECT id FROM mailboxes WHERE userid IN ('{}', '{}'))",
                ids[0], ids[1]
            ))
            .await
            .unwrap();
        let filter =
            ExpiryFilter { customer: String::new(), product: "CONSERVAZIONE".into(), ..Default::default() };
        let q = filter.product_query(today, 30).unwrap();
        let page = store.product_page(alfa.scope(), &q, 1, 50).await.unwrap();
        let mine: Vec<i64> = page.items.iter().filter(|p| ids.contains(&p.userid)).map(|p| p.id).collect();
        assert_eq!(mine.len(), 2, "{:?}", page.items);
        assert!(store
            .product_page(beta.scope(), &q, 1, 50)
            .await
            .unwrap()
            .items
            .iter()
            .all(|p| !mine.contains(&p.id)));

        // Beta cannot renew them; a ceased product is refused and nothing is renewed.
        assert!(matches!(
            store.renew_products(&beta, &mine, today, &format!("{:064x}", 1)).await,
            Err(RenewError::NotFound(_))
        ));
        let ceased = of(&products(&store, &ids[0]).await, ProductKind::ExtraDisk).id;
        match store.renew_products(&alfa, &[mine[0], ceased], today, &format!("{:064x}", 2)).await {
            Err(RenewError::Refused(list)) => {
                assert_eq!(list, vec![(ids[0].clone(), RenewalRefused::Ceased)])
            }
            other => panic!("a ceased product renewed: {other:?}"),
        }

        // The same request twice at once: renewed once, from the current end, same orders.
        let key = format!("{:064x}", 3 + n);
        let (r1, r2) = tokio::join!(
            store.renew_products(&alfa, &mine, today, &key),
            store.renew_products(&alfa, &mine, today, &key)
        );
        let (r1, r2) = (r1.unwrap(), r2.unwrap());
        assert_eq!(r1, r2);
        assert_eq!(r1.len(), 1, "one customer and offer: one renewal order");
        let renewed = Date::parse_iso(&soon).unwrap().add_months(12);
        for u in &ids {
            assert_eq!(of(&products(&store, u).await, ProductKind::LegalPreservation).expires_at, renewed);
        }
        let order = store.order(alfa.scope(), &r1[0]).await.unwrap().unwrap();
        assert_eq!(order.kind.code(), "RINNOVO");
        assert_eq!(order.products.len(), 2);
        assert!(order.products.iter().all(|p| p.from_expiry == soon && p.to_expiry == renewed.iso()));
        let history = store
            .audit_entries(
                alfa.scope(),
                &pec_manager::domain::audit::AuditFilter { object: ids[0].to_string(), ..Default::default() },
                1,
                50,
            )
            .await
            .unwrap();
        assert!(history.items.iter().any(|e| e.action == "RINNOVO_PRODOTTO"));

        // The hourly job: past their end they become SCADUTO, once across two runs; within the
        // grace period they renew again, past it they are refused.
        store
            .raw_execute(&format!(
                "UPDATE products SET expires_at = '{}' WHERE kind = 'CONSERVAZIONE' AND mailbox_id IN \
                 (SELECT id FROM mailboxes WHERE userid IN ('{}', '{}'))",
                today.add_days(-40).iso(),
                ids[0],
                ids[1]
            ))
            .await
            .unwrap();
        assert!(store.expire_products_due(today).await.unwrap() >= 2);
        assert_eq!(store.expire_products_due(today).await.unwrap(), 0);
        assert_eq!(
            of(&products(&store, &ids[0]).await, ProductKind::LegalPreservation).state,
            ProductState::Scaduto
        );
        match store.renew_products(&alfa, &mine, today, &format!("{:064x}", 4 + n)).await {
            Err(RenewError::Refused(list)) => assert_eq!(list.len(), 2),
            other => panic!("renewed past the grace period: {other:?}"),
        }
        common::assert_line_counts_hold(&store).await;
    }
}
