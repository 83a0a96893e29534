//! Reading the fields of multipart forms (the restore upload, the send form).

use crate::error::AppError;
use crate::i18n::Msg;
use axum::extract::multipart::{Field, MultipartError};
use axum::http::StatusCode;

/// A form the server could not read: too large, or not multipart.
pub fn unreadable(error: MultipartError) -> AppError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge
    } else {
        AppError::BadRequest {
            message: Msg::BadJson,
            detail: Some(format!("the form could not be read: {}", error.body_text())),
            field: None,
        }
    }
}

/// A field's bytes; past `max` bytes, the error `too_large` makes.
pub async fn bytes(
    mut field: Field<'_>,
    max: usize,
    too_large: impl FnOnce() -> AppError,
) -> Result<Vec<u8>, AppError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
        if bytes.len() + chunk.len() > max {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// A text field of the form, refused beyond `max` bytes.
pub async fn text(field: Field<'_>, max: usize) -> Result<String, AppError> {
    let bytes = bytes(field, max, || AppError::PayloadTooLarge).await?;
    String::from_utf8(bytes).map_err(|_| AppError::BadRequest {
        message: Msg::BadJson,
        detail: Some("a form field is not UTF-8".into()),
        field: None,
    })
}
