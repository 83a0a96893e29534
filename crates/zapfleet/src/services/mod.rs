//! Use-cases shared by the JSON API, the web pages, the CLI and the workers. Each
//! validates its input into domain types, talks to the store and returns domain
//! values or an [`AppError`](crate::error::AppError).

pub mod accounts;
pub mod connection;
pub mod forwarding;
pub mod instances;
pub mod messages;
pub mod platform;
pub mod provisioning;
pub mod ssrf;
pub mod webhooks;
