//! The uazapi HTTP client: paths, headers and bodies exactly as the contract says,
//! timeouts on every call, retries with backoff and jitter only for calls that are
//! safe to repeat, and `429 Retry-After` honoured.

use crate::ProviderError;
use crate::provider::{BoxFuture, ConnectMethod, Provider, SendMedia, SendText};
use crate::wire::{
    Created, Instance, MessageSent, StatusReport, WebhookConfig, WireError, instance_in,
};
use reqwest::header::RETRY_AFTER;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

/// When and how often to try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all, the first included (1 = never retry).
    pub max_attempts: u32,
    /// Delay before the first retry; doubles each time, with jitter.
    pub base_delay: Duration,
    /// Upper bound of one delay.
    pub max_delay: Duration,
    /// A `Retry-After` longer than this is not waited for: the call fails with
    /// `RateLimited` at once, so the caller can schedule it.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(3),
            max_retry_after: Duration::from_secs(10),
        }
    }
}

/// Which credential a call uses.
#[derive(Clone, Copy)]
enum Auth<'a> {
    Admin,
    Instance(&'a str),
}

/// Whether repeating a call can do harm (a second instance, a second message).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Repeat {
    Safe,
    Unsafe,
}

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

    async fn call(
        &self,
        method: Method,
        path: &str,
        auth: Auth<'_>,
        body: Option<&Value>,
        repeat: Repeat,
    ) -> Result<Value, ProviderError> {
        let mut attempt = 1;
        loop {
            let error = match self.attempt(method.clone(), path, auth, body).await {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            let retryable =
                repeat == Repeat::Safe && error.is_transient() && attempt < self.retry.max_attempts;
            let delay = match &error {
                ProviderError::RateLimited {
                    retry_after: Some(wait),
                } if *wait > self.retry.max_retry_after => None,
                ProviderError::RateLimited {
                    retry_after: Some(wait),
                } => Some(*wait),
                _ => Some(self.backoff(attempt)),
            };
            match delay {
                Some(delay) if retryable => {
                    tracing::debug!(%path, attempt, ?delay, %error, "retrying provider call");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                _ => return Err(error),
            }
        }
    }

    /// Exponential backoff with full jitter: uniform in [base·2ⁿ⁻¹ / 2, base·2ⁿ⁻¹], capped.
    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .retry
            .base_delay
            .saturating_mul(1 << attempt.saturating_sub(1).min(16));
        let ceiling = exp.min(self.retry.max_delay);
        let random = RandomState::new().build_hasher().finish();
        let fraction = 0.5 + (random % 1000) as f64 / 2000.0;
        ceiling.mul_f64(fraction)
    }

    async fn attempt(
        &self,
        method: Method,
        path: &str,
        auth: Auth<'_>,
        body: Option<&Value>,
    ) -> Result<Value, ProviderError> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base_url));
        request = match auth {
            Auth::Admin => request.header("admintoken", &self.admin_token),
            Auth::Instance(token) => request.header("token", token),
        };
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(transport_error)?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let text = response.text().await.map_err(transport_error)?;
        if !status.is_success() {
            return Err(ProviderError::from_status(
                status.as_u16(),
                retry_after,
                &text,
            ));
        }
        serde_json::from_str(&text)
            .map_err(|e| ProviderError::UnexpectedResponse(format!("{path}: {e}")))
    }

    fn unexpected(path: &str) -> impl FnOnce(WireError) -> ProviderError + '_ {
        move |e| ProviderError::UnexpectedResponse(format!("{path}: {e}"))
    }

    async fn create(&self, name: &str) -> Result<Created, ProviderError> {
        let body = json!({"name": name, "systemName": "zapfleet"});
        // Older servers only know /instance/init. A create is never retried: a
        // second call could make a second instance.
        let value = match self
            .call(
                Method::POST,
                "/instance/create",
                Auth::Admin,
                Some(&body),
                Repeat::Unsafe,
            )
            .await
        {
            Err(ProviderError::NotFound | ProviderError::Rejected { status: 405, .. }) => {
                self.call(
                    Method::POST,
                    "/instance/init",
                    Auth::Admin,
                    Some(&body),
                    Repeat::Unsafe,
                )
                .await?
            }
            other => other?,
        };
        Created::from_value(&value).map_err(Self::unexpected("/instance/create"))
    }

    async fn all(&self) -> Result<Vec<Instance>, ProviderError> {
        let value = self
            .call(
                Method::GET,
                "/instance/all",
                Auth::Admin,
                None,
                Repeat::Safe,
            )
            .await?;
        let items = value.as_array().ok_or_else(|| {
            ProviderError::UnexpectedResponse("/instance/all: not an array".into())
        })?;
        items
            .iter()
            .map(|v| Instance::from_value(v).map_err(Self::unexpected("/instance/all")))
            .collect()
    }

    async fn connect_instance(
        &self,
        token: &str,
        method: ConnectMethod<'_>,
    ) -> Result<Instance, ProviderError> {
        let body = match method {
            ConnectMethod::Qr => json!({}),
            ConnectMethod::Code { phone } => json!({"phone": phone}),
        };
        // Asking again only refreshes the QR or code, so a retry is harmless.
        let value = self
            .call(
                Method::POST,
                "/instance/connect",
                Auth::Instance(token),
                Some(&body),
                Repeat::Safe,
            )
            .await?;
        instance_in(&value).map_err(Self::unexpected("/instance/connect"))
    }

    async fn status_of(&self, token: &str) -> Result<StatusReport, ProviderError> {
        let value = self
            .call(
                Method::GET,
                "/instance/status",
                Auth::Instance(token),
                None,
                Repeat::Safe,
            )
            .await?;
        StatusReport::from_value(&value).map_err(Self::unexpected("/instance/status"))
    }

    async fn disconnect_instance(&self, token: &str) -> Result<Instance, ProviderError> {
        let value = self
            .call(
                Method::POST,
                "/instance/disconnect",
                Auth::Instance(token),
                None,
                Repeat::Safe,
            )
            .await?;
        instance_in(&value).map_err(Self::unexpected("/instance/disconnect"))
    }

    async fn delete_instance(&self, token: &str) -> Result<(), ProviderError> {
        match self
            .call(
                Method::DELETE,
                "/instance",
                Auth::Instance(token),
                None,
                Repeat::Safe,
            )
            .await
        {
            // Gone already (a retried delete, or deleted elsewhere): the goal is met.
            Ok(_) | Err(ProviderError::NotFound) => Ok(()),
            // A deleted instance's token is unknown: 401 after a retried delete.
            Err(error) => Err(error),
        }
    }

    async fn rename_instance(&self, token: &str, name: &str) -> Result<Instance, ProviderError> {
        let body = json!({"name": name});
        let value = self
            .call(
                Method::POST,
                "/instance/updateInstanceName",
                Auth::Instance(token),
                Some(&body),
                Repeat::Safe,
            )
            .await?;
        // The contract answers the Instance object itself; accept it wrapped too.
        Instance::from_value(&value)
            .or_else(|_| instance_in(&value))
            .map_err(Self::unexpected("/instance/updateInstanceName"))
    }

    fn webhook_list(value: Value) -> Result<Vec<WebhookConfig>, ProviderError> {
        let items = match value {
            Value::Array(items) => items,
            single @ Value::Object(_) => vec![single],
            _ => {
                return Err(ProviderError::UnexpectedResponse(
                    "/webhook: not an array".into(),
                ));
            }
        };
        Ok(items
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect())
    }

    async fn send(
        &self,
        path: &str,
        token: &str,
        body: Value,
    ) -> Result<MessageSent, ProviderError> {
        // Never retried here: a repeat could deliver the message twice. The outbox
        // decides, with its own idempotency.
        let value = self
            .call(
                Method::POST,
                path,
                Auth::Instance(token),
                Some(&body),
                Repeat::Unsafe,
            )
            .await?;
        MessageSent::from_value(&value).map_err(Self::unexpected(path))
    }
}

