//! What the platform does, each operation once (server only). An operation takes the acting
//! operator (an API key acts as its operator) and typed input, and answers a typed outcome; it
//! never answers a URL or a page. The adapters — server functions of `pages/`, handlers of
//! `api/`, the command line — check access, call one operation and turn its outcome into an
//! address from `routes.rs`, a notice on the page or a problem+json. Tests call these too.
//!
//! Below them: the domain's rules (`pec_domain`) and the store's SQL (`pec_store`).

/// What saving a back-office form ended in: what was saved, or why nothing was.
#[derive(Debug)]
pub enum Saved<T, R> {
    Saved(T),
    Refused(crate::domain::forms::FormRefusal<R>),
}

/// Who acts: an operator (an API key acts as its operator), or the command line of an
/// installation, for an organisation named on it.
#[derive(Clone, Copy, Debug)]
pub enum Actor<'a> {
    Operator(&'a crate::domain::auth::Operator),
    CommandLine { organisation_id: i64, provider: bool },
}

pub mod activation;
pub mod api_keys;
pub mod catalogue;
pub mod contracts;
pub mod documents;
pub mod domains;
pub mod drafts;
pub mod mailbox_edit;
pub mod mailboxes;
pub mod names;
pub mod operators;
pub mod orders;
pub mod organisations;
pub mod profile;
pub mod renewals;
pub mod rules;
pub mod settings;
