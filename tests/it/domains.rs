//! "Gestione domini" on SQLite and PostgreSQL: what may be added by whom, refusals that need the
//! database, and what each organisation sees and may use.

use crate::common;
use pec_manager::domain::auth::Operator;
use pec_manager::domain::domains::DomainFilter;
use pec_manager::domain::domains::{new_domain, DomainKind, DomainState, NewDomainError, NewDomainForm};
use pec_manager::store::{AddDomainError, Store};

fn form(name: &str, customer: &str, kind: DomainKind) -> NewDomainForm {
    NewDomainForm { name: name.into(), customer: customer.into(), kind: kind.code().into() }
}

async fn add(store: &Store, op: &Operator, f: NewDomainForm) -> Result<(), NewDomainError> {
    let provider = op.scope() == pec_manager::domain::auth::Scope::All;
    let new = new_domain(&f, provider)?;
    match store.create_domain(op, &new).await {
        Ok(()) => Ok(()),
        Err(AddDomainError::Refused(e)) => Err(e),
        Err(AddDomainError::Store(e)) => panic!("store: {e}"),
    }
}

async fn names(store: &Store, op: &Operator) -> Vec<String> {
    let page = store.domain_page(op.scope(), &DomainFilter::default(), 1, 500).await.unwrap();
    page.items.into_iter().map(|d| d.name).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn domains_are_checked_owned_and_kept_apart() {
    for store in common::stores().await {
        let admin = common::operator(&store, "admin").await;
        let alfa = common::operator(&store, "alfa.admin").await;
        let beta = common::operator(&store, "beta").await;

        // The provider adds a shared domain; the same name in another case is a duplicate.
        add(&store, &admin, form("PEC-Esempio.IT", "", DomainKind::Shared)).await.unwrap();
        assert_eq!(
            add(&store, &admin, form("pec-esempio.it", "", DomainKind::Shared)).await,
            Err(NewDomainError::Taken)
        );
        // Only the provider adds shared domains.
        assert_eq!(
            add(&store, &alfa, form("alfa-pec.it", "", DomainKind::Shared)).await,
            Err(NewDomainError::SharedByProvider)
        );
        // A reseller's third-level name under a shared domain; not under anything else.
        add(&store, &alfa, form("comune.pec-esempio.it", "", DomainKind::ThirdLevel)).await.unwrap();
        assert_eq!(
            add(&store, &alfa, form("comune.altrove.it", "", DomainKind::ThirdLevel)).await,
            Err(NewDomainError::NotUnderShared)
        );
        // Another organisation cannot take a name inside it, nor one that contains it.
        assert_eq!(
            add(&store, &beta, form("uffici.comune.pec-esempio.it", "", DomainKind::ThirdLevel)).await,
            Err(NewDomainError::OwnedElsewhere)
        );
        // A customer's own domain needs a customer of the organisation, and waits for its DNS.
        assert_eq!(
            add(&store, &alfa, form("rossi.it", "Nessuno", DomainKind::Customer)).await,
            Err(NewDomainError::UnknownCustomer)
        );
        assert_eq!(
            add(&store, &admin, form("collaudo.pec-esempio.it", "Collaudo", DomainKind::Customer)).await,
            Err(NewDomainError::UnderShared)
        );
        add(&store, &admin, form("collaudo.it", "collaudo", DomainKind::Customer)).await.unwrap();

        // What each organisation sees: its own and the shared ones.
        let seen_by_beta = names(&store, &beta).await;
        assert!(seen_by_beta.contains(&"pec-esempio.it".to_string()), "{seen_by_beta:?}");
        assert!(!seen_by_beta.iter().any(|n| n.contains("comune") || n == "collaudo.it"), "{seen_by_beta:?}");
        let seen_by_alfa = names(&store, &alfa).await;
        assert!(seen_by_alfa.contains(&"comune.pec-esempio.it".to_string()));
        let page = store.domain_page(admin.scope(), &DomainFilter::default(), 1, 500).await.unwrap();
        let collaudo = page.items.iter().find(|d| d.name == "collaudo.it").unwrap();
        assert_eq!((collaudo.state, collaudo.customer.as_deref()), (DomainState::Pending, Some("Collaudo")));

        // Filters: a name prefix, a customer, a state.
        let f = |name: &str, customer: &str, state: &str| DomainFilter {
            name: name.into(),
            customer: customer.into(),
            state: state.into(),
        };
        let count = |filter: DomainFilter| {
            let store = store.clone();
            let scope = admin.scope();
            async move { store.domain_page(scope, &filter, 1, 500).await.unwrap().total }
        };
        assert_eq!(count(f("COMUNE.", "", "")).await, 1);
        assert_eq!(count(f("", "collaudo", "")).await, 1);
        assert_eq!(count(f("", "", "IN_ATTESA")).await, 1);
        assert_eq!(count(f("%", "", "")).await, 0, "LIKE wildcards are text");

        // Only certified domains take mailboxes: the new customer domain not yet.
        let usable = store.usable_domains(admin.scope()).await.unwrap();
        assert!(usable.contains(&"comune.pec-esempio.it".to_string()));
        assert!(!usable.contains(&"collaudo.it".to_string()));
        assert!(!store.usable_domains(beta.scope()).await.unwrap().contains(&"comune.pec-esempio.it".into()));

        // Each addition is in the audit log.
        let filter = pec_manager::domain::audit::AuditFilter {
            action: "DOMINIO_AGGIUNTO".into(),
            ..Default::default()
        };
        assert_eq!(store.audit_entries(admin.scope(), &filter, 1, 50).await.unwrap().total, 3);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn domains_change_state_by_the_table_and_are_kept_while_used() {
    use pec_manager::domain::domains::{DomainAction, DomainStateError};
    use pec_manager::store::DomainChangeError;
    for store in common::stores().await {
        let admin = common::operator(&store, "admin").await;
        let alfa = common::operator(&store, "alfa.admin").await;
        let beta = common::operator(&store, "beta").await;
        add(&store, &alfa, form("uffici.legalmail.it", "", DomainKind::ThirdLevel)).await.unwrap();

        // Another organisation: not found, nothing changed.
        match store.change_domain_state(&beta, "uffici.legalmail.it", DomainAction::Suspend).await {
            Err(DomainChangeError::NotFound) => {}
            other => panic!("another organisation changed it: {other:?}"),
        }
        assert!(matches!(
            store.remove_domain(&beta, "uffici.legalmail.it").await,
            Err(DomainChangeError::NotFound)
        ));
        // A reseller cannot touch the shared domains.
        assert!(matches!(
            store.change_domain_state(&alfa, "legalmail.it", DomainAction::Suspend).await,
            Err(DomainChangeError::NotFound)
        ));

        // Suspended: no longer usable; resumed: usable again; a wrong step is refused.
        assert_eq!(
            store.change_domain_state(&alfa, "uffici.legalmail.it", DomainAction::Suspend).await.unwrap(),
            DomainState::Suspended
        );
        assert!(!store
            .usable_domains(alfa.scope())
            .await
            .unwrap()
            .contains(&"uffici.legalmail.it".to_string()));
        assert!(matches!(
            store.change_domain_state(&alfa, "uffici.legalmail.it", DomainAction::Suspend).await,
            Err(DomainChangeError::Refused(DomainStateError::NotAllowed(DomainState::Suspended)))
        ));
        store.change_domain_state(&alfa, "uffici.legalmail.it", DomainAction::Resume).await.unwrap();
        assert!(store
            .usable_domains(alfa.scope())
            .await
            .unwrap()
            .contains(&"uffici.legalmail.it".to_string()));

        // With a mailbox on it: neither dismissed nor removed.
        let d = common::draft_with(
            &store,
            &common::operator(&store, "alfa").await,
            vec![common::mailbox("protocollo@uffici.legalmail.it", "")],
        )
        .await;
        common::book(&store, &common::operator(&store, "alfa").await, &d).await;
        assert!(matches!(
            store.change_domain_state(&alfa, "uffici.legalmail.it", DomainAction::Dismiss).await,
            Err(DomainChangeError::Refused(DomainStateError::InUse(1)))
        ));
        assert!(matches!(
            store.remove_domain(&alfa, "uffici.legalmail.it").await,
            Err(DomainChangeError::Refused(DomainStateError::InUse(1)))
        ));

        // An unused one is removed, by its owner or the provider; audited.
        add(&store, &alfa, form("vuoto.legalmail.it", "", DomainKind::ThirdLevel)).await.unwrap();
        store.remove_domain(&admin, "vuoto.legalmail.it").await.unwrap();
        assert!(!names(&store, &alfa).await.contains(&"vuoto.legalmail.it".to_string()));
        let log = store.audit_entries(alfa.scope(), &Default::default(), 1, 30).await.unwrap();
        assert!(log
            .items
            .iter()
            .any(|e| e.action == "DOMINIO_RIMOSSO" && e.object_id == "vuoto.legalmail.it"));
        assert!(log
            .items
            .iter()
            .any(|e| e.action == "DOMINIO_STATO" && e.before == "CERTIFICATO" && e.after == "SOSPESO"));
    }
}

/// The order's own transaction re-checks each domain: one suspended after step 2 was checked
/// (by another administrator, a moment before the confirmation) takes no mailbox.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_is_refused_on_a_domain_suspended_after_its_check() {
    use pec_manager::domain::domains::DomainAction;
    use pec_manager::store::CreateOrderError;
    for store in common::stores().await {
        let alfa_admin = common::operator(&store, "alfa.admin").await;
        let alfa = common::operator(&store, "alfa").await;
        add(&store, &alfa_admin, form("sedi.legalmail.it", "", DomainKind::ThirdLevel)).await.unwrap();
        let id = common::draft_with(&store, &alfa, vec![common::mailbox("roma@sedi.legalmail.it", "")]).await;
        let draft = store.load_draft(&id).await.unwrap().unwrap().draft;
        let rules = pec_manager::usecases::rules::rules_for(&store, &alfa, &draft).await.unwrap();
        let order = pec_manager::domain::request::validate_order(&draft, &rules).unwrap();

        store.change_domain_state(&alfa_admin, "sedi.legalmail.it", DomainAction::Suspend).await.unwrap();
        match store.create_order(&id, &order, &alfa).await {
            Err(CreateOrderError::UnusableDomain(d)) => assert_eq!(d, "sedi.legalmail.it"),
            other => panic!("an order on a suspended domain: {other:?}"),
        }
        assert!(store.load_draft(&id).await.unwrap().unwrap().order_number.is_none());
        // Resumed, the same order goes through.
        store.change_domain_state(&alfa_admin, "sedi.legalmail.it", DomainAction::Resume).await.unwrap();
        store.create_order(&id, &order, &alfa).await.unwrap();
    }
}
