//! `/api/audit`: the audit log, newest first. A user reads their own lines;
//! the administrator reads everyone's, or one user's.

use super::auth::AuthUser;
use super::extract::ApiQuery;
use crate::domain::{AuditAction, AuditEvent};
use crate::error::{AppError, ErrorBody};
use crate::services::audit::{self, ListAudit, Viewer};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The audit routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit))
}

/// One line of the audit log.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEventBody {
    /// Identifier; larger is newer.
    pub id: i64,
    /// When (RFC 3339).
    pub at: String,
    /// Whose action (absent for a failed sign-in with an unknown e-mail).
    pub user_id: Option<String>,
    /// The actor's e-mail at the time (the e-mail typed, for failed sign-ins).
    pub actor_email: Option<String>,
    /// What was done.
    pub action: AuditAction,
    /// What it was done to: an instance, token or user id.
    pub target_id: Option<String>,
    /// The target's name at the time.
    pub target_name: Option<String>,
    /// The client's IP address.
    pub ip: Option<String>,
    /// The client's user agent.
    pub user_agent: Option<String>,
    /// A few facts about the action (never a secret).
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

impl From<AuditEvent> for AuditEventBody {
    fn from(e: AuditEvent) -> Self {
        Self {
            id: e.id,
            at: e.at.to_rfc3339(),
            user_id: e.user_id.map(|u| u.to_string()),
            actor_email: e.actor_email,
            action: e.action,
            target_id: e.target_id,
            target_name: e.target_name,
            ip: e.ip,
            user_agent: e.user_agent,
            detail: e.detail,
        }
    }
}

/// A page of the audit log.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditList {
    /// The lines, newest first.
    pub items: Vec<AuditEventBody>,
    /// Page size used.
    pub limit: u32,
    /// Pass as `cursor` for the next (older) page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Audit log parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct AuditParams {
    /// Only this action, e.g. `sign_in`, `instance_created`, `token_revoked`.
    pub action: Option<String>,
    /// Only this user's lines (administrators; others may name only themselves).
    pub user_id: Option<String>,
    /// `nextCursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<u32>,
}

/// Read the audit log: your own actions (the administrator: everyone's).
#[utoipa::path(get, path = "/audit", tag = "audit", params(AuditParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page, newest first", body = AuditList),
        (status = 400, description = "Bad parameter", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "Another user's lines, asked by a non-administrator", body = ErrorBody),
    ))]
async fn list_audit(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(params): ApiQuery<AuditParams>,
) -> Result<Json<AuditList>, AppError> {
    let viewer = Viewer {
        user_id: user.user_id,
        is_admin: user.is_admin,
    };
    let input = ListAudit {
        action: params.action,
        user: params.user_id,
        cursor: params.cursor,
        limit: params.limit,
    };
    let limit = input.limit.unwrap_or(audit::DEFAULT_LIMIT);
    let page = audit::list(&state.platform, &viewer, input).await?;
    Ok(Json(AuditList {
        items: page.items.into_iter().map(Into::into).collect(),
        limit,
        next_cursor: page.next.map(|c| c.encode()),
    }))
}
