//! Errors of the pages shown as pages. Handlers return the same
//! [`AppError`](crate::error::AppError) as the API; this layer turns its JSON
//! into what a browser can use: a page in the visitor's language, or, for an
//! htmx request, a toast (the page stays as it is).

use super::session::Visitor;
use super::{PageCtx, message_page, toast};
use crate::error::ShownError;
use crate::i18n::Msg;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Middleware for the pages' routes.
pub async fn as_pages(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    // Kept to render the error in the visitor's language; the handler gets the rest.
    let mut kept = Request::new(());
    *kept.headers_mut() = parts.headers.clone();
    *kept.extensions_mut() = parts.extensions.clone();
    let htmx = parts.headers.contains_key("hx-request");
    let response = next.run(Request::from_parts(parts, body)).await;
    let Some(shown) = response.extensions().get::<ShownError>().copied() else {
        return response;
    };
    let status = response.status();
    let (kept, ()) = kept.into_parts();
    let visitor = match Visitor::of(&kept, &state).await {
        Ok(visitor) => visitor,
        // The database is down: say so in the browser's language, without a session.
        Err(_) => Visitor {
            user: None,
            csrf: String::new(),
            csrf_cookie: false,
            cross_site: false,
            csrf_header: None,
            locale: crate::i18n::current_locale(),
        },
    };
    let l = visitor.locale;
    if htmx {
        let mut answer = toast(status.into_response(), l.t(shown.msg), "error");
        // Nothing to swap in: the page keeps what it shows.
        answer
            .headers_mut()
            .insert("hx-reswap", HeaderValue::from_static("none"));
        return answer;
    }
    let title = match status {
        _ if shown.msg == Msg::StaleForm => Msg::ReloadPage,
        StatusCode::NOT_FOUND => Msg::NotFound,
        StatusCode::FORBIDDEN => Msg::Forbidden,
        _ => Msg::ErrorTitle,
    };
    message_page(PageCtx::new(&visitor, &state), status, title, shown.msg)
}
