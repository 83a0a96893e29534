//! What a signed-in user changes about their own account: password, other
//! sessions, time zone.

use super::accounts::{hash_password, verify_password};
use super::audit::{self, Actor, Target};
use super::platform::Platform;
use crate::crypto::sha256_hex;
use crate::domain::{AuditAction, Password, TimeZone, UserId};
use crate::error::AppError;
use crate::i18n::Msg;

/// What the account page shows.
#[derive(Debug, Clone)]
pub struct Profile {
    /// The user's time zone.
    pub time_zone: TimeZone,
    /// Live browser sessions, this one included.
    pub sessions: i64,
}

/// The account page's facts.
pub async fn profile(platform: &Platform, user: &UserId) -> Result<Profile, AppError> {
    Ok(Profile {
        time_zone: platform.store.time_zone(user).await?,
        sessions: platform.store.count_sessions(user, platform.now()).await?,
    })
}

/// Reads a time zone typed or picked by a person.
pub fn parse_time_zone(name: &str) -> Result<TimeZone, AppError> {
    TimeZone::parse(name).map_err(|_| AppError::invalid("timeZone", Msg::TimeZoneInvalid))
}

/// Stores the user's time zone: from then on their days are cut at its
/// midnight (days already counted stay where they were counted).
pub async fn set_time_zone(platform: &Platform, user: &UserId, name: &str) -> Result<(), AppError> {
    let zone = parse_time_zone(name)?;
    platform.store.set_time_zone(user, &zone).await?;
    let detail = serde_json::json!({"timeZone": zone.name()});
    audit::record(
        platform,
        Actor::user(user),
        AuditAction::TimeZoneChanged,
        Target::none(),
        detail,
    )
    .await;
    Ok(())
}

/// Changes the user's password after checking the current one, and signs out
/// every other session (whoever knew the old password is out). The session
/// whose cookie holds `current_session` stays.
pub async fn change_password(
    platform: &Platform,
    user: &UserId,
    current_session: &str,
    current: &str,
    new: &str,
) -> Result<(), AppError> {
    let hash = platform
        .store
        .password_hash(user)
        .await?
        .ok_or(AppError::NotFound)?;
    if !verify_password(current, &hash).await {
        return Err(AppError::invalid(
            "currentPassword",
            Msg::CurrentPasswordWrong,
        ));
    }
    let password = Password::parse(new).map_err(|e| AppError::invalid("password", e))?;
    let new_hash = hash_password(&password).await?;
    platform
        .store
        .set_password_hash(user, &new_hash, platform.now())
        .await?;
    end_others(
        platform,
        user,
        current_session,
        AuditAction::PasswordChanged,
    )
    .await?;
    Ok(())
}

/// Signs out every session of the user but the current one; how many ended.
pub async fn end_other_sessions(
    platform: &Platform,
    user: &UserId,
    current_session: &str,
) -> Result<u64, AppError> {
    end_others(platform, user, current_session, AuditAction::SessionsEnded).await
}

/// Ends the user's other sessions and audits `action` with how many ended.
async fn end_others(
    platform: &Platform,
    user: &UserId,
    current_session: &str,
    action: AuditAction,
) -> Result<u64, AppError> {
    let ended = platform
        .store
        .delete_other_sessions(user, &sha256_hex(current_session))
        .await?;
    let detail = serde_json::json!({"sessionsEnded": ended});
    audit::record(platform, Actor::user(user), action, Target::none(), detail).await;
    Ok(ended)
}
