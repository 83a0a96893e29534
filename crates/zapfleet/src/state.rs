//! What every request handler can reach.

use crate::metrics::Metrics;
use crate::services::backup::jobs::Jobs;
use crate::services::platform::Platform;
use crate::web::RateLimiter;
use std::sync::Arc;

/// What the pages need to know about the server.
#[derive(Default)]
pub struct WebConfig {
    /// Mark cookies `Secure` (the public URL is https).
    pub secure_cookies: bool,
    /// The in-process sandbox's URL, shown in the banner.
    pub sandbox_url: Option<String>,
    /// Sign-in attempts per IP and per e-mail.
    pub sign_in_limiter: RateLimiter,
}

/// Shared application state; cheap to clone. Handlers reach data only through
/// the services, which take the platform.
#[derive(Clone)]
pub struct AppState {
    /// Store, provider, secrets, events and clock, for the use-cases.
    pub platform: Platform,
    /// Request counters and latencies for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// What the web pages need (cookies, sandbox banner, sign-in limits).
    pub web: Arc<WebConfig>,
    /// Backups and restores started from the web.
    pub backup_jobs: Jobs,
}
