//! Sign-up, sign-in, sign-out and the language switch.

use super::session::{SESSION_COOKIE, SESSION_DAYS, SignedIn, Visitor, cookie, set_cookie};
use super::{PageCtx, message_page, render};
use crate::domain::{Timestamp, UserId};
use crate::error::AppError;
use crate::i18n::Msg;
use crate::services::accounts;
use crate::services::webhooks::secret_hash;
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

/// Starts a session: cookie with a random secret, its hash in the database.
async fn start_session(state: &AppState, user: &UserId) -> Result<Response, AppError> {
    let secret = nanoid::nanoid!(43);
    let expires = Timestamp::from_millis(Timestamp::now().millis() + SESSION_DAYS * 86_400_000);
    state
        .store
        .insert_session(&secret_hash(&secret), user, expires)
        .await?;
    let mut response = Redirect::to("/").into_response();
    response.headers_mut().append(
        SET_COOKIE,
        set_cookie(
            SESSION_COOKIE,
            &secret,
            SESSION_DAYS * 86_400,
            state.web.secure_cookies,
            "Lax",
        ),
    );
    Ok(response)
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
    let user = accounts::find_user(&state.store, &email).await.ok();
    // Hash even for unknown e-mails, so timing does not tell which exist.
    let hash = user
        .as_ref()
        .map_or("$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$aGFzaA", |u| {
            u.password_hash.as_str()
        });
    let valid = accounts::verify_password(&form.password, hash).await;
    match user {
        Some(user) if valid && !user.disabled => start_session(&state, &user.id).await,
        _ => {
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
    let first = state.store.count_users().await? == 0;
    if !first && state.store.setting("signups_open").await?.as_deref() == Some("false") {
        return Ok(message_page(
            page,
            StatusCode::FORBIDDEN,
            Msg::SignUpTitle,
            Msg::SignupsClosed,
        ));
    }
    // The first account administers the server.
    match accounts::create_user(&state.store, &form.email, &form.password, first).await {
        Ok(user) => start_session(&state, &user.id).await,
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
        state.store.delete_session(&secret_hash(secret)).await?;
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
    state
        .store
        .set_locale(&signed.user.user_id, signed.user.locale.other())
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
