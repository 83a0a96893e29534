//! Who is calling: `Authorization: Bearer <api token>`, or the browser's session
//! for reads (the pages' live events).

use crate::cookies::{cookie, session_cookie};
use crate::domain::UserId;
use crate::error::AppError;
use crate::services::{accounts, tokens};
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::Method;
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
        let Some(header) = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
        else {
            // The browser's session also opens reads (the page's live events);
            // changes need a token, so a cross-site form can never make one.
            let safe = parts.method == Method::GET || parts.method == Method::HEAD;
            if let Some(secret) =
                cookie(parts, session_cookie(state.web.secure_cookies)).filter(|_| safe)
                && let Some(user) = accounts::session_user(&state.platform, secret).await?
            {
                return Ok(Self {
                    user_id: user.user_id,
                    is_admin: user.is_admin,
                });
            }
            return Err(AppError::Unauthenticated);
        };
        let (scheme, secret) = header
            .trim()
            .split_once(' ')
            .ok_or(AppError::Unauthenticated)?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(AppError::Unauthenticated);
        }
        let owner = tokens::authenticate(&state.platform, secret.trim()).await?;
        Ok(Self {
            user_id: owner.user_id,
            is_admin: owner.is_admin,
        })
    }
}
