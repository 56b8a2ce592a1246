//! Pages through the real HTTP application, on SQLite and PostgreSQL, one file per feature.

mod configuration;
mod csv;
mod domains;
mod expiries;
mod install;
