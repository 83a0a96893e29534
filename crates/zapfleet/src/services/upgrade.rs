//! The part of schema upgrades SQL cannot do: encrypting secrets that an older
//! release kept in plaintext (the store v2 migration marks them `plain:…`), and
//! recomputing instance name keys when their folding rule changes. Run right
//! after the migrations by `serve` and `migrate`; idempotent.

use super::platform::Platform;
use crate::domain::instance_name::{KEY_VERSION, SEARCH_KEY_VERSION};
use crate::domain::{ForwardWebhook, InstanceName};
use crate::store::StoreError;

/// The marker the migration puts before a plaintext secret.
const PLAIN: &str = "plain:";

fn seal(platform: &Platform, webhook: &mut ForwardWebhook) -> bool {
    match webhook.secret_sealed.strip_prefix(PLAIN) {
        Some(plain) => {
            webhook.secret_sealed = platform.secrets.encrypt(plain);
            true
        }
        None => false,
    }
}

/// Seals the forward-webhook secrets an upgrade left in plaintext. Returns how
/// many were sealed.
pub async fn seal_plain_secrets(platform: &Platform) -> Result<usize, StoreError> {
    let mut sealed = 0;
    for instance in platform.store.instances_with_plain_webhook_secret().await? {
        let mut settings = instance.settings.clone();
        if let Some(webhook) = settings.forward_webhook.as_mut()
            && seal(platform, webhook)
        {
            platform
                .store
                .replace_settings(&instance.id, &settings)
                .await?;
            sealed += 1;
        }
    }
    for (user, mut webhook) in platform.store.user_webhooks_with_plain_secret().await? {
        if seal(platform, &mut webhook) {
            let now = platform.now();
            platform
                .store
                .set_user_webhook(&user, Some(&webhook), now)
                .await?;
            sealed += 1;
        }
    }
    if sealed > 0 {
        tracing::info!(
            sealed,
            "webhook secrets kept in plaintext by an older release are now encrypted"
        );
    }
    Ok(sealed)
}

/// Recomputes the stored name keys made under an older folding rule. Two names
/// that an older rule told apart may fold to the same key now (`LojaCentro` and
/// `Loja\u{200b}Centro`): the one created later keeps its old key, so start-up
/// never fails and no name is lost, and new look-alikes of either are refused.
/// Returns how many keys changed.
pub async fn refresh_name_keys(platform: &Platform) -> Result<usize, StoreError> {
    if platform.store.name_key_version().await? >= KEY_VERSION {
        return Ok(0);
    }
    let mut changed = 0;
    for (id, name, stored) in platform.store.instance_name_keys().await? {
        let key = InstanceName::from_stored(name).key();
        if key == stored {
            continue;
        }
        match platform.store.set_name_key(&id, &key).await {
            Ok(()) => changed += 1,
            Err(StoreError::Conflict(_)) => {
                tracing::warn!(instance = %id, "instance name now looks like another of its user's; kept its old key");
            }
            Err(other) => return Err(other),
        }
    }
    platform.store.set_name_key_version(KEY_VERSION).await?;
    if changed > 0 {
        tracing::info!(
            changed,
            "instance name keys recomputed under the new folding rule"
        );
    }
    Ok(changed)
}

/// Fills the search keys of instances written before they existed, or under
/// another folding rule (they make searches accent-insensitive and indexed:
/// see [`InstanceName::search_key`]). Returns how many were written.
pub async fn refresh_search_keys(platform: &Platform) -> Result<usize, StoreError> {
    let version = format!("{KEY_VERSION}.{SEARCH_KEY_VERSION}");
    if platform.store.search_key_version().await? == version {
        return Ok(0);
    }
    let mut changed = 0;
    for (id, name, _) in platform.store.instance_name_keys().await? {
        let key = InstanceName::from_stored(name).search_key();
        platform.store.set_search_key(&id, &key).await?;
        changed += 1;
    }
    platform.store.set_search_key_version(&version).await?;
    if changed > 0 {
        tracing::info!(changed, "instance search keys computed");
    }
    Ok(changed)
}
