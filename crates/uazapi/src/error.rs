//! What can go wrong when talking to the provider.

use std::time::Duration;

/// A failed provider call, classified so callers can decide what to tell the user
/// and whether to try again.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// 401/403: the token or admin token is missing, unknown or wrong.
    #[error("provider refused the credentials ({status})")]
    Unauthorized {
        /// The HTTP status (401 or 403).
        status: u16,
    },
    /// 404: the instance does not exist at the provider.
    #[error("not found at the provider")]
    NotFound,
    /// 429: too many requests, or the server's cap on connected instances.
    #[error("rate limited by the provider")]
    RateLimited {
        /// How long the provider asked us to wait, if it said.
        retry_after: Option<Duration>,
    },
    /// 5xx, or the connection failed: the provider is down or struggling.
    #[error("provider unavailable ({status:?}): {message}")]
    Unavailable {
        /// The HTTP status, when a response arrived.
        status: Option<u16>,
        /// The provider's or the transport's words.
        message: String,
    },
    /// No answer in time.
    #[error("provider timed out")]
    Timeout,
    /// 4xx other than the above: the provider refused what we sent.
    #[error("provider rejected the request ({status}): {message}")]
    Rejected {
        /// The HTTP status.
        status: u16,
        /// The provider's `error` text.
        message: String,
    },
    /// A 2xx whose body is not what the contract says.
    #[error("unexpected provider response: {0}")]
    UnexpectedResponse(String),
}

impl ProviderError {
    /// Whether the same call may succeed later (worth a retry).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. } | Self::Unavailable { .. } | Self::Timeout
        )
    }

    /// The provider's complaint from an error body `{"error": "..."}`, or the raw
    /// text, as one short line (it is stored on messages and logged).
    pub(crate) fn message_of(body: &str) -> String {
        let message = serde_json::from_str::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned));
        match message {
            Some(message) => crate::json::one_line(&message, crate::json::MAX_LINE_CHARS),
            None => crate::json::one_line(body, 200),
        }
    }

    /// Classifies a non-2xx answer.
    pub(crate) fn from_status(status: u16, retry_after: Option<Duration>, body: &str) -> Self {
        match status {
            401 | 403 => Self::Unauthorized { status },
            404 => Self::NotFound,
            429 => Self::RateLimited { retry_after },
            500..=599 => Self::Unavailable {
                status: Some(status),
                message: Self::message_of(body),
            },
            _ => Self::Rejected {
                status,
                message: Self::message_of(body),
            },
        }
    }
}
