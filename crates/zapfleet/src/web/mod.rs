//! The web UI: server-rendered pages (askama) enhanced with htmx and live events.
//! Every asset is embedded in the binary; the CSP allows nothing else.

mod accounts;
mod admin;
mod api_docs;
mod audit;
mod audit_detail;
mod backup;
mod charts;
mod errors;
pub mod format;
mod forwarding;
mod instances;
pub mod labels;
mod multipart;
mod profile;
pub mod session;
mod webhook_form;

use crate::error::AppError;
use crate::i18n::{Locale, Msg};
use crate::routes::Routes;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use session::Visitor;

/// What every page's layout shows.
#[derive(Debug, Clone)]
pub struct PageCtx {
    /// Language.
    pub l: Locale,
    /// CSRF token for forms and htmx.
    pub csrf: String,
    /// The signed-in user's e-mail.
    pub email: Option<String>,
    /// Whether the signed-in user administers the server.
    pub is_admin: bool,
    /// The sandbox URL when running without a real provider.
    pub sandbox_url: Option<String>,
    /// A message to show as a toast when the page opens (a form's outcome
    /// after its redirect).
    pub flash: Option<String>,
}

impl PageCtx {
    /// From the visitor and the server's setup.
    pub fn new(visitor: &Visitor, state: &AppState) -> Self {
        Self {
            l: visitor.locale,
            csrf: visitor.csrf.clone(),
            email: visitor.user.as_ref().map(|u| u.email.clone()),
            is_admin: visitor.user.as_ref().is_some_and(|u| u.is_admin),
            sandbox_url: state.web.sandbox_url.clone(),
            flash: None,
        }
    }

    /// What the page's script may have to say, in the page's language: a
    /// failed request, and the checks the browser makes before sending a form
    /// (its own texts would follow the browser's language, not the page's).
    pub fn script_texts(&self) -> String {
        let t = |m| self.l.t(m);
        serde_json::json!({
            "requestFailed": t(Msg::RequestFailed),
            "unreachable": t(Msg::ServerUnreachable),
            "required": t(Msg::ValidationRequired),
            "email": t(Msg::ValidationEmail),
            "url": t(Msg::ValidationUrl),
            "range": t(Msg::ValidationRange),
            "tooLong": t(Msg::ValidationTooLong),
        })
        .to_string()
    }

    /// A whole number with the language's thousands separator.
    pub fn num(&self, n: &i64) -> String {
        format::number(*n, self.l)
    }

    /// Status labels for the live badges, as JSON for the page's script.
    pub fn status_labels(&self) -> String {
        serde_json::json!({
            "connected": self.l.t(Msg::StatusConnected),
            "connecting": self.l.t(Msg::StatusConnecting),
            "disconnected": self.l.t(Msg::StatusDisconnected),
        })
        .to_string()
    }
}

/// Tells the page's script what happened (`toast`, `instanceCreated`…) in the
/// `HX-Trigger` header, with a message and its kind (`success` or `error`).
pub fn trigger(mut response: Response, event: &str, message: &str, kind: &str) -> Response {
    let json = serde_json::json!({ event: {"message": message, "kind": kind} }).to_string();
    // Header values are read as Latin-1 by browsers: keep the JSON ASCII.
    let payload: String = json
        .chars()
        .map(|c| {
            if c.is_ascii() {
                c.to_string()
            } else {
                c.encode_utf16(&mut [0; 2])
                    .iter()
                    .map(|u| format!("\\u{u:04x}"))
                    .collect()
            }
        })
        .collect();
    if let Ok(value) = HeaderValue::from_str(&payload) {
        response.headers_mut().insert("hx-trigger", value);
    }
    response
}

/// A toast on the page.
pub fn toast(response: Response, message: &str, kind: &str) -> Response {
    trigger(response, "toast", message, kind)
}

/// Renders a template, or a plain 500 if rendering fails (a bug, logged).
pub fn render<T: Template>(template: &T) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(error) => {
            tracing::error!(%error, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    page: PageCtx,
    title: &'static str,
    text: &'static str,
}

/// A small page with a message and a status (404, 403, 429…).
pub fn message_page(page: PageCtx, status: StatusCode, title: Msg, text: Msg) -> Response {
    let l = page.l;
    (
        status,
        render(&MessagePage {
            page,
            title: l.t(title),
            text: l.t(text),
        }),
    )
        .into_response()
}

const HTMX: &str = include_str!("../../static/vendor/htmx-2.0.11.min.js");
const APP_JS: &str = include_str!("../../static/app.js");
const APP_CSS: &str = include_str!("../../static/app.css");

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// Unknown paths: a page for browsers, the JSON error for everyone else.
pub async fn not_found(
    axum::extract::State(state): axum::extract::State<AppState>,
    uri: Uri,
    headers: axum::http::HeaderMap,
    visitor: Visitor,
) -> Response {
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if wants_html && !uri.path().starts_with("/api/") {
        let page = PageCtx::new(&visitor, &state);
        return message_page(
            page,
            StatusCode::NOT_FOUND,
            Msg::NotFound,
            Msg::PageNotFound,
        );
    }
    AppError::NotFound.into_response()
}

/// The pages (behind the sign-in and the errors as pages) and their assets.
fn pages() -> (Routes<AppState>, Routes<AppState>) {
    let pages = Routes::new()
        .merge(accounts::routes())
        .merge(admin::routes())
        .merge(api_docs::routes())
        .merge(audit::routes())
        .merge(backup::routes())
        .merge(forwarding::routes())
        .merge(instances::routes())
        .merge(profile::routes());
    let assets = Routes::new()
        .route(
            "/static/htmx.min.js",
            get(|| async { asset("text/javascript; charset=utf-8", HTMX) }),
        )
        .route(
            "/static/app.js",
            get(|| async { asset("text/javascript; charset=utf-8", APP_JS) }),
        )
        .route(
            "/static/app.css",
            get(|| async { asset("text/css; charset=utf-8", APP_CSS) }),
        );
    (pages, assets)
}

/// The paths of the pages and their assets.
pub fn paths() -> Vec<String> {
    let (pages, assets) = pages();
    pages.merge(assets).paths().to_vec()
}

/// The pages and their assets; their errors are shown as pages.
pub fn router(state: AppState) -> Router<AppState> {
    let errors = axum::middleware::from_fn_with_state(state, errors::as_pages);
    let (pages, assets) = pages();
    pages
        .into_router()
        .route_layer(errors)
        .merge(assets.into_router())
}
