//! Automatic reconnection after an unexpected drop (never after a logout), with
//! exponential backoff and jitter, capped at 5 minutes between attempts.

use crate::services::connection::reconnect_attempt;
use crate::services::platform::{Platform, claim_lease_ms};

/// Reconnects tried per step.
const BATCH: i64 = 50;

/// One pass over the due reconnects, claimed first so that one node only
/// tries each (the attempt then schedules the next one, or none); returns how
/// many attempts succeeded.
pub async fn try_execute_task(platform: &Platform) -> anyhow::Result<usize> {
    let mut done = 0;
    let now = platform.now();
    let until = now.plus_millis(claim_lease_ms(platform));
    for (id, attempts) in platform
        .store
        .claim_due_reconnects(now, until, BATCH)
        .await?
    {
        if reconnect_attempt(platform, &id, attempts.max(1))
            .await
            .is_ok()
        {
            done += 1;
        }
    }
    Ok(done)
}
