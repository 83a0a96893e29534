//! What every request handler can reach.

use crate::metrics::Metrics;
use crate::store::Store;
use std::sync::Arc;

/// Shared application state; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Request counters and latencies for `/metrics`.
    pub metrics: Arc<Metrics>,
}
