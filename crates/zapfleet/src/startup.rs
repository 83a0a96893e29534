//! Building and running the application: the one place that wires config, store,
//! router and listener together. Tests use it too, on port 0.

use crate::clock::Clock;
use crate::config::{Config, redact_url};
use crate::crypto::{SecretBox, load_or_create_key};
use crate::events::EventHub;
use crate::metrics::Metrics;
use crate::sandbox_token;
use crate::services::connection::reconcile;
use crate::services::platform::{Platform, PretendPhone};
use crate::services::{secret_key, upgrade};
use crate::state::{AppState, WebConfig};
use crate::store::Store;
use crate::workers;
use anyhow::Context;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use uazapi::{Client, Provider};
use uazapi_sandbox::{Sandbox, SandboxServer};

/// How long one provider call may take.
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(15);

/// A built application, bound to its port, not yet serving.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    /// The in-process sandbox and where its admin token comes from.
    sandbox: Option<(SandboxServer, sandbox_token::Source)>,
    /// Held while serving on SQLite, so a second server on the file refuses.
    single_server: Option<std::fs::File>,
}

impl Application {
    /// Connects to the database, migrates and upgrades it, loads the secret
    /// key, binds the listener and sets up the provider (the in-process sandbox
    /// without `UAZAPI_URL`).
    pub async fn build(config: &Config) -> anyhow::Result<Self> {
        Self::build_with_clock(config, Clock::System).await
    }

