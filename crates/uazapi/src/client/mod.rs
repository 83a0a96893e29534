//! The uazapi HTTP client: the [`Client`] handle, how it is built, and its
//! [`Provider`] implementation. Sending a request lives in `transport`, the
//! per-endpoint shaping in `calls`.

mod calls;
mod transport;

pub use transport::RetryPolicy;

use crate::ProviderError;
use crate::provider::{BoxFuture, ConnectMethod, Provider, SendMedia, SendText};
use crate::wire::{Created, Instance, MessageSent, StatusReport, WebhookConfig};
use std::time::Duration;

/// A uazapi server.
#[derive(Clone)]
pub struct Client {
    base_url: String,
    admin_token: String,
    http: reqwest::Client,
    retry: RetryPolicy,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url)
            .field("admin_token", &"***")
            .finish()
    }
}

impl Client {
    /// A client for the server at `base_url`; `timeout` bounds each attempt.
    pub fn new(
        base_url: &str,
        admin_token: &str,
        timeout: Duration,
    ) -> Result<Self, ProviderError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .user_agent(concat!("zapfleet-uazapi/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ProviderError::Unavailable {
                status: None,
                message: e.to_string(),
            })?;
        Ok(Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            admin_token: admin_token.to_owned(),
            http,
            retry: RetryPolicy::default(),
        })
    }

    /// Replaces the retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The server's base URL.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }
}

impl Provider for Client {
    fn create_instance<'a>(
        &'a self,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Created, ProviderError>> {
        Box::pin(self.create(name))
    }

    fn list_instances(&self) -> BoxFuture<'_, Result<Vec<Instance>, ProviderError>> {
        Box::pin(self.all())
    }

    fn connect<'a>(
        &'a self,
        token: &'a str,
        method: ConnectMethod<'a>,
    ) -> BoxFuture<'a, Result<Instance, ProviderError>> {
        Box::pin(self.connect_instance(token, method))
    }

    fn status<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<StatusReport, ProviderError>> {
        Box::pin(self.status_of(token))
    }

    fn disconnect<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Instance, ProviderError>> {
        Box::pin(self.disconnect_instance(token))
    }

    fn delete<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(self.delete_instance(token))
    }

    fn rename<'a>(
        &'a self,
        token: &'a str,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Instance, ProviderError>> {
        Box::pin(self.rename_instance(token, name))
    }

    fn set_webhook<'a>(
        &'a self,
        token: &'a str,
        config: &'a WebhookConfig,
    ) -> BoxFuture<'a, Result<Vec<WebhookConfig>, ProviderError>> {
        Box::pin(self.post_webhook(token, config))
    }

    fn webhooks<'a>(
        &'a self,
        token: &'a str,
    ) -> BoxFuture<'a, Result<Vec<WebhookConfig>, ProviderError>> {
        Box::pin(self.get_webhooks(token))
    }

    fn send_text<'a>(
        &'a self,
        token: &'a str,
        message: SendText<'a>,
    ) -> BoxFuture<'a, Result<MessageSent, ProviderError>> {
        Box::pin(self.send("/send/text", token, calls::text_body(&message)))
    }

    fn find_sent<'a>(
        &'a self,
        token: &'a str,
        track_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<MessageSent>, ProviderError>> {
        Box::pin(self.find_by_track_id(token, track_id))
    }

    fn update_delay_settings<'a>(
        &'a self,
        token: &'a str,
        min_secs: u64,
        max_secs: u64,
    ) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(self.post_delay_settings(token, min_secs, max_secs))
    }

    fn send_media<'a>(
        &'a self,
        token: &'a str,
        message: SendMedia<'a>,
    ) -> BoxFuture<'a, Result<MessageSent, ProviderError>> {
        Box::pin(self.send("/send/media", token, calls::media_body(&message)))
    }
}
