//! Live events: recorded in the `event` table (where the store can, in the
//! transaction of the change itself), then passed to this node's streams, to
//! every other node's (PostgreSQL's LISTEN/NOTIFY, `workers::listener`), and
//! to the forwarder, which fans them out to forward webhooks.

use super::platform::Platform;
use crate::domain::{Event, EventKind, NewEvent, UserId};
use crate::error::AppError;
use serde_json::Value;

/// Events replayed per read for a stream that resumes.
pub const REPLAY_PAGE: i64 = 500;

/// Records an event of a change already committed (changes whose store
/// transaction records their events do not call this). A failure is logged:
/// the change stands either way.
pub async fn publish(platform: &Platform, user: &UserId, kind: EventKind, data: Value) {
    let event = NewEvent::new(user, kind, data);
    if let Err(error) = platform.store.record_events(&[event], platform.now()).await {
        tracing::warn!(%error, %kind, "cannot record an event");
    }
}

/// [`publish`] from code that cannot wait for it.
pub fn publish_soon(platform: &Platform, user: &UserId, kind: EventKind, data: Value) {
    let platform = platform.clone();
    let user = user.clone();
    tokio::spawn(async move { publish(&platform, &user, kind, data).await });
}

/// The user's events after `after` (a stream's `Last-Event-ID`), oldest
/// first, at most [`REPLAY_PAGE`]; from the database, so a stream may resume
/// on any node.
pub async fn replay(
    platform: &Platform,
    user: &UserId,
    after: u64,
) -> Result<Vec<Event>, AppError> {
    Ok(platform
        .store
        .user_events_after(user, after, REPLAY_PAGE)
        .await?)
}
