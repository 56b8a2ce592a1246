//! Pure rules and types shared by the server and the browser bundle: no I/O, no server or
//! browser dependency. Every validation rule of the platform lives here, once.

pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod contract;
pub mod csv_file;
pub mod customers;
pub mod dates;
pub mod dns;
pub mod documents;
pub mod domains;
pub mod fields;
pub mod forms;
pub mod ids;
pub mod lifecycle;
pub mod lists;
pub mod mail_platform;
pub mod mailbox;
pub mod mailbox_admin;
pub mod mailboxes;
pub mod offers;
pub mod orders;
pub mod organisations;
pub mod products;
pub mod renewal_notices;
pub mod renewals;
pub mod reports;
pub mod request;
pub mod search;
pub mod settings;
pub mod states;
pub mod tax_code;
pub mod wizard;

pub use fields::{FieldError, FieldWarning};
pub use ids::{DraftId, OrderNumber, UserId};
pub use request::{
    CustomerKind, MailboxField, MailboxInput, MailboxReport, OrderDraft, OrderErrors, RequestField, Rules,
    ValidMailbox, ValidOrder,
};
pub use states::{MailboxState, OrderState};
