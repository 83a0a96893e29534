//! The JSON API under `/api`, its OpenAPI document and the operational endpoints.

mod audit;
pub mod auth;
pub mod connection;
mod docs;
mod events;
pub mod extract;
mod forwarding;
mod health;
pub mod instances;
mod messages;
mod webhooks;

use crate::domain::RequestMeta;
use crate::i18n::{Locale, REQUEST_LOCALE};
use crate::routes::Routes;
use crate::services::audit::REQUEST_META;
use crate::state::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use std::net::SocketAddr;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

/// Largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "zapfleet API",
        description = "Create, connect, watch and run many WhatsApp instances. Authenticate with `Authorization: Bearer <token>` (create one with `zapfleet token create --email you@example.com`). Errors are `{\"error\": {\"code\", \"message\", \"field\"}}`; messages follow `Accept-Language` (pt-BR by default, en)."
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "instances", description = "WhatsApp instances"),
        (name = "connection", description = "Connecting, logging out, status and settings"),
        (name = "events", description = "Live events (Server-Sent Events)"),
        (name = "messages", description = "Sending and receiving messages; usage statistics"),
        (name = "webhooks", description = "Webhooks: where the provider posts, and yours (signed forwards, delivery log, dead letters)"),
        (name = "operations", description = "Health, readiness, metrics"),
        (name = "audit", description = "The audit log: who did what, when and from where")
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The JSON API under `/api`, the operational endpoints and the docs page, with
/// the OpenAPI document generated from them. (`routes::router` adds the pages
/// and the middleware.)
pub fn routes() -> Routes<AppState> {
    let (api, mut openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest(
            "/api",
            instances::router()
                .merge(connection::router())
                .merge(events::router())
                .merge(messages::router())
                .merge(forwarding::router())
                .merge(webhooks::router())
                .merge(audit::router()),
        )
        .merge(health::router())
        .split_for_parts();
    openapi.info.version = env!("CARGO_PKG_VERSION").to_owned();
    let openapi_json = openapi.to_pretty_json().unwrap_or_default();
    Routes::documented(api, &openapi).merge(docs::routes(openapi_json))
}

/// Serves the request knowing where it came from (the client's address, behind
/// trusted proxies as they report it, and user agent), for the audit log.
pub async fn with_request_meta(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| {
            state
                .web
                .trusted_proxies
                .client(peer.ip(), request.headers())
        });
    let user_agent = request
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let meta = RequestMeta::new(ip, user_agent);
    REQUEST_META.scope(meta, next.run(request)).await
}

/// Serves the request in the language its `Accept-Language` prefers.
pub async fn with_locale(request: Request, next: Next) -> Response {
    let locale = request
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Locale::from_accept_language)
        .unwrap_or_default();
    let mut response = REQUEST_LOCALE.scope(locale, next.run(request)).await;
    response.headers_mut().insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_static(locale.tag()),
    );
    response
}
