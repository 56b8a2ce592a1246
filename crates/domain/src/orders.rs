//! An order as the platform shows it: a line of "Attività recenti", "Dettaglio ordine" with its
//! mailboxes and its signed contract.

use crate::dates::Timestamp;
use crate::ids::{OrderNumber, UserId};
use crate::lists::PageOf;
use crate::products::ProductRenewal;
use crate::request::CustomerKind;
use crate::states::{MailboxState, OrderState};
use serde::{Deserialize, Serialize};

/// One line of "Attività recenti".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSummary {
    pub number: OrderNumber,
    pub kind: crate::states::OrderKind,
    pub created_at: Timestamp,
    pub customer_name: String,
    pub mailbox_count: i64,
    pub state: OrderState,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxRow {
    pub userid: UserId,
    pub reference: String,
    pub address: String,
    pub password_email: String,
    pub state: MailboxState,
    pub offer_name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDetail {
    pub number: OrderNumber,
    pub kind: crate::states::OrderKind,
    pub state: OrderState,
    pub created_at: Timestamp,
    pub customer_name: String,
    pub customer_kind: CustomerKind,
    pub legal_rep_cf: String,
    pub contact_email: String,
    pub consent: bool,
    pub contract: bool,
    /// The uploaded contract's signature, once there is one.
    pub signature: Option<ContractSignature>,
    pub operator: String,
    pub offer_name: String,
    pub expiry_year: i64,
    pub customer_po: String,
    /// The mailboxes of the page shown (all of them for the contract).
    pub mailboxes: Vec<MailboxRow>,
    pub rows: PageOf,
    /// A renewal order's renewed products (its other lines).
    pub products: Vec<ProductRenewal>,
}

/// Who signed an order's contract and when (empty when it was accepted unverified).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractSignature {
    pub verified: bool,
    pub signer_name: String,
    pub signer_tax_code: String,
    /// The signing time the signature states, if it states one.
    pub signed_at: Option<Timestamp>,
}

/// One event of "Attività recenti" (orders, activations, state changes, passwords).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityEntry {
    pub at: Timestamp,
    pub kind: String,
    pub summary: String,
    /// None when the event has no order (or it was cancelled).
    pub order_number: Option<OrderNumber>,
    pub userid: Option<UserId>,
}