fn transport_error(error: reqwest::Error) -> ProviderError {
    if error.is_timeout() {
        ProviderError::Timeout
    } else {
        let status = error.status().map(|s: StatusCode| s.as_u16());
        ProviderError::Unavailable {
            status,
            message: error.to_string(),
        }
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
        Box::pin(async move {
            let body = serde_json::to_value(config)
                .map_err(|e| ProviderError::UnexpectedResponse(e.to_string()))?;
            let value = self
                .call(
                    Method::POST,
                    "/webhook",
                    Auth::Instance(token),
                    Some(&body),
                    Repeat::Safe,
                )
                .await?;
            Self::webhook_list(value)
        })
    }

    fn webhooks<'a>(
        &'a self,
        token: &'a str,
    ) -> BoxFuture<'a, Result<Vec<WebhookConfig>, ProviderError>> {
        Box::pin(async move {
            let value = self
                .call(
                    Method::GET,
                    "/webhook",
                    Auth::Instance(token),
                    None,
                    Repeat::Safe,
                )
                .await?;
            Self::webhook_list(value)
        })
    }

    fn send_text<'a>(
        &'a self,
        token: &'a str,
        message: SendText<'a>,
    ) -> BoxFuture<'a, Result<MessageSent, ProviderError>> {
        let body = json!({"number": message.number, "text": message.text, "track_source": "zapfleet", "track_id": message.track_id});
        Box::pin(self.send("/send/text", token, body))
    }

    fn find_sent<'a>(
        &'a self,
        token: &'a str,
        track_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<MessageSent>, ProviderError>> {
        Box::pin(async move {
            let body = json!({"track_source": "zapfleet", "track_id": track_id, "limit": 1});
            let value = self
                .call(
                    Method::POST,
                    "/message/find",
                    Auth::Instance(token),
                    Some(&body),
                    Repeat::Safe,
                )
                .await?;
            let messages = value
                .get("messages")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            Ok(messages
                .iter()
                .find(|m| m.get("track_id").and_then(Value::as_str) == Some(track_id))
                .and_then(|m| MessageSent::from_value(m).ok()))
        })
    }

    fn update_delay_settings<'a>(
        &'a self,
        token: &'a str,
        min_secs: u64,
        max_secs: u64,
    ) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(async move {
            let body = json!({"msg_delay_min": min_secs, "msg_delay_max": max_secs});
            self.call(
                Method::POST,
                "/instance/updateDelaySettings",
                Auth::Instance(token),
                Some(&body),
                Repeat::Safe,
            )
            .await?;
            Ok(())
        })
    }

    fn send_media<'a>(
        &'a self,
        token: &'a str,
        message: SendMedia<'a>,
    ) -> BoxFuture<'a, Result<MessageSent, ProviderError>> {
        let mut body = json!({"number": message.number, "type": message.kind.as_str(), "file": message.file,
            "track_source": "zapfleet", "track_id": message.track_id});
        if !message.caption.is_empty() {
            body["text"] = json!(message.caption);
        }
        if !message.doc_name.is_empty() {
            body["docName"] = json!(message.doc_name);
        }
        Box::pin(self.send("/send/media", token, body))
    }
}
