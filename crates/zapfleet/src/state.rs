//! What every request handler can reach.

use crate::client_ip::TrustedProxies;
use crate::metrics::Metrics;
use crate::services::backup::jobs::Jobs;
use crate::services::platform::Platform;
use std::sync::Arc;

/// What the pages need to know about the server.
#[derive(Default)]
pub struct WebConfig {
    /// Mark cookies `Secure` (the public URL is https).
    pub secure_cookies: bool,
    /// The in-process sandbox's URL, shown in the banner.
    pub sandbox_url: Option<String>,
    /// Proxies whose `X-Forwarded-For` names the client (`ZAPFLEET_TRUSTED_PROXIES`).
    pub trusted_proxies: TrustedProxies,
    /// The code the first sign-up must type, when the server has one (see
    /// [`crate::config::Config::setup_token`]).
    pub setup_token: Option<String>,
}

/// Shared application state; cheap to clone. Handlers reach data only through
/// the services, which take the platform.
#[derive(Clone)]
pub struct AppState {
    /// Store, provider, secrets, events and clock, for the use-cases.
    pub platform: Platform,
    /// Request counters and latencies for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// What the web pages need (cookies, sandbox banner, client addresses, setup code).
    pub web: Arc<WebConfig>,
    /// Backups and restores started from the web.
    pub backup_jobs: Jobs,
}
