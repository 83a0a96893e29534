//! zapfleet: a self-hosted platform to create, connect, watch and run many WhatsApp
//! instances. The binary (`main.rs`) is a thin command line over this library.
//!
//! - [`domain`]: types and rules, no I/O.
//! - [`store`]: all SQL, on SQLite or PostgreSQL through their native drivers.
//! - [`services`]: use-cases shared by the API, the pages, the CLI and the workers.
//! - [`api`]: the JSON API, its OpenAPI document and the operational endpoints.
//! - [`web`]: the pages.
//! - [`workers`]: background work, each with a step tests can call.
//! - [`startup`]: wiring and serving; [`routes`]: the table of every route.

pub mod api;
pub mod cli;
pub mod client_ip;
pub mod clock;
pub mod config;
pub mod cookies;
pub mod crypto;
pub mod domain;
pub mod error;
pub mod events;
pub mod http_headers;
pub mod i18n;
pub mod metrics;
pub mod routes;
pub mod sandbox_token;
pub mod services;
pub mod shutdown;
pub mod single_server;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod web;
pub mod workers;
