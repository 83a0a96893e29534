//! Browser sessions and CSRF protection.
//!
//! The session cookie (`zf_session`, HttpOnly, SameSite=Lax, Secure behind https)
//! holds a random secret; the database keeps its SHA-256. Every form and htmx
//! request carries the CSRF token of the `zf_csrf` cookie (double submit: a field
//! `_csrf` or the `X-CSRF-Token` header must equal the cookie).

use crate::error::AppError;
use crate::i18n::Locale;
use crate::services::webhooks::secret_hash;
use crate::state::AppState;
use crate::store::SessionUser;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::HeaderValue;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

/// The session cookie.
pub const SESSION_COOKIE: &str = "zf_session";
/// The CSRF cookie.
pub const CSRF_COOKIE: &str = "zf_csrf";
/// Sessions last 30 days.
pub const SESSION_DAYS: i64 = 30;

/// A cookie's value from the request.
pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// A `Set-Cookie` value.
pub fn set_cookie(
    name: &str,
    value: &str,
    max_age_secs: i64,
    secure: bool,
    same_site: &str,
) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let text = format!(
        "{name}={value}; Path=/; HttpOnly; SameSite={same_site}; Max-Age={max_age_secs}{secure}"
    );
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The request's CSRF token (from its cookie, or a new one the response sets).
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

/// Middleware: makes sure every browser has a CSRF cookie, and refuses unsafe
/// requests to pages whose token does not match it (forms check their `_csrf`
/// field in the handler, since the body is read there).
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

/// Checks a submitted token against the cookie, in constant time.
pub fn verify_csrf(
    parts_token: Option<&CsrfToken>,
    cookie_present: bool,
    submitted: &str,
) -> Result<(), AppError> {
    match parts_token {
        Some(CsrfToken(expected))
            if cookie_present
                && expected.len() == submitted.len()
                && expected
                    .bytes()
                    .zip(submitted.bytes())
                    .fold(0, |a, (x, y)| a | (x ^ y))
                    == 0 =>
        {
            Ok(())
        }
        _ => Err(AppError::Forbidden),
    }
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
            .or(self.csrf_header.as_deref())
            .unwrap_or_default();
        verify_csrf(
            Some(&CsrfToken(self.csrf.clone())),
            self.csrf_cookie,
            submitted,
        )
    }
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let user = match cookie(parts, SESSION_COOKIE) {
            Some(secret) => state.store.find_session(&secret_hash(secret)).await?,
            None => None,
        };
        let csrf = parts
            .extensions
            .get::<CsrfToken>()
            .map(|t| t.0.clone())
            .unwrap_or_default();
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
            csrf_cookie: cookie(parts, CSRF_COOKIE).is_some(),
            csrf_header: parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            user,
            csrf,
        })
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
        let visitor = Visitor::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        match visitor.user.clone() {
            Some(user) => Ok(Self { visitor, user }),
            None => Err(ToSignIn.into_response()),
        }
    }
}
