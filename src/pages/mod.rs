//! One file (or folder) per page, with the server functions that feed it.

pub mod activation;
pub mod api_keys;
pub mod audit;
pub mod configuration;
pub mod customers;
pub mod domains;
pub mod expiries;
pub mod home;
pub mod login;
pub mod mailbox;
pub mod offers;
#[cfg(feature = "ssr")]
pub mod order_contract;
pub mod order_detail;
#[cfg(feature = "ssr")]
pub mod order_documents;
pub mod organisations;
pub mod profile;
pub mod recent;
pub mod reports;
pub mod search;
pub mod settings;
pub mod wizard;
