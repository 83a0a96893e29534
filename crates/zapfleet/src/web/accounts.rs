//! Sign-up, sign-in, sign-out and the language switch.

use super::session::{CsrfOnly, SignedIn, Visitor};
use super::{PageCtx, message_page, render};
use crate::client_ip::ClientIp;
use crate::cookies::{cookie, csrf_cookie, session_cookie, set_cookie};
use crate::error::AppError;
use crate::i18n::Msg;
use crate::routes::Routes;
use crate::services::accounts::{self, NewSession, SESSION_DAYS, SignIn, SignUp};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::header::RETRY_AFTER;
use axum::http::header::SET_COOKIE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

pub fn routes() -> Routes<AppState> {
    Routes::new()
        .route("/signin", get(sign_in_page).post(sign_in))
        .route("/signup", get(sign_up_page).post(sign_up))
        .route("/signout", post(sign_out))
        .route("/locale", post(switch_locale))
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    page: PageCtx,
    signup: bool,
    email: String,
    error: Option<&'static str>,
    email_error: Option<&'static str>,
    password_error: Option<&'static str>,
    /// The first account must type the setup code printed in the log.
    setup_needed: bool,
    setup_error: Option<&'static str>,
}

impl AccountPage {
    fn new(page: PageCtx, signup: bool) -> Self {
        Self {
            page,
            signup,
            email: String::new(),
            error: None,
            email_error: None,
            password_error: None,
            setup_needed: false,
            setup_error: None,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Credentials {
    email: String,
    password: String,
    setup: Option<String>,
    time_zone: Option<String>,
    _csrf: String,
}

async fn sign_in_page(State(state): State<AppState>, visitor: Visitor) -> Response {
    if visitor.user.is_some() {
        return Redirect::to("/").into_response();
    }
    render(&AccountPage::new(PageCtx::new(&visitor, &state), false))
}

async fn sign_up_page(
    State(state): State<AppState>,
    visitor: Visitor,
) -> Result<Response, AppError> {
    if visitor.user.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    let mut template = AccountPage::new(PageCtx::new(&visitor, &state), true);
    template.setup_needed = setup_needed(&state).await?;
    Ok(render(&template))
}

/// Whether the sign-up form asks for the setup code (no account yet, and the
/// server has a code).
async fn setup_needed(state: &AppState) -> Result<bool, AppError> {
    Ok(state.web.setup_token.is_some() && !accounts::has_accounts(&state.platform).await?)
}

/// "Too many attempts", with `Retry-After` when the wait is known.
fn too_many(page: PageCtx, title: Msg, retry_after_secs: Option<i64>) -> Response {
    let mut response = message_page(
        page,
        StatusCode::TOO_MANY_REQUESTS,
        title,
        Msg::TooManyAttempts,
    );
    if let Some(seconds) = retry_after_secs {
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(seconds.max(1)));
    }
    response
}

/// Hands a new session's secret to the browser, and goes home. The anonymous
/// CSRF cookie is dropped: from now on the token is derived from the session,
/// so one planted before sign-in is worth nothing after it.
fn with_session(state: &AppState, session: &NewSession) -> Response {
    let secure = state.web.secure_cookies;
    let mut response = Redirect::to("/").into_response();
    let headers = response.headers_mut();
    headers.append(
        SET_COOKIE,
        set_cookie(
            session_cookie(secure),
            &session.secret,
            SESSION_DAYS * 86_400,
            secure,
            "Lax",
        ),
    );
    headers.append(
        SET_COOKIE,
        set_cookie(csrf_cookie(secure), "", 0, secure, "Strict"),
    );
    response
}

async fn sign_in(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    visitor: Visitor,
    Form(form): Form<Credentials>,
) -> Result<Response, AppError> {
    let page = PageCtx::new(&visitor, &state);
    if visitor.check_csrf(Some(&form._csrf)).is_err() {
        return Ok(message_page(
            page,
            StatusCode::FORBIDDEN,
            Msg::SignInTitle,
            Msg::CsrfFailed,
        ));
    }
    match accounts::sign_in(&state.platform, &form.email, &form.password, client).await? {
        SignIn::Session(session) => Ok(with_session(&state, &session)),
        SignIn::Wait(until) => {
            let seconds = (until.millis_since(state.platform.now()) + 999) / 1000;
            Ok(too_many(page, Msg::SignInTitle, Some(seconds)))
        }
        SignIn::Refused => {
            let mut template = AccountPage::new(page, false);
            template.email = form.email;
            template.error = Some(visitor.locale.t(Msg::BadCredentials));
            Ok((StatusCode::UNAUTHORIZED, render(&template)).into_response())
        }
    }
}

async fn sign_up(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    visitor: Visitor,
    Form(form): Form<Credentials>,
) -> Result<Response, AppError> {
    let page = PageCtx::new(&visitor, &state);
    let l = visitor.locale;
    if visitor.check_csrf(Some(&form._csrf)).is_err() {
        return Ok(message_page(
            page,
            StatusCode::FORBIDDEN,
            Msg::SignUpTitle,
            Msg::CsrfFailed,
        ));
    }
    let attempt = SignUp {
        email: &form.email,
        password: &form.password,
        setup_token: form.setup.as_deref(),
        client,
        time_zone: form.time_zone.as_deref(),
    };
    let setup_token = state.web.setup_token.as_deref();
    match accounts::sign_up(&state.platform, setup_token, attempt).await {
        Ok(session) => Ok(with_session(&state, &session)),
        Err(AppError::TooManyRequests) => Ok(too_many(page, Msg::SignUpTitle, None)),
        Err(AppError::Forbidden) => Ok(message_page(
            page,
            StatusCode::FORBIDDEN,
            Msg::SignUpTitle,
            Msg::SignupsClosed,
        )),
        Err(AppError::Invalid { field, message }) | Err(AppError::Conflict { field, message }) => {
            let mut template = AccountPage::new(page, true);
            template.email = form.email;
            template.setup_needed = setup_needed(&state).await?;
            let text = Some(l.t(message));
            match field {
                "password" => template.password_error = text,
                "setup" => template.setup_error = text,
                _ => template.email_error = text,
            }
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&template)).into_response())
        }
        Err(other) => Err(other),
    }
}

async fn sign_out(
    State(state): State<AppState>,
    parts: Parts,
    visitor: Visitor,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, AppError> {
    visitor.check_csrf(Some(&form._csrf))?;
    let secure = state.web.secure_cookies;
    if let Some(secret) = cookie(&parts, session_cookie(secure)) {
        accounts::sign_out(&state.platform, secret).await?;
    }
    let mut response = Redirect::to("/signin").into_response();
    response.headers_mut().append(
        SET_COOKIE,
        set_cookie(session_cookie(secure), "", 0, secure, "Lax"),
    );
    Ok(response)
}

async fn switch_locale(
    State(state): State<AppState>,
    signed: SignedIn,
    headers: HeaderMap,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, AppError> {
    signed.visitor.check_csrf(Some(&form._csrf))?;
    accounts::set_locale(
        &state.platform,
        &signed.user.user_id,
        signed.user.locale.other(),
    )
    .await?;
    // Back where the switch was pressed, if that was one of our pages.
    let back = headers
        .get("referer")
        .and_then(|v| v.to_str().ok())
        .and_then(|r| {
            r.find("://")
                .and_then(|i| r[i + 3..].find('/').map(|j| r[i + 3 + j..].to_owned()))
        })
        .filter(|p| p.starts_with('/') && !p.starts_with("//"))
        .unwrap_or_else(|| "/".to_owned());
    Ok(Redirect::to(&back).into_response())
}
