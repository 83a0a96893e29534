//! The part of schema upgrades SQL cannot do: encrypting secrets that an older
//! release kept in plaintext. The store v2 migration marks them `plain:…`; this
//! step, run right after the migrations by `serve` and `migrate`, seals them
//! with the server's key. It is idempotent: with nothing marked, it does nothing.

use super::platform::Platform;
use crate::domain::ForwardWebhook;
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
