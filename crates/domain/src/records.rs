//! Plain data that server functions return to pages (read models). No behaviour beyond
//! presentation helpers that both sides need.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offer {
    pub code: String,
    pub name: String,
    pub disk_gb: i64,
    pub sms: bool,
    pub security_archive: bool,
    pub legal_preservation: bool,
    pub shadow_pec: bool,
    pub push_imap: bool,
    pub phishing_protection: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    pub name: String,
    pub kind: String,
    pub legal_rep_cf: String,
    pub contact_email: String,
}

/// One line of "Attività recenti".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSummary {
    pub number: String,
    pub created_at: String,
    pub customer_name: String,
    pub mailbox_count: i64,
    pub state: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paged<T> {
    pub items: Vec<T>,
    /// 1-based.
    pub page: i64,
    pub pages: i64,
    pub total: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxRow {
    pub userid: String,
    pub reference: String,
    pub address: String,
    pub password_email: String,
    pub state: String,
    pub offer_name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDetail {
    pub number: String,
    pub state: String,
    pub created_at: String,
    pub customer_name: String,
    pub customer_kind: String,
    pub legal_rep_cf: String,
    pub contact_email: String,
    pub consent: bool,
    pub contract: bool,
    pub operator: String,
    pub offer_name: String,
    pub expiry_year: i64,
    pub customer_po: String,
    pub mailboxes: Vec<MailboxRow>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxDetail {
    pub order_number: String,
    pub userid: String,
    pub reference: String,
    pub address: String,
    pub description: String,
    pub password_email: String,
    pub offer_name: String,
    pub state: String,
    pub first_name: String,
    pub last_name: String,
    pub tax_code: String,
    pub nickname: String,
    pub created_at: String,
    pub expiry_year: i64,
    /// `YYYY-MM-DD`, empty until the contract activates the mailbox.
    pub activated_at: String,
    pub expires_at: String,
    pub has_password: bool,
    pub services: Services,
}

/// RIEPILOGO SERVIZI of a mailbox (from its offer at activation).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Services {
    pub disk_gb: i64,
    pub disk_used_mb: i64,
    pub sms: bool,
    pub security_archive: bool,
    pub legal_preservation: bool,
    pub shadow_pec: bool,
    pub push_imap: bool,
    pub phishing_protection: bool,
}

/// One line of the audit log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: String,
    pub username: String,
    pub organisation: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub before: String,
    pub after: String,
}

/// Filters of the audit log page (all optional; empty means any).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    pub action: String,
    pub username: String,
    pub object: String,
    /// `YYYY-MM-DD`, inclusive.
    pub from: String,
    pub to: String,
}

/// An operator as listed to administrators.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorRow {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub organisation: String,
    pub active: bool,
    pub created_at: String,
    /// Failed logins have locked this user name from at least one source address.
    pub locked: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    pub id: i64,
    pub name: String,
    pub kind: String,
}

/// `2026-11-26 10:00:00` (stored, UTC) → `26/11/2026` (as the guide shows dates).
pub fn italian_date(stored: &str) -> String {
    match (stored.get(0..4), stored.get(5..7), stored.get(8..10)) {
        (Some(y), Some(m), Some(d)) => format!("{d}/{m}/{y}"),
        _ => stored.to_string(),
    }
}

/// Human label for a customer kind code.
pub fn customer_kind_label(code: &str) -> &str {
    super::CustomerKind::from_code(code).map(|k| k.label()).unwrap_or(code)
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates() {
        assert_eq!(super::italian_date("2022-03-11 09:00:00"), "11/03/2022");
        assert_eq!(super::italian_date("x"), "x");
    }
}

/// One event of "Attività recenti" (orders, activations, state changes, passwords).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityEntry {
    pub at: String,
    pub kind: String,
    pub summary: String,
    /// Empty when the event has no order (or it was cancelled).
    pub order_number: String,
    pub userid: String,
}

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
    pub userid: String,
    pub address: String,
    pub state: String,
    pub reference: String,
    pub holder: String,
    pub tax_code: String,
    pub order_number: String,
    pub customer: String,
    pub offer: String,
}

/// A note on a mailbox ("Inserisci nota").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub at: String,
    pub username: String,
    pub text: String,
}

/// What "Dettaglio casella" shows besides the mailbox itself.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxExtras {
    pub notes: Vec<Note>,
    pub users: Vec<super::mailbox_admin::ExtraUser>,
    /// Userids of the associated mailboxes.
    pub associations: Vec<String>,
    pub settings: super::mailbox_admin::ExtraSettings,
    /// Other orders of the organisation a mailbox may move to ("Sposta").
    pub orders: Vec<String>,
}
