//! `POST /api/webhooks/uazapi/{secret}`: where the provider posts its events.

use super::extract::ApiPath;
use crate::error::{AppError, ErrorBody};
use crate::services::webhooks;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Largest webhook body accepted (message events carry a chat object and media metadata).
const MAX_WEBHOOK_BYTES: usize = 2 * 1024 * 1024;

/// The webhook route.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(uazapi_webhook))
        .layer(DefaultBodyLimit::max(MAX_WEBHOOK_BYTES))
}

/// Provider events (uazapi's flat JSON envelope). The secret in the path is
/// per instance and unguessable; the body's `token` must match the instance too.
#[utoipa::path(post, path = "/webhooks/uazapi/{secret}", tag = "webhooks",
    params(("secret" = String, Path, description = "The instance's webhook secret")),
    request_body(content = String, content_type = "application/json"),
    responses(
        (status = 204, description = "Accepted (repeats are harmless)"),
        (status = 400, description = "Not a uazapi event", body = ErrorBody),
        (status = 401, description = "Unknown secret, or a token that does not match", body = ErrorBody),
    ))]
async fn uazapi_webhook(
    State(state): State<AppState>,
    ApiPath(secret): ApiPath<String>,
    body: Bytes,
) -> Result<StatusCode, AppError> {
    webhooks::handle(&state.platform, &secret, &body).await?;
    Ok(StatusCode::NO_CONTENT)
}
