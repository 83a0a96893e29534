#![allow(clippy::unwrap_used)]

//! API tests: each spawns the real application on port 0 against its own database
//! (a fresh SQLite file, or a fresh PostgreSQL schema) and talks to it over HTTP.
//! Stories written once run on both backends through `on_both_backends!`.

mod a11y;
mod helpers;

mod account_security;
mod accounts;
mod architecture;
mod audit;
mod authorization;
mod backup;
mod bench_smoke;
mod browser;
mod browser_a11y;
mod browser_account;
mod browser_cleanup;
mod browser_instance;
mod browser_list;
mod browser_messages;
mod browser_phone;
mod browser_selection;
mod browser_webhooks;
mod cli;
mod concurrency;
mod connection;
mod disk_full;
mod errors;
mod faults;
mod forwarding;
mod hardening;
mod instance_page;
mod instances;
mod isolation;
mod listing;
mod message_tools;
mod messages;
mod name_keys;
mod operations;
mod pages;
mod portuguese;
mod postgres_restart;
mod private_files;
mod profile;
mod properties;
mod provider_lost;
mod receipt_reconciliation;
mod receipts;
mod reliability;
mod reliability_history;
mod restart;
mod retention;
mod sandbox;
mod schema;
mod secret_key;
mod settings;
mod single_node;
mod upgrade;
mod user_deletion;
mod web;
mod web_security;
mod webdriver;
