//! Use-cases shared by the JSON API, the web pages, the CLI and the workers. Each
//! validates its input into domain types, talks to the store and the provider,
//! and returns domain values or an [`AppError`](crate::error::AppError).
//! Handlers never reach the store: they call these.

pub mod accounts;
pub mod audit;
pub mod backup;
pub mod connection;
pub mod credentials;
pub mod forwarding;
pub mod instances;
pub mod message_retry;
pub mod messages;
pub mod platform;
pub mod profile;
pub mod provider_lost;
pub mod provisioning;
pub mod secret_key;
pub mod settings;
pub mod ssrf;
pub mod stats;
pub mod status;
pub mod throttle;
pub mod token_cache;
pub mod tokens;
pub mod upgrade;
pub mod user_deletion;
pub mod webhooks;
