//! A uazapi-compatible server for tests and demos: the same paths, headers, bodies,
//! status codes, state machine, QR rotation and timeouts, webhook posts in the real
//! flat envelope, plus controls under `/sandbox/` to play the phone (scan a QR, type
//! a pairing code, drop the connection, receive a message) and inject faults.
//! The controls need the admin token in the `admintoken` header, like uazapi's
//! admin routes; only loopback hosts and the listen host are answered. It is for
//! trying and testing: never expose it.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let server = uazapi_sandbox::spawn("127.0.0.1:0", "admin-secret").await?;
//! println!("uazapi at {}", server.url());
//! # Ok(()) }
//! ```

mod api;
pub mod clock;
mod controls;
mod guard;
mod page;
pub mod qr;
mod webhooks;
pub mod world;

use clock::{Clock, OffsetClock};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use world::{Faults, Notice, World};

/// How often time-driven changes (QR rotation, timeouts, receipts) are applied.
const TICK: Duration = Duration::from_millis(100);

/// A handle on the sandbox's state; cheap to clone.
#[derive(Clone)]
pub struct Sandbox {
    world: Arc<Mutex<World>>,
    clock: Arc<dyn Clock>,
    admin_token: Arc<str>,
    base_url: Arc<OnceLock<String>>,
    listen_host: Arc<OnceLock<String>>,
    http: reqwest::Client,
}

impl Sandbox {
    /// A sandbox with no instances, on the given clock.
    pub fn new(admin_token: &str, clock: Arc<dyn Clock>) -> Self {
        Self {
            world: Arc::new(Mutex::new(World::default())),
            clock,
            admin_token: admin_token.into(),
            base_url: Arc::new(OnceLock::new()),
            listen_host: Arc::new(OnceLock::new()),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap_or_default(),
        }
    }

    /// The routes: uazapi's at the root, the controls (admin token required)
    /// and their page under `/sandbox/`; only for requests that name a
    /// loopback host or the listen host, with zapfleet's security headers.
    pub fn router(&self) -> axum::Router {
        use axum::middleware::{from_fn, from_fn_with_state};
        api::router(self.clone())
            .merge(controls::router(self.clone()))
            .merge(page::router())
            .layer(from_fn_with_state(self.clone(), guard::host_and_origin))
            .layer(from_fn(guard::security_headers))
    }

    /// The host this sandbox was told to listen on, which requests may name
    /// besides loopback ones (`None`: loopback names only).
    pub fn listen_host(&self) -> Option<&str> {
        self.listen_host.get().map(String::as_str)
    }

    /// Runs a closure on the state under its lock.
    pub fn with_world<T>(&self, f: impl FnOnce(&mut World) -> T) -> T {
        let mut world = self
            .world
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut world)
    }

    /// The current time on the sandbox's clock.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The admin token.
    pub fn admin_token(&self) -> &str {
        &self.admin_token
    }

    /// The injected faults.
    pub fn faults(&self) -> Faults {
        self.with_world(|w| w.faults.clone())
    }

    /// Posts webhook events in the background.
    pub fn post(&self, notices: Vec<Notice>) {
        if notices.is_empty() {
            return;
        }
        let loss = self.faults().webhook_loss;
        let base = self.base_url.get().cloned().unwrap_or_default();
        webhooks::deliver(&self.http, &base, notices, loss);
    }

    /// The phone scans a QR code: the data URI the user was shown (its image is
    /// decoded, as a camera would) or the QR's text. Returns the instance it
    /// connected, or `None` if no login waits for this QR (wrong, expired or
    /// never shown).
    pub fn scan_qr(
        &self,
        qrcode: &str,
        phone: Option<&str>,
    ) -> Result<Option<serde_json::Value>, qr::QrError> {
        let text = if qrcode.trim_start().starts_with("data:") {
            qr::from_data_uri(qrcode)?
        } else {
            qrcode.to_owned()
        };
        let now = self.now_ms();
        Ok(self
            .with_world(|w| w.scan(&text, phone, now))
            .map(|(instance, notices)| {
                self.post(notices);
                instance
            }))
    }

    /// The phone types a pairing code. Returns the instance it connected, or
    /// `None` if no login from this phone waits for this code.
    pub fn pair_code(&self, code: &str, phone: &str) -> Option<serde_json::Value> {
        let now = self.now_ms();
        self.with_world(|w| w.pair(code, phone, now))
            .map(|(instance, notices)| {
                self.post(notices);
                instance
            })
    }

    /// Moves the clock ahead (if it can be moved) and applies what that makes happen.
    pub fn advance(&self, by: Duration) -> bool {
        let moved = self.clock.advance(by);
        self.tick();
        moved
    }

    /// Applies what the clock says has happened (tests call it after moving a
    /// manual clock; a running server calls it every 100 ms).
    pub fn tick(&self) {
        let now = self.now_ms();
        let notices = self.with_world(|w| w.tick(now));
        self.post(notices);
    }
}

/// A running sandbox server.
pub struct SandboxServer {
    /// The sandbox behind it.
    pub sandbox: Sandbox,
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl SandboxServer {
    /// Its base URL, e.g. `http://127.0.0.1:8081`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Waits until the server stops (it runs until the process ends or it is aborted).
    pub async fn wait(mut self) {
        let _ = (&mut self.task).await;
    }
}

impl Drop for SandboxServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts a sandbox on the real clock, which `POST /sandbox/clock/advance` can
/// move ahead.
pub async fn spawn(listen: &str, admin_token: &str) -> std::io::Result<SandboxServer> {
    spawn_with_clock(listen, admin_token, Arc::new(OffsetClock::default())).await
}

/// Starts a sandbox on the given clock, ticking it every 100 ms.
pub async fn spawn_with_clock(
    listen: &str,
    admin_token: &str,
    clock: Arc<dyn Clock>,
) -> std::io::Result<SandboxServer> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let sandbox = Sandbox::new(admin_token, clock);
    let _ = sandbox.base_url.set(format!("http://{addr}"));
    if let Some(host) = guard::listen_host(listen) {
        let _ = sandbox.listen_host.set(host);
    }
    let router = sandbox.router();
    let ticker = sandbox.clone();
    let task = tokio::spawn(async move {
        let ticking = async move {
            let mut interval = tokio::time::interval(TICK);
            loop {
                interval.tick().await;
                ticker.tick();
            }
        };
        tokio::select! {
            result = axum::serve(listener, router) => {
                if let Err(error) = result {
                    tracing::error!(%error, "sandbox server failed");
                }
            }
            () = ticking => {}
        }
    });
    tracing::info!(%addr, "uazapi sandbox listening");
    Ok(SandboxServer {
        sandbox,
        addr,
        task,
    })
}
