//! Retries what the provider could not do when asked: pending provisioning and
//! owed deletions.

use crate::domain::Timestamp;
use crate::domain::connection::reconnect_delay_ms;
use crate::services::platform::{Platform, jitter};
use crate::services::provisioning::provision;

/// Instances (and deletions) handled per step.
const BATCH: i64 = 20;

/// One pass: every due provisioning and owed deletion, once. Returns how many
/// succeeded.
pub async fn try_execute_task(platform: &Platform) -> anyhow::Result<usize> {
    let now = Timestamp::now();
    let mut done = 0;
    for link in platform.store.due_provisioning(now, BATCH).await? {
        if provision(platform, &link).await.is_ok() {
            done += 1;
        }
    }
    for (id, sealed, attempts) in platform.store.due_provider_deletions(now, BATCH).await? {
        let result = match platform.secrets.decrypt(&sealed) {
            Ok(token) => platform.provider.delete(&token).await,
            // Unreadable with this key: nothing we can ever do with it.
            Err(_) => Ok(()),
        };
        match result {
            // Unauthorized: the token is unknown there, so the instance is gone.
            Ok(()) | Err(uazapi::ProviderError::Unauthorized { .. }) => {
                platform.store.finish_provider_deletion(&id).await?;
                done += 1;
            }
            Err(error) => {
                let next = attempts + 1;
                let at = Timestamp::from_millis(
                    now.millis() + reconnect_delay_ms(next as u32, jitter()),
                );
                platform
                    .store
                    .retry_provider_deletion(&id, &error.to_string(), next, at)
                    .await?;
            }
        }
    }
    Ok(done)
}
