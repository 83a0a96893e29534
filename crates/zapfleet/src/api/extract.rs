//! Extractors that turn axum's rejections into our JSON errors, so a malformed
//! request gets a clear 4xx in the documented shape, never a bare text body.

use crate::error::AppError;
use crate::i18n::Msg;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use std::error::Error as _;

/// `Json<T>` with our error body.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> AppError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => AppError::UnsupportedMediaType,
        JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            AppError::PayloadTooLarge
        }
        JsonRejection::JsonDataError(e) => {
            // serde_path_to_error's message: "<path>: <problem>".
            let inner = e.source().map_or_else(|| e.body_text(), |s| s.to_string());
            let (field, detail) = split_path(&inner);
            AppError::BadRequest {
                message: Msg::BadJson,
                detail: Some(detail),
                field,
            }
        }
        JsonRejection::JsonSyntaxError(e) => AppError::BadRequest {
            message: Msg::BadJson,
            detail: Some(e.source().map_or_else(|| e.body_text(), |s| s.to_string())),
            field: None,
        },
        other => AppError::BadRequest {
            message: Msg::BadJson,
            detail: Some(other.body_text()),
            field: None,
        },
    }
}

/// Splits `"name: invalid type…"` into the field and the problem; for problems at
/// the root (`".: unknown field `x`…"`, or a query string's `"unknown field `x`"`)
/// the field is the one the message names.
fn split_path(message: &str) -> (Option<String>, String) {
    if let Some((path, detail)) = message.split_once(": ") {
        if path != "." && !path.contains(' ') {
            return (Some(path.to_owned()), detail.to_owned());
        }
        let named = detail.split('`').nth(1).map(str::to_owned);
        return (named, detail.to_owned());
    }
    (
        message.split('`').nth(1).map(str::to_owned),
        message.to_owned(),
    )
}

/// `Query<T>` with our error body.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Self(value)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => {
                let inner = e.source().map_or_else(|| e.body_text(), |s| s.to_string());
                let (field, detail) = split_path(&inner);
                Err(AppError::BadRequest {
                    message: Msg::BadQuery,
                    detail: Some(detail),
                    field,
                })
            }
            Err(other) => Err(AppError::BadRequest {
                message: Msg::BadQuery,
                detail: Some(other.body_text()),
                field: None,
            }),
        }
    }
}

/// `Path<T>` with our error body (e.g. an id that is not valid UTF-8 once decoded).
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| Self(value))
            .map_err(|rejection| AppError::BadRequest {
                message: Msg::BadPath,
                detail: Some(rejection.body_text()),
                field: None,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_field_in_serde_messages() {
        assert_eq!(
            split_path("name: invalid type: integer `5`, expected a string"),
            (
                Some("name".into()),
                "invalid type: integer `5`, expected a string".into()
            )
        );
        assert_eq!(
            split_path(".: unknown field `color`, expected `name` or `phone`"),
            (
                Some("color".into()),
                "unknown field `color`, expected `name` or `phone`".into()
            )
        );
        assert_eq!(
            split_path("EOF while parsing"),
            (None, "EOF while parsing".into())
        );
    }
}
