//! Products with their own term ("Gestione scadenze prodotti"): services billed apart from the
//! mailbox, each with a start, an end and a price-list code. A mailbox has one of each kind
//! while its services ask for it; renewed like mailboxes, from the current end.

pub use crate::states::{ProductKind, ProductState};

use crate::lifecycle::Date;
use crate::offers::Services;
use crate::renewals::{ExpiryFilter, ExpiryFilterError, RenewalRefused};
use serde::{Deserialize, Serialize};

/// The term of every product, in months (the price list is yearly).
pub const TERM_MONTHS: u32 = 12;

/// SMS in one year's credit.
pub const SMS_CREDIT: i64 = 100;

/// The products a mailbox's services ask for, with their quantity: the store's SQL in
/// `store::products::WANTED` says the same, for many mailboxes at once.
pub fn wanted(services: &Services, offer_disk_gb: i64) -> Vec<(ProductKind, i64)> {
    let mut v = Vec::new();
    if services.legal_preservation {
        v.push((ProductKind::LegalPreservation, 1));
    }
    if services.disk_gb > offer_disk_gb {
        v.push((ProductKind::ExtraDisk, services.disk_gb - offer_disk_gb));
    }
    if services.sms {
        v.push((ProductKind::SmsCredit, SMS_CREDIT));
    }
    v
}

/// The states the expiry list shows.
pub const LISTED_PRODUCT_STATES: [ProductState; 2] = [ProductState::Attivo, ProductState::Scaduto];

/// Renewing a product in `state` ending on `expires`, on `today`: a new term from the current
/// end; an expired one comes back within `grace_days`, not after; a ceased one never.
pub fn renew_product(
    state: ProductState,
    expires: Date,
    today: Date,
    grace_days: i64,
) -> Result<Date, RenewalRefused> {
    match state {
        ProductState::Cessato => Err(RenewalRefused::Ceased),
        ProductState::Scaduto if expires.add_days(grace_days) < today => {
            Err(RenewalRefused::PastGrace(grace_days))
        }
        _ => Ok(expires.add_months(TERM_MONTHS)),
    }
}

/// A checked product expiry filter (the page reads the same `ExpiryFilter` as the
/// mailboxes' page; `stato` names a product state, `prodotto` a kind).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductQuery {
    pub from: Date,
    pub to: Date,
    pub states: Vec<ProductState>,
    pub kind: Option<ProductKind>,
    pub customer: String,
    pub offer: String,
    pub domain: Option<String>,
}

impl ExpiryFilter {
    pub fn product_query(&self, today: Date, grace_days: i64) -> Result<ProductQuery, ExpiryFilterError> {
        let (from, to) = self.range(today, grace_days)?;
        let states = match ProductState::from_code(&self.state) {
            Some(s) if LISTED_PRODUCT_STATES.contains(&s) => vec![s],
            _ => LISTED_PRODUCT_STATES.to_vec(),
        };
        Ok(ProductQuery {
            from,
            to,
            states,
            kind: ProductKind::from_code(&self.product),
            customer: self.customer.trim().chars().take(200).collect(),
            offer: self.offer.trim().chars().take(40).collect(),
            domain: crate::domains::domain_name(&self.domain).ok(),
        })
    }
}

/// One product of "Gestione scadenze prodotti".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductRow {
    pub id: i64,
    pub userid: crate::ids::UserId,
    pub address: String,
    pub customer: String,
    pub offer: String,
    pub order_number: crate::ids::OrderNumber,
    pub kind: crate::states::ProductKind,
    pub quantity: i64,
    pub price_code: String,
    pub state: crate::states::ProductState,
    pub starts_at: crate::lifecycle::Date,
    pub expires_at: crate::lifecycle::Date,
}

pub const PRODUCT_EXPORT_HEADER: [&str; 11] = [
    "Userid",
    "Casella",
    "Cliente",
    "Offerta",
    "Ordine",
    "Prodotto",
    "Quantità",
    "Codice listino",
    "Stato",
    "Inizio",
    "Scadenza",
];

impl ProductRow {
    pub fn cells(&self) -> [String; 11] {
        [
            self.userid.to_string(),
            self.address.clone(),
            self.customer.clone(),
            self.offer.clone(),
            self.order_number.to_string(),
            self.kind.label().to_string(),
            self.kind.quantity_text(self.quantity),
            self.price_code.clone(),
            self.state.code().to_string(),
            self.starts_at.italian(),
            self.expires_at.italian(),
        ]
    }
}

/// A renewed product as an order's line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductRenewal {
    pub userid: String,
    pub kind: crate::states::ProductKind,
    pub from_expiry: String,
    pub to_expiry: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(year: i32, month: u32, day: u32) -> Date {
        Date { year, month, day }
    }

    #[test]
    fn services_ask_for_their_products() {
        let s = Services { disk_gb: 10, legal_preservation: true, sms: true, ..Services::default() };
        assert_eq!(
            wanted(&s, 6),
            vec![
                (ProductKind::LegalPreservation, 1),
                (ProductKind::ExtraDisk, 4),
                (ProductKind::SmsCredit, SMS_CREDIT)
            ]
        );
        assert_eq!(wanted(&Services { disk_gb: 6, ..Services::default() }, 6), vec![]);
        for k in ProductKind::ALL {
            assert_eq!(ProductKind::from_code(k.code()), Some(k));
        }
        assert_eq!(ProductKind::ExtraDisk.quantity_text(4), "4 GB");
    }

    #[test]
    fn a_product_renews_from_its_end_within_the_grace_period() {
        let today = d(2026, 11, 27);
        assert_eq!(renew_product(ProductState::Attivo, d(2027, 2, 28), today, 30), Ok(d(2028, 2, 28)));
        assert_eq!(renew_product(ProductState::Attivo, d(2028, 2, 29), today, 30), Ok(d(2029, 2, 28)));
        assert_eq!(renew_product(ProductState::Scaduto, d(2026, 10, 28), today, 30), Ok(d(2027, 10, 28)));
        assert_eq!(
            renew_product(ProductState::Scaduto, d(2026, 10, 27), today, 30),
            Err(RenewalRefused::PastGrace(30))
        );
        assert_eq!(
            renew_product(ProductState::Cessato, d(2027, 1, 1), today, 30),
            Err(RenewalRefused::Ceased)
        );
    }

    #[test]
    fn the_product_filter_reads_states_and_kinds() {
        let today = d(2026, 11, 27);
        let f = ExpiryFilter {
            state: "SCADUTO".into(),
            product: "CREDITO_SMS".into(),
            ..ExpiryFilter::default()
        };
        let q = f.product_query(today, 30).unwrap();
        assert_eq!((q.states, q.kind), (vec![ProductState::Scaduto], Some(ProductKind::SmsCredit)));
        let q = ExpiryFilter { state: "CESSATO".into(), ..ExpiryFilter::default() }
            .product_query(today, 30)
            .unwrap();
        assert_eq!((q.states.len(), q.kind), (2, None));
    }
}
