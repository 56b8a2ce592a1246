//! A mailbox as "Dettaglio casella" shows it: its data, notes, users, associations and the
//! reminders sent.

use crate::dates::Timestamp;
use crate::ids::{OrderNumber, UserId};
use crate::offers::Services;
use crate::products::ProductRow;
use crate::states::MailboxState;
use serde::{Deserialize, Serialize};

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
    pub created_at: Timestamp,
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

impl MailboxDetail {
    /// Its data as "Modifica dati" holds it.
    pub fn input(&self) -> crate::MailboxInput {
        crate::MailboxInput {
            address: self.address.clone(),
            description: self.description.clone(),
            password_email: self.password_email.clone(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            tax_code: self.tax_code.clone(),
            nickname: self.nickname.clone(),
        }
    }
}

/// Some fields of a mailbox changed (the API's `PATCH`); a field left out keeps its value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxPatch {
    pub address: Option<String>,
    pub description: Option<String>,
    pub password_email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub tax_code: Option<String>,
    pub nickname: Option<String>,
}

impl MailboxPatch {
    /// `current` with the fields given changed.
    pub fn apply(self, current: crate::MailboxInput) -> crate::MailboxInput {
        crate::MailboxInput {
            address: self.address.unwrap_or(current.address),
            description: self.description.unwrap_or(current.description),
            password_email: self.password_email.unwrap_or(current.password_email),
            first_name: self.first_name.unwrap_or(current.first_name),
            last_name: self.last_name.unwrap_or(current.last_name),
            tax_code: self.tax_code.unwrap_or(current.tax_code),
            nickname: self.nickname.unwrap_or(current.nickname),
        }
    }
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

/// A note on a mailbox ("Inserisci nota").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub at: Timestamp,
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
