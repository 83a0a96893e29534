//! No undocumented API: every `/api` route of the rule table (which the matrix
//! proves is exactly what the application routes) is in `GET /api/openapi.json`
//! with its method, except the document and its viewer themselves.

use super::rules::RULES;
use crate::helpers::{Backend, spawn_app};
use serde_json::Value;

/// The routes that serve the documentation rather than being documented.
const THE_DOCS: [&str; 4] = [
    "/api/openapi.json",
    "/api/docs",
    "/api/docs/docs.js",
    "/api/docs/docs.css",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_has_every_api_route() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let document: Value = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let undocumented: Vec<_> = RULES
        .iter()
        .filter(|(_, path, _)| path.starts_with("/api/") && !THE_DOCS.contains(path))
        .filter(|(method, path, _)| document["paths"][*path][method.to_ascii_lowercase()].is_null())
        .collect();
    assert!(
        undocumented.is_empty(),
        "not in the OpenAPI document: {undocumented:#?}"
    );
    let api_rules = RULES
        .iter()
        .filter(|(_, path, _)| path.starts_with("/api/"))
        .count();
    assert!(api_rules > THE_DOCS.len(), "the table has API routes");
}
