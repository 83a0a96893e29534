//! The outbox's side of the `message` table: which instances may send, claiming
//! a send before the provider is called, and recording what came of it.

use super::messages::{MessageRow, SELECT};
use super::nodes::held_by_dead;
use super::receipts::settle_parked_receipts;
use super::sql::Sql;
use super::stats::{Counter, bump};
use super::{Store, StoreError};
use crate::domain::{
    InstanceId, InstanceStatus, MessageId, MessageStatus, NodeId, ProvisionState, Timestamp,
};

use super::MessageRecord;

impl Store {
    /// Takes the send turn of connected, paced-out instances of enabled
    /// accounts with a queued message and nothing in flight (a disabled
    /// account's messages wait, paused), for `me` until `until`: one node at
    /// a time sends for an instance, in order. A turn held by a dead node (no
    /// heartbeat since `dead_before`) or past its time is taken over.
    pub async fn claim_send_turns(
        &self,
        me: &NodeId,
        now: Timestamp,
        dead_before: Timestamp,
        until: Timestamp,
        limit: i64,
    ) -> Result<Vec<InstanceId>, StoreError> {
        let dead = held_by_dead(r#"instance_schedule."sendClaimedBy""#, "$10");
        let rows: Vec<(InstanceId,)> = self
            .fetch_all(
                Sql::new(format!(
                    r#"UPDATE instance_schedule SET "sendClaimedBy" = $8, "sendClaimedUntil" = $9
                       WHERE "instanceId" IN (SELECT DISTINCT m."instanceId" FROM message m
                         JOIN whatsapp_instance i ON i.id = m."instanceId"
                         JOIN instance_schedule s ON s."instanceId" = m."instanceId"
                         JOIN "user" u ON u.id = i."userId"
                         WHERE m.status = $1 AND i.status = $2 AND i."provisionState" = $3
                           AND (s."nextSendAt" IS NULL OR s."nextSendAt" <= $4)
                           AND NOT EXISTS (SELECT 1 FROM message x WHERE x."instanceId" = m."instanceId" AND x.status = $5)
                           AND u.disabled = $7
                         LIMIT $6)
                       AND ("sendClaimedUntil" IS NULL OR "sendClaimedUntil" < $4 OR "sendClaimedBy" = $8 OR {dead})
                       RETURNING "instanceId""#
                ))
                .bind(MessageStatus::Queued)
                .bind(InstanceStatus::Connected)
                .bind(ProvisionState::Ready)
                .bind(now)
                .bind(MessageStatus::Sending)
                .bind(limit)
                .bind(false)
                .bind(me)
                .bind(until)
                .bind(dead_before),
            )
            .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Keeps `me`'s send turn of an instance until `until`; `false` if the
    /// turn is no longer `me`'s (it ran out and another node took it).
    pub async fn renew_send_turn(
        &self,
        instance: &InstanceId,
        me: &NodeId,
        until: Timestamp,
    ) -> Result<bool, StoreError> {
        let renewed = self
            .execute(
                Sql::new(
                    r#"UPDATE instance_schedule SET "sendClaimedUntil" = $1 WHERE "instanceId" = $2 AND "sendClaimedBy" = $3"#,
                )
                .bind(until)
                .bind(instance)
                .bind(me),
            )
            .await?;
        Ok(renewed == 1)
    }

    /// Ends `me`'s send turn of an instance (its burst is over).
    pub async fn end_send_turn(
        &self,
        instance: &InstanceId,
        me: &NodeId,
    ) -> Result<(), StoreError> {
        self.execute(
            Sql::new(
                r#"UPDATE instance_schedule SET "sendClaimedBy" = NULL, "sendClaimedUntil" = NULL
                   WHERE "instanceId" = $1 AND "sendClaimedBy" = $2"#,
            )
            .bind(instance)
            .bind(me),
        )
        .await?;
        Ok(())
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

    /// Claims a queued message for sending by `node` until `lease_until` (and
    /// counts the attempt), committed before the provider is called; `false`
    /// if someone else did.
    pub async fn claim_message(
        &self,
        id: &MessageId,
        node: &NodeId,
        lease_until: Timestamp,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let claimed = self
            .execute(
                Sql::new(
                    r#"UPDATE message SET status = $1, attempts = attempts + 1, "nextAttemptAt" = $2, "updatedAt" = $3,
                           "sendNode" = $6
                       WHERE id = $4 AND status = $5"#,
                )
                .bind(MessageStatus::Sending)
                .bind(lease_until)
                .bind(now)
                .bind(id)
                .bind(MessageStatus::Queued)
                .bind(node),
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
    /// Only the lease's holder may: a send another node took over is theirs.
    pub async fn requeue_message(
        &self,
        id: &MessageId,
        node: &NodeId,
        not_before: Timestamp,
        error: &str,
        now: Timestamp,
        counted: bool,
    ) -> Result<(), StoreError> {
        self.execute(
            Sql::new(
                r#"UPDATE message SET status = $1, "nextAttemptAt" = $2, error = $3, "updatedAt" = $4,
                   attempts = attempts - $7, "sendNode" = NULL WHERE id = $5 AND status = $6 AND "sendNode" = $8"#,
            )
            .bind(MessageStatus::Queued)
            .bind(not_before)
            .bind(error)
            .bind(now)
            .bind(id)
            .bind(MessageStatus::Sending)
            .bind(i64::from(!counted))
            .bind(node),
        )
        .await?;
        Ok(())
    }

    /// Keeps a send in doubt: after `until`, it is checked at the provider
    /// (by whichever node then; only the lease's holder may extend it).
    pub async fn extend_lease(
        &self,
        id: &MessageId,
        node: &NodeId,
        until: Timestamp,
        error: &str,
    ) -> Result<(), StoreError> {
        self.execute(
            Sql::new(
                r#"UPDATE message SET "nextAttemptAt" = $1, error = $2 WHERE id = $3 AND status = $4 AND "sendNode" = $5"#,
            )
            .bind(until)
            .bind(error)
            .bind(id)
            .bind(MessageStatus::Sending)
            .bind(node),
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

    /// Sends in doubt: their lease is over (a timeout, a lost answer), or
    /// they were leased by a node that is dead now (no heartbeat since
    /// `dead_before`: killed, cut off, or an earlier run of a restarted one).
    /// `me`'s own sends are in doubt only once their lease is over.
    pub async fn sends_in_doubt(
        &self,
        me: &NodeId,
        now: Timestamp,
        dead_before: Timestamp,
        limit: i64,
    ) -> Result<Vec<MessageRecord>, StoreError> {
        let dead = held_by_dead(r#"m."sendNode""#, "$5");
        let rows: Vec<MessageRow> = self
            .fetch_all(
                Sql::new(format!(
                    r#"{SELECT} WHERE m.status = $1 AND (m."nextAttemptAt" < $2
                         OR (COALESCE(m."sendNode", '') <> $4 AND {dead})) LIMIT $3"#
                ))
                .bind(MessageStatus::Sending)
                .bind(now)
                .bind(limit)
                .bind(me)
                .bind(dead_before),
            )
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Takes over a send in doubt (see [`Store::sends_in_doubt`]) for `me`
    /// until `until`, to settle it; `false` if it is no longer in doubt or
    /// another node took it first.
    pub async fn take_send_in_doubt(
        &self,
        id: &MessageId,
        me: &NodeId,
        now: Timestamp,
        dead_before: Timestamp,
        until: Timestamp,
    ) -> Result<bool, StoreError> {
        let dead = held_by_dead(r#"message."sendNode""#, "$6");
        let taken = self
            .execute(
                Sql::new(format!(
                    r#"UPDATE message SET "sendNode" = $1, "nextAttemptAt" = $2
                       WHERE id = $3 AND status = $4 AND ("nextAttemptAt" < $5
                         OR (COALESCE("sendNode", '') <> $1 AND {dead}))"#
                ))
                .bind(me)
                .bind(until)
                .bind(id)
                .bind(MessageStatus::Sending)
                .bind(now)
                .bind(dead_before),
            )
            .await?;
        Ok(taken == 1)
    }

    /// At start-up: sends leased by dead nodes (an earlier run of this one
    /// among them: it has a new id now) are in doubt now, not when their
    /// lease ends. Sends of live nodes are theirs, left alone.
    pub async fn end_send_leases(&self, dead_before: Timestamp) -> Result<u64, StoreError> {
        let dead = held_by_dead(r#"message."sendNode""#, "$3");
        self.execute(
            Sql::new(format!(
                r#"UPDATE message SET "nextAttemptAt" = $1 WHERE status = $2 AND {dead}"#
            ))
            .bind(Timestamp::from_millis(0))
            .bind(MessageStatus::Sending)
            .bind(dead_before),
        )
        .await
    }
}
