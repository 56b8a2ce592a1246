//! Integration tests, in one binary: each test file linked on its own made a copy of the whole
//! application (leptos, axum, sqlx) per file, which multiplied build time and disk.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed assumption is a failed test

mod activation;
mod api;
mod api_readme;
mod caches;
mod cancellation;
mod cli;
mod common;
mod customers;
mod dns;
mod documents;
mod domains;
mod faults;
mod islands;
mod mail_platform;
mod offers;
mod pages;
mod products;
mod renewals;
mod reports;
mod routes;
mod security;

mod settings;
mod store;
mod web;
