//! The web UI: server-rendered pages (askama) enhanced with htmx and live events.
//! Every asset is embedded in the binary; the CSP allows nothing else.

mod accounts;
mod admin;
mod charts;
mod instances;
mod rate_limit;
pub mod session;

use crate::i18n::{Locale, Msg};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
pub use rate_limit::RateLimiter;
use session::Visitor;

/// What the pages need to know about the server.
#[derive(Default)]
pub struct WebConfig {
    /// Mark cookies `Secure` (the public URL is https).
    pub secure_cookies: bool,
    /// The in-process sandbox's URL, shown in the banner.
    pub sandbox_url: Option<String>,
    /// The in-process sandbox, whose pretend phone "simular leitura" uses.
    pub sandbox: Option<uazapi_sandbox::Sandbox>,
    /// Sign-in attempts per IP and per e-mail.
    pub sign_in_limiter: RateLimiter,
}

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
        }
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

/// The pages and their assets.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(accounts::router())
        .merge(admin::router())
        .merge(instances::router())
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
        )
}
