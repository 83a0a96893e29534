//! The API tokens page (every user) and the administration page (admins).

use super::format::When;
use super::session::SignedIn;
use super::{PageCtx, message_page, render};
use crate::domain::{TokenId, UserId};
use crate::error::AppError;
use crate::i18n::Msg;
use crate::routes::Routes;
use crate::services::{accounts, tokens, user_deletion};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

pub fn routes() -> Routes<AppState> {
    Routes::new()
        .route("/tokens", get(tokens_page).post(create_token))
        .route("/tokens/{id}/revoke", post(revoke_token))
        .route("/admin", get(admin_page))
        .route("/admin/users/{id}/disabled", post(set_disabled))
        .route("/admin/users/{id}/delete", post(delete_user))
        .route("/admin/signups", post(set_signups))
}

/// A token line for the page.
struct TokenLine {
    id: String,
    name: String,
    prefix: String,
    created: When,
    last_used: Option<When>,
    revoked: bool,
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    page: PageCtx,
    tokens: Vec<TokenLine>,
    new_secret: Option<String>,
    name_error: Option<&'static str>,
}

async fn tokens_view(
    state: &AppState,
    signed: &SignedIn,
    new_secret: Option<String>,
    name_error: Option<&'static str>,
) -> Result<Response, AppError> {
    let (zone, l) = (&signed.user.time_zone, signed.visitor.locale);
    let tokens = tokens::list(&state.platform, &signed.user.user_id)
        .await?
        .into_iter()
        .map(|t| TokenLine {
            id: t.id.to_string(),
            name: t.name,
            prefix: t.prefix,
            created: When::of(t.created_at, zone, l),
            last_used: t.last_used_at.map(|at| When::of(at, zone, l)),
            revoked: t.revoked_at.is_some(),
        })
        .collect();
    Ok(render(&TokensPage {
        page: PageCtx::new(&signed.visitor, state),
        tokens,
        new_secret,
        name_error,
    }))
}

async fn tokens_page(
    State(state): State<AppState>,
    signed: SignedIn,
) -> Result<Response, AppError> {
    tokens_view(&state, &signed, None, None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TokenForm {
    name: String,
    _csrf: String,
}

async fn create_token(
    State(state): State<AppState>,
    signed: SignedIn,
    Form(form): Form<TokenForm>,
) -> Result<Response, AppError> {
    signed.visitor.check_csrf(Some(&form._csrf))?;
    match tokens::issue(&state.platform, &signed.user.user_id, &form.name).await {
        // Shown once, in this answer only.
        Ok(token) => tokens_view(&state, &signed, Some(token.secret), None).await,
        Err(AppError::Invalid { message, .. }) => {
            tokens_view(
                &state,
                &signed,
                None,
                Some(signed.visitor.locale.t(message)),
            )
            .await
        }
        Err(other) => Err(other),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CsrfForm {
    _csrf: String,
    value: String,
}

async fn revoke_token(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    signed.visitor.check_csrf(Some(&form._csrf))?;
    // Revoking what is already revoked changes nothing: back to the list either way.
    match tokens::revoke(
        &state.platform,
        &signed.user.user_id,
        &TokenId::from_raw(id),
    )
    .await
    {
        Ok(()) | Err(AppError::NotFound) => Ok(Redirect::to("/tokens").into_response()),
        Err(other) => Err(other),
    }
}

/// A user line for the admin page.
struct UserLine {
    id: String,
    email: String,
    admin: bool,
    disabled: bool,
    created: When,
    me: bool,
}

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    page: PageCtx,
    users: Vec<UserLine>,
    signups_open: bool,
}

fn forbidden(state: &AppState, signed: &SignedIn) -> Response {
    message_page(
        PageCtx::new(&signed.visitor, state),
        StatusCode::FORBIDDEN,
        Msg::NavAdmin,
        Msg::AdminsOnly,
    )
}

async fn admin_page(State(state): State<AppState>, signed: SignedIn) -> Result<Response, AppError> {
    if !signed.user.is_admin {
        return Ok(forbidden(&state, &signed));
    }
    let users = accounts::list_users(&state.platform)
        .await?
        .into_iter()
        .map(|u| UserLine {
            me: u.id == signed.user.user_id,
            id: u.id.to_string(),
            email: u.email.to_string(),
            admin: u.is_admin,
            disabled: u.disabled,
            created: When::of(u.created_at, &signed.user.time_zone, signed.visitor.locale),
        })
        .collect();
    let signups_open = accounts::signups_open(&state.platform).await?;
    Ok(render(&AdminPage {
        page: PageCtx::new(&signed.visitor, &state),
        users,
        signups_open,
    }))
}

async fn set_disabled(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    signed.visitor.check_csrf(Some(&form._csrf))?;
    if !signed.user.is_admin {
        return Ok(forbidden(&state, &signed));
    }
    accounts::set_disabled(
        &state.platform,
        &signed.user,
        &UserId::from_raw(id),
        form.value == "true",
    )
    .await?;
    Ok(Redirect::to("/admin").into_response())
}

/// Deletes an account (the page asked for confirmation): its instances are
/// logged out and deleted at the provider too.
async fn delete_user(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    signed.visitor.check_csrf(Some(&form._csrf))?;
    if !signed.user.is_admin {
        return Ok(forbidden(&state, &signed));
    }
    user_deletion::delete_by_admin(&state.platform, &signed.user, &UserId::from_raw(id)).await?;
    Ok(Redirect::to("/admin").into_response())
}

async fn set_signups(
    State(state): State<AppState>,
    signed: SignedIn,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    signed.visitor.check_csrf(Some(&form._csrf))?;
    if !signed.user.is_admin {
        return Ok(forbidden(&state, &signed));
    }
    accounts::set_signups_open(&state.platform, &signed.user, form.value == "true").await?;
    Ok(Redirect::to("/admin").into_response())
}
