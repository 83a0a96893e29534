//! API tokens: issuing (the secret is shown once), checking, listing, revoking.

use super::audit::{self, Actor, Target};
use super::platform::Platform;
use crate::crypto::sha256_hex as secret_hash;
use crate::domain::{AuditAction, TokenId, TokenName, UserId};
use crate::error::AppError;
use crate::store::{NewToken, TokenOwner, TokenRecord};

/// Every token starts with this, so leaked tokens are easy to grep for.
pub const TOKEN_PREFIX: &str = "zf_";
/// Random characters after the prefix (URL-safe alphabet: 258 bits).
const TOKEN_RANDOM_CHARS: usize = 43;
/// A used token's `lastUsedAt` is written at most this often, to keep reads read-only.
const TOUCH_INTERVAL_MS: i64 = 60_000;

/// A token just issued: the secret is here and nowhere else.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// The stored token's id.
    pub id: TokenId,
    /// The secret to hand to the user, once.
    pub secret: String,
}

/// Issues a new API token for a user.
pub async fn issue(
    platform: &Platform,
    user: &UserId,
    name: &str,
) -> Result<IssuedToken, AppError> {
    let name = TokenName::parse(name).map_err(|e| AppError::invalid("name", e))?;
    let secret = format!("{TOKEN_PREFIX}{}", nanoid::nanoid!(TOKEN_RANDOM_CHARS));
    let prefix: String = secret.chars().take(TOKEN_PREFIX.len() + 6).collect();
    let target_name = name.as_str().to_owned();
    let new = NewToken {
        user_id: user.clone(),
        name,
        hash: secret_hash(&secret),
        prefix: prefix.clone(),
    };
    let id = platform.store.insert_token(new, platform.now()).await?;
    // The prefix names the token without revealing it (it is shown on the page too).
    let target = Target::new(&id, Some(&target_name));
    let detail = serde_json::json!({"prefix": prefix});
    audit::record(
        platform,
        Actor::user(user),
        AuditAction::TokenCreated,
        target,
        detail,
    )
    .await;
    Ok(IssuedToken { id, secret })
}

/// Who a bearer token belongs to; `Unauthenticated` for unknown, revoked or
/// disabled-owner tokens. A token checked in the last seconds is not looked up
/// again (revoking it or disabling its owner here forgets it at once; see
/// [`TokenCache`](super::token_cache::TokenCache)).
pub async fn authenticate(platform: &Platform, secret: &str) -> Result<TokenOwner, AppError> {
    if !secret.starts_with(TOKEN_PREFIX) || secret.len() > 200 {
        return Err(AppError::Unauthenticated);
    }
    let hash = secret_hash(secret);
    let owner = match platform.tokens.get(&hash) {
        Some(owner) => owner,
        None => {
            let generation = platform.tokens.generation();
            let owner = platform
                .store
                .find_token_owner(&hash)
                .await?
                .ok_or(AppError::Unauthenticated)?;
            platform.tokens.put(&hash, owner.clone(), generation);
            owner
        }
    };
    let now = platform.now();
    if owner
        .last_used_at
        .is_none_or(|t| now.millis_since(t) > TOUCH_INTERVAL_MS)
    {
        // Bookkeeping only: a failure here must not fail the request.
        match platform.store.touch_token(&owner.token_id, now).await {
            Ok(()) => platform.tokens.touched(&hash, now),
            Err(error) => tracing::warn!(%error, "could not record token use"),
        }
    }
    Ok(owner)
}

/// The user's tokens, newest first (never the secrets, which are not stored).
pub async fn list(platform: &Platform, user: &UserId) -> Result<Vec<TokenRecord>, AppError> {
    Ok(platform.store.list_tokens(user).await?)
}

/// Revokes one of the user's tokens; 404 if there is no such live token.
pub async fn revoke(platform: &Platform, user: &UserId, id: &TokenId) -> Result<(), AppError> {
    if platform
        .store
        .revoke_token(user, id, platform.now())
        .await?
    {
        platform.tokens.forget_token(id);
        let target = Target::new(id, None);
        audit::record(
            platform,
            Actor::user(user),
            AuditAction::TokenRevoked,
            target,
            serde_json::json!({}),
        )
        .await;
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}
