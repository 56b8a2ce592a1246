//! Renewals on SQLite and PostgreSQL: "Rinnova selezionate" all or nothing and once per
//! request, the grace period, tacit renewal by the hourly job, the expiry list and its scope.

use crate::common;
use common::{draft_with, mailbox};
use pec_manager::domain::lifecycle::Date;
use pec_manager::domain::renewals::{ExpiryFilter, RenewalRefused};
use pec_manager::domain::{OrderNumber, UserId};
use pec_manager::server::mail;
use pec_manager::store::{RenewError, SignedContract, Store};

const TODAY: Date = Date { year: 2026, month: 11, day: 26 };

/// Active mailboxes of Alfa at `addresses`, each given the expiry (and state) asked.
pub(crate) async fn active(store: &Store, set: &[(&str, &str, &str)]) -> Vec<UserId> {
    let op = common::operator(store, "alfa").await;
    let id = draft_with(store, &op, set.iter().map(|(a, _, _)| mailbox(a, "")).collect()).await;
    common::book(store, &op, &id).await;
    let number = store.load_draft(&id).await.unwrap().unwrap().order_number.unwrap();
    let pdf: SignedContract = common::signed_pdf();
    store.fulfil_order(&op, &number, &pdf, TODAY, &mail::link_mail("http://x"), &[]).await.unwrap();
    let order = store.order(op.scope(), &number).await.unwrap().unwrap();
    let mut ids = Vec::new();
    for (m, (_, expires, state)) in order.mailboxes.iter().zip(set) {
        store
            .raw_execute(&format!(
                "UPDATE mailboxes SET expires_at = '{expires}', state = '{state}' WHERE userid = '{}'",
                m.userid
            ))
            .await
            .unwrap();
        ids.push(m.userid.clone());
    }
    ids
}

async fn expiry_of(store: &Store, userid: &UserId) -> (String, String) {
    let m = store.mailbox(pec_manager::domain::auth::Scope::All, userid).await.unwrap().unwrap();
    (m.expires_at, m.state.code().to_string())
}

