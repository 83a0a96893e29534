//! Sending one request to uazapi: credentials, per-attempt timeouts (set on the
//! HTTP client), retries with jittered exponential backoff only for calls that are
//! safe to repeat, `429 Retry-After` honoured, and HTTP failures mapped to
//! [`ProviderError`].

use super::Client;
use crate::ProviderError;
use reqwest::header::RETRY_AFTER;
use reqwest::{Method, StatusCode};
use serde_json::Value;
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
pub(super) enum Auth<'a> {
    Admin,
    Instance(&'a str),
}

/// Whether repeating a call can do harm (a second instance, a second message).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Repeat {
    Safe,
    Unsafe,
}

impl Client {
    pub(super) async fn call(
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
