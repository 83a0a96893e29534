//! PostgreSQL's LISTEN for the `event` table: its insert trigger (see the
//! migration) notifies every node of each event's id when the inserting
//! transaction commits.

use super::sql::Sql;
use super::{Pool, Store, StoreError};
use sqlx::postgres::PgListener;

/// A connection that hears every node's events.
pub struct EventListener {
    inner: PgListener,
}

/// What a listener heard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heard {
    /// An event was recorded (its id).
    Event(u64),
    /// The connection dropped and is back: notifications in between are lost,
    /// so the caller catches up from the table.
    Reconnected,
}

impl Store {
    /// A listener for every node's events; `None` on SQLite (one node, whose
    /// own store passes its events on).
    pub async fn event_listener(&self) -> Result<Option<EventListener>, StoreError> {
        let Pool::Postgres(pool) = &self.pool else {
            return Ok(None);
        };
        // The trigger's channel: one per schema.
        let (channel,): (String,) = self
            .fetch_one(Sql::new(
                "SELECT 'zapfleet_events_' || left(md5(current_schema()), 16)",
            ))
            .await?;
        let mut inner = PgListener::connect_with(pool).await?;
        inner.listen(&channel).await?;
        Ok(Some(EventListener { inner }))
    }
}

impl EventListener {
    /// Waits for the next notification. After [`Heard::Reconnected`] the
    /// listener listens again already.
    pub async fn next(&mut self) -> Result<Heard, StoreError> {
        loop {
            match self.inner.try_recv().await? {
                None => return Ok(Heard::Reconnected),
                Some(notice) => match notice.payload().parse() {
                    Ok(id) => return Ok(Heard::Event(id)),
                    Err(_) => tracing::warn!(payload = notice.payload(), "an odd event notice"),
                },
            }
        }
    }
}
