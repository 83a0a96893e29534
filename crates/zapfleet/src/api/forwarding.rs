//! `/api/webhook` (the user's own forward webhook), `/api/webhook-deliveries`
//! (the log and dead letters) and `/api/instances/{id}/config/history`.

use super::auth::AuthUser;
use super::extract::{ApiJson, ApiPath, ApiQuery};
use crate::domain::{ForwardWebhook, InstanceId};
use crate::error::{AppError, ErrorBody};
use crate::i18n::Msg;
use crate::services::forwarding::validate_webhook;
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

/// Your own webhook: receives the events of all your instances.
#[utoipa::path(get, path = "/webhook", tag = "webhooks", security(("bearer" = [])),
    responses((status = 200, body = ForwardWebhook), (status = 404, description = "None set", body = ErrorBody)))]
async fn get_webhook(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<ForwardWebhook>, AppError> {
    state
        .store
        .user_webhook(&user.user_id)
        .await?
        .map(Json)
        .ok_or(AppError::NotFound)
}

/// Set your own webhook (events of all your instances, signed with the secret).
#[utoipa::path(put, path = "/webhook", tag = "webhooks", request_body = ForwardWebhook, security(("bearer" = [])),
    responses((status = 200, body = ForwardWebhook), (status = 422, description = "Internal or malformed URL, short secret", body = ErrorBody)))]
async fn put_webhook(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(webhook): ApiJson<ForwardWebhook>,
) -> Result<Json<ForwardWebhook>, AppError> {
    validate_webhook(&state.platform, &webhook).await?;
    state
        .store
        .set_user_webhook(&user.user_id, Some(&webhook))
        .await?;
    Ok(Json(webhook))
}

/// Remove your own webhook.
#[utoipa::path(delete, path = "/webhook", tag = "webhooks", security(("bearer" = [])), responses((status = 204)))]
async fn delete_webhook(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<StatusCode, AppError> {
    state.store.set_user_webhook(&user.user_id, None).await?;
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
    pub id: String,
    /// The instance the event is about.
    pub instance_id: Option<String>,
    /// Where it goes.
    pub url: String,
    /// Event kind.
    pub event: String,
    /// `pending`, `delivered` or `dead`.
    pub status: String,
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
    let status = params.status.as_deref().filter(|s| !s.is_empty());
    if status.is_some_and(|s| !["pending", "delivered", "dead"].contains(&s)) {
        return Err(AppError::BadRequest {
            message: Msg::BadStatus,
            detail: None,
            field: Some("status".into()),
        });
    }
    let limit = params.limit.unwrap_or(100).clamp(1, 500);
    let instance = params.instance_id.as_deref().filter(|i| !i.is_empty());
    let items = state
        .store
        .list_deliveries(&user.user_id, status, instance, limit)
        .await?;
    Ok(Json(
        items
            .into_iter()
            .map(|d| DeliveryBody {
                body: serde_json::from_str(&d.body).unwrap_or_default(),
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
    if state.store.replay_delivery(&user.user_id, &id).await? {
        Ok(StatusCode::ACCEPTED)
    } else {
        Err(AppError::NotFound)
    }
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
    let id = InstanceId::from_raw(id);
    crate::services::instances::get(&state.store, &user.user_id, &id).await?;
    let versions = state.store.config_history(&user.user_id, &id, 100).await?;
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
