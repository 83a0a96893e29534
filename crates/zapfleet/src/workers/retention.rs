//! Purges what is no longer worth keeping (see [`Retention`](crate::store::Retention)):
//! expired sessions, old finished messages, status history, finished
//! deliveries, settings versions and old audit lines.

use crate::services::platform::Platform;
use crate::store::Purged;

/// Rows of each kind removed per batch; a pass repeats batches until done.
const BATCH: i64 = 1_000;
/// A pass stops after this many batches, leaving the rest to the next one.
const MAX_BATCHES: usize = 100;

/// One pass; returns how many rows it removed.
pub async fn try_execute_task(platform: &Platform) -> anyhow::Result<usize> {
    let mut removed = Purged::default();
    for _ in 0..MAX_BATCHES {
        let purged = platform
            .store
            .purge(platform.now(), &platform.retention, BATCH)
            .await?;
        removed.sessions += purged.sessions;
        removed.messages += purged.messages;
        removed.status_history += purged.status_history;
        removed.deliveries += purged.deliveries;
        removed.config_versions += purged.config_versions;
        removed.parked_receipts += purged.parked_receipts;
        removed.audit_events += purged.audit_events;
        removed.throttles += purged.throttles;
        if purged.total() == 0 {
            break;
        }
    }
    if removed.total() > 0 {
        tracing::info!(?removed, "retention purge");
    }
    Ok(usize::try_from(removed.total()).unwrap_or(usize::MAX))
}
