//! Plain data that server functions return to pages (read models). No behaviour beyond
//! presentation helpers that both sides need.

use crate::domains::{DomainKind, DomainState};
use crate::ids::{OrderNumber, UserId};
use crate::request::CustomerKind;
use crate::states::{MailboxState, OrderState};
use serde::{Deserialize, Serialize};

use crate::offers::Services;

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
    pub number: OrderNumber,
    pub kind: crate::states::OrderKind,
    pub created_at: String,
    pub customer_name: String,
    pub mailbox_count: i64,
    pub state: OrderState,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paged<T> {
    pub items: Vec<T>,
    /// 1-based.
    pub page: i64,
    pub pages: i64,
    pub total: i64,
}

/// Rows a page shows of a long list (an order's mailboxes, a large request): pages stay small
/// however large the order (10,000 mailboxes would be megabytes of HTML).
pub const LIST_PAGE_ROWS: usize = 100;

/// Which slice of a long list a page shows: page `page` (1-based) of `pages`, over `total` rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageOf {
    pub page: usize,
    pub pages: usize,
    pub total: usize,
}

impl PageOf {
    /// The page asked for, brought within the list (an old link past the end shows the last page).
    pub fn new(asked: usize, total: usize, per_page: usize) -> Self {
        let pages = total.div_ceil(per_page.max(1)).max(1);
        Self { page: asked.clamp(1, pages), pages, total }
    }

    /// Every row on one page.
    pub fn whole(total: usize) -> Self {
        Self { page: 1, pages: 1, total }
    }

    /// Index of the first row shown, for a page of `per_page` rows.
    pub fn offset(&self, per_page: usize) -> usize {
        (self.page - 1) * per_page
    }

    /// "?pagina=N" from a query value; anything else is page 1.
    pub fn asked(value: Option<&str>) -> usize {
        value.and_then(|v| v.trim().parse().ok()).filter(|p| *p > 0).unwrap_or(1)
    }
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
    pub created_at: String,
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
    /// `YYYY-MM-DD HH:MM:SS`, UTC.
    pub signed_at: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxDetail {
    pub order_number: OrderNumber,
    pub userid: UserId,
    pub reference: String,
    pub address: String,
    pub description: String,
    pub password_email: String,
    pub offer_name: String,
    pub state: MailboxState,
    pub first_name: String,
    pub last_name: String,
    pub tax_code: String,
    pub nickname: String,
    pub created_at: String,
    pub expiry_year: i64,
    /// `YYYY-MM-DD`, empty until the contract activates the mailbox.
    pub activated_at: String,
    pub expires_at: String,
    /// "Data scad. fattura": the expiry the last invoice (activation or renewal) covers.
    pub invoice_expires_at: String,
    /// The day "Azz." last reset the used disk space, `YYYY-MM-DD` ("" if never).
    pub disk_reset_at: String,
    /// Renewed by the hourly job on its expiry day instead of expiring.
    pub tacit_renewal: bool,
    /// Expiry reminders sent, newest first.
    pub reminders: Vec<ReminderSent>,
    /// Its products with their own term (Conservazione a norma, extra disk, SMS credit).
    pub products: Vec<ProductRow>,
    pub has_password: bool,
    /// The used space in `services` is what the mail server reports (`mail_usage`) when it
    /// does, else the last imported figure.
    pub services: Services,
    /// "Piattaforma di posta": its jobs still to do (the store leaves `configured` false; the
    /// server knows whether this install has a mail platform).
    pub mail_sync: crate::mail_platform::MailSync,
}

/// One expiry reminder sent for a mailbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderSent {
    /// Days before the expiry.
    pub window_days: i64,
    /// `YYYY-MM-DD`, the expiry it was about.
    pub expires_at: String,
    /// When it was queued (UTC, as stored).
    pub sent_at: String,
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

/// Human label for a customer kind code.
pub fn customer_kind_label(code: &str) -> &str {
    super::CustomerKind::from_code(code).map(|k| k.label()).unwrap_or(code)
}

#[cfg(test)]
mod tests {
    use super::PageOf;

