//! `/api/instances/{id}/messages`, `/api/instances/{id}/stats` and `/api/stats`.

use super::auth::AuthUser;
use super::extract::{ApiJson, ApiPath, ApiQuery};
use crate::domain::{
    DayUsage, Direction, InstanceId, Media, MessageId, MessageKind, MessageStatus, Timestamp, Usage,
};
use crate::error::{AppError, ErrorBody};
use crate::i18n::Msg;
use crate::services::message_retry;
use crate::services::messages::{
    self, ListMessages, MediaInput, MediaSource, MessageRecord, SendInput,
};
use crate::services::stats::{self, Period, StatsView};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The message and statistics routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        // Room for a 5 MiB upload in base64.
        .routes(routes!(send_message, list_messages))
        .routes(routes!(retry_message))
        .layer(axum::extract::DefaultBodyLimit::max(8 * 1024 * 1024))
        .routes(routes!(instance_stats))
        .routes(routes!(overview_stats))
}

/// Media to send.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MediaBody {
    /// `image`, `video`, `document` or `audio`.
    pub kind: MessageKind,
    /// Where the provider downloads the file (http or https). Or `data`.
    pub url: Option<String>,
    /// The file itself, base64 (or a `data:` URI), up to 5 MiB decoded. Or `url`.
    pub data: Option<String>,
    /// Caption (up to 1024 characters).
    pub caption: Option<String>,
    /// File name shown for documents.
    pub file_name: Option<String>,
}

/// A message to send: `text` or `media`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SendBody {
    /// Recipient: a phone in any usual format (Brazil by default) or a group JID (`…@g.us`).
    #[schema(example = "(11) 98888-7777")]
    pub to: String,
    /// The text (up to 4096 characters).
    pub text: Option<String>,
    /// A media message instead of text.
    pub media: Option<MediaBody>,
    /// Same key, same message: a retried request never sends twice (also `Idempotency-Key`).
    pub idempotency_key: Option<String>,
    /// How long to wait for the instance to be connected, counted only while it
    /// is not connected (from creation or the last drop; default 300; 0 fails at
    /// once with 409).
    pub wait_seconds: Option<u64>,
}

/// A message.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageBody {
    /// Id (also the provider's `track_id`).
    #[schema(value_type = String)]
    pub id: MessageId,
    /// `out` or `in`.
    pub direction: Direction,
    /// Recipient or sender.
    pub peer: String,
    /// What it carries.
    pub kind: MessageKind,
    /// Text or caption.
    pub text: Option<String>,
    /// Media URL (for media sent by URL).
    pub media_url: Option<String>,
    /// Size of an uploaded file, in bytes (uploads are never sent back).
    pub upload_bytes: Option<i64>,
    /// `queued`, `sending`, `sent`, `delivered`, `read`, `failed` or `received`.
    pub status: MessageStatus,
    /// WhatsApp's message id.
    pub provider_message_id: Option<String>,
    /// Send attempts.
    pub attempts: i64,
    /// Why it failed (or the last transient error).
    pub error: Option<String>,
    /// Times (RFC 3339).
    pub created_at: String,
    /// When WhatsApp accepted it.
    pub sent_at: Option<String>,
    /// When it reached the phone.
    pub delivered_at: Option<String>,
    /// When it was read.
    pub read_at: Option<String>,
    /// The provider's own time for it, for diagnosis only (our dates above
    /// come from our clock: the provider's may be off).
    pub provider_at: Option<String>,
}

fn time(t: Option<Timestamp>) -> Option<String> {
    t.map(Timestamp::to_rfc3339)
}

impl From<MessageRecord> for MessageBody {
    fn from(m: MessageRecord) -> Self {
        Self {
            id: m.id,
            direction: m.direction,
            peer: m.peer,
            kind: m.kind,
            text: m.body,
            media_url: match &m.media {
                Some(Media::Url(url)) => Some(url.clone()),
                _ => None,
            },
            upload_bytes: match m.media {
                Some(Media::Upload { bytes }) => Some(bytes),
                _ => None,
            },
            status: m.status,
            provider_message_id: m.provider_message_id,
            attempts: m.attempts,
            error: m.error,
            created_at: m.created_at.to_rfc3339(),
            sent_at: time(m.sent_at),
            delivered_at: time(m.delivered_at),
            read_at: time(m.read_at),
            provider_at: time(m.provider_at),
        }
    }
}

/// Queue a message. Answers at once (`202`, status `queued`); it is sent in order,
/// paced by the instance's delays. With a known idempotency key, answers `200`
/// and the message already queued.
#[utoipa::path(post, path = "/instances/{id}/messages", tag = "messages", request_body = SendBody,
    params(("id" = String, Path, description = "Instance id"), ("Idempotency-Key" = Option<String>, Header, description = "Same as idempotencyKey")),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "Queued", body = MessageBody),
        (status = 200, description = "Already queued with this idempotency key", body = MessageBody),
        (status = 404, description = "No such instance of yours", body = ErrorBody),
        (status = 409, description = "Not connected and waitSeconds is 0", body = ErrorBody),
        (status = 422, description = "A field breaks a rule", body = ErrorBody),
    ))]
