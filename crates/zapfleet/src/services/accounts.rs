//! Accounts: creating them, passwords, signing in and out of the browser, the
//! language switch, and what the administrator manages.

use super::audit::{self, Actor, Target};
use super::platform::Platform;
use super::throttle;
use crate::crypto::sha256_hex;
use crate::domain::{AuditAction, Email, Password, TimeZone, Timestamp, UserId};
use crate::error::AppError;
use crate::i18n::{Locale, Msg};
use crate::store::NewUser;
pub use crate::store::{SessionUser, UserRecord};
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use std::net::IpAddr;
use tokio::sync::OnceCell;

/// Browser sessions last 30 days.
pub const SESSION_DAYS: i64 = 30;
/// The server-wide switch that closes sign-ups (`app_setting`).
const SIGNUPS_OPEN: &str = "signups_open";

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

/// A real Argon2 hash of a random password, checked for unknown e-mails so a
/// sign-in takes as long whether or not the account exists.
async fn decoy_hash() -> Result<&'static str, AppError> {
    static DECOY: OnceCell<String> = OnceCell::const_new();
    let hash = DECOY
        .get_or_try_init(|| async {
            let random = Password::parse(&nanoid::nanoid!(32))
                .map_err(|e| AppError::invalid("password", e))?;
            hash_password(&random).await
        })
        .await?;
    Ok(hash.as_str())
}

async fn new_user(
    platform: &Platform,
    email: &str,
    password: &str,
    is_admin: bool,
    admin_if_first: bool,
    only_if_first: bool,
) -> Result<UserRecord, AppError> {
    let email = Email::parse(email).map_err(|e| AppError::invalid("email", e))?;
    let password = Password::parse(password).map_err(|e| AppError::invalid("password", e))?;
    let password_hash = hash_password(&password).await?;
    let new = NewUser {
        email,
        password_hash,
        is_admin,
        admin_if_first,
        only_if_first,
    };
    Ok(platform.store.insert_user(new, platform.now()).await?)
}

/// Creates an account (the command line's `user create`).
pub async fn create_user(
    platform: &Platform,
    email: &str,
    password: &str,
    is_admin: bool,
) -> Result<UserRecord, AppError> {
    new_user(platform, email, password, is_admin, false, false).await
}

/// The account with this e-mail; 404 if there is none.
pub async fn find_user(platform: &Platform, email: &str) -> Result<UserRecord, AppError> {
    let email = Email::parse(email).map_err(|e| AppError::invalid("email", e))?;
    platform
        .store
        .find_user_by_email(&email)
        .await?
        .ok_or(AppError::NotFound)
}

/// Sets a new password for the account with this e-mail.
pub async fn reset_password(
    platform: &Platform,
    email: &str,
    password: &str,
) -> Result<(), AppError> {
    let user = find_user(platform, email).await?;
    let password = Password::parse(password).map_err(|e| AppError::invalid("password", e))?;
    let hash = hash_password(&password).await?;
    if platform
        .store
        .set_password_hash(&user.id, &hash, platform.now())
        .await?
    {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// A browser session just started: the cookie's secret, here and nowhere else.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The secret for the cookie (only its hash is stored).
    pub secret: String,
}

async fn start_session(platform: &Platform, user: &UserId) -> Result<NewSession, AppError> {
    let secret = nanoid::nanoid!(43);
    let now = platform.now();
    let expires = now.plus_millis(SESSION_DAYS * 86_400_000);
    platform
        .store
        .insert_session(&sha256_hex(&secret), user, now, expires)
        .await?;
    Ok(NewSession { secret })
}

/// How a sign-in ended.
#[derive(Debug)]
pub enum SignIn {
    /// The right password of an enabled account: a new session.
    Session(NewSession),
    /// A wrong e-mail or password, or a disabled account (the same answer, in
    /// the same time).
    Refused,
    /// Too many failures from this client for this e-mail (or from this
    /// client at all): try again at that time. The password was not checked.
    Wait(Timestamp),
}

/// Signs in from `client`. Only failures count against the limits, and per
/// client address, so nobody can lock an owner out from elsewhere. A database
/// failure is an error, never "wrong password".
pub async fn sign_in(
    platform: &Platform,
    email: &str,
    password: &str,
    client: IpAddr,
) -> Result<SignIn, AppError> {
    let passed = match throttle::enter(platform, throttle::sign_in_gates(client, email)).await? {
        Ok(passed) => passed,
        Err(until) => return Ok(SignIn::Wait(until)),
    };
    let user = match Email::parse(email) {
        Ok(email) => platform.store.find_user_by_email(&email).await?,
        Err(_) => None,
    };
    let hash = match &user {
        Some(user) => user.password_hash.as_str(),
        None => decoy_hash().await?,
    };
    let valid = verify_password(password, hash).await;
    match user {
        Some(user) if valid && !user.disabled => {
            throttle::succeeded(platform, passed, true).await?;
            let session = start_session(platform, &user.id).await?;
            audit::sign_in(platform, email, Some((&user.id, false)), true).await;
            Ok(SignIn::Session(session))
        }
        _ => {
            throttle::failed(platform, passed).await?;
            let who = user.as_ref().map(|u| (&u.id, valid && u.disabled));
            audit::sign_in(platform, email, who, false).await;
            Ok(SignIn::Refused)
        }
    }
}

/// A sign-up from the page.
#[derive(Debug, Clone, Copy)]
pub struct SignUp<'a> {
    /// The e-mail typed.
    pub email: &'a str,
    /// The password typed.
    pub password: &'a str,
    /// The setup code typed, if the page asked for one.
    pub setup_token: Option<&'a str>,
    /// Where the request came from (sign-ups are limited per address).
    pub client: IpAddr,
    /// The browser's time zone, as its script read it; São Paulo's when it is
    /// missing or unknown.
    pub time_zone: Option<&'a str>,
}

