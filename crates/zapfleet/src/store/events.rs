//! The durable `event` table (a transactional outbox): events are written in
//! the transaction of the change that caused them, so a crash between the
//! change and its fan-out loses nothing. The forwarder claims rows to turn
//! them into deliveries (once across nodes), live streams replay them for
//! `Last-Event-ID`, and on PostgreSQL an insert notifies every node (a trigger,
//! see the migration).

use super::sql::Sql;
use super::webhooks::insert_delivery;
use super::{Store, StoreError, Tx};
use crate::domain::{Event, EventKind, InstanceId, NewEvent, Timestamp, UserId};
use serde_json::Value;
use sqlx::types::Json;

/// The columns of an [`EventRow`].
const COLUMNS: &str = r#"id, "userId", "instanceId", kind, payload, "createdAt""#;

#[derive(sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
struct EventRow {
    id: i64,
    user_id: UserId,
    instance_id: Option<InstanceId>,
    kind: EventKind,
    payload: Json<Value>,
    created_at: Timestamp,
}

impl From<EventRow> for Event {
    fn from(row: EventRow) -> Self {
        Self {
            id: u64::try_from(row.id).unwrap_or_default(),
            user_id: row.user_id,
            instance_id: row.instance_id,
            kind: row.kind,
            data: row.payload.0,
            at: row.created_at,
        }
    }
}

fn rows(rows: Vec<EventRow>) -> Vec<Event> {
    rows.into_iter().map(Into::into).collect()
}

fn id_arg(id: u64) -> i64 {
    i64::try_from(id).unwrap_or(i64::MAX)
}

impl Tx {
    /// Records events inside this transaction; they exist (and, on PostgreSQL,
    /// are announced to every node) only if it commits.
    pub(super) async fn insert_events(
        &mut self,
        events: &[NewEvent],
        now: Timestamp,
    ) -> Result<Vec<Event>, StoreError> {
        let mut recorded = Vec::with_capacity(events.len());
        for event in events {
            // Only events that a webhook may want wait for the fan-out: most
            // users forward nothing, and their events then cost no more work.
            let has_hook = self.dialect(
                "json_type(i.config, '$.forwardWebhook') = 'object'",
                "jsonb_typeof(i.config -> 'forwardWebhook') = 'object'",
            );
            let row: Option<EventRow> = self
                .fetch_optional(
                    Sql::new(format!(
                        r#"INSERT INTO event ("userId", "instanceId", kind, payload, "createdAt", "fanOutAt")
                           VALUES ($1, $2, $3, $4, $5,
                               CASE WHEN EXISTS (SELECT 1 FROM user_webhook w WHERE w."userId" = $1)
                                      OR EXISTS (SELECT 1 FROM whatsapp_instance i WHERE i.id = $2 AND {has_hook})
                                    THEN $5 END)
                           RETURNING {COLUMNS}"#
                    ))
                    .bind(&event.user_id)
                    .bind(event.instance_id.as_ref().map(|id| id.as_str().to_owned()))
                    .bind(event.kind)
                    .bind(event.data.clone())
                    .bind(now),
                )
                .await?;
            let row = row.ok_or_else(|| StoreError::Corrupt("an event was not recorded".into()))?;
            recorded.push(Event::from(row));
        }
        self.recorded.extend(recorded.iter().cloned());
        Ok(recorded)
    }
}

impl Store {
    /// Records events on their own (for changes that are not made in a store
    /// transaction, or whose transaction does not take events yet).
    pub async fn record_events(
        &self,
        events: &[NewEvent],
        now: Timestamp,
    ) -> Result<Vec<Event>, StoreError> {
        let mut tx = self.begin().await?;
        let recorded = tx.insert_events(events, now).await?;
        tx.commit().await?;
        Ok(recorded)
    }

    /// One event by id.
    pub async fn event_by_id(&self, id: u64) -> Result<Option<Event>, StoreError> {
        let row: Option<EventRow> = self
            .fetch_optional(
                Sql::new(format!("SELECT {COLUMNS} FROM event WHERE id = $1")).bind(id_arg(id)),
            )
            .await?;
        Ok(row.map(Into::into))
    }