fn key(n: u8) -> String {
    format!("{:064x}", n)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rinnova_selezionate_is_all_or_nothing_and_once_per_request() {
    for store in common::stores().await {
        let n = std::process::id();
        let alfa = common::operator(&store, "alfa").await;
        let beta = common::operator(&store, "beta").await;
        let a = format!("rinnovo-a{n}@legalmail.it");
        let b = format!("rinnovo-b{n}@legalmail.it");
        let c = format!("rinnovo-c{n}@legalmail.it");
        let ids = active(
            &store,
            &[(&a, "2026-12-10", "ATTIVA"), (&b, "2026-11-01", "SCADUTA"), (&c, "2026-10-01", "SCADUTA")],
        )
        .await;

        // One past the grace period: nothing is renewed, and each refusal is named.
        match store.renew_mailboxes(&alfa, &[ids[0].clone(), ids[2].clone()], TODAY, &key(1)).await {
            Err(RenewError::Refused(list)) => {
                assert_eq!(list, vec![(ids[2].clone(), RenewalRefused::PastGrace(30))])
            }
            other => panic!("renewed past the grace period: {other:?}"),
        }
        assert_eq!(expiry_of(&store, &ids[0]).await, ("2026-12-10".into(), "ATTIVA".into()));

        // Another organisation's mailbox: not found, nothing renewed.
        assert!(matches!(
            store.renew_mailboxes(&beta, &[ids[0].clone()], TODAY, &key(2)).await,
            Err(RenewError::NotFound(_))
        ));

        // The same request twice at once: renewed once, both answers name the same order.
        let two = [ids[0].clone(), ids[1].clone()];
        let same = key(3);
        let (r1, r2) = tokio::join!(
            store.renew_mailboxes(&alfa, &two, TODAY, &same),
            store.renew_mailboxes(&alfa, &two, TODAY, &same)
        );
        let (r1, r2) = (r1.unwrap(), r2.unwrap());
        assert_eq!(r1.len(), 1, "one renewal order for one customer and offer: {r1:?}");
        assert_eq!(r1, r2);
        // From the current expiry, not from today; the expired one is ATTIVA again.
        assert_eq!(expiry_of(&store, &ids[0]).await, ("2027-12-10".into(), "ATTIVA".into()));
        assert_eq!(expiry_of(&store, &ids[1]).await, ("2027-11-01".into(), "ATTIVA".into()));
        let order = store.order(alfa.scope(), &r1[0]).await.unwrap().expect("the renewal order is Alfa's");
        assert_eq!(order.state.code(), "EVASO");
        assert!(store.order(beta.scope(), &r1[0]).await.unwrap().is_none());

        // Recent activity and each mailbox's history tell of it.
        let events = store.recent_activity(alfa.scope(), 10).await.unwrap();
        assert!(events.iter().any(|e| e.kind == "ORDINE_RINNOVO" && e.order_number.as_ref() == Some(&r1[0])));
        let history = store.audit_of(alfa.scope(), "casella", ids[0].as_str(), 50).await.unwrap();
        let renewal = history.iter().find(|e| e.action == "RINNOVO").expect("in Storia servizi");
        assert!(renewal.before.contains("2026-12-10") && renewal.after.contains("2027-12-10"), "{renewal:?}");
        assert!(renewal.after.contains(r1[0].as_str()));

        // A request key is the operator's own: another operator sending the same key gets
        // a renewal of its own, not the first one's order numbers.
        let admin = common::operator(&store, "alfa.admin").await;
        let theirs = store.renew_mailboxes(&admin, &[ids[0].clone()], TODAY, &same).await.unwrap();
        assert_ne!(theirs, r1, "another operator's key answered its orders");
        assert_eq!(expiry_of(&store, &ids[0]).await.0, "2028-12-10");

        // A new request renews again, from the new expiry.
        let again: Vec<OrderNumber> =
            store.renew_mailboxes(&alfa, &[ids[0].clone()], TODAY, &key(4)).await.unwrap();
        assert_ne!(again, r1);
        assert_eq!(expiry_of(&store, &ids[0]).await.0, "2029-12-10");
        common::assert_line_counts_hold(&store).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tacit_renewal_renews_on_the_expiry_day_once_and_the_list_shows_it() {
    for store in common::stores().await {
        let n = std::process::id();
        let alfa = common::operator(&store, "alfa").await;
        let beta = common::operator(&store, "beta").await;
        let t = format!("tacita{n}@legalmail.it");
        let e = format!("espressa{n}@legalmail.it");
        let ids = active(&store, &[(&t, "2026-11-26", "ATTIVA"), (&e, "2026-11-25", "ATTIVA")]).await;
        assert_eq!(store.set_tacit_renewal(&alfa, &[ids[0].clone()], true).await.unwrap(), 1);
        assert_eq!(store.set_tacit_renewal(&alfa, &[ids[0].clone()], true).await.unwrap(), 0, "already on");
        assert_eq!(store.set_tacit_renewal(&beta, &[ids[1].clone()], true).await.unwrap(), 0, "not Beta's");
        // The provider's switch is in Alfa's log, where Alfa's administrators read it.
        let provider = common::operator(&store, "operatore").await;
        assert_eq!(store.set_tacit_renewal(&provider, &[ids[1].clone()], true).await.unwrap(), 1);
        assert_eq!(store.set_tacit_renewal(&provider, &[ids[1].clone()], false).await.unwrap(), 1);
        let filter =
            pec_manager::domain::audit::AuditFilter { object: ids[1].to_string(), ..Default::default() };
        let seen = store.audit_entries(alfa.scope(), &filter, 1, 50).await.unwrap();
        assert_eq!(seen.items.iter().filter(|e| e.action == "RINNOVO_TACITO").count(), 2, "{:?}", seen.items);

        // The hourly job, twice (and on two processes at once): renewed once, the other expires.
        let (r1, r2) = tokio::join!(store.renew_tacit_due(TODAY), store.renew_tacit_due(TODAY));
        assert_eq!(r1.unwrap() + r2.unwrap(), 1);
        assert_eq!(store.renew_tacit_due(TODAY).await.unwrap(), 0);
        store.expire_due(TODAY).await.unwrap();
        assert_eq!(expiry_of(&store, &ids[0]).await, ("2027-11-26".into(), "ATTIVA".into()));
        assert_eq!(expiry_of(&store, &ids[1]).await, ("2026-11-25".into(), "SCADUTA".into()));

        // The expiry list: the window and the grace period, filters, scope.
        let q = |f: ExpiryFilter| f.query(TODAY, 30).unwrap();
        let listed = |rows: Vec<pec_manager::domain::renewals::ExpiryRow>| {
            rows.into_iter().map(|r| r.userid).collect::<Vec<_>>()
        };
        let all = store.expiry_rows(alfa.scope(), &q(ExpiryFilter::default()), 1000).await.unwrap();
        let mine = listed(all);
        assert!(mine.contains(&ids[1]), "expired within the grace period is listed");
        assert!(!mine.contains(&ids[0]), "renewed to next year is outside 30 days");
        let year = ExpiryFilter {
            from: "2027-11-01".into(),
            to: "2027-11-30".into(),
            tacit: "si".into(),
            ..Default::default()
        };
        let rows = store.expiry_rows(alfa.scope(), &q(year.clone()), 1000).await.unwrap();
        assert_eq!(listed(rows), vec![ids[0].clone()]);
        assert!(store.expiry_rows(beta.scope(), &q(year), 1000).await.unwrap().is_empty());
        let by_domain = ExpiryFilter { domain: "altro.it".into(), ..Default::default() };
        assert!(store.expiry_rows(alfa.scope(), &q(by_domain), 1000).await.unwrap().is_empty());
        let page = store.expiry_page(alfa.scope(), &q(ExpiryFilter::default()), 1, 50).await.unwrap();
        assert!(page.total >= 1);
        common::assert_line_counts_hold(&store).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_go_once_per_window_across_runs_processes_and_restarts() {
    for store in common::stores().await {
        let n = std::process::id();
        let in_30 = TODAY.add_days(30).iso();
        let address = format!("promemoria{n}@legalmail.it");
        let ids = active(&store, &[(&address, &in_30, "ATTIVA")]).await;
        let (before, _) = store.mail_counts().await.unwrap();

        // Two processes at once, a second run, and a restarted server: one reminder.
        let (a, b) = tokio::join!(store.queue_reminders(TODAY), store.queue_reminders(TODAY));
        assert_eq!(a.unwrap() + b.unwrap(), 1);
        assert_eq!(store.queue_reminders(TODAY).await.unwrap(), 0);
        let restarted = Store::open(&store.url_for_tests()).await.unwrap();
        assert_eq!(restarted.queue_reminders(TODAY).await.unwrap(), 0);
        // To the holder's "Email gestione password" and the customer's contact.
        let (after, _) = store.mail_counts().await.unwrap();
        assert_eq!(after - before, 2);

        // Days later, still in the same window: nothing; the next window: one more.
        assert_eq!(store.queue_reminders(TODAY.add_days(10)).await.unwrap(), 0);
        assert_eq!(store.queue_reminders(TODAY.add_days(23)).await.unwrap(), 1);
        let m = store.mailbox(pec_manager::domain::auth::Scope::All, &ids[0]).await.unwrap().unwrap();
        let windows: Vec<i64> = m.reminders.iter().map(|r| r.window_days).collect();
        assert_eq!(windows.len(), 2);
        assert!(windows.contains(&30) && windows.contains(&7), "{windows:?}");
        // Expired or renewed beyond the windows: no more.
        assert_eq!(store.queue_reminders(TODAY.add_days(31)).await.unwrap(), 0);
    }
}

/// Mailboxes already reminded do not hold back the others: every due mailbox is reached in
/// one run, however many come before it (batches of one here).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_and_tacit_renewals_reach_every_due_mailbox_past_a_batch() {
    for store in common::stores().await {
        let n = std::process::id();
        let alfa = common::operator(&store, "alfa").await;
        let in_30 = TODAY.add_days(30).iso();
        let (a, b, c) = (
            format!("lotto-a{n}@legalmail.it"),
            format!("lotto-b{n}@legalmail.it"),
            format!("lotto-c{n}@legalmail.it"),
        );
        let first = active(&store, &[(&a, &in_30, "ATTIVA")]).await;
        assert_eq!(store.queue_reminders_in_batches(TODAY, 1).await.unwrap(), 1);
        active(&store, &[(&b, &in_30, "ATTIVA"), (&c, &in_30, "ATTIVA")]).await;
        assert_eq!(store.queue_reminders_in_batches(TODAY, 1).await.unwrap(), 2);

        // Three tacit mailboxes due today, batches of one: all renewed, none expires.
        let today = TODAY.iso();
        let (d, e) = (format!("lotto-d{n}@legalmail.it"), format!("lotto-e{n}@legalmail.it"));
        let mut tacit = active(&store, &[(&d, &today, "ATTIVA"), (&e, &today, "ATTIVA")]).await;
        tacit.extend(first);
        store
            .raw_execute(&format!(
                "UPDATE mailboxes SET expires_at = '{today}' WHERE userid = '{}'",
                tacit[2]
            ))
            .await
            .unwrap();
        store.set_tacit_renewal(&alfa, &tacit, true).await.unwrap();
        assert_eq!(store.renew_tacit_due_in_batches(TODAY, 1).await.unwrap(), 3);
        store.expire_due(TODAY.add_days(1)).await.unwrap();
        for u in &tacit {
            assert_eq!(expiry_of(&store, u).await.1, "ATTIVA");
        }
    }
}
