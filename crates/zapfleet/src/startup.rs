//! Building and running the application: the one place that wires config, store,
//! router and listener together. Tests use it too, on port 0.

use crate::config::{Config, redact_url};
use crate::crypto::{SecretBox, load_or_create_key};
use crate::events::EventHub;
use crate::metrics::Metrics;
use crate::services::connection::reconcile;
use crate::services::platform::Platform;
use crate::state::AppState;
use crate::store::Store;
use crate::web::{RateLimiter, WebConfig};
use crate::workers;
use anyhow::Context;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use uazapi::Client;
use uazapi_sandbox::SandboxServer;

/// How long one provider call may take.
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(15);

/// A built application, bound to its port, not yet serving.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    sandbox: Option<SandboxServer>,
}

impl Application {
    /// Connects to the database, migrates it, loads the secret key, binds the
    /// listener and sets up the provider (the in-process sandbox without `UAZAPI_URL`).
    pub async fn build(config: &Config) -> anyhow::Result<Self> {
        let store = Store::connect(&config.database_url)
            .await
            .with_context(|| {
                format!("cannot open database {}", redact_url(&config.database_url))
            })?;
        store
            .migrate()
            .await
            .context("cannot migrate the database")?;
        let key = load_or_create_key(config.secret_key.as_deref(), &config.data_dir)?;
        let listener = TcpListener::bind(&config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        let addr = listener.local_addr()?;
        let (provider, sandbox) = match &config.uazapi_url {
            Some(url) => {
                let token = config.uazapi_admin_token.as_deref().unwrap_or_default();
                (Client::new(url, token, PROVIDER_TIMEOUT)?, None)
            }
            None => {
                // Its admin token is random: only this process talks to it as admin.
                let token = nanoid::nanoid!(32);
                let server = uazapi_sandbox::spawn(&config.sandbox_listen, &token)
                    .await
                    .with_context(|| {
                        format!("cannot start the sandbox on {}", config.sandbox_listen)
                    })?;
                (
                    Client::new(&server.url(), &token, PROVIDER_TIMEOUT)?,
                    Some(server),
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
        let platform = Platform {
            store: store.clone(),
            provider: Arc::new(provider),
            secrets: SecretBox::new(&key),
            events: Arc::new(EventHub::default()),
            public_url,
            tuning: config.tuning,
            allow_private_webhooks: config.allow_private_webhooks,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .context("cannot build the webhook client")?,
        };
        let web = WebConfig {
            secure_cookies: platform.public_url.starts_with("https://"),
            sandbox_url: sandbox.as_ref().map(SandboxServer::url),
            sandbox: sandbox.as_ref().map(|s| s.sandbox.clone()),
            sign_in_limiter: RateLimiter::default(),
        };
        let state = AppState {
            store,
            platform,
            metrics: Arc::new(Metrics::default()),
            web: Arc::new(web),
        };
        Ok(Self {
            listener,
            state,
            sandbox,
        })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// The shared state (tests reach the store through it).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The in-process sandbox's URL, when no real provider is configured.
    pub fn sandbox_url(&self) -> Option<String> {
        self.sandbox.as_ref().map(SandboxServer::url)
    }

    /// Serves until `shutdown` completes, then finishes in-flight requests and
    /// stops the workers. Reconciliation with the provider runs first, in the
    /// background, so the API answers at once.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let store = self.state.store.clone();
        let platform = self.state.platform.clone();
        let (stop, stopped) = watch::channel(false);
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
            workers::spawn_all(&platform, &stopped)
        });
        let app = crate::api::router(self.state);
        let served = axum::serve(
            self.listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
        .context("server failed");
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

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
