//! Instances the provider forgot (restarted without its data, or deleted
//! there): seen when the instance's token answers 401/404 where a known
//! instance never would, confirmed with the admin list when there is one.
//! Such an instance is marked "lost at the provider" instead of showing its
//! last status forever: it is recorded disconnected, polled rarely (not every
//! 3 s), never reconnected automatically, its queued messages fail with a
//! reason, connect and send answer a clear 409, and the user may re-create it
//! at the provider under the same id, name and settings.

use super::audit::{self, Actor, Target};
use super::credentials::provider_token;
use super::platform::Platform;
use super::provisioning::provision_now;
use super::status::apply;
use crate::domain::transition::Report;
use crate::domain::{
    AuditAction, EventKind, Instance, InstanceId, InstanceStatus, StatusSource, UserId,
};
use crate::error::AppError;
use crate::i18n::Msg;
use uazapi::ProviderError;

/// The reason stored on messages and in the status history.
pub const LOST_REASON: &str = "the provider no longer knows this instance (re-create it)";

/// How often an instance lost at the provider is polled (whether the
/// provider knows it again): rarely, whatever the other poll intervals.
pub const LOST_POLL_MS: i64 = 10 * 60_000;

/// Queued messages failed per instance in one go (the rest expire or go on
/// the next mark's pass).
const FAIL_BATCH: i64 = 500;

/// Whether a provider answer to an instance's own token can mean the
/// instance is gone: 401/403 (unknown token) or 404.
pub fn may_be_gone(error: &ProviderError) -> bool {
    matches!(
        error,
        ProviderError::Unauthorized { .. } | ProviderError::NotFound
    )
}

/// Whether the provider still lists the instance: `Some(false)` when its
/// admin list lacks our provider id, `None` when the list cannot be had (no
/// admin token, provider down): the caller then trusts what the token said.
async fn listed(platform: &Platform, instance: &InstanceId) -> Option<bool> {
    let link = platform.store.provider_link(instance).await.ok()??;
    let provider_id = link.provider_id?;
    match platform.provider.list_instances().await {
        Ok(all) => Some(all.iter().any(|i| i.id == provider_id)),
        Err(error) => {
            tracing::debug!(%error, "cannot list instances to confirm a lost one");
            None
        }
    }
}

/// Whether the instance's token still opens its status: `Some(false)` on
/// 401/404 (a status call needs no WhatsApp session, so this is not "No
/// session"), `None` when the provider cannot tell right now.
async fn token_known(platform: &Platform, id: &InstanceId) -> Option<bool> {
    let token = provider_token(platform, id).await.ok()??;
    match platform.provider.status(&token).await {
        Ok(_) => Some(true),
        Err(error) if may_be_gone(&error) => Some(false),
        Err(_) => None,
    }
}

/// After an answer of [`may_be_gone`] to the instance's token: asks for the
/// instance's status with the token (a send's 401 may only mean "No
/// session"), then the admin list when there is one, and marks the instance
/// lost only if both say it is gone. Whether it is (now) lost.
pub async fn confirm_and_mark(
    platform: &Platform,
    id: &InstanceId,
    error: &ProviderError,
) -> Result<bool, AppError> {
    if !may_be_gone(error) {
        return Ok(false);
    }
    // Already known lost (a slow poll asking again): no more lookups.
    if platform
        .store
        .instance_by_id(id)
        .await?
        .is_some_and(|i| i.provider_lost_at.is_some())
    {
        return Ok(true);
    }
    if token_known(platform, id).await != Some(false) {
        return Ok(false);
    }
    if listed(platform, id).await == Some(true) {
        // Listed under its id: the token was refused for another reason.
        return Ok(false);
    }
    mark(platform, id).await?;
    Ok(true)
}