/// Creates an account from the sign-up page and signs it in. The server's first
/// account administers it (decided atomically by the store) and needs the setup
/// code when the server has one; later ones need sign-ups to be opened by an
/// administrator. An e-mail already taken gets the same answer as other refusals,
/// so the page does not tell who has an account.
pub async fn sign_up(
    platform: &Platform,
    setup_token: Option<&str>,
    form: SignUp<'_>,
) -> Result<NewSession, AppError> {
    let passed = match throttle::enter(platform, throttle::sign_up_gates(form.client)).await? {
        Ok(passed) => passed,
        Err(_) => return Err(AppError::TooManyRequests),
    };
    // Every attempt counts, successful or not: accounts are not made in bulk.
    throttle::failed(platform, passed).await?;
    let open = signups_open(platform).await?;
    let first = !platform.store.has_users().await?;
    if !first && !open {
        return Err(AppError::Forbidden);
    }
    if first
        && let Some(expected) = setup_token
        && !form
            .setup_token
            .is_some_and(|given| crate::crypto::same_text(given.trim(), expected))
    {
        return Err(AppError::invalid("setup", Msg::SetupTokenInvalid));
    }
    // While closed, only the first account gets in, decided by the store.
    let only_if_first = !open;
    let user = match new_user(
        platform,
        form.email,
        form.password,
        false,
        true,
        only_if_first,
    )
    .await
    {
        Err(AppError::Conflict { field: "email", .. }) => {
            return Err(AppError::invalid("email", Msg::SignUpRefused));
        }
        other => other?,
    };
    if let Some(zone) = form.time_zone.and_then(|z| TimeZone::parse(z).ok()) {
        platform.store.set_time_zone(&user.id, &zone).await?;
    }
    let detail = serde_json::json!({"admin": user.is_admin});
    audit::record(
        platform,
        Actor::user(&user.id),
        AuditAction::SignUp,
        Target::none(),
        detail,
    )
    .await;
    start_session(platform, &user.id).await
}

/// Ends the session whose cookie holds `secret`.
pub async fn sign_out(platform: &Platform, secret: &str) -> Result<(), AppError> {
    Ok(platform.store.delete_session(&sha256_hex(secret)).await?)
}

/// The user of the live session whose cookie holds `secret`.
pub async fn session_user(
    platform: &Platform,
    secret: &str,
) -> Result<Option<SessionUser>, AppError> {
    Ok(platform
        .store
        .find_session(&sha256_hex(secret), platform.now())
        .await?)
}

/// Stores the user's language.
pub async fn set_locale(
    platform: &Platform,
    user: &UserId,
    locale: Locale,
) -> Result<(), AppError> {
    Ok(platform.store.set_locale(user, locale).await?)
}

/// Every account, oldest first.
pub async fn list_users(platform: &Platform) -> Result<Vec<UserRecord>, AppError> {
    Ok(platform.store.list_users().await?)
}

/// An administrator disables or re-enables an account (never their own).
pub async fn set_disabled(
    platform: &Platform,
    admin: &SessionUser,
    target: &UserId,
    disabled: bool,
) -> Result<(), AppError> {
    if !admin.is_admin {
        return Err(AppError::Forbidden);
    }
    if *target == admin.user_id {
        return Err(AppError::Conflict {
            field: "user",
            message: Msg::CannotDisableYourself,
        });
    }
    if platform
        .store
        .set_user_disabled(target, disabled, platform.now())
        .await?
    {
        platform.tokens.forget_user(target);
        let action = if disabled {
            AuditAction::UserDisabled
        } else {
            AuditAction::UserEnabled
        };
        let email = audit::user_email(platform, target).await;
        let target = Target::new(target, email.as_ref().map(Email::as_str));
        audit::record(
            platform,
            Actor::user(&admin.user_id),
            action,
            target,
            serde_json::json!({}),
        )
        .await;
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Whether the server has any account yet.
pub async fn has_accounts(platform: &Platform) -> Result<bool, AppError> {
    Ok(platform.store.has_users().await?)
}

/// Whether new accounts may sign up. The first one always may; after it,
/// sign-ups stay closed until an administrator opens them.
pub async fn signups_open(platform: &Platform) -> Result<bool, AppError> {
    Ok(platform.store.setting(SIGNUPS_OPEN).await?.as_deref() == Some("true"))
}

/// An administrator opens or closes sign-ups.
pub async fn set_signups_open(
    platform: &Platform,
    admin: &SessionUser,
    open: bool,
) -> Result<(), AppError> {
    if !admin.is_admin {
        return Err(AppError::Forbidden);
    }
    let value = if open { "true" } else { "false" };
    Ok(platform.store.set_setting(SIGNUPS_OPEN, value).await?)
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

    #[tokio::test]
    async fn the_decoy_is_a_real_hash_so_unknown_emails_cost_a_verification() {
        let decoy = decoy_hash().await.unwrap();
        assert!(PasswordHash::new(decoy).is_ok(), "{decoy}");
        assert!(!verify_password("anything", decoy).await);
    }
}
