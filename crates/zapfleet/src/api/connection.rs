//! `/api/instances/{id}/connect|reconnect|disconnect|status|config`.

use super::auth::AuthUser;
use super::extract::{ApiJson, ApiPath};
use super::instances::InstanceBody;
use crate::domain::{InstanceId, InstanceStatus, LoginMethod, StatusSource};
use crate::error::{AppError, ErrorBody};
use crate::services::settings::{self, SettingsInput, SettingsView};
use crate::services::status::ConnectionView;
use crate::services::{connection, status as connection_status};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The connection routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(connect))
        .routes(routes!(reconnect))
        .routes(routes!(disconnect))
        .routes(routes!(reprovision))
        .routes(routes!(status))
        .routes(routes!(get_config, put_config))
}

/// How to log in (default `qr`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectBody {
    /// `qr` (scan with the WhatsApp app) or `code` (type a code on the phone of
    /// the instance's number).
    pub method: Option<LoginMethod>,
}

/// A login in progress.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoginBody {
    /// `qr` or `code`.
    pub method: LoginMethod,
    /// PNG data URI of the QR code (QR logins).
    pub qrcode: Option<String>,
    /// The pairing code, `XXXX-XXXX` (code logins).
    pub paircode: Option<String>,
    /// When the provider gives up waiting (RFC 3339).
    pub expires_at: String,
}

/// One line of status history.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryBody {
    /// Previous status.
    pub from: InstanceStatus,
    /// New status.
    pub to: InstanceStatus,
    /// Why.
    pub reason: String,
    /// Who reported it.
    pub source: StatusSource,
    /// When (RFC 3339).
    pub at: String,
}

/// An instance's connection.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatusBody {
    /// The instance.
    pub instance: InstanceBody,
    /// The QR code or pairing code while connecting.
    pub login: Option<LoginBody>,
    /// The last status changes, newest first (only in `GET …/status`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<HistoryBody>,
}

impl From<ConnectionView> for StatusBody {
    fn from(view: ConnectionView) -> Self {
        let login = view.login.as_ref().map(|l| LoginBody {
            method: l.method,
            qrcode: (l.method == LoginMethod::Qr).then(|| l.code.clone()),
            paircode: (l.method == LoginMethod::Code).then(|| l.code.clone()),
            expires_at: l.expires_at.to_rfc3339(),
        });
        StatusBody {
            instance: view.instance.into(),
            login,
            history: view
                .history
                .into_iter()
                .map(|h| HistoryBody {
                    from: h.from,
                    to: h.to,
                    reason: h.reason,
                    source: h.source,
                    at: h.at.to_rfc3339(),
                })
                .collect(),
        }
    }
}

async fn start(
    state: AppState,
    user: AuthUser,
    id: String,
    body: Bytes,
) -> Result<Json<StatusBody>, AppError> {
    // The body is optional: empty means a QR login.
    let method = if body.iter().all(u8::is_ascii_whitespace) {
        LoginMethod::Qr
    } else {
        let parsed: ConnectBody =
            serde_json::from_slice(&body).map_err(|e| AppError::BadRequest {
                message: crate::i18n::Msg::BadJson,
                detail: Some(e.to_string()),
                field: Some("method".into()),
            })?;
        parsed.method.unwrap_or(LoginMethod::Qr)
    };
    let instance = connection::connect(
        &state.platform,
        &user.user_id,
        &InstanceId::from_raw(id),
        method,
    )
    .await?;
    Ok(Json(ConnectionView::of(instance, Vec::new()).into()))
}

/// Connect: a QR code to scan, or a pairing code to type (`{"method": "code"}`).
#[utoipa::path(post, path = "/instances/{id}/connect", tag = "connection", request_body(content = Option<ConnectBody>),
    params(("id" = String, Path, description = "Instance id")), security(("bearer" = [])),
    responses(
        (status = 200, description = "Connecting (with the QR or code), or connected if the provider resumed the session", body = StatusBody),
        (status = 404, description = "No such instance of yours", body = ErrorBody),
        (status = 409, description = "Already connected", body = ErrorBody),
        (status = 422, description = "Code login without a phone", body = ErrorBody),
        (status = 502, description = "The provider refused", body = ErrorBody),
        (status = 503, description = "The provider is down or busy (Retry-After)", body = ErrorBody),
        (status = 504, description = "The provider did not answer in time", body = ErrorBody),
    ))]