async fn send_message(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SendBody>,
) -> Result<Response, AppError> {
    let header_key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let input = SendInput {
        to: body.to,
        text: body.text,
        media: match body.media {
            Some(m) => {
                let source = match (m.url, m.data) {
                    (Some(url), None) => MediaSource::Url(url),
                    (None, Some(data)) => MediaSource::Upload(data),
                    _ => return Err(AppError::invalid("media", Msg::MessageMediaInvalid)),
                };
                Some(MediaInput {
                    kind: m.kind,
                    source,
                    caption: m.caption,
                    file_name: m.file_name,
                })
            }
            None => None,
        },
        idempotency_key: body.idempotency_key.or(header_key),
        wait_secs: body.wait_seconds,
    };
    let (message, created) = messages::send(
        &state.platform,
        &user.user_id,
        &InstanceId::from_raw(id),
        input,
    )
    .await?;
    let status = if created {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(MessageBody::from(message))).into_response())
}

/// Message list parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MessageParams {
    /// `out` or `in`.
    pub direction: Option<String>,
    /// Only messages in this status.
    pub status: Option<String>,
    /// Only messages from this day on (`YYYY-MM-DD`, in your account's time zone).
    pub since: Option<String>,
    /// Only messages up to this day, included (`YYYY-MM-DD`, in your account's time zone).
    pub until: Option<String>,
    /// Page from 1.
    pub page: Option<u32>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<u32>,
}

/// A page of messages.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageList {
    /// Newest first.
    pub items: Vec<MessageBody>,
    /// Matching messages in all.
    pub total: i64,
    /// Page number.
    pub page: u32,
    /// Page size.
    pub limit: u32,
}

/// List an instance's messages, newest first.
#[utoipa::path(get, path = "/instances/{id}/messages", tag = "messages", params(("id" = String, Path, description = "Instance id"), MessageParams),
    security(("bearer" = [])),
    responses((status = 200, body = MessageList), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_messages(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(params): ApiQuery<MessageParams>,
) -> Result<Json<MessageList>, AppError> {
    let input = ListMessages {
        direction: params.direction,
        status: params.status,
        since: params.since,
        until: params.until,
        page: params.page,
        limit: params.limit,
    };
    let page = messages::list(
        &state.platform,
        &user.user_id,
        &InstanceId::from_raw(id),
        input,
    )
    .await?;
    Ok(Json(MessageList {
        items: page.items.into_iter().map(Into::into).collect(),
        total: page.total,
        page: page.page,
        limit: page.limit,
    }))
}

/// A period of days.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StatsParams {
    /// First day, `YYYY-MM-DD` (default 30 days ago).
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD` (default today).
    pub to: Option<String>,
}

/// Usage per day and in total.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatsBody {
    /// First day (`YYYY-MM-DD`).
    pub from: String,
    /// Last day.
    pub to: String,
    /// Days with activity, oldest first.
    pub days: Vec<DayUsage>,
    /// Sums over the period.
    pub total: Usage,
    /// Share of the period spent connected, 0 to 100 (counted when connections end).
    pub uptime_percent: f64,
}

impl From<StatsView> for StatsBody {
    fn from(view: StatsView) -> Self {
        Self {
            from: view.period.from.to_string(),
            to: view.period.to.to_string(),
            days: view.days,
            total: view.total,
            uptime_percent: view.uptime_percent,
        }
    }
}

async fn stats_of(
    state: &AppState,
    user: &AuthUser,
    instance: Option<&InstanceId>,
    params: StatsParams,
) -> Result<Json<StatsBody>, AppError> {
    let today = stats::today(&state.platform, &user.user_id).await?;
    let period = Period::parse(params.from.as_deref(), params.to.as_deref(), today)?;
    let view = stats::usage(&state.platform, &user.user_id, instance, period, false).await?;
    Ok(Json(view.into()))
}

/// Usage of one instance per day: messages sent, received, failed, delivered,
/// read; disconnections and time connected.
#[utoipa::path(get, path = "/instances/{id}/stats", tag = "messages", params(("id" = String, Path, description = "Instance id"), StatsParams),
    security(("bearer" = [])),
    responses((status = 200, body = StatsBody), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn instance_stats(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(params): ApiQuery<StatsParams>,
) -> Result<Json<StatsBody>, AppError> {
    stats_of(&state, &user, Some(&InstanceId::from_raw(id)), params).await
}

/// Usage of all your instances per day.
#[utoipa::path(get, path = "/stats", tag = "messages", params(StatsParams), security(("bearer" = [])),
    responses((status = 200, body = StatsBody), (status = 400, body = ErrorBody)))]
async fn overview_stats(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(params): ApiQuery<StatsParams>,
) -> Result<Json<StatsBody>, AppError> {
    stats_of(&state, &user, None, params).await
}

/// Try a failed message again: it goes back in the queue (attempts start over,
/// its `waitSeconds` counts from now) and is sent like a new one. The day it
/// failed counts one failure less.
#[utoipa::path(post, path = "/instances/{id}/messages/{messageId}/retry", tag = "messages",
    params(("id" = String, Path, description = "Instance id"), ("messageId" = String, Path, description = "Message id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Queued again", body = MessageBody),
        (status = 404, description = "No such message on an instance of yours", body = ErrorBody),
        (status = 409, description = "The message did not fail (or is not outgoing)", body = ErrorBody),
    ))]
async fn retry_message(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath((id, message)): ApiPath<(String, String)>,
) -> Result<Json<MessageBody>, AppError> {
    let message = message_retry::retry(
        &state.platform,
        &user.user_id,
        &InstanceId::from_raw(id),
        &MessageId::from_raw(message),
    )
    .await?;
    Ok(Json(message.into()))
}