    /// The user's events after `after`, oldest first (a stream's replay).
    pub async fn user_events_after(
        &self,
        user: &UserId,
        after: u64,
        limit: i64,
    ) -> Result<Vec<Event>, StoreError> {
        let found = self
            .fetch_all(
                Sql::new(format!(
                    r#"SELECT {COLUMNS} FROM event WHERE "userId" = $1 AND id > $2 ORDER BY id LIMIT $3"#
                ))
                .bind(user)
                .bind(id_arg(after))
                .bind(limit),
            )
            .await?;
        Ok(rows(found))
    }

    /// Everyone's events after `after`, oldest first (a listener catching up).
    pub async fn events_after(&self, after: u64, limit: i64) -> Result<Vec<Event>, StoreError> {
        let found = self
            .fetch_all(
                Sql::new(format!(
                    "SELECT {COLUMNS} FROM event WHERE id > $1 ORDER BY id LIMIT $2"
                ))
                .bind(id_arg(after))
                .bind(limit),
            )
            .await?;
        Ok(rows(found))
    }

    /// The newest event's id (0 without events).
    pub async fn last_event_id(&self) -> Result<u64, StoreError> {
        let (id,): (Option<i64>,) = self
            .fetch_one(Sql::new("SELECT MAX(id) FROM event"))
            .await?;
        Ok(id.and_then(|id| u64::try_from(id).ok()).unwrap_or(0))
    }

    /// Claims up to `limit` events due for fan-out until `lease` (another
    /// node, or this one after a crash, takes them again once it has passed).
    /// Nodes never claim the same row at once: SQLite has one writer, and
    /// PostgreSQL skips rows another claim holds.
    pub async fn claim_fan_out(
        &self,
        now: Timestamp,
        lease: Timestamp,
        limit: i64,
    ) -> Result<Vec<Event>, StoreError> {
        // A read first: most passes find nothing, and need no write lock.
        let due: Option<(i64,)> = self
            .fetch_optional(
                Sql::new(r#"SELECT id FROM event WHERE "fanOutAt" <= $1 LIMIT 1"#).bind(now),
            )
            .await?;
        if due.is_none() {
            return Ok(Vec::new());
        }
        let lock = self.dialect("", "FOR UPDATE SKIP LOCKED");
        let mut tx = self.begin().await?;
        let claimed: Vec<EventRow> = tx
            .fetch_all(
                Sql::new(format!(
                    r#"UPDATE event SET "fanOutAt" = $1 WHERE id IN
                       (SELECT id FROM event WHERE "fanOutAt" <= $2 ORDER BY id LIMIT $3 {lock})
                       RETURNING {COLUMNS}"#
                ))
                .bind(lease)
                .bind(now)
                .bind(limit),
            )
            .await?;
        tx.commit().await?;
        let mut claimed = rows(claimed);
        claimed.sort_by_key(|e| e.id);
        Ok(claimed)
    }

    /// Queues each claimed event's deliveries and marks it fanned out, in one
    /// transaction, for the events whose claim (`lease`) is still this
    /// caller's (another claim may have taken one over meanwhile: nothing is
    /// queued for that one). Returns how many were fanned out.
    pub async fn finish_fan_out(
        &self,
        events: Vec<(u64, Vec<super::NewDelivery>)>,
        lease: Timestamp,
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        let mut tx = self.begin().await?;
        let mut done = 0;
        for (event, deliveries) in events {
            let ours = tx
                .execute(
                    Sql::new(
                        r#"UPDATE event SET "fanOutAt" = NULL WHERE id = $1 AND "fanOutAt" = $2"#,
                    )
                    .bind(id_arg(event))
                    .bind(lease),
                )
                .await?;
            if ours == 0 {
                continue;
            }
            done += 1;
            for delivery in deliveries {
                insert_delivery(&mut tx, delivery, now).await?;
            }
        }
        tx.commit().await?;
        Ok(done)
    }

    /// Removes up to `batch` fanned-out events recorded before `before`
    /// (events still owed a fan-out are kept).
    pub(super) async fn purge_events(
        &self,
        before: Timestamp,
        batch: i64,
    ) -> Result<u64, StoreError> {
        self.execute(
            Sql::new(
                r#"DELETE FROM event WHERE id IN (SELECT id FROM event
                   WHERE "createdAt" < $1 AND "fanOutAt" IS NULL LIMIT $2)"#,
            )
            .bind(before)
            .bind(batch),
        )
        .await
    }
}
