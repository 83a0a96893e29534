//! Who is browsing (their session and language), and CSRF protection.
//!
//! The session cookie holds a random secret; the database keeps its SHA-256.
//! Every form and htmx request carries the CSRF token of the CSRF cookie (double
//! submit: a field `_csrf` or the `X-CSRF-Token` header must equal the cookie).

use crate::cookies::{CSRF_COOKIE, SESSION_COOKIE, cookie, set_cookie};
use crate::error::AppError;
use crate::i18n::Locale;
use crate::services::accounts::{self, SessionUser};
use crate::state::AppState;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::HeaderValue;
use axum::http::header::SET_COOKIE;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

/// The request's CSRF token (from its cookie, or a new one the response sets).
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

/// Middleware: makes sure every browser has a CSRF cookie (forms check their
/// `_csrf` field in the handler, since the body is read there).
pub async fn csrf(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let existing = cookie(&parts, CSRF_COOKIE)
        .filter(|v| v.len() >= 32)
        .map(str::to_owned);
    let token = existing.clone().unwrap_or_else(|| nanoid::nanoid!(43));
    parts.extensions.insert(CsrfToken(token.clone()));
    let request = Request::from_parts(parts, body);
    let mut response = next.run(request).await;
    if existing.is_none() {
        response.headers_mut().append(
            SET_COOKIE,
            set_cookie(
                CSRF_COOKIE,
                &token,
                365 * 86_400,
                state.web.secure_cookies,
                "Strict",
            ),
        );
    }
    response
}

/// Compares in constant time.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Who is browsing: maybe signed in, always with a CSRF token and a language.
#[derive(Debug, Clone)]
pub struct Visitor {
    /// The signed-in user, if any.
    pub user: Option<SessionUser>,
    /// The CSRF token to put in forms.
    pub csrf: String,
    /// Whether the browser already had the CSRF cookie (a form can only match if so).
    pub csrf_cookie: bool,
    /// The `X-CSRF-Token` header, for htmx requests.
    pub csrf_header: Option<String>,
    /// The page language: the user's choice, else `Accept-Language`.
    pub locale: Locale,
}

impl Visitor {
    /// Checks the CSRF token of an unsafe request (the form field, else the header).
    pub fn check_csrf(&self, form_token: Option<&str>) -> Result<(), AppError> {
        let submitted = form_token
            .filter(|t| !t.is_empty())
            .or(self.csrf_header.as_deref())
            .unwrap_or_default();
        if self.csrf_cookie && !self.csrf.is_empty() && same(&self.csrf, submitted) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The visitor of a request (one session lookup when a session cookie is sent).
    pub async fn of(parts: &Parts, state: &AppState) -> Result<Self, AppError> {
        let user = match cookie(parts, SESSION_COOKIE) {
            Some(secret) => accounts::session_user(&state.platform, secret).await?,
            None => None,
        };
        let accept = parts
            .headers
            .get("accept-language")
            .and_then(|v| v.to_str().ok())
            .map(Locale::from_accept_language);
        Ok(Self {
            locale: user
                .as_ref()
                .map(|u| u.locale)
                .or(accept)
                .unwrap_or_default(),
            csrf: parts
                .extensions
                .get::<CsrfToken>()
                .map(|t| t.0.clone())
                .unwrap_or_default(),
            csrf_cookie: cookie(parts, CSRF_COOKIE).is_some(),
            csrf_header: parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            user,
        })
    }
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        Self::of(parts, state).await
    }
}

/// A signed-in visitor; anyone else is sent to the sign-in page.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The visitor.
    pub visitor: Visitor,
    /// The user.
    pub user: SessionUser,
}

/// Where signed-out visitors go.
pub struct ToSignIn;

impl IntoResponse for ToSignIn {
    fn into_response(self) -> Response {
        let mut response = Redirect::to("/signin").into_response();
        // htmx follows this header instead of swapping the sign-in page into a fragment.
        response
            .headers_mut()
            .insert("hx-redirect", HeaderValue::from_static("/signin"));
        response
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let visitor = Visitor::of(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        match visitor.user.clone() {
            Some(user) => Ok(Self { visitor, user }),
            None => Err(ToSignIn.into_response()),
        }
    }
}
