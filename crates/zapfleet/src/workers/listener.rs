//! On PostgreSQL, every node hears every node's events (LISTEN/NOTIFY) and
//! passes them to its own live streams, so a change on any node reaches every
//! stream within moments. When the connection drops, the listener connects
//! again and catches up from the `event` table by id.

use crate::services::platform::Platform;
use crate::store::{Heard, StoreError};
use std::time::Duration;
use tokio::sync::watch;

/// Events read per page when catching up.
const PAGE: i64 = 500;
/// Ids read again before the last one heard when catching up: PostgreSQL
/// hands out ids when rows are inserted, so a transaction that took a smaller
/// id may commit after one with a larger id (the hub drops what it sent).
const LOOKBACK: u64 = 256;
/// The wait before connecting again after a failure.
const RETRY: Duration = Duration::from_secs(1);

/// Listens until shutdown (returns at once on SQLite).
pub async fn run(platform: Platform, mut shutdown: watch::Receiver<bool>) {
    let mut last = None;
    loop {
        match listen(&platform, &mut last, &mut shutdown).await {
            Ok(()) => return,
            Err(error) => tracing::warn!(%error, "the event listener stopped; connecting again"),
        }
        tokio::select! {
            () = tokio::time::sleep(RETRY) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// One connection's life. `last`: the newest id passed on (`None` before the
/// first connection: nothing older is passed on then).
async fn listen(
    platform: &Platform,
    last: &mut Option<u64>,
    shutdown: &mut watch::Receiver<bool>,
) -> Result<(), StoreError> {
    let Some(mut listener) = platform.store.event_listener().await? else {
        return Ok(());
    };
    catch_up(platform, last).await?;
    loop {
        let heard = tokio::select! {
            heard = listener.next() => heard?,
            _ = shutdown.changed() => return Ok(()),
        };
        match heard {
            // This node's own events were passed on at their commit: no read.
            Heard::Event(id) if platform.events.seen(id) => {
                *last = Some(last.unwrap_or(0).max(id));
            }
            Heard::Event(id) => {
                if let Some(event) = platform.store.event_by_id(id).await? {
                    *last = Some(last.unwrap_or(0).max(id));
                    platform.events.deliver(event);
                }
            }
            Heard::Reconnected => catch_up(platform, last).await?,
        }
    }
}

/// Passes on what was recorded since `last` (listening already, so nothing
/// falls between the two).
async fn catch_up(platform: &Platform, last: &mut Option<u64>) -> Result<(), StoreError> {
    let Some(seen) = *last else {
        *last = Some(platform.store.last_event_id().await?);
        return Ok(());
    };
    let mut after = seen.saturating_sub(LOOKBACK);
    loop {
        let page = platform.store.events_after(after, PAGE).await?;
        let full = i64::try_from(page.len()).is_ok_and(|n| n >= PAGE);
        for event in page {
            after = event.id;
            *last = Some(last.unwrap_or(0).max(event.id));
            platform.events.deliver(event);
        }
        if !full {
            return Ok(());
        }
    }
}
