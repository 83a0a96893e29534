//! The application's route table. axum cannot list a router's routes, so every
//! router is built through [`Routes`], which keeps the path of each route it
//! adds (the API's come from its OpenAPI document, generated from the same
//! handlers). The authorization matrix test checks each path against a rule:
//! a route added without one fails it.

use crate::api::{self, MAX_BODY_BYTES};
use crate::error::AppError;
use crate::state::AppState;
use crate::{http_headers, metrics, web};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware;
use axum::routing::MethodRouter;
use tower::ServiceBuilder;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use utoipa::openapi::OpenApi;

/// A router and the paths it routes.
pub struct Routes<S> {
    router: Router<S>,
    paths: Vec<String>,
}

impl<S: Clone + Send + Sync + 'static> Default for Routes<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Clone + Send + Sync + 'static> Routes<S> {
    /// No routes yet.
    pub fn new() -> Self {
        Self {
            router: Router::new(),
            paths: Vec::new(),
        }
    }

    /// The routes of an OpenAPI router (`utoipa_axum`), listed from its document.
    pub fn documented(router: Router<S>, openapi: &OpenApi) -> Self {
        Self {
            router,
            paths: openapi.paths.paths.keys().cloned().collect(),
        }
    }

    /// Adds a route, as [`Router::route`] does, and remembers its path.
    #[must_use]
    pub fn route(mut self, path: &'static str, method_router: MethodRouter<S>) -> Self {
        self.router = self.router.route(path, method_router);
        if !self.paths.iter().any(|p| p == path) {
            self.paths.push(path.to_owned());
        }
        self
    }

    /// Both sets of routes, as [`Router::merge`] does.
    #[must_use]
    pub fn merge(mut self, other: Routes<S>) -> Self {
        self.router = self.router.merge(other.router);
        for path in other.paths {
            if !self.paths.contains(&path) {
                self.paths.push(path);
            }
        }
        self
    }

    /// The paths routed, in the order they were added.
    pub fn paths(&self) -> &[String] {
        &self.paths
    }

    /// The router itself.
    pub fn into_router(self) -> Router<S> {
        self.router
    }
}

/// Every path the application routes: the API's (from its OpenAPI document),
/// the docs', the pages' and their assets', as their routers recorded them.
pub fn route_paths() -> Vec<String> {
    let mut paths = api::routes().paths().to_vec();
    paths.extend(web::paths());
    paths
}

/// The whole HTTP surface: the API, the pages, and the middleware around them.
pub fn router(state: AppState) -> Router {
    let csrf = middleware::from_fn_with_state(state.clone(), web::session::csrf);
    api::routes()
        .into_router()
        .merge(web::router(state.clone()))
        .route_layer(middleware::from_fn(metrics::remember_route))
        .fallback(web::not_found)
        .method_not_allowed_fallback(|| async { AppError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(api::with_locale))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            api::with_request_meta,
        ))
        .layer(csrf)
        .layer(
            ServiceBuilder::new()
                .layer(default_header(header::CONTENT_SECURITY_POLICY, CSP))
                .layer(default_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                .layer(default_header(header::X_FRAME_OPTIONS, "DENY"))
                .layer(default_header(header::REFERRER_POLICY, "no-referrer")),
        )
        .layer(middleware::from_fn_with_state(
            state.clone(),
            http_headers::protect,
        ))
        .layer(TraceLayer::new_for_http())
        .layer(middleware::from_fn_with_state(
            state.metrics.clone(),
            metrics::track,
        ))
        .with_state(state)
}

/// A header every response carries unless the handler set its own.
fn default_header(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

/// The CSP allows only our own scripts, styles and images (plus data: images for QR codes).
const CSP: &str = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
