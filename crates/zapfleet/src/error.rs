//! The application's one error type. Each variant's doc comment names the HTTP
//! status it becomes; the JSON renderer below is the only place that decides.

use crate::domain::{EmailError, InstanceNameError, PasswordError, PhoneError, TokenNameError};
use crate::i18n::{Msg, current_locale};
use crate::store::{StoreError, Unique};
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use uazapi::ProviderError;

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 422: a field's value breaks a rule.
    #[error("invalid {field}: {message:?}")]
    Invalid {
        /// The offending field, as named in the request.
        field: &'static str,
        /// What is wrong, for people.
        message: Msg,
    },
    /// 400: the request cannot be read (malformed JSON, wrong types, unknown
    /// fields, bad query string).
    #[error("bad request: {message:?} {detail:?}")]
    BadRequest {
        /// The kind of problem.
        message: Msg,
        /// The parser's own words (English), to pinpoint the problem.
        detail: Option<String>,
        /// The field, when known.
        field: Option<String>,
    },
    /// 401: no credentials, or credentials that match nothing.
    #[error("unauthenticated")]
    Unauthenticated,
    /// 403: authenticated, but not allowed.
    #[error("forbidden")]
    Forbidden,
    /// 403: a form or htmx request from a page whose CSRF token is from an
    /// older session (a stale tab); reloading the page fixes it.
    #[error("stale form")]
    StaleForm,
    /// 404: no such thing, or it belongs to someone else.
    #[error("not found")]
    NotFound,
    /// 405: the path exists, the method does not.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 409: the change conflicts with existing data.
    #[error("conflict on {field}")]
    Conflict {
        /// The field whose value is taken.
        field: &'static str,
        /// What is wrong, for people.
        message: Msg,
    },
    /// 429: too many attempts from this client; try again later.
    #[error("too many requests")]
    TooManyRequests,
    /// 413: body over the limit.
    #[error("payload too large")]
    PayloadTooLarge,
    /// 415: the body is not JSON.
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// 503 when the provider is down or rate-limits us (with `Retry-After`), 504
    /// when it does not answer in time, 502 when it refuses or answers nonsense.
    #[error("provider: {0}")]
    Provider(#[from] uazapi::ProviderError),
    /// 503: the database's disk is full; nothing was written (retry once
    /// there is space).
    #[error("storage full: {0}")]
    StorageFull(StoreError),
    /// 503: the database cannot be reached right now.
    #[error("database unavailable: {0}")]
    Unavailable(StoreError),
    /// 500: a bug or an unexpected failure; details are logged, never sent.
    #[error("internal error: {0:#}")]
    Internal(anyhow::Error),
}

impl AppError {
    /// A 422 for one field.
    pub fn invalid(field: &'static str, message: impl Into<Msg>) -> Self {
        Self::Invalid {
            field,
            message: message.into(),
        }
    }

