//! The JSON API under `/api`, its OpenAPI document and the operational endpoints.

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

use crate::error::AppError;
use crate::i18n::{Locale, REQUEST_LOCALE};
use crate::metrics;
use crate::state::AppState;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use tower::ServiceBuilder;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
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
        (name = "operations", description = "Health, readiness, metrics")
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

/// The whole HTTP surface, with its middleware.
pub fn router(state: AppState) -> Router {
    let (api, mut openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest(
            "/api",
            instances::router()
                .merge(connection::router())
                .merge(events::router())
                .merge(messages::router())
                .merge(forwarding::router())
                .merge(webhooks::router()),
        )
        .merge(health::router())
        .split_for_parts();
    openapi.info.version = env!("CARGO_PKG_VERSION").to_owned();
    let openapi_json = openapi.to_pretty_json().unwrap_or_default();

    let csrf = middleware::from_fn_with_state(state.clone(), crate::web::session::csrf);
    api.merge(docs::router(openapi_json))
        .merge(crate::web::router())
        .route_layer(middleware::from_fn(metrics::remember_route))
        .fallback(not_found)
        .method_not_allowed_fallback(|| async { AppError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(with_locale))
        .layer(csrf)
        .layer(
            ServiceBuilder::new()
                .layer(default_header(header::CONTENT_SECURITY_POLICY, CSP))
                .layer(default_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                .layer(default_header(header::X_FRAME_OPTIONS, "DENY"))
                .layer(default_header(header::REFERRER_POLICY, "no-referrer")),
        )
        .layer(TraceLayer::new_for_http())
        .layer(middleware::from_fn_with_state(
            state.metrics.clone(),
            metrics::track,
        ))
        .with_state(state)
}

/// Serves the request in the language its `Accept-Language` prefers.
async fn with_locale(request: Request, next: Next) -> Response {
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

/// A header every response carries unless the handler set its own.
fn default_header(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

/// The CSP allows only our own scripts, styles and images (plus data: images for QR codes).
const CSP: &str = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// Unknown paths: a page for browsers, the JSON error for everyone else.
async fn not_found(
    axum::extract::State(state): axum::extract::State<AppState>,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
    visitor: crate::web::session::Visitor,
) -> Response {
    use axum::response::IntoResponse;
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if wants_html && !uri.path().starts_with("/api/") {
        let page = crate::web::PageCtx::new(&visitor, &state);
        return crate::web::message_page(
            page,
            axum::http::StatusCode::NOT_FOUND,
            crate::i18n::Msg::NotFound,
            crate::i18n::Msg::PageNotFound,
        );
    }
    AppError::NotFound.into_response()
}