    #[test]
    fn pages_are_clamped_to_the_list() {
        assert_eq!(PageOf::new(1, 0, 100), PageOf { page: 1, pages: 1, total: 0 });
        assert_eq!(PageOf::new(7, 10_000, 100), PageOf { page: 7, pages: 100, total: 10_000 });
        assert_eq!(PageOf::new(500, 10_001, 100), PageOf { page: 101, pages: 101, total: 10_001 });
        assert_eq!(PageOf::new(0, 50, 100).page, 1);
        assert_eq!(PageOf::new(3, 250, 100).offset(100), 200);
        assert_eq!(PageOf::asked(Some("12")), 12);
        assert_eq!(PageOf::asked(Some("-1")), 1);
        assert_eq!(PageOf::asked(Some("x")), 1);
        assert_eq!(PageOf::asked(None), 1);
    }
}

/// One event of "Attività recenti" (orders, activations, state changes, passwords).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityEntry {
    pub at: String,
    pub kind: String,
    pub summary: String,
    /// None when the event has no order (or it was cancelled).
    pub order_number: Option<OrderNumber>,
    pub userid: Option<UserId>,
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

/// Most rows of one export of a list (Ricerca, Registro attività): past it the file says so.
pub const EXPORT_ROWS_MAX: i64 = 100_000;

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

/// Registro attività's export: header and an entry's cells.
pub const AUDIT_EXPORT_HEADER: [&str; 8] =
    ["Quando (UTC)", "Utente", "Organizzazione", "Azione", "Oggetto", "Id oggetto", "Prima", "Dopo"];

impl AuditEntry {
    pub fn cells(&self) -> [String; 8] {
        [
            self.at.clone(),
            self.username.clone(),
            self.organisation.clone(),
            self.action.clone(),
            self.object_type.clone(),
            self.object_id.clone(),
            self.before.clone(),
            self.after.clone(),
        ]
    }
}

/// The line an export ends with when the list had more than the `limit` rows exported.
pub fn export_cut_note(limit: i64) -> String {
    format!("Esportate solo le prime {limit} righe: restringere il filtro per esportare le altre")
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
    pub associations: Vec<UserId>,
    pub settings: super::mailbox_admin::ExtraSettings,
    /// Other orders of the organisation a mailbox may move to ("Sposta").
    pub orders: Vec<OrderNumber>,
}

/// One line of "Gestione domini".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainRow {
    pub name: String,
    /// The customer it serves; none for the provider's shared domains.
    pub customer: Option<String>,
    pub kind: DomainKind,
    pub state: DomainState,
    pub mailboxes: i64,
    pub created_at: String,
}

/// "Gestione domini" filter: a prefix of the name, a customer, a state (empty means any).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DomainFilter {
    pub name: String,
    pub customer: String,
    pub state: String,
}

/// One offer of the catalogue ("Offerte"), with the resellers that may sell it and how many
/// mailboxes have it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferRow {
    pub offer: crate::offers::NewOffer,
    /// Names of the resellers in `offer.resellers`, in the same order.
    pub reseller_names: Vec<String>,
    pub mailboxes: i64,
}

/// One line of "Clienti".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerRow {
    pub id: i64,
    pub organisation: String,
    pub customer: crate::customers::NewCustomer,
    pub orders: i64,
}

/// One line of "Organizzazioni".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganisationRow {
    pub id: i64,
    pub name: String,
    pub kind: crate::auth::OrganisationKind,
    pub active: bool,
    pub operators: i64,
    pub created_at: String,
}

/// One product of "Gestione scadenze prodotti".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductRow {
    pub id: i64,
    pub userid: String,
    pub address: String,
    pub customer: String,
    pub offer: String,
    pub order_number: String,
    pub kind: crate::states::ProductKind,
    pub quantity: i64,
    pub price_code: String,
    pub state: crate::states::ProductState,
    /// `YYYY-MM-DD`.
    pub starts_at: String,
    pub expires_at: String,
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
            self.userid.clone(),
            self.address.clone(),
            self.customer.clone(),
            self.offer.clone(),
            self.order_number.clone(),
            self.kind.label().to_string(),
            self.kind.quantity_text(self.quantity),
            self.price_code.clone(),
            self.state.code().to_string(),
            crate::dates::italian_date(&self.starts_at),
            crate::dates::italian_date(&self.expires_at),
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