    /// [`Application::build`] on a given clock (tests move a manual one).
    pub async fn build_with_clock(config: &Config, clock: Clock) -> anyhow::Result<Self> {
        let single_server = crate::single_server::claim_sqlite(&config.database_url)?;
        let store = open_store(config).await?;
        let listener = TcpListener::bind(&config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        let addr = listener.local_addr()?;
        let (provider, sandbox): (Arc<dyn Provider>, _) = match &config.uazapi_url {
            Some(url) => {
                let token = config.uazapi_admin_token.as_deref().unwrap_or_default();
                (Arc::new(Client::new(url, token, PROVIDER_TIMEOUT)?), None)
            }
            None => {
                let token = sandbox_token::load_or_create(
                    config.sandbox_token.as_deref(),
                    &config.data_dir,
                )?;
                let server = uazapi_sandbox::spawn(&config.sandbox_listen, &token.secret)
                    .await
                    .with_context(|| {
                        format!("cannot start the sandbox on {}", config.sandbox_listen)
                    })?;
                (
                    Arc::new(Client::new(&server.url(), &token.secret, PROVIDER_TIMEOUT)?),
                    Some((server, token.source)),
                )
            }
        };
        let public_url = config.public_url.clone().unwrap_or_else(|| {
            let host = if addr.ip().is_unspecified() {
                std::net::IpAddr::from([127, 0, 0, 1])
            } else {
                addr.ip()
            };
            format!("http://{}", SocketAddr::new(host, addr.port()))
        });
        let mut platform = platform(config, store, provider)?;
        platform.clock = clock;
        secret_key::verify(&platform).await?;
        upgrade::seal_plain_secrets(&platform)
            .await
            .context("cannot finish upgrading the database")?;
        upgrade::refresh_name_keys(&platform)
            .await
            .context("cannot recompute instance name keys")?;
        upgrade::refresh_search_keys(&platform)
            .await
            .context("cannot compute instance search keys")?;
        platform.public_url = public_url;
        platform.phone = sandbox
            .as_ref()
            .map(|(s, _)| Arc::new(s.sandbox.clone()) as Arc<dyn PretendPhone>);
        let web = WebConfig {
            secure_cookies: platform.public_url.starts_with("https://"),
            sandbox_url: sandbox.as_ref().map(|(s, _)| s.url()),
            trusted_proxies: config.trusted_proxies.clone(),
            setup_token: setup_token(config, &platform, addr).await?,
        };
        let state = AppState {
            platform,
            metrics: Arc::new(Metrics::default()),
            web: Arc::new(web),
            backup_jobs: crate::services::backup::jobs::Jobs::default(),
        };
        Ok(Self {
            listener,
            state,
            sandbox,
            single_server,
        })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// The shared state (tests reach the platform through it).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The in-process sandbox's URL, when no real provider is configured.
    pub fn sandbox_url(&self) -> Option<String> {
        self.sandbox.as_ref().map(|(s, _)| s.url())
    }

    /// Where the in-process sandbox's admin token comes from, to tell the operator.
    pub fn sandbox_token_source(&self) -> Option<&sandbox_token::Source> {
        self.sandbox.as_ref().map(|(_, source)| source)
    }

    /// Serves until `shutdown` completes, then finishes in-flight requests and
    /// stops the workers. Reconciliation with the provider runs first, in the
    /// background, so the API answers at once.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        // Released when serving ends.
        let _single_server = self.single_server;
        let platform = self.state.platform.clone();
        let store = platform.store.clone();
        let events = platform.events.clone();
        let (stop, stopped) = watch::channel(false);
        let stop = Arc::new(stop);
        let boot = tokio::spawn(async move {
            match platform.store.end_send_leases().await {
                Ok(0) => {}
                Ok(count) => tracing::warn!(
                    count,
                    "sends interrupted by the last stop are checked at the provider"
                ),
                Err(error) => tracing::warn!(%error, "cannot look for interrupted sends"),
            }
            match reconcile(&platform).await {
                Ok(count) => tracing::info!(count, "reconciled with the provider"),
                Err(error) => tracing::warn!(%error, "reconciliation failed; polls will converge"),
            }
            if platform.tuning.background_workers {
                workers::spawn_all(&platform, &stopped)
            } else {
                Vec::new()
            }
        });
        let app = crate::routes::router(self.state);
        // When the signal comes: end the live streams (they never end by
        // themselves), then let in-flight requests finish, for a bounded time.
        let mut stopping = stop.subscribe();
        let stop_workers = stop.clone();
        let shutdown = async move {
            shutdown.await;
            events.close();
            let _ = stop_workers.send(true);
        };
        let serving = axum::serve(
            self.listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown);
        let served = tokio::select! {
            served = serving => served.context("server failed"),
            () = async {
                let _ = stopping.wait_for(|s| *s).await;
                tokio::time::sleep(SHUTDOWN_GRACE).await;
            } => {
                tracing::warn!(
                    seconds = SHUTDOWN_GRACE.as_secs(),
                    "requests still in flight after the grace period; stopping anyway"
                );
                Ok(())
            }
        };
        let _ = stop.send(true);
        if let Ok(handles) = boot.await {
            for handle in handles {
                let _ = handle.await;
            }
        }
        drop(self.sandbox);
        store.close().await;
        served
    }
}

/// The code the first sign-up must type: the configured one, or — while the
/// server has no account and listens beyond loopback, where a stranger could
/// sign up first — a new one, logged for the operator.
async fn setup_token(
    config: &Config,
    platform: &Platform,
    addr: SocketAddr,
) -> anyhow::Result<Option<String>> {
    if platform.store.has_users().await? {
        return Ok(config.setup_token.clone());
    }
    let token = match &config.setup_token {
        Some(token) => token.clone(),
        None if addr.ip().is_loopback() => return Ok(None),
        None => nanoid::nanoid!(24),
    };
    tracing::warn!(
        setup_code = %token,
        "no account yet: the first sign-up at /signup must type this setup code"
    );
    Ok(Some(token))
}

/// How long requests in flight may take to finish once the server is told to
/// stop (live event streams end at once).
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Opens the database and applies the migrations. (The upgrade step that needs
/// the key runs once a platform exists: see `services::upgrade`.)
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    let store = Store::connect(&config.database_url)
        .await
        .with_context(|| format!("cannot open database {}", redact_url(&config.database_url)))?;
    store
        .migrate()
        .await
        .context("cannot migrate the database")?;
    Ok(store)
}

/// The use-cases' context for a configuration, over an open (migrated) store;
/// loads (or creates) the secret key.
pub fn platform(
    config: &Config,
    store: Store,
    provider: Arc<dyn Provider>,
) -> anyhow::Result<Platform> {
    let key = load_or_create_key(config.secret_key.as_deref(), &config.data_dir)?;
    Ok(Platform {
        store,
        provider,
        secrets: SecretBox::new(&key),
        events: Arc::new(EventHub::default()),
        public_url: config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", config.listen)),
        tuning: config.tuning,
        allow_private_webhooks: config.allow_private_webhooks,
        http: crate::services::ssrf::webhook_client(config.allow_private_webhooks)
            .context("cannot build the webhook client")?,
        clock: Clock::System,
        retention: config.retention,
        phone: None,
        backups: config.backups.clone(),
        tokens: Arc::default(),
    })
}

/// The platform for commands that do not serve (`user`, `token`, `migrate`):
/// the configured provider (`UAZAPI_URL`, else where `serve` runs the sandbox).
pub async fn command_platform(config: &Config) -> anyhow::Result<Platform> {
    let platform = unchecked_command_platform(config).await?;
    secret_key::verify(&platform).await?;
    upgrade::seal_plain_secrets(&platform)
        .await
        .context("cannot finish upgrading the database")?;
    upgrade::refresh_name_keys(&platform)
        .await
        .context("cannot recompute instance name keys")?;
    upgrade::refresh_search_keys(&platform)
        .await
        .context("cannot compute instance search keys")?;
    Ok(platform)
}

/// [`command_platform`] before the key is checked against the database: for
/// `rekey`, whose configured key is the new one.
pub async fn unchecked_command_platform(config: &Config) -> anyhow::Result<Platform> {
    let store = open_store(config).await?;
    let provider: Arc<dyn Provider> = match &config.uazapi_url {
        Some(url) => {
            let token = config.uazapi_admin_token.as_deref().unwrap_or_default();
            Arc::new(Client::new(url, token, PROVIDER_TIMEOUT)?)
        }
        None => {
            let token = sandbox_token::existing(config.sandbox_token.as_deref(), &config.data_dir)?;
            Arc::new(Client::new(
                &format!("http://{}", config.sandbox_listen),
                token.as_deref().unwrap_or_default(),
                PROVIDER_TIMEOUT,
            )?)
        }
    };
    platform(config, store, provider)
}

/// The built-in sandbox plays the phone behind the pages' "Simular leitura".
impl PretendPhone for Sandbox {
    fn scan(&self, qrcode: &str, phone: &str) -> bool {
        matches!(self.scan_qr(qrcode, Some(phone)), Ok(Some(_)))
    }

    fn pair(&self, paircode: &str, phone: &str) -> bool {
        self.pair_code(paircode, phone).is_some()
    }
}
