//! Faults a test or a person injects into the sandbox.

use super::ids::random_u64;
use serde::{Deserialize, Serialize};

/// Faults a test or a person can inject.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Delay before answering any uazapi call.
    pub latency_ms: u64,
    /// Share of uazapi calls (0 to 1) answered with `error_status` instead.
    pub error_rate: f64,
    /// The next this-many uazapi calls are answered with `error_status`
    /// (counted down), whatever `error_rate` says: a fault that heals by itself
    /// after a known number of calls, so tests need not wait for time to pass.
    pub fail_next: u32,
    /// The status of injected errors (default 500; 429 adds `Retry-After: 1`).
    pub error_status: Option<u16>,
    /// Share of uazapi calls (0 to 1) that are carried out but answered with
    /// `error_status` anyway, like a gateway failing after the backend succeeded.
    pub lost_response_rate: f64,
    /// Share of webhook deliveries (0 to 1) silently lost.
    pub webhook_loss: f64,
    /// Cap on connected + connecting instances; connect answers 429 beyond it.
    pub max_connected: Option<usize>,
    /// Delay before a sent message is acknowledged as delivered (read comes at twice that).
    pub ack_delay_ms: Option<u64>,
}

impl Faults {
    /// Whether this call should fail, by the configured rate.
    pub fn roll(rate: f64) -> bool {
        rate > 0.0 && (random_u64() % 1_000_000) as f64 / 1_000_000.0 < rate
    }
}
