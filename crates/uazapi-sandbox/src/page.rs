//! `/sandbox/`: a page to play the phone by hand. It holds no data itself: its
//! script asks for the admin token once (kept in the tab's `sessionStorage`) and
//! sends it to the controls in the `admintoken` header. Script and style are
//! files, so the CSP needs no `unsafe-inline`.

use axum::Router;
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect};
use axum::routing::get;

const PAGE: &str = include_str!("../assets/page.html");
const SCRIPT: &str = include_str!("../assets/page.js");
const STYLE: &str = include_str!("../assets/page.css");

/// The page and its files; no token needed to load them.
pub fn router() -> Router {
    Router::new()
        .route("/sandbox/", get(|| async { Html(PAGE) }))
        .route(
            "/sandbox",
            get(|| async { Redirect::permanent("/sandbox/") }),
        )
        .route(
            "/sandbox/page.js",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
                    SCRIPT,
                )
                    .into_response()
            }),
        )
        .route(
            "/sandbox/page.css",
            get(|| async {
                ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE).into_response()
            }),
        )
}