/// Marks an instance lost (once): disconnected in the history, no automatic
/// reconnect, the next poll a slow one, its queued messages failed.
pub async fn mark(platform: &Platform, id: &InstanceId) -> Result<(), AppError> {
    let Some(instance) = platform.store.instance_by_id(id).await? else {
        return Ok(());
    };
    let mut report = Report::status(InstanceStatus::Disconnected);
    report.reason = LOST_REASON.to_owned();
    report.logged_out = true;
    apply(platform, id, &report, StatusSource::Poll).await?;
    let now = platform.now();
    let next_poll = now.plus_millis(LOST_POLL_MS);
    if platform
        .store
        .mark_provider_lost(id, now, next_poll)
        .await?
    {
        tracing::warn!(instance = %id, "the provider no longer knows this instance");
        platform.events.publish(
            &instance.user_id,
            EventKind::InstanceProvisioning,
            serde_json::json!({"id": id, "state": "lost", "error": LOST_REASON}),
        );
    }
    fail_queued(platform, &instance).await
}

/// Fails the queued messages of a lost instance, with the reason.
pub async fn fail_queued(platform: &Platform, instance: &Instance) -> Result<(), AppError> {
    let now = platform.now();
    for message in platform
        .store
        .queued_message_ids(&instance.id, FAIL_BATCH)
        .await?
    {
        if platform
            .store
            .fail_message(&message, LOST_REASON, now)
            .await?
            && let Some(record) = platform.store.message_by_id(&message).await?
        {
            super::messages::publish(platform, &instance.user_id, &record);
        }
    }
    Ok(())
}

/// The provider answered for the instance's token: it is known again (it
/// restored its data). When it still holds the WhatsApp session, the loss's
/// logout is lifted and, if the connection is down, an automatic reconnect is
/// due now: the user never asked for it to stay off.
pub async fn known_again(
    platform: &Platform,
    instance: &Instance,
    remote: &uazapi::Instance,
) -> Result<(), AppError> {
    if instance.provider_lost_at.is_none()
        || !platform.store.clear_provider_lost(&instance.id).await?
    {
        return Ok(());
    }
    tracing::info!(instance = %instance.id, "the provider knows this instance again");
    if !super::connection::had_session(remote) {
        return Ok(());
    }
    platform.store.set_logged_out(&instance.id, false).await?;
    if remote.status == uazapi::Status::Disconnected && instance.settings.auto_reconnect {
        platform
            .store
            .schedule_reconnect(&instance.id, 1, Some(platform.now()))
            .await?;
    }
    Ok(())
}

/// The error a connect, a send or a poll gets for a lost instance (`409
/// provider_lost`).
pub fn lost_error() -> AppError {
    AppError::Conflict {
        field: "provider",
        message: Msg::ProviderLostRefused,
    }
}

/// Whether an error is [`lost_error`].
pub fn is_lost(error: &AppError) -> bool {
    matches!(
        error,
        AppError::Conflict {
            message: Msg::ProviderLostRefused,
            ..
        }
    )
}

/// [`lost_error`] for a lost instance.
pub fn refuse(instance: &Instance) -> Result<(), AppError> {
    match instance.provider_lost_at {
        Some(_) => Err(lost_error()),
        None => Ok(()),
    }
}

/// Re-creates a lost instance at the provider under the same id, name,
/// settings and webhook secret (the provider gives a new id and token). If
/// the provider fails, the instance stays pending and the provisioner retries.
#[tracing::instrument(skip_all, fields(user = %user, instance = %id))]
pub async fn reprovision(
    platform: &Platform,
    user: &UserId,
    id: &InstanceId,
) -> Result<Instance, AppError> {
    let instance = super::instances::get(platform, user, id).await?;
    if instance.provider_lost_at.is_none()
        || !platform
            .store
            .reset_provider_link(id, platform.now())
            .await?
    {
        return Err(AppError::Conflict {
            field: "provider",
            message: Msg::ProviderNotLost,
        });
    }
    if let Err(error) = provision_now(platform, id).await {
        tracing::warn!(%error, "re-creating at the provider failed; the provisioner retries");
    }
    let target = Target::new(id, Some(&instance.name.to_string()));
    audit::record(
        platform,
        Actor::user(user),
        AuditAction::InstanceReprovisioned,
        target,
        serde_json::json!({}),
    )
    .await;
    super::instances::get(platform, user, id).await
}
