//! `/api/docs`: the API's browsable page, its controls in the visitor's
//! language (the descriptions come from the OpenAPI document, in English).
//! Its script and style are served by the API's routes.

use super::render;
use super::session::Visitor;
use crate::i18n::{Locale, Msg};
use crate::routes::Routes;
use crate::state::AppState;
use askama::Template;
use axum::response::Response;
use axum::routing::get;

pub fn routes() -> Routes<AppState> {
    Routes::new().route("/api/docs", get(page))
}

#[derive(Template)]
#[template(path = "api_docs.html")]
struct DocsPage {
    l: Locale,
    /// The script's words, as JSON.
    texts: String,
}

async fn page(visitor: Visitor) -> Response {
    let l = visitor.locale;
    let t = |m| l.t(m);
    let texts = serde_json::json!({
        "field": t(Msg::DocsField),
        "type": t(Msg::DocsType),
        "description": t(Msg::DocsDescription),
        "send": t(Msg::DocsSend),
        "name": t(Msg::DocsName),
        "where": t(Msg::DocsWhere),
        "value": t(Msg::DocsValue),
        "responses": t(Msg::DocsResponses),
        "version": t(Msg::DocsVersion),
        "loadFailed": t(Msg::DocsLoadFailed),
    })
    .to_string();
    render(&DocsPage { l, texts })
}
