//! Who is calling: `Authorization: Bearer <api token>` (the browser session joins
//! here when the web UI lands).

use crate::domain::UserId;
use crate::error::AppError;
use crate::services::accounts;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

/// The authenticated caller. Every `/api` handler that touches data takes one, so
/// no query can run without an owner to scope it to.
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// The caller's account.
    pub user_id: UserId,
    /// Whether the caller may manage users.
    pub is_admin: bool,
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or(AppError::Unauthenticated)?;
        let (scheme, secret) = header
            .trim()
            .split_once(' ')
            .ok_or(AppError::Unauthenticated)?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(AppError::Unauthenticated);
        }
        let owner = accounts::authenticate_token(&state.store, secret.trim()).await?;
        Ok(Self {
            user_id: owner.user_id,
            is_admin: owner.is_admin,
        })
    }
}
