//! uazapi (uazapiGO v2): what its HTTP API sends and expects, a client for it, and
//! the [`Provider`] interface the platform talks to.
//!
//! The contract is summarised in `shared/uazapi/CONTRACT.md`. Responses and webhook
//! bodies are read leniently where the provider is loose (unknown fields, missing
//! optionals, `plataform`, strings where booleans are expected) and strictly where a
//! mistake would corrupt our state (connection states, tokens, event names).

mod client;
#[doc(hidden)]
pub mod contract;
mod error;
mod json;
mod provider;
pub mod webhook;
mod wire;

pub use client::{Client, RetryPolicy};
pub use error::ProviderError;
pub use json::{MAX_LINE_CHARS, one_line};
pub use provider::{BoxFuture, ConnectMethod, MediaKind, Provider, SendMedia, SendText};
pub use wire::{Created, Instance, MessageSent, Status, StatusReport, WebhookConfig, WireError};
