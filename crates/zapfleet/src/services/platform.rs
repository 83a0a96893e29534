//! What the use-cases need: the store, the provider, the key for secrets, the
//! event hub, the clock, and the server's settings.

use crate::clock::Clock;
use crate::crypto::SecretBox;
use crate::domain::Timestamp;
use crate::events::EventHub;
use crate::store::{Retention, Store};
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
    /// How often the retention worker purges.
    pub retention_every: Duration,
    /// Run the background workers (tests that step them by hand turn this off).
    pub background_workers: bool,
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
            retention_every: Duration::from_secs(3600),
            background_workers: true,
        }
    }
}

/// A pretend phone that scans QR codes and types pairing codes: the built-in
/// sandbox's, behind the pages' "Simular leitura".
pub trait PretendPhone: Send + Sync {
    /// Scans the QR code shown to the user (its data URI); `false` if no login
    /// waits for it.
    fn scan(&self, qrcode: &str, phone: &str) -> bool;
    /// Types a pairing code on the phone; `false` if no login waits for it.
    fn pair(&self, paircode: &str, phone: &str) -> bool;
}

/// Everything the use-cases reach beyond their arguments; cheap to clone.
#[derive(Clone)]
pub struct Platform {
    /// The database (services and workers only: handlers go through services).
    pub(crate) store: Store,
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
    /// The client that posts forward webhooks: it connects only to addresses
    /// its resolver checked (see [`super::ssrf::webhook_client`]).
    pub http: reqwest::Client,
    /// The time source.
    pub clock: Clock,
    /// How long finished records are kept.
    pub retention: Retention,
    /// The built-in sandbox's phone, when running without a real provider.
    pub phone: Option<Arc<dyn PretendPhone>>,
    /// Backups `serve` takes by itself, when configured.
    pub backups: Option<super::backup::Schedule>,
    /// API tokens checked in the last seconds (see [`super::tokens::authenticate`]).
    pub tokens: Arc<super::token_cache::TokenCache>,
}

impl Platform {
    /// The database, for the command line, the workers and tests. Handlers
    /// never use it: they call the services (a test checks).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The current time.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Where the provider posts this instance's events.
    pub fn webhook_url(&self, secret: &str) -> String {
        format!("{}/api/webhooks/uazapi/{secret}", self.public_url)
    }

    /// Whether the database answers and can write (a full disk answers
    /// reads but not writes), and if not, why.
    pub async fn database_readiness(&self) -> Result<(), crate::store::StoreError> {
        self.store.ping().await?;
        self.store.write_probe(self.now()).await
    }
}

/// A number in [0, 1) from the OS generator, for jitter.
pub fn jitter() -> f64 {
    let bytes = crate::crypto::random_bytes::<4>();
    f64::from(u32::from_le_bytes(bytes)) / (f64::from(u32::MAX) + 1.0)
}
