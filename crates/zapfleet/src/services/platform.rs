//! What the use-cases that reach beyond the database need.

use crate::crypto::SecretBox;
use crate::events::EventHub;
use crate::store::Store;
use std::sync::Arc;
use std::time::Duration;
use uazapi::Provider;

/// Timings of the background work; tests shorten them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tuning {
    /// How often each worker looks for due work.
    pub worker_tick: Duration,
    /// Poll interval of connecting instances (QR rotation, fallback for lost webhooks).
    pub poll_connecting: Duration,
    /// Poll interval of connected instances.
    pub poll_connected: Duration,
    /// Poll interval of disconnected instances.
    pub poll_disconnected: Duration,
    /// Polls running at once.
    pub poll_concurrency: usize,
    /// First wait before retrying a forward webhook (doubles each time, capped at 5 min).
    pub forward_retry_base: Duration,
}

impl Default for Tuning {
    fn default() -> Self {
        Self {
            worker_tick: Duration::from_millis(500),
            poll_connecting: Duration::from_secs(3),
            poll_connected: Duration::from_secs(60),
            poll_disconnected: Duration::from_secs(300),
            poll_concurrency: 8,
            forward_retry_base: Duration::from_secs(1),
        }
    }
}

/// The store, the provider, the key for secrets and the event hub.
#[derive(Clone)]
pub struct Platform {
    /// The database.
    pub store: Store,
    /// The WhatsApp provider.
    pub provider: Arc<dyn Provider>,
    /// Seals provider tokens and webhook secrets.
    pub secrets: SecretBox,
    /// Live events.
    pub events: Arc<EventHub>,
    /// How the provider reaches us (`ZAPFLEET_PUBLIC_URL`), without a trailing slash.
    pub public_url: String,
    /// Timings.
    pub tuning: Tuning,
    /// Let forward webhooks reach internal addresses (`ZAPFLEET_ALLOW_PRIVATE_WEBHOOKS`).
    pub allow_private_webhooks: bool,
    /// The client that posts forward webhooks.
    pub http: reqwest::Client,
}

impl Platform {
    /// Where the provider posts this instance's events.
    pub fn webhook_url(&self, secret: &str) -> String {
        format!("{}/api/webhooks/uazapi/{secret}", self.public_url)
    }
}

/// A number in [0, 1) from the OS generator, for jitter.
pub fn jitter() -> f64 {
    let bytes = crate::crypto::random_bytes::<4>();
    f64::from(u32::from_le_bytes(bytes)) / (f64::from(u32::MAX) + 1.0)
}
