//! `/api/openapi.json` (generated from the handlers), and the script and style
//! of `/api/docs` (a page of the web layer, in the visitor's language) that
//! make it work offline: both are embedded in the binary.

use crate::routes::Routes;
use crate::state::AppState;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

const SCRIPT: &str = include_str!("../../static/docs/docs.js");
const STYLE: &str = include_str!("../../static/docs/docs.css");

pub fn routes(openapi_json: String) -> Routes<AppState> {
    Routes::new()
        .route(
            "/api/openapi.json",
            get(move || {
                let json = openapi_json.clone();
                async move { ([(header::CONTENT_TYPE, "application/json")], json) }
            }),
        )
        .route(
            "/api/docs/docs.js",
            get(|| async { asset("text/javascript; charset=utf-8", SCRIPT) }),
        )
        .route(
            "/api/docs/docs.css",
            get(|| async { asset("text/css; charset=utf-8", STYLE) }),
        )
}

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
}