async fn connect(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<String>,
    body: Bytes,
) -> Result<Json<StatusBody>, AppError> {
    start(state, user, id, body).await
}

/// Reconnect a disconnected instance (a new QR or code; clears a previous logout).
#[utoipa::path(post, path = "/instances/{id}/reconnect", tag = "connection", request_body(content = Option<ConnectBody>),
    params(("id" = String, Path, description = "Instance id")), security(("bearer" = [])),
    responses(
        (status = 200, description = "Connecting, or connected", body = StatusBody),
        (status = 404, description = "No such instance of yours", body = ErrorBody),
        (status = 409, description = "Already connected", body = ErrorBody),
        (status = 503, description = "The provider is down or busy", body = ErrorBody),
    ))]
async fn reconnect(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<String>,
    body: Bytes,
) -> Result<Json<StatusBody>, AppError> {
    start(state, user, id, body).await
}

/// Log out: the WhatsApp session ends; it is not reconnected automatically.
#[utoipa::path(post, path = "/instances/{id}/disconnect", tag = "connection",
    params(("id" = String, Path, description = "Instance id")), security(("bearer" = [])),
    responses(
        (status = 200, description = "Disconnected", body = StatusBody),
        (status = 404, description = "No such instance of yours", body = ErrorBody),
        (status = 503, description = "The provider is down or busy", body = ErrorBody),
    ))]
async fn disconnect(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<StatusBody>, AppError> {
    let instance =
        connection::disconnect(&state.platform, &user.user_id, &InstanceId::from_raw(id)).await?;
    Ok(Json(ConnectionView::of(instance, Vec::new()).into()))
}

/// Re-create at the provider an instance it no longer knows
/// (`provisioning.state` `lost`): same id, name and settings, a new provider
/// instance; connect it again afterwards. `409` when it is not lost.
#[utoipa::path(post, path = "/instances/{id}/reprovision", tag = "connection",
    params(("id" = String, Path, description = "Instance id")), security(("bearer" = [])),
    responses(
        (status = 200, description = "Created at the provider again (or pending, retried in the background)", body = InstanceBody),
        (status = 404, description = "No such instance of yours", body = ErrorBody),
        (status = 409, description = "The instance is not lost at the provider", body = ErrorBody),
    ))]
async fn reprovision(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<InstanceBody>, AppError> {
    let instance = crate::services::provider_lost::reprovision(
        &state.platform,
        &user.user_id,
        &InstanceId::from_raw(id),
    )
    .await?;
    Ok(Json(instance.into()))
}

/// Status, the login in progress and the last 50 status changes.
#[utoipa::path(get, path = "/instances/{id}/status", tag = "connection",
    params(("id" = String, Path, description = "Instance id")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The connection", body = StatusBody),
        (status = 404, description = "No such instance of yours", body = ErrorBody),
    ))]
async fn status(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<StatusBody>, AppError> {
    let view = connection_status::view(
        &state.platform,
        &user.user_id,
        &InstanceId::from_raw(id),
        50,
    )
    .await?;
    Ok(Json(view.into()))
}

/// Read the instance's settings (a forward webhook's secret is never shown).
#[utoipa::path(get, path = "/instances/{id}/config", tag = "connection",
    params(("id" = String, Path, description = "Instance id")), security(("bearer" = [])),
    responses((status = 200, body = SettingsView), (status = 404, body = ErrorBody)))]
async fn get_config(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<SettingsView>, AppError> {
    let view = settings::get(&state.platform, &user.user_id, &InstanceId::from_raw(id)).await?;
    Ok(Json(view))
}

/// Replace the instance's settings (absent fields take their defaults; a
/// forward webhook without `secret` keeps the saved one).
#[utoipa::path(put, path = "/instances/{id}/config", tag = "connection", request_body = SettingsInput,
    params(("id" = String, Path, description = "Instance id")), security(("bearer" = [])),
    responses((status = 200, body = SettingsView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_config(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<SettingsInput>,
) -> Result<Json<SettingsView>, AppError> {
    let view = settings::save(
        &state.platform,
        &user.user_id,
        &InstanceId::from_raw(id),
        input,
    )
    .await?;
    Ok(Json(view))
}
