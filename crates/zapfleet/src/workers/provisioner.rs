//! Retries what the provider could not do when asked: pending provisioning and
//! owed deletions.

use crate::domain::connection::reconnect_delay_ms;
use crate::services::credentials::{Sealed, open};
use crate::services::platform::{Platform, jitter};
use crate::services::provisioning::provision;

/// Instances (and deletions) handled per step.
const BATCH: i64 = 20;

/// One pass: every due provisioning and owed deletion, once. Returns how many
/// succeeded.
pub async fn try_execute_task(platform: &Platform) -> anyhow::Result<usize> {
    let now = platform.now();
    let mut done = 0;
    for link in platform.store.due_provisioning(now, BATCH).await? {
        if provision(platform, &link).await.is_ok() {
            done += 1;
        }
    }
    for owed in platform.store.due_provider_deletions(now, BATCH).await? {
        // A token that does not open (another key) stays owed, and says why:
        // dropping it would leave the session running at the provider.
        let result = match open(platform, Sealed::ProviderToken, &owed.token_sealed) {
            Ok(token) => match platform.provider.delete(&token).await {
                // Unauthorized: the token is unknown there, so the instance is gone.
                Ok(()) | Err(uazapi::ProviderError::Unauthorized { .. }) => Ok(()),
                Err(error) => Err(error.to_string()),
            },
            Err(error) => Err(error.to_string()),
        };
        match result {
            Ok(()) => {
                platform.store.finish_provider_deletion(&owed.id).await?;
                done += 1;
            }
            Err(error) => {
                let next = owed.attempts + 1;
                let at = now.plus_millis(reconnect_delay_ms(
                    u32::try_from(next).unwrap_or(u32::MAX),
                    jitter(),
                ));
                platform
                    .store
                    .retry_provider_deletion(&owed.id, &error, next, at)
                    .await?;
            }
        }
    }
    Ok(done)
}
