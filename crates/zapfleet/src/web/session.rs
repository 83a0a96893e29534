//! Who is browsing (their session and language), and CSRF protection.
//!
//! The session cookie holds a random secret; the database keeps its SHA-256.
//! Every form and htmx request carries a CSRF token (a field `_csrf` or the
//! `X-CSRF-Token` header). For a signed-in visitor the token is an HMAC of the
//! session secret under a key derived from the server's key: bound to the
//! session, new at every sign-in, never stored. Before sign-in it is the random
//! value of the CSRF cookie (double submit). Independently, a request the
//! browser marks as cross-site (`Sec-Fetch-Site`) or whose `Origin` is not this
//! server is refused.

use crate::cookies::{cookie, csrf_cookie, session_cookie, set_cookie};
use crate::error::AppError;
use crate::i18n::Locale;
use crate::services::accounts::{self, SessionUser};
use crate::services::forwarding::hmac_sha256;
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
    let name = csrf_cookie(state.web.secure_cookies);
    let existing = cookie(&parts, name)
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
                name,
                &token,
                365 * 86_400,
                state.web.secure_cookies,
                "Strict",
            ),
        );
    }
    response
}

/// The CSRF token of a session: an HMAC of its secret (43 base64url characters).
fn session_csrf(state: &AppState, session_secret: &str) -> String {
    use base64::Engine;
    let key = state.platform.secrets.derived_key("csrf");
    let mac = hmac_sha256(&key, session_secret.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac)
}

/// Whether the browser says the request comes from another site. Browsers
/// that send `Sec-Fetch-Site` are believed (`cross-site`/`same-site` are
/// refused). Older ones are judged by `Origin`: one that is neither the public
/// URL's nor the requested host's (a proxy may rewrite `Host`, hence both) is
/// refused. `Origin: null` is what our own `no-referrer` policy makes browsers
/// send for our forms, so it proves nothing either way; the token still must match.
fn from_elsewhere(parts: &Parts, public_url: &str) -> bool {
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = header("sec-fetch-site") {
        return matches!(site, "cross-site" | "same-site");
    }
    match header("origin") {
        None | Some("null") => false,
        Some(origin) => {
            let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
            let public = public_url.trim_end_matches('/');
            !origin.eq_ignore_ascii_case(public)
                && !header("host").is_some_and(|host| origin_host.eq_ignore_ascii_case(host))
        }
    }
}

/// A form that carries nothing but its CSRF token (a button that acts).
#[derive(Debug, serde::Deserialize, Default)]
#[serde(default)]
pub struct CsrfOnly {
    /// The token the page put in the form.
    pub _csrf: String,
}

/// Who is browsing: maybe signed in, always with a CSRF token and a language.
#[derive(Debug, Clone)]
pub struct Visitor {
    /// The signed-in user, if any.
    pub user: Option<SessionUser>,
    /// The CSRF token to put in forms.
    pub csrf: String,
    /// Whether the token can match: the visitor is signed in, or the browser
    /// already had the CSRF cookie.
    pub csrf_cookie: bool,
    /// The browser says the request comes from another site.
    pub cross_site: bool,
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
        if !self.cross_site
            && self.csrf_cookie
            && !self.csrf.is_empty()
            && crate::crypto::same_text(&self.csrf, submitted)
        {
            Ok(())
        } else if !self.cross_site && self.user.is_some() && !submitted.is_empty() {
            // Signed in, same site, a token that is not this session's: the page
            // was loaded under an older session (a stale tab).
            Err(AppError::StaleForm)
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The visitor of a request (one session lookup when a session cookie is sent).
    pub async fn of(parts: &Parts, state: &AppState) -> Result<Self, AppError> {
        let secure = state.web.secure_cookies;
        let session = cookie(parts, session_cookie(secure));
        let user = match session {
            Some(secret) => accounts::session_user(&state.platform, secret).await?,
            None => None,
        };
        let anonymous_csrf = || {
            parts
                .extensions
                .get::<CsrfToken>()
                .map(|t| t.0.clone())
                .unwrap_or_default()
        };
        let (csrf, csrf_cookie) = match (&user, session) {
            (Some(_), Some(secret)) => (session_csrf(state, secret), true),
            _ => (
                anonymous_csrf(),
                cookie(parts, csrf_cookie(secure)).is_some(),
            ),
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
            csrf,
            csrf_cookie,
            cross_site: from_elsewhere(parts, &state.platform.public_url),
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
