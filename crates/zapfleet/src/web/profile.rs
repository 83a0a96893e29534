//! The account page: time zone, password, other sessions.

use super::session::{CsrfOnly, SignedIn};
use super::{PageCtx, render};
use crate::cookies::{cookie, session_cookie};
use crate::domain::TimeZone;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::routes::Routes;
use crate::services::profile;
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

pub fn routes() -> Routes<AppState> {
    Routes::new()
        .route("/account", get(page))
        .route("/account/time-zone", post(set_time_zone))
        .route("/account/password", post(change_password))
        .route("/account/sessions/end-others", post(end_other_sessions))
}

/// Brazil's zones, offered first (most users are there).
const BRAZIL: [&str; 16] = [
    "America/Sao_Paulo",
    "America/Bahia",
    "America/Fortaleza",
    "America/Recife",
    "America/Maceio",
    "America/Belem",
    "America/Araguaina",
    "America/Santarem",
    "America/Manaus",
    "America/Cuiaba",
    "America/Campo_Grande",
    "America/Porto_Velho",
    "America/Boa_Vista",
    "America/Rio_Branco",
    "America/Eirunepe",
    "America/Noronha",
];

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage {
    page: PageCtx,
    time_zone: String,
    brazil: Vec<&'static str>,
    others: Vec<String>,
    sessions: i64,
    notice: Option<&'static str>,
    time_zone_error: Option<&'static str>,
    current_error: Option<&'static str>,
    password_error: Option<String>,
}

impl ProfilePage {
    /// Whether this zone is the user's (selected in the picker).
    fn is_current(&self, zone: impl AsRef<str>) -> bool {
        zone.as_ref() == self.time_zone
    }
}

/// Which form's message the page shows.
#[derive(Default)]
struct Outcome {
    notice: Option<Msg>,
    time_zone_error: Option<Msg>,
    current_error: Option<Msg>,
    password_error: Option<String>,
}

async fn view(
    state: &AppState,
    signed: &SignedIn,
    status: StatusCode,
    outcome: Outcome,
) -> Result<Response, AppError> {
    let l = signed.visitor.locale;
    let facts = profile::profile(&state.platform, &signed.user.user_id).await?;
    let others = TimeZone::all_names()
        .into_iter()
        .filter(|n| !BRAZIL.contains(&n.as_str()))
        .collect();
    let page = ProfilePage {
        page: PageCtx::new(&signed.visitor, state),
        time_zone: facts.time_zone.name().to_owned(),
        brazil: BRAZIL.to_vec(),
        others,
        sessions: facts.sessions,
        notice: outcome.notice.map(|m| l.t(m)),
        time_zone_error: outcome.time_zone_error.map(|m| l.t(m)),
        current_error: outcome.current_error.map(|m| l.t(m)),
        password_error: outcome.password_error,
    };
    Ok((status, render(&page)).into_response())
}

async fn page(State(state): State<AppState>, signed: SignedIn) -> Result<Response, AppError> {
    view(&state, &signed, StatusCode::OK, Outcome::default()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TimeZoneForm {
    time_zone: String,
    _csrf: String,
}

async fn set_time_zone(
    State(state): State<AppState>,
    signed: SignedIn,
    Form(form): Form<TimeZoneForm>,
) -> Result<Response, AppError> {
    signed.visitor.check_csrf(Some(&form._csrf))?;
    match profile::set_time_zone(&state.platform, &signed.user.user_id, &form.time_zone).await {
        Ok(()) => {
            let outcome = Outcome {
                notice: Some(Msg::TimeZoneSaved),
                ..Outcome::default()
            };
            view(&state, &signed, StatusCode::OK, outcome).await
        }
        Err(AppError::Invalid { message, .. }) => {
            let outcome = Outcome {
                time_zone_error: Some(message),
                ..Outcome::default()
            };
            view(&state, &signed, StatusCode::UNPROCESSABLE_ENTITY, outcome).await
        }
        Err(other) => Err(other),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PasswordForm {
    current_password: String,
    password: String,
    _csrf: String,
}

/// The secret in the visitor's session cookie (a signed-in visitor has one).
fn session_secret<'a>(state: &AppState, parts: &'a Parts) -> Result<&'a str, AppError> {
    cookie(parts, session_cookie(state.web.secure_cookies)).ok_or(AppError::Unauthenticated)
}

async fn change_password(
    State(state): State<AppState>,
    parts: Parts,
    signed: SignedIn,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    signed.visitor.check_csrf(Some(&form._csrf))?;
    let secret = session_secret(&state, &parts)?;
    let result = profile::change_password(
        &state.platform,
        &signed.user.user_id,
        secret,
        &form.current_password,
        &form.password,
    )
    .await;
    let l = signed.visitor.locale;
    let (status, outcome) = match result {
        Ok(()) => (
            StatusCode::OK,
            Outcome {
                notice: Some(Msg::PasswordChanged),
                ..Outcome::default()
            },
        ),
        Err(AppError::Invalid {
            field: "currentPassword",
            message,
        }) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Outcome {
                current_error: Some(message),
                ..Outcome::default()
            },
        ),
        Err(AppError::Invalid { message, .. }) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Outcome {
                password_error: Some(message.text(l).to_owned()),
                ..Outcome::default()
            },
        ),
        Err(other) => return Err(other),
    };
    view(&state, &signed, status, outcome).await
}

async fn end_other_sessions(
    State(state): State<AppState>,
    parts: Parts,
    signed: SignedIn,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, AppError> {
    signed.visitor.check_csrf(Some(&form._csrf))?;
    let secret = session_secret(&state, &parts)?;
    profile::end_other_sessions(&state.platform, &signed.user.user_id, secret).await?;
    let outcome = Outcome {
        notice: Some(Msg::SessionsEnded),
        ..Outcome::default()
    };
    view(&state, &signed, StatusCode::OK, outcome).await
}
