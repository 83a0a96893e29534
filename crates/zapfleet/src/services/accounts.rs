//! Users and API tokens: creating accounts, hashing passwords, issuing and checking tokens.

use crate::domain::{Email, Password, Timestamp, TokenId, TokenName, UserId};
use crate::error::AppError;
use crate::i18n::Msg;
use crate::store::{NewToken, NewUser, Store, StoreError, TokenOwner, UserRecord};
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use sha2::{Digest, Sha256};

/// Every token starts with this, so leaked tokens are easy to grep for.
pub const TOKEN_PREFIX: &str = "zf_";
/// Random characters after the prefix (URL-safe alphabet: 258 bits).
const TOKEN_RANDOM_CHARS: usize = 43;
/// A used token's `lastUsedAt` is written at most this often, to keep reads read-only.
const TOUCH_INTERVAL_MS: i64 = 60_000;

/// Hashes a password with Argon2id (default parameters) on a blocking thread.
pub async fn hash_password(password: &Password) -> Result<String, AppError> {
    let password = password.clone();
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.expose().as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|e| AppError::Internal(anyhow::anyhow!("argon2: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))?
}

/// Checks a password against a stored hash, on a blocking thread.
pub async fn verify_password(password: &str, hash: &str) -> bool {
    let (password, hash) = (password.to_owned(), hash.to_owned());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// Creates an account.
pub async fn create_user(
    store: &Store,
    email: &str,
    password: &str,
    is_admin: bool,
) -> Result<UserRecord, AppError> {
    let email = Email::parse(email).map_err(|e| AppError::invalid("email", e))?;
    let password = Password::parse(password).map_err(|e| AppError::invalid("password", e))?;
    let password_hash = hash_password(&password).await?;
    store
        .insert_user(NewUser {
            email,
            password_hash,
            is_admin,
        })
        .await
        .map_err(|e| match e {
            StoreError::Conflict => AppError::Conflict {
                field: "email",
                message: Msg::EmailTaken,
            },
            other => other.into(),
        })
}

/// The account with this e-mail; 404 if there is none.
pub async fn find_user(store: &Store, email: &str) -> Result<UserRecord, AppError> {
    let email = Email::parse(email).map_err(|e| AppError::invalid("email", e))?;
    store
        .find_user_by_email(&email)
        .await?
        .ok_or(AppError::NotFound)
}

/// Sets a new password for the account with this e-mail.
pub async fn reset_password(store: &Store, email: &str, password: &str) -> Result<(), AppError> {
    let user = find_user(store, email).await?;
    let password = Password::parse(password).map_err(|e| AppError::invalid("password", e))?;
    let hash = hash_password(&password).await?;
    if store.set_password_hash(&user.id, &hash).await? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// A token just issued: the secret is here and nowhere else.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// The stored token's id.
    pub id: TokenId,
    /// The secret to hand to the user, once.
    pub secret: String,
}

fn token_hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Issues a new API token for a user. Tokens are random enough that a plain
/// SHA-256 is a safe way to store them (no dictionary to attack, unlike passwords).
pub async fn issue_token(
    store: &Store,
    user: &UserId,
    name: &str,
) -> Result<IssuedToken, AppError> {
    let name = TokenName::parse(name).map_err(|e| AppError::invalid("name", e))?;
    let secret = format!("{TOKEN_PREFIX}{}", nanoid::nanoid!(TOKEN_RANDOM_CHARS));
    let prefix: String = secret.chars().take(TOKEN_PREFIX.len() + 6).collect();
    let id = store
        .insert_token(NewToken {
            user_id: user.clone(),
            name,
            hash: token_hash(&secret),
            prefix,
        })
        .await?;
    Ok(IssuedToken { id, secret })
}

/// Who a bearer token belongs to; `Unauthenticated` for unknown, revoked or
/// disabled-owner tokens.
pub async fn authenticate_token(store: &Store, secret: &str) -> Result<TokenOwner, AppError> {
    if !secret.starts_with(TOKEN_PREFIX) || secret.len() > 200 {
        return Err(AppError::Unauthenticated);
    }
    let owner = store
        .find_token_owner(&token_hash(secret))
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let now = Timestamp::now();
    if owner
        .last_used_at
        .is_none_or(|t| now.millis() - t.millis() > TOUCH_INTERVAL_MS)
    {
        // Bookkeeping only: a failure here must not fail the request.
        if let Err(error) = store.touch_token(&owner.token_id, now).await {
            tracing::warn!(%error, "could not record token use");
        }
    }
    Ok(owner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_hash_with_argon2id_and_verify() {
        let password = Password::parse("correct horse battery").unwrap();
        let hash = hash_password(&password).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash).await);
        assert!(!verify_password("wrong horse battery", &hash).await);
        assert!(!verify_password("anything", "not a hash").await);
    }

    #[test]
    fn token_hashes_are_sha256_hex() {
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
