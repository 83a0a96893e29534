//! The outbox's side of the `message` table: which instances may send, claiming
//! a send before the provider is called, and recording what came of it.

use super::messages::{MessageRow, SELECT};
use super::receipts::settle_parked_receipts;
use super::sql::Sql;
use super::stats::{Counter, bump};
use super::{Store, StoreError};
use crate::domain::{
    InstanceId, InstanceStatus, MessageId, MessageStatus, ProvisionState, Timestamp,
};

use super::MessageRecord;

impl Store {
    /// Connected, paced-out instances of enabled accounts with a queued message
    /// and nothing in flight (a disabled account's messages wait, paused).
    pub async fn outbox_instances(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> Result<Vec<InstanceId>, StoreError> {
        let rows: Vec<(InstanceId,)> = self
            .fetch_all(
                Sql::new(
                    r#"SELECT DISTINCT m."instanceId" FROM message m
                       JOIN whatsapp_instance i ON i.id = m."instanceId"
                       JOIN instance_schedule s ON s."instanceId" = m."instanceId"
                       JOIN "user" u ON u.id = i."userId"
                       WHERE m.status = $1 AND i.status = $2 AND i."provisionState" = $3
                         AND (s."nextSendAt" IS NULL OR s."nextSendAt" <= $4)
                         AND NOT EXISTS (SELECT 1 FROM message x WHERE x."instanceId" = m."instanceId" AND x.status = $5)
                         AND u.disabled = $7
                       LIMIT $6"#,
                )
                .bind(MessageStatus::Queued)
                .bind(InstanceStatus::Connected)
                .bind(ProvisionState::Ready)
                .bind(now)
                .bind(MessageStatus::Sending)
                .bind(limit)
                .bind(false),
            )
            .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// The instance's next message in send order.
    pub async fn next_queued(
        &self,
        instance: &InstanceId,
    ) -> Result<Option<MessageRecord>, StoreError> {
        let row: Option<MessageRow> = self
            .fetch_optional(
                Sql::new(format!(
                    r#"{SELECT} WHERE m."instanceId" = $1 AND m.status = $2 ORDER BY m.seq LIMIT 1"#
                ))
                .bind(instance)
                .bind(MessageStatus::Queued),
            )
            .await?;
        Ok(row.map(Into::into))
    }

    /// Claims a queued message for sending until `lease_until` (and counts the
    /// attempt), committed before the provider is called; `false` if someone
    /// else did.
    pub async fn claim_message(
        &self,
        id: &MessageId,
        lease_until: Timestamp,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let claimed = self
            .execute(
                Sql::new(
                    r#"UPDATE message SET status = $1, attempts = attempts + 1, "nextAttemptAt" = $2, "updatedAt" = $3
                       WHERE id = $4 AND status = $5"#,
                )
                .bind(MessageStatus::Sending)
                .bind(lease_until)
                .bind(now)
                .bind(id)
                .bind(MessageStatus::Queued),
            )
            .await?;
        Ok(claimed == 1)
    }

    /// Records a send the provider accepted, counts it, and applies the receipts
    /// that arrived before it, in one transaction. `false` if it was not in flight.
    pub async fn mark_sent(
        &self,
        id: &MessageId,
        provider_id: &str,
        at: Timestamp,
        provider_at: Option<Timestamp>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let moved: Option<(InstanceId,)> = tx
            .fetch_optional(
                Sql::new(
                    r#"UPDATE message SET status = $1, "providerMessageId" = $2, "sentAt" = $3, "updatedAt" = $3, error = NULL,
                           "providerAt" = $6
                       WHERE id = $4 AND status = $5 RETURNING "instanceId""#,
                )
                .bind(MessageStatus::Sent)
                .bind(provider_id)
                .bind(at)
                .bind(id)
                .bind(MessageStatus::Sending)
                .bind(provider_at),
            )
            .await?;
        let Some((instance,)) = moved else {
            return Ok(false);
        };
        bump(&mut tx, &instance, at, Counter::Sent, 1).await?;
        settle_parked_receipts(&mut tx, &instance, provider_id).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Puts a message whose send certainly did not happen back in the queue.
    /// Not `counted`, the claim's attempt is given back: waiting for a session
    /// is not a try (a message once reached 37 attempts that way).
    pub async fn requeue_message(
        &self,
        id: &MessageId,
        not_before: Timestamp,
        error: &str,
        now: Timestamp,
        counted: bool,
    ) -> Result<(), StoreError> {
        self.execute(
            Sql::new(
                r#"UPDATE message SET status = $1, "nextAttemptAt" = $2, error = $3, "updatedAt" = $4,
                   attempts = attempts - $7 WHERE id = $5 AND status = $6"#,
            )
            .bind(MessageStatus::Queued)
            .bind(not_before)
            .bind(error)
            .bind(now)
            .bind(id)
            .bind(MessageStatus::Sending)
            .bind(i64::from(!counted)),
        )
        .await?;
        Ok(())
    }

    /// Keeps a send in doubt: after `until`, it is checked at the provider.
    pub async fn extend_lease(
        &self,
        id: &MessageId,
        until: Timestamp,
        error: &str,
    ) -> Result<(), StoreError> {
        self.execute(
            Sql::new(r#"UPDATE message SET "nextAttemptAt" = $1, error = $2 WHERE id = $3 AND status = $4"#)
                .bind(until)
                .bind(error)
                .bind(id)
                .bind(MessageStatus::Sending),
        )
        .await?;
        Ok(())
    }

    /// Gives a queued or in-flight message up, and counts it.
    pub async fn fail_message(
        &self,
        id: &MessageId,
        error: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let moved: Option<(InstanceId,)> = tx
            .fetch_optional(
                Sql::new(
                    r#"UPDATE message SET status = $1, error = $2, "updatedAt" = $3
                       WHERE id = $4 AND status IN ($5, $6) RETURNING "instanceId""#,
                )
                .bind(MessageStatus::Failed)
                .bind(error)
                .bind(now)
                .bind(id)
                .bind(MessageStatus::Queued)
                .bind(MessageStatus::Sending),
            )
            .await?;
        let Some((instance,)) = moved else {
            return Ok(false);
        };
        bump(&mut tx, &instance, now, Counter::Failed, 1).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Queued messages whose wait for a connection is over: only on instances
    /// that are not connected (on a connected one they are being sent, paced,
    /// however long the queue; see [`Store::restart_waits`]).
    pub async fn expired_messages(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> Result<Vec<MessageId>, StoreError> {
        let rows: Vec<(MessageId,)> = self
            .fetch_all(
                Sql::new(
                    r#"SELECT m.id FROM message m JOIN whatsapp_instance i ON i.id = m."instanceId"
                       WHERE m.status = $1 AND m."expiresAt" < $2 AND i.status <> $4 LIMIT $3"#,
                )
                .bind(MessageStatus::Queued)
                .bind(now)
                .bind(limit)
                .bind(InstanceStatus::Connected),
            )
            .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Sends in doubt whose lease is over (a crash, a timeout, a lost answer).
    pub async fn sends_in_doubt(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> Result<Vec<MessageRecord>, StoreError> {
        let rows: Vec<MessageRow> = self
            .fetch_all(
                Sql::new(format!(
                    r#"{SELECT} WHERE m.status = $1 AND m."nextAttemptAt" < $2 LIMIT $3"#
                ))
                .bind(MessageStatus::Sending)
                .bind(now)
                .bind(limit),
            )
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// At start-up nothing of ours is in flight: sends left `sending` by a
    /// crash are in doubt now, not when their lease ends. (With several
    /// servers on one database this would cut short another server's lease.)
    pub async fn end_send_leases(&self) -> Result<u64, StoreError> {
        self.execute(
            Sql::new(r#"UPDATE message SET "nextAttemptAt" = $1 WHERE status = $2"#)
                .bind(Timestamp::from_millis(0))
                .bind(MessageStatus::Sending),
        )
        .await
    }
}
