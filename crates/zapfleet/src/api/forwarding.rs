//! `/api/webhook` (the user's own forward webhook), `/api/webhook-deliveries`
//! (the log and dead letters) and `/api/instances/{id}/config/history`.

use super::auth::AuthUser;
use super::extract::{ApiJson, ApiPath, ApiQuery};
use crate::domain::{DeliveryId, DeliveryStatus, EventKind, InstanceId};
use crate::error::{AppError, ErrorBody};
use crate::i18n::Msg;
use crate::services::forwarding;
use crate::services::settings::{self, WebhookInput, WebhookView};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The forwarding routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_webhook, put_webhook, delete_webhook))
        .routes(routes!(list_deliveries))
        .routes(routes!(replay_delivery))
        .routes(routes!(config_history))
}

/// Your own webhook: receives the events of all your instances (its secret is never shown).
#[utoipa::path(get, path = "/webhook", tag = "webhooks", security(("bearer" = [])),
    responses((status = 200, body = WebhookView), (status = 404, description = "None set", body = ErrorBody)))]
async fn get_webhook(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<WebhookView>, AppError> {
    forwarding::user_webhook(&state.platform, &user.user_id)
        .await?
        .map(Json)
        .ok_or(AppError::NotFound)
}

/// Set your own webhook (events of all your instances, signed with the secret;
/// without `secret`, the saved one is kept).
#[utoipa::path(put, path = "/webhook", tag = "webhooks", request_body = WebhookInput, security(("bearer" = [])),
    responses((status = 200, body = WebhookView), (status = 422, description = "Internal or malformed URL, unknown event, short or missing secret", body = ErrorBody)))]
async fn put_webhook(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(input): ApiJson<WebhookInput>,
) -> Result<Json<WebhookView>, AppError> {
    Ok(Json(
        forwarding::set_user_webhook(&state.platform, &user.user_id, input).await?,
    ))
}

/// Remove your own webhook.
#[utoipa::path(delete, path = "/webhook", tag = "webhooks", security(("bearer" = [])), responses((status = 204)))]
async fn delete_webhook(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<StatusCode, AppError> {
    forwarding::remove_user_webhook(&state.platform, &user.user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Filter for the delivery log.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveryParams {
    /// `pending`, `delivered` or `dead` (dead letters, which can be replayed).
    pub status: Option<String>,
    /// At most this many (1 to 500, default 100).
    pub limit: Option<i64>,
    /// Only deliveries about this instance (its delivery log).
    #[serde(rename = "instanceId")]
    #[param(rename = "instanceId")]
    pub instance_id: Option<String>,
}

/// A forward webhook delivery.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryBody {
    /// Id (`X-Zapfleet-Delivery`).
    #[schema(value_type = String)]
    pub id: DeliveryId,
    /// The instance the event is about.
    #[schema(value_type = Option<String>)]
    pub instance_id: Option<InstanceId>,
    /// Where it goes.
    pub url: String,
    /// Event kind.
    pub event: EventKind,
    /// `pending`, `delivered` or `dead`.
    pub status: DeliveryStatus,
    /// Tries so far.
    pub attempts: i64,
    /// The last failure.
    pub last_error: Option<String>,
    /// When queued (RFC 3339).
    pub created_at: String,
    /// When delivered.
    pub delivered_at: Option<String>,
    /// The JSON posted.
    #[schema(value_type = Object)]
    pub body: serde_json::Value,
}

/// Your forward webhook deliveries, newest first.
#[utoipa::path(get, path = "/webhook-deliveries", tag = "webhooks", params(DeliveryParams), security(("bearer" = [])),
    responses((status = 200, body = Vec<DeliveryBody>), (status = 400, body = ErrorBody)))]
async fn list_deliveries(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(params): ApiQuery<DeliveryParams>,
) -> Result<Json<Vec<DeliveryBody>>, AppError> {
    let status = match params.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            DeliveryStatus::parse(s).ok_or_else(|| AppError::BadRequest {
                message: Msg::BadStatus,
                detail: None,
                field: Some("status".into()),
            })?,
        ),
    };
    let instance = params
        .instance_id
        .filter(|i| !i.is_empty())
        .map(InstanceId::from_raw);
    let items = forwarding::deliveries(
        &state.platform,
        &user.user_id,
        status,
        instance.as_ref(),
        params.limit.unwrap_or(100),
    )
    .await?;
    Ok(Json(
        items
            .into_iter()
            .map(|d| DeliveryBody {
                body: d.body,
                id: d.id,
                instance_id: d.instance_id,
                url: d.url,
                event: d.event,
                status: d.status,
                attempts: d.attempts,
                last_error: d.last_error,
                created_at: d.created_at.to_rfc3339(),
                delivered_at: d.delivered_at.map(|t| t.to_rfc3339()),
            })
            .collect(),
    ))
}

/// Send a dead letter again.
#[utoipa::path(post, path = "/webhook-deliveries/{id}/replay", tag = "webhooks", params(("id" = String, Path, description = "Delivery id")),
    security(("bearer" = [])), responses((status = 202), (status = 404, description = "No such dead letter of yours", body = ErrorBody)))]
async fn replay_delivery(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, AppError> {
    forwarding::replay(&state.platform, &user.user_id, &DeliveryId::from_raw(id)).await?;
    Ok(StatusCode::ACCEPTED)
}

/// A version of the settings.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConfigVersion {
    /// When it was saved (RFC 3339).
    pub changed_at: String,
    /// The settings then.
    #[schema(value_type = Object)]
    pub config: serde_json::Value,
}

/// The instance's settings as they were saved, newest first.
#[utoipa::path(get, path = "/instances/{id}/config/history", tag = "connection", params(("id" = String, Path, description = "Instance id")),
    security(("bearer" = [])), responses((status = 200, body = Vec<ConfigVersion>), (status = 404, body = ErrorBody)))]
async fn config_history(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<ConfigVersion>>, AppError> {
    let versions =
        settings::history(&state.platform, &user.user_id, &InstanceId::from_raw(id)).await?;
    Ok(Json(
        versions
            .into_iter()
            .map(|(at, config)| ConfigVersion {
                changed_at: at.to_rfc3339(),
                config,
            })
            .collect(),
    ))
}
