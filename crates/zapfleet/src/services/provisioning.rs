//! Creating an instance's twin at the provider: exactly once, even across lost
//! answers, crashes and outages.
//!
//! Each attempt is counted *before* it is made. The provider-side name is our
//! unique `instanceKey`, so an attempt that follows another (which may have
//! created the instance and lost the answer) first looks for it in
//! `/instance/all` and adopts it instead of creating a second one.

use super::credentials::{Sealed, open};
use super::platform::{Platform, jitter};
use crate::domain::{EventKind, InstanceId, connection::reconnect_delay_ms};
use crate::store::{ProviderLink, StoreError};
use uazapi::{ProviderError, WebhookConfig};

/// Events the platform listens to.
pub const WEBHOOK_EVENTS: [&str; 3] = ["connection", "messages", "messages_update"];

/// A provisioning attempt that did not finish.
#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    /// The provider failed; retried later.
    #[error(transparent)]
    Provider(#[from] ProviderError),
    /// Our database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored secret cannot be read (wrong key).
    #[error(transparent)]
    Secret(#[from] crate::crypto::DecryptError),
}

/// How long a claimed attempt is left alone before another may try: longer
/// than any provider call, so two attempts never overlap.
const LEASE_MS: i64 = 60_000;

/// Runs one provisioning attempt for a pending instance and records the outcome.
/// Does nothing if another worker or request holds the attempt.
#[tracing::instrument(skip_all, fields(instance = %link.instance_id))]
pub async fn provision(platform: &Platform, link: &ProviderLink) -> Result<(), ProvisionError> {
    let attempt = link.provision_attempts + 1;
    let now = platform.now();
    if !platform
        .store
        .claim_provision_attempt(
            &link.instance_id,
            link.provision_attempts,
            now.plus_millis(LEASE_MS),
        )
        .await?
    {
        tracing::debug!("another attempt is under way");
        return Ok(());
    }
    let retry_at = now.plus_millis(reconnect_delay_ms(
        u32::try_from(attempt).unwrap_or(u32::MAX),
        jitter(),
    ));
    match attempt_provision(platform, link).await {
        Ok(()) => {
            tracing::info!(attempt, "instance provisioned");
            publish(platform, link, None);
            Ok(())
        }
        Err(error) => {
            let message = uazapi::one_line(&error.to_string(), uazapi::MAX_LINE_CHARS);
            tracing::warn!(attempt, error = ?message, "provisioning failed; will retry");
            platform
                .store
                .mark_provision_failed(&link.instance_id, &message, attempt, retry_at)
                .await?;
            publish(platform, link, Some(message));
            Err(error)
        }
    }
}

fn publish(platform: &Platform, link: &ProviderLink, error: Option<String>) {
    let state = if error.is_none() { "ready" } else { "pending" };
    platform.events.publish(
        &link.user_id,
        EventKind::InstanceProvisioning,
        serde_json::json!({"id": link.instance_id, "state": state, "error": error}),
    );
}

async fn attempt_provision(platform: &Platform, link: &ProviderLink) -> Result<(), ProvisionError> {
    // Once the identity is saved, later attempts only finish the webhook.
    let token = match (&link.provider_id, &link.token_sealed) {
        (Some(_), Some(sealed)) => open(platform, Sealed::ProviderToken, sealed)
            .map_err(|_| crate::crypto::DecryptError)?,
        _ => {
            let adopted = if link.provision_attempts > 0 {
                platform
                    .provider
                    .list_instances()
                    .await?
                    .into_iter()
                    .find(|i| i.name == link.instance_key && !i.token.is_empty())
                    .map(|i| (i.id, i.token))
            } else {
                None
            };
            let (id, token) = match adopted {
                Some(found) => {
                    tracing::info!("adopted the instance a lost attempt created");
                    found
                }
                None => {
                    let created = platform
                        .provider
                        .create_instance(&link.instance_key)
                        .await?;
                    (created.instance.id, created.token)
                }
            };
            platform
                .store
                .save_provider_identity(&link.instance_id, &id, &platform.secrets.encrypt(&token))
                .await?;
            token
        }
    };
    let secret_sealed = link
        .webhook_secret_sealed
        .as_deref()
        .ok_or(crate::crypto::DecryptError)?;
    let secret = open(platform, Sealed::WebhookSecret, secret_sealed)
        .map_err(|_| crate::crypto::DecryptError)?;
    let webhook = WebhookConfig {
        enabled: true,
        url: platform.webhook_url(&secret),
        events: WEBHOOK_EVENTS.iter().map(|e| (*e).to_owned()).collect(),
        exclude_messages: Vec::new(),
        add_url_events: false,
        add_url_types_messages: false,
    };
    platform.provider.set_webhook(&token, &webhook).await?;
    if let Err(error) = push_delays(platform, link, &token).await {
        tracing::warn!(%error, "could not push the delays to the provider");
    }
    platform
        .store
        .mark_provisioned(&link.instance_id, platform.now())
        .await?;
    Ok(())
}

/// Provisions one instance now if it is still pending (used right after creation
/// and before a connect).
pub async fn provision_now(platform: &Platform, id: &InstanceId) -> Result<(), ProvisionError> {
    match platform.store.provider_link(id).await? {
        Some(link) if link.pending() => provision(platform, &link).await,
        _ => Ok(()),
    }
}

/// The instance's delays, as uazapi's async-queue settings (best effort).
async fn push_delays(
    platform: &Platform,
    link: &ProviderLink,
    token: &str,
) -> Result<(), ProvisionError> {
    let Some(instance) = platform.store.instance_by_id(&link.instance_id).await? else {
        return Ok(());
    };
    let settings = &instance.settings;
    let (min, max) = (
        settings.message_delay_min_ms / 1000,
        settings.message_delay_max_ms.div_ceil(1000),
    );
    Ok(platform
        .provider
        .update_delay_settings(token, min, max)
        .await?)
}
