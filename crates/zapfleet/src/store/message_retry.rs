//! Putting a failed outgoing message back in the queue, at the user's request.

use super::messages::{MessageRow, SELECT};
use super::sql::Sql;
use super::stats::{Counter, bump};
use super::{MessageRecord, Store, StoreError};
use crate::domain::{Direction, InstanceId, MessageId, MessageStatus, Timestamp, UserId};

/// What became of a retry.
#[derive(Debug, Clone)]
pub enum Retried {
    /// Queued again (the record as it is now).
    Queued(Box<MessageRecord>),
    /// It exists but is not a failed outgoing message (sent meanwhile, received,
    /// or retried by another click).
    NotRetriable,
    /// Not a message of this user's instance.
    NotFound,
}

impl Store {
    /// Queues a failed outgoing message again: attempts start over, its wait
    /// for a connection (`expiresAt - createdAt`, its `waitSeconds`) starts
    /// from now, and the day it failed counts one failure less, so the
    /// counters keep agreeing with the messages.
    pub async fn retry_failed_message(
        &self,
        user: &UserId,
        instance: &InstanceId,
        id: &MessageId,
        now: Timestamp,
    ) -> Result<Retried, StoreError> {
        let mut tx = self.begin().await?;
        let found: Option<(Direction, MessageStatus, Timestamp)> = tx
            .fetch_optional(
                Sql::new(
                    r#"SELECT m.direction, m.status, m."updatedAt" FROM message m
                       JOIN whatsapp_instance i ON i.id = m."instanceId"
                       WHERE m.id = $1 AND m."instanceId" = $2 AND i."userId" = $3"#,
                )
                .bind(id)
                .bind(instance)
                .bind(user),
            )
            .await?;
        let Some((direction, status, failed_at)) = found else {
            return Ok(Retried::NotFound);
        };
        if direction != Direction::Out || status != MessageStatus::Failed {
            return Ok(Retried::NotRetriable);
        }
        let moved = tx
            .execute(
                Sql::new(
                    r#"UPDATE message SET status = $1, attempts = 0, error = NULL, "nextAttemptAt" = $2, "updatedAt" = $2,
                           "expiresAt" = $2 + (COALESCE("expiresAt", "createdAt") - "createdAt")
                       WHERE id = $3 AND status = $4"#,
                )
                .bind(MessageStatus::Queued)
                .bind(now)
                .bind(id)
                .bind(MessageStatus::Failed),
            )
            .await?;
        if moved != 1 {
            return Ok(Retried::NotRetriable);
        }
        bump(&mut tx, instance, failed_at, Counter::Failed, -1).await?;
        let row: Option<MessageRow> = tx
            .fetch_optional(Sql::new(format!("{SELECT} WHERE m.id = $1")).bind(id))
            .await?;
        tx.commit().await?;
        Ok(row.map_or(Retried::NotFound, |row| {
            Retried::Queued(Box::new(row.into()))
        }))
    }
}
