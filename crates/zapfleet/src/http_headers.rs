//! Headers every response gets beyond the fixed security set in `startup`:
//! `Cache-Control: no-store` on everything but the static files (pages and API
//! answers hold one user's data, and a shared computer's back button or a proxy
//! must not keep them), HSTS when the public URL is https, and the JSON error
//! instead of the framework's plain-text "length limit exceeded" for bodies over
//! the limit.

use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// One year, the usual HSTS age.
const HSTS: &str = "max-age=31536000";

/// The middleware (see the module docs).
pub async fn protect(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let cacheable = request.uri().path().starts_with("/static/");
    let mut response = next.run(request).await;
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE && !is_ours(&response) {
        response = AppError::PayloadTooLarge.into_response();
    }
    let headers = response.headers_mut();
    if !cacheable && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if state.web.secure_cookies {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    response
}

/// Whether a response is one of ours (JSON error or page), not a framework rejection.
fn is_ours(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with("text/html"))
}
