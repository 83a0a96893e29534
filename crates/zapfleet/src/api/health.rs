//! `/healthz`, `/readyz` and `/metrics`, for load balancers and Prometheus.

use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Serialize;
use std::time::Duration;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// How long `/readyz` waits for the database.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(metrics))
}

/// A health report.
#[derive(Serialize, ToSchema, Default)]
struct Health {
    /// `ok`, `ready` or `unavailable`.
    status: &'static str,
    /// What is wrong, when something is.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    /// The node answering (`/readyz` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    node: Option<String>,
    /// The live nodes on this database, this one included (`/readyz` only,
    /// when the database answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    nodes: Option<Vec<LiveNode>>,
}

/// A node whose heartbeat is recent.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct LiveNode {
    /// New at every start of `zapfleet serve`.
    id: String,
    /// Its machine.
    host: String,
    /// Where it serves.
    address: String,
    /// Its zapfleet version.
    version: String,
    /// When it started (RFC 3339).
    started_at: String,
    /// Its last heartbeat (RFC 3339).
    heartbeat_at: String,
}

async fn live_nodes(state: &AppState) -> Option<Vec<LiveNode>> {
    let nodes = crate::services::nodes::overview(&state.platform)
        .await
        .ok()?;
    Some(
        nodes
            .into_iter()
            .filter(|n| n.liveness == crate::domain::NodeLiveness::Live)
            .map(|n| LiveNode {
                id: n.id.to_string(),
                host: n.host,
                address: n.address,
                version: n.version,
                started_at: n.started_at.to_rfc3339(),
                heartbeat_at: n.heartbeat_at.to_rfc3339(),
            })
            .collect(),
    )
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, body = Health)))]
async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok",
        ..Health::default()
    })
}

/// The process can serve: the database answers and can write (`reason`
/// `storage full` when its disk is full). Lists the live nodes sharing the
/// database (see docs/scaling.md).
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, body = Health), (status = 503, body = Health)))]
async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let node = Some(state.platform.node.id.to_string());
    match tokio::time::timeout(READY_TIMEOUT, state.platform.database_readiness()).await {
        Ok(Ok(())) => (
            StatusCode::OK,
            Json(Health {
                status: "ready",
                node,
                nodes: tokio::time::timeout(READY_TIMEOUT, live_nodes(&state))
                    .await
                    .ok()
                    .flatten(),
                ..Health::default()
            }),
        ),
        Ok(Err(error)) => {
            let reason = if error.is_storage_full() {
                "storage full"
            } else {
                "database"
            };
            tracing::warn!(%error, reason, "not ready: the database cannot write");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: "unavailable",
                    reason: Some(reason.into()),
                    node,
                    ..Health::default()
                }),
            )
        }
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(Health {
                status: "unavailable",
                reason: Some("database timeout".into()),
                node,
                ..Health::default()
            }),
        ),
    }
}

/// Prometheus metrics (text exposition format).
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, content_type = "text/plain", body = String)))]
async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render() + &crate::metrics::render_node(&state.platform.node),
    )
}