    /// The HTTP status and the stable machine-readable code.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::Invalid { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            Self::BadRequest { .. } => (StatusCode::BAD_REQUEST, "bad_request"),
            Self::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            Self::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
            Self::StaleForm => (StatusCode::FORBIDDEN, "stale_form"),
            Self::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            Self::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            Self::Conflict {
                message: Msg::ProviderLostRefused,
                ..
            } => (StatusCode::CONFLICT, "provider_lost"),
            Self::Conflict { .. } => (StatusCode::CONFLICT, "conflict"),
            Self::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            Self::TooManyRequests => (StatusCode::TOO_MANY_REQUESTS, "too_many_requests"),
            Self::UnsupportedMediaType => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            Self::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "database_unavailable"),
            Self::StorageFull(_) => (StatusCode::SERVICE_UNAVAILABLE, "storage_full"),
            Self::Provider(error) => provider_status(error),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }

    /// What went wrong, for people (the parser's own words of a bad request are
    /// in [`AppError::BadRequest`]'s `detail`).
    pub fn msg(&self) -> Msg {
        match self {
            Self::Invalid { message, .. }
            | Self::Conflict { message, .. }
            | Self::BadRequest { message, .. } => *message,
            Self::Unauthenticated => Msg::Unauthenticated,
            Self::Forbidden => Msg::Forbidden,
            Self::StaleForm => Msg::StaleForm,
            Self::NotFound => Msg::NotFound,
            Self::MethodNotAllowed => Msg::MethodNotAllowed,
            Self::PayloadTooLarge => Msg::PayloadTooLarge,
            Self::TooManyRequests => Msg::TooManyAttempts,
            Self::UnsupportedMediaType => Msg::UnsupportedMediaType,
            Self::Unavailable(_) => Msg::DatabaseUnavailable,
            Self::StorageFull(_) => Msg::StorageFull,
            Self::Provider(ProviderError::Timeout) => Msg::ProviderTimeout,
            Self::Provider(error) if error.is_transient() => Msg::ProviderUnavailable,
            Self::Provider(_) => Msg::ProviderFailed,
            Self::Internal(_) => Msg::Internal,
        }
    }

    fn message(&self) -> String {
        let locale = current_locale();
        match self {
            Self::BadRequest {
                message,
                detail: Some(detail),
                ..
            } => format!(
                "{}: {}",
                message.text(locale),
                crate::i18n::parser_detail(detail, locale)
            ),
            other => other.msg().text(locale).to_owned(),
        }
    }

    fn field(&self) -> Option<String> {
        match self {
            Self::Invalid { field, .. } | Self::Conflict { field, .. } => Some((*field).to_owned()),
            Self::BadRequest { field, .. } => field.clone(),
            _ => None,
        }
    }
}

/// Left on an error response, so the pages can show the error as a page (or a
/// toast) in the visitor's language instead of the API's JSON.
#[derive(Debug, Clone, Copy)]
pub struct ShownError {
    /// What went wrong.
    pub msg: Msg,
}

/// The wire shape: `{"error": {"code", "message", "field"}}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// One error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code: `invalid`, `bad_request`, `unauthenticated`,
    /// `forbidden`, `not_found`, `method_not_allowed`, `conflict`,
    /// `payload_too_large`, `unsupported_media_type`, `database_unavailable`, `storage_full`,
    /// `provider_timeout`, `provider_rate_limited`, `provider_unavailable`,
    /// `provider_unauthorized`, `provider_not_found`, `provider_rejected`,
    /// `provider_bad_response`, `internal`.
    pub code: String,
    /// For people, in the request's language (`Accept-Language`; pt-BR by default).
    pub message: String,
    /// The request field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        match &self {
            Self::Internal(_) => tracing::error!(error = %self, "request failed"),
            Self::Unavailable(_) | Self::Provider(_) => {
                tracing::warn!(error = %self, "dependency failed")
            }
            _ => {}
        }
        let body = ErrorBody {
            error: ErrorDetail {
                code: code.to_owned(),
                message: self.message(),
                field: self.field(),
            },
        };
        let mut response = (status, Json(body)).into_response();
        response
            .extensions_mut()
            .insert(ShownError { msg: self.msg() });
        if let Self::Provider(ProviderError::RateLimited { retry_after }) = &self {
            let seconds = retry_after.map_or(5, |d| d.as_secs().max(1));
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// How a provider failure reaches our users: never as a 500, and never as a 401/404
/// of theirs (the provider refusing *our* credentials is an upstream failure).
fn provider_status(error: &ProviderError) -> (StatusCode, &'static str) {
    match error {
        ProviderError::Timeout => (StatusCode::GATEWAY_TIMEOUT, "provider_timeout"),
        ProviderError::RateLimited { .. } => {
            (StatusCode::SERVICE_UNAVAILABLE, "provider_rate_limited")
        }
        ProviderError::Unavailable { .. } => {
            (StatusCode::SERVICE_UNAVAILABLE, "provider_unavailable")
        }
        ProviderError::Unauthorized { .. } => (StatusCode::BAD_GATEWAY, "provider_unauthorized"),
        ProviderError::NotFound => (StatusCode::BAD_GATEWAY, "provider_not_found"),
        ProviderError::Rejected { .. } => (StatusCode::BAD_GATEWAY, "provider_rejected"),
        ProviderError::UnexpectedResponse(_) => (StatusCode::BAD_GATEWAY, "provider_bad_response"),
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict(Unique::InstanceName) => Self::Conflict {
                field: "name",
                message: Msg::NameTaken,
            },
            StoreError::Conflict(Unique::UserEmail) => Self::Conflict {
                field: "email",
                message: Msg::EmailTaken,
            },
            // A first sign-up raced another one and lost: sign-ups are closed.
            StoreError::Conflict(Unique::FirstAccount) => Self::Forbidden,
            StoreError::Conflict(Unique::IdempotencyKey) => Self::Conflict {
                field: "idempotencyKey",
                message: Msg::Conflict,
            },
            error if error.is_storage_full() => {
                tracing::error!(%error, "the database's disk is full");
                Self::StorageFull(error)
            }
            error if error.is_unavailable() => Self::Unavailable(error),
            other => Self::Internal(other.into()),
        }
    }
}

