//! Sign-up, sign-in, sign-out and the language switch.

use super::session::{SignedIn, Visitor};
use super::{PageCtx, message_page, render};
use crate::cookies::{SESSION_COOKIE, cookie, set_cookie};
use crate::error::AppError;
use crate::i18n::Msg;
use crate::services::accounts::{self, NewSession, SESSION_DAYS};
use crate::state::AppState;
use askama::Template;
use axum::extract::{ConnectInfo, State};
use axum::http::header::SET_COOKIE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use std::net::SocketAddr;

pub fn router() -> Router<AppState> {
    Router::new()
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
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Credentials {
    email: String,
    password: String,
    _csrf: String,
}

async fn sign_in_page(State(state): State<AppState>, visitor: Visitor) -> Response {
    if visitor.user.is_some() {
        return Redirect::to("/").into_response();
    }
    render(&AccountPage::new(PageCtx::new(&visitor, &state), false))
}

async fn sign_up_page(State(state): State<AppState>, visitor: Visitor) -> Response {
    if visitor.user.is_some() {
        return Redirect::to("/").into_response();
    }
    render(&AccountPage::new(PageCtx::new(&visitor, &state), true))
}

/// Hands a new session's secret to the browser, and goes home.
fn with_session(state: &AppState, session: &NewSession) -> Response {
    let mut response = Redirect::to("/").into_response();
    response.headers_mut().append(
        SET_COOKIE,
        set_cookie(
            SESSION_COOKIE,
            &session.secret,
            SESSION_DAYS * 86_400,
            state.web.secure_cookies,
            "Lax",
        ),
    );
    response
}

async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
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
    let email = form.email.trim().to_lowercase();
    let limiter = &state.web.sign_in_limiter;
    if !limiter.allow(&format!("ip:{}", peer.ip())) || !limiter.allow(&format!("email:{email}")) {
        return Ok(message_page(
            page,
            StatusCode::TOO_MANY_REQUESTS,
            Msg::SignInTitle,
            Msg::TooManyAttempts,
        ));
    }
    match accounts::sign_in(&state.platform, &form.email, &form.password).await? {
        Some(session) => Ok(with_session(&state, &session)),
        None => {
            let mut template = AccountPage::new(page, false);
            template.email = form.email;
            template.error = Some(visitor.locale.t(Msg::BadCredentials));
            Ok((StatusCode::UNAUTHORIZED, render(&template)).into_response())
        }
    }
}

async fn sign_up(
    State(state): State<AppState>,
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
    match accounts::sign_up(&state.platform, &form.email, &form.password).await {
        Ok(session) => Ok(with_session(&state, &session)),
        Err(AppError::Forbidden) => Ok(message_page(
            page,
            StatusCode::FORBIDDEN,
            Msg::SignUpTitle,
            Msg::SignupsClosed,
        )),
        Err(AppError::Invalid { field, message }) | Err(AppError::Conflict { field, message }) => {
            let mut template = AccountPage::new(page, true);
            template.email = form.email;
            let text = Some(l.t(message));
            if field == "password" {
                template.password_error = text;
            } else {
                template.email_error = text;
            }
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&template)).into_response())
        }
        Err(other) => Err(other),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CsrfOnly {
    _csrf: String,
}

async fn sign_out(
    State(state): State<AppState>,
    parts: Parts,
    visitor: Visitor,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, AppError> {
    visitor.check_csrf(Some(&form._csrf))?;
    if let Some(secret) = cookie(&parts, SESSION_COOKIE) {
        accounts::sign_out(&state.platform, secret).await?;
    }
    let mut response = Redirect::to("/signin").into_response();
    response.headers_mut().append(
        SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", 0, state.web.secure_cookies, "Lax"),
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
