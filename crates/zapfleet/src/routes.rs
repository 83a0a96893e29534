//! The application's route table. axum cannot list a router's routes, so every
//! router is built through [`Routes`], which keeps the path of each route it
//! adds (the API's come from its OpenAPI document, generated from the same
//! handlers). The authorization matrix test checks each path against a rule:
//! a route added without one fails it.

use axum::Router;
use axum::routing::MethodRouter;
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
