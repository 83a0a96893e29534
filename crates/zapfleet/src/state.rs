//! What every request handler can reach.

use crate::metrics::Metrics;
use crate::services::platform::Platform;
use crate::store::Store;
use crate::web::WebConfig;
use std::sync::Arc;

/// Shared application state; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The database (also in `platform`; here for handlers that need only it).
    pub store: Store,
    /// Store, provider, secrets and events, for the use-cases.
    pub platform: Platform,
    /// Request counters and latencies for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// What the web pages need (cookies, sandbox, sign-in limits).
    pub web: Arc<WebConfig>,
}
