//! Automatic reconnection after an unexpected drop (never after a logout), with
//! exponential backoff and jitter, capped at 5 minutes between attempts.

use crate::services::connection::reconnect_attempt;
use crate::services::platform::Platform;

/// Reconnects tried per step.
const BATCH: i64 = 50;

/// One pass over the due reconnects; returns how many attempts succeeded.
pub async fn try_execute_task(platform: &Platform) -> anyhow::Result<usize> {
    let mut done = 0;
    for (id, attempts) in platform.store.due_reconnects(platform.now(), BATCH).await? {
        if reconnect_attempt(platform, &id, attempts.max(1))
            .await
            .is_ok()
        {
            done += 1;
        }
    }
    Ok(done)
}
