//! "Ricerca caselle": what is asked and what is found, and its export.

use crate::ids::{OrderNumber, UserId};
use crate::states::MailboxState;
use serde::{Deserialize, Serialize};

/// "Ricerca": one text searched as a prefix in many fields, and filters (empty means any).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchQuery {
    pub text: String,
    pub state: String,
    pub customer: String,
    pub offer: String,
}

/// A mailbox found by "Ricerca".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHit {
    pub userid: UserId,
    pub address: String,
    pub state: MailboxState,
    pub reference: String,
    pub holder: String,
    pub tax_code: String,
    pub order_number: OrderNumber,
    pub customer: String,
    pub offer: String,
}

/// "Ricerca" counts its hits up to this many; past it the page says "più di 10.000" (counting
/// a million rows cost a quarter of a second for a one-letter search).
pub const SEARCH_COUNT_MAX: i64 = 10_000;

/// Ricerca's export: header and a hit's cells (the CSV writer makes them formula-safe).
pub const SEARCH_EXPORT_HEADER: [&str; 9] = [
    "Userid",
    "Nome casella",
    "Stato",
    "Titolare",
    "Codice fiscale",
    "Ordine",
    "Riferimento",
    "Cliente",
    "Offerta",
];

impl SearchHit {
    pub fn cells(&self) -> [String; 9] {
        [
            self.userid.to_string(),
            self.address.clone(),
            self.state.code().to_string(),
            self.holder.clone(),
            self.tax_code.clone(),
            self.order_number.to_string(),
            self.reference.clone(),
            self.customer.clone(),
            self.offer.clone(),
        ]
    }
}
