//! "Offerte" on SQLite and PostgreSQL: the catalogue, who sees and may order which offer,
//! deactivation instead of deletion, and the audit's before and after.

use crate::common;
use crate::common::wizard;
use pec_manager::domain::auth::Scope;
use pec_manager::domain::offers::{check_offer, OfferForm, OfferRefusal};
use pec_manager::domain::wizard::WizardAction;
use pec_manager::store::{OfferError, Store};

async fn resellers(store: &Store) -> Vec<(i64, String)> {
    let all = store.organisations(Scope::All).await.unwrap();
    all.into_iter()
        .filter(|o| o.kind == pec_manager::domain::auth::OrganisationKind::Rivenditore)
        .map(|o| (o.id, o.name))
        .collect()
}

fn form(code: &str, sold_by: &[i64]) -> OfferForm {
    OfferForm {
        code: code.into(),
        name: format!("Offerta {code}"),
        description: "Per i test".into(),
        months: "24".into(),
        disk_gb: "5".into(),
        price: "39,90".into(),
        sms: Some("1".into()),
        active: Some("1".into()),
        resellers: sold_by.iter().map(|id| (id.to_string(), "1".to_string())).collect(),
        ..Default::default()
    }
}

fn codes(offers: &[pec_manager::domain::offers::Offer]) -> Vec<String> {
    offers.iter().map(|o| o.code.clone()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offers_are_sold_only_where_allowed_and_never_deleted() {
    for store in common::stores().await {
        let admin = common::operator(&store, "admin").await;
        let alfa = common::operator(&store, "alfa").await;
        let beta = common::operator(&store, "beta").await;
        let orgs = resellers(&store).await;
        let ids: Vec<i64> = orgs.iter().map(|(id, _)| *id).collect();
        let alfa_org = alfa.organisation_id;

        // An offer sold by Alfa only.
        let new = check_offer(&form("solo_alfa", &[alfa_org]), &ids).unwrap();
        store.create_offer(&admin, &new).await.unwrap();
        match store.create_offer(&admin, &new).await {
            Err(OfferError::Refused(OfferRefusal::DuplicateCode)) => {}
            other => panic!("duplicate code accepted: {other:?}"),
        }
        assert!(codes(&store.usable_offers(alfa.scope(), alfa.organisation_id).await.unwrap())
            .contains(&"SOLO_ALFA".into()));
        assert!(!codes(&store.usable_offers(beta.scope(), beta.organisation_id).await.unwrap())
            .contains(&"SOLO_ALFA".into()));
        assert!(codes(&store.usable_offers(admin.scope(), admin.organisation_id).await.unwrap())
            .contains(&"SOLO_ALFA".into()));

        // The catalogue: the provider sees all, with their resellers; Beta not this offer;
        // Alfa sees it with only itself named.
        let all = store.offer_catalogue(admin.scope()).await.unwrap();
        let row = all.iter().find(|r| r.offer.code == "SOLO_ALFA").unwrap();
        assert_eq!((row.offer.months, row.offer.price_cents, row.mailboxes), (24, 3990, 0));
        assert_eq!(row.offer.resellers, vec![alfa_org]);
        assert!(store
            .offer_catalogue(beta.scope())
            .await
            .unwrap()
            .iter()
            .all(|r| r.offer.code != "SOLO_ALFA"));
        let alfa_view = store.offer_catalogue(alfa.scope()).await.unwrap();
        for r in &alfa_view {
            assert!(r.offer.resellers.iter().all(|id| *id == alfa_org), "Alfa sees other resellers: {r:?}");
        }

        // Beta cannot order it: the server refuses what the page did not offer.
        let mut req = common::request_form();
        req.offer = "SOLO_ALFA".into();
        let to =
            wizard::save_request(&store, &beta, None, req.clone(), WizardAction::Continue).await.unwrap();
        assert!(!to.ends_with("/caselle"), "Beta went on with an offer it does not sell: {to}");
        // Alfa can, up to the confirmation; deactivated meanwhile, the confirmation is refused.
        let to = wizard::save_request(&store, &alfa, None, req, WizardAction::Continue).await.unwrap();
        let id = common::draft_of(&to);
        let year = (pec_manager::server::current_year() + 1).to_string();
        let to = wizard::save_mailboxes(
            &store,
            &alfa,
            &id,
            year,
            String::new(),
            vec![common::mailbox("solo.alfa@legalmail.it", "")],
            WizardAction::Continue,
        )
        .await
        .unwrap();
        assert!(to.ends_with("/verifica"), "{to}");
        let mut off = form("solo_alfa", &[alfa_org]);
        off.active = None;
        store.update_offer(&admin, "SOLO_ALFA", &check_offer(&off, &ids).unwrap()).await.unwrap();
        let to = wizard::confirm(&store, &alfa, &id, WizardAction::Continue).await.unwrap();
        assert!(!to.ends_with("/riepilogo"), "an order on a deactivated offer: {to}");
        assert!(store.load_draft(&id).await.unwrap().unwrap().order_number.is_none());
        assert!(!codes(&store.usable_offers(alfa.scope(), alfa.organisation_id).await.unwrap())
            .contains(&"SOLO_ALFA".into()));
        // Still in the provider's catalogue, inactive: never deleted.
        let all = store.offer_catalogue(admin.scope()).await.unwrap();
        assert!(all.iter().any(|r| r.offer.code == "SOLO_ALFA" && !r.offer.active));

        // An offer in use keeps its code; every change is audited with before and after.
        let used = all.iter().find(|r| r.offer.code == "CONSIP").unwrap().offer.clone();
        let mut renamed = OfferForm::of(&used);
        renamed.code = "CONSIP2".into();
        renamed.resellers = ids.iter().map(|id| (id.to_string(), "1".to_string())).collect();
        let d =
            common::draft_with(&store, &alfa, vec![common::mailbox("uso2.consip@legalmail.it", "")]).await;
        common::book(&store, &alfa, &d).await;
        match store.update_offer(&admin, "CONSIP", &check_offer(&renamed, &ids).unwrap()).await {
            Err(OfferError::Refused(OfferRefusal::CodeInUse)) => {}
            other => panic!("renamed an offer in use: {other:?}"),
        }
        let log = store.audit_entries(Scope::All, &Default::default(), 1, 50).await.unwrap();
        let changed = log.items.iter().find(|e| e.action == "OFFERTA_MODIFICATA").expect("audited");
        assert!(
            changed.before.contains("\"attiva\":true") && changed.after.contains("\"attiva\":false"),
            "{changed:?}"
        );
        assert!(log.items.iter().any(|e| e.action == "OFFERTA_CREATA" && e.after.contains("39,90")));
    }
}
