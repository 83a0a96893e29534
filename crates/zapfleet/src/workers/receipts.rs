//! Receipt reconciliation: delivery and read receipts arrive by webhook, and a
//! webhook lost (or posted while we were down) left messages `sent` or
//! `delivered` forever. At start-up and then every minute, recent messages
//! still waiting for a receipt are looked up with `/message/find` by our id
//! (`track_id`), the way the outbox settles a lost send answer, and what the
//! provider says is applied as the webhook would have been. Each pass checks
//! a bounded batch; each message is checked at most once per interval.

use crate::services::credentials::provider_token;
use crate::services::messages::receipt;
use crate::services::platform::Platform;
use std::collections::HashMap;
use std::time::Duration;

/// How often a pass runs (the first one at start-up).
pub const EVERY: Duration = Duration::from_secs(60);
/// Messages checked per pass.
pub const BATCH: i64 = 100;
/// A message is first checked this long after it was sent (its webhooks
/// usually come within seconds).
pub const GRACE_MS: i64 = 60_000;
/// And again no sooner than this after its last check.
pub const RECHECK_MS: i64 = 10 * 60_000;
/// Messages sent longer ago than this are left as they are ("recent" only:
/// a phone off for days is not worth a lookup a minute).
pub const WINDOW_MS: i64 = 2 * 86_400_000;

/// One pass with the default batch; how many messages it checked.
pub async fn try_execute_task(platform: &Platform) -> anyhow::Result<usize> {
    check(platform, BATCH).await
}

/// One pass over at most `limit` messages. A provider that fails ends the
/// pass (the next one tries again); the messages it did check are not
/// checked again before [`RECHECK_MS`].
pub async fn check(platform: &Platform, limit: i64) -> anyhow::Result<usize> {
    let now = platform.now();
    let due = platform
        .store
        .receipts_to_check(
            now.plus_millis(-WINDOW_MS),
            now.plus_millis(-GRACE_MS),
            now.plus_millis(-RECHECK_MS),
            limit,
        )
        .await?;
    let mut tokens: HashMap<_, Option<String>> = HashMap::new();
    let mut checked = 0;
    for message in due {
        if !tokens.contains_key(&message.instance_id) {
            let token = provider_token(platform, &message.instance_id).await?;
            tokens.insert(message.instance_id.clone(), token);
        }
        let Some(Some(token)) = tokens.get(&message.instance_id) else {
            continue;
        };
        let found = match platform
            .provider
            .find_sent(token, message.id.as_str())
            .await
        {
            Ok(found) => found,
            Err(error) if error.is_transient() => {
                tracing::debug!(%error, "receipt check stopped: the provider is busy or down");
                break;
            }
            Err(error) => {
                tracing::debug!(message = %message.id, %error, "receipt check failed");
                None
            }
        };
        if let Some(found) = found
            && let Some(instance) = platform.store.instance_by_id(&message.instance_id).await?
        {
            // Unknown states (Sent, Pending…) change nothing; never backwards.
            receipt(
                platform,
                &instance,
                &found.status,
                std::slice::from_ref(&message.provider_message_id),
            )
            .await?;
        }
        platform
            .store
            .mark_receipt_checked(&message.id, platform.now())
            .await?;
        checked += 1;
    }
    Ok(checked)
}
