//! Security through the real HTTP application, on SQLite and PostgreSQL, one file per threat.

mod contracts;
mod hostile_input;
mod isolation;
mod responses;
mod sign_in;