impl From<PhoneError> for Msg {
    fn from(error: PhoneError) -> Self {
        match error {
            PhoneError::Empty => Msg::PhoneEmpty,
            PhoneError::InvalidCharacters => Msg::PhoneInvalidChars,
            PhoneError::TooShort => Msg::PhoneTooShort,
            PhoneError::TooLong => Msg::PhoneTooLong,
            PhoneError::NotANumber => Msg::PhoneNotANumber,
        }
    }
}

impl From<InstanceNameError> for Msg {
    fn from(error: InstanceNameError) -> Self {
        match error {
            InstanceNameError::Empty => Msg::NameEmpty,
            InstanceNameError::TooLong => Msg::NameTooLong,
            InstanceNameError::ControlCharacters => Msg::NameControl,
            InstanceNameError::FormatCharacters => Msg::NameFormatCharacters,
        }
    }
}

impl From<EmailError> for Msg {
    fn from(_: EmailError) -> Self {
        Msg::EmailInvalid
    }
}

impl From<PasswordError> for Msg {
    fn from(error: PasswordError) -> Self {
        match error {
            PasswordError::TooShort => Msg::PasswordTooShort,
            PasswordError::TooLong => Msg::PasswordTooLong,
            PasswordError::Common => Msg::PasswordCommon,
        }
    }
}

impl From<TokenNameError> for Msg {
    fn from(_: TokenNameError) -> Self {
        Msg::TokenNameInvalid
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn provider_failures_become_502_503_504_never_500() {
        let cases = [
            (ProviderError::Timeout, 504),
            (
                ProviderError::RateLimited {
                    retry_after: Some(Duration::from_secs(7)),
                },
                503,
            ),
            (
                ProviderError::Unavailable {
                    status: Some(500),
                    message: "x".into(),
                },
                503,
            ),
            (ProviderError::Unauthorized { status: 401 }, 502),
            (ProviderError::NotFound, 502),
            (
                ProviderError::Rejected {
                    status: 400,
                    message: "x".into(),
                },
                502,
            ),
            (ProviderError::UnexpectedResponse("x".into()), 502),
        ];
        for (error, status) in cases {
            let response = AppError::from(error.clone()).into_response();
            assert_eq!(response.status().as_u16(), status, "{error:?}");
        }
        let limited = AppError::from(ProviderError::RateLimited {
            retry_after: Some(Duration::from_secs(7)),
        });
        assert_eq!(limited.into_response().headers()[header::RETRY_AFTER], "7");
    }
}
