//! Deleting an account (an administrator on the admin page, or `zapfleet
//! user delete` on the server): its instances are logged out and deleted at
//! the provider first (a deletion the provider cannot take now is owed and
//! retried by the provisioner's worker), then the account goes with its
//! sessions, tokens, webhooks, history and statistics. The audit line stays
//! (it names the account by id and e-mail).

use super::audit::{self, Actor, Target};
use super::credentials::provider_token;
use super::platform::Platform;
use crate::domain::{AuditAction, InstanceId, UserId};
use crate::error::AppError;
use crate::i18n::Msg;
use crate::store::SessionUser;

/// What a deletion did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deleted {
    /// Instances deleted (here, and at the provider or owed there).
    pub instances: usize,
}

/// An administrator deletes another account (never their own).
pub async fn delete_by_admin(
    platform: &Platform,
    admin: &SessionUser,
    target: &UserId,
) -> Result<Deleted, AppError> {
    if !admin.is_admin {
        return Err(AppError::Forbidden);
    }
    if *target == admin.user_id {
        return Err(AppError::Conflict {
            field: "user",
            message: Msg::CannotDeleteYourself,
        });
    }
    delete(platform, Actor::user(&admin.user_id), target).await
}

/// The server's operator deletes an account by e-mail (the command line).
pub async fn delete_by_email(platform: &Platform, email: &str) -> Result<Deleted, AppError> {
    let email = crate::domain::Email::parse(email).map_err(|_| AppError::NotFound)?;
    let user = platform
        .store
        .find_user_by_email(&email)
        .await?
        .ok_or(AppError::NotFound)?;
    delete(platform, Actor::default(), &user.id).await
}

async fn delete(platform: &Platform, actor: Actor, target: &UserId) -> Result<Deleted, AppError> {
    let email = platform
        .store
        .user_email(target)
        .await?
        .ok_or(AppError::NotFound)?;
    // Paused first: no send, poll or reconnect starts while the instances go.
    platform
        .store
        .set_user_disabled(target, true, platform.now())
        .await?;
    platform.tokens.forget_user(target);
    let instances = platform.store.user_instance_ids(target).await?;
    for id in &instances {
        log_out(platform, id).await;
        match super::instances::delete(platform, target, id).await {
            Ok(()) | Err(AppError::NotFound) => {}
            Err(error) => return Err(error),
        }
    }
    if !platform.store.delete_user(target).await? {
        return Err(AppError::NotFound);
    }
    // A lookup that began before the deletion must not leave the token cached.
    platform.tokens.forget_user(target);
    tracing::info!(user = %target, instances = instances.len(), "account deleted");
    audit::record(
        platform,
        actor,
        AuditAction::UserDeleted,
        Target::new(target, Some(email.as_str())),
        serde_json::json!({"instances": instances.len()}),
    )
    .await;
    Ok(Deleted {
        instances: instances.len(),
    })
}

/// Ends the instance's WhatsApp session at the provider, best effort: the
/// deletion that follows removes it there anyway (or is owed).
async fn log_out(platform: &Platform, id: &InstanceId) {
    let Ok(Some(token)) = provider_token(platform, id).await else {
        return;
    };
    if let Err(error) = platform.provider.disconnect(&token).await {
        tracing::debug!(instance = %id, %error, "logout before deletion failed");
    }
}
