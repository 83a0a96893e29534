//! What comes back from WhatsApp: delivery and read receipts (never moving a
//! message backwards, each step counted once) and incoming messages (recorded
//! once). A receipt can beat the send's answer to us: it is parked until the
//! send is recorded, then applied in the same transaction as the send.

use super::sql::Sql;
use super::stats::{Counter, bump};
use super::{Store, StoreError, Tx};
use crate::domain::{
    Direction, InstanceId, MessageId, MessageKind, MessageStatus, Receipt, Timestamp,
};

/// Moves one message a step forward (sent → delivered, or delivered → read) if it
/// is where the step starts, and counts the step. Returns 1 if it moved.
async fn receipt_step(
    tx: &mut Tx,
    instance: &InstanceId,
    provider_id: &str,
    step: Receipt,
    at: Timestamp,
) -> Result<u64, StoreError> {
    let (from, column, counter) = match step {
        Receipt::Delivered => (MessageStatus::Sent, r#""deliveredAt""#, Counter::Delivered),
        Receipt::Read => (MessageStatus::Delivered, r#""readAt""#, Counter::Read),
    };
    let moved = tx
        .execute(
            Sql::new(format!(
                r#"UPDATE message SET status = $1, {column} = $2, "updatedAt" = $2
                   WHERE "instanceId" = $3 AND "providerMessageId" = $4 AND status = $5"#
            ))
            .bind(step.status())
            .bind(at)
            .bind(instance)
            .bind(provider_id)
            .bind(from),
        )
        .await?;
    if moved > 0 {
        bump(tx, instance, at, counter, 1).await?;
    }
    Ok(moved)
}

/// Applies a receipt to one message: a read receipt also delivers. Each step is
/// conditional on the current state, so concurrent or repeated receipts never
/// lose a step nor count one twice. Returns whether the message moved.
async fn apply_one(
    tx: &mut Tx,
    instance: &InstanceId,
    provider_id: &str,
    receipt: Receipt,
    at: Timestamp,
) -> Result<bool, StoreError> {
    let delivered = receipt_step(tx, instance, provider_id, Receipt::Delivered, at).await?;
    let read = if receipt == Receipt::Read {
        receipt_step(tx, instance, provider_id, Receipt::Read, at).await?
    } else {
        0
    };
    Ok(delivered + read > 0)
}

/// Applies (and removes) the receipts parked for a message, inside the caller's
/// transaction. Only what this statement deletes is applied, so a receipt
/// parked meanwhile is never removed unapplied.
pub(super) async fn settle_parked_receipts(
    tx: &mut Tx,
    instance: &InstanceId,
    provider_id: &str,
) -> Result<usize, StoreError> {
    let mut parked: Vec<(Receipt, Timestamp)> = tx
        .fetch_all(
            Sql::new(
                r#"DELETE FROM message_receipt_pending WHERE "instanceId" = $1 AND "providerMessageId" = $2
                   RETURNING status, at"#,
            )
            .bind(instance)
            .bind(provider_id),
        )
        .await?;
    parked.sort_by_key(|(receipt, at)| (*at, *receipt == Receipt::Read));
    let mut moved = 0;
    for (receipt, at) in parked {
        moved += usize::from(apply_one(tx, instance, provider_id, receipt, at).await?);
    }
    Ok(moved)
}

impl Store {
    /// Applies a delivery or read receipt to the messages it names. A receipt
    /// for a message whose send is not recorded yet is parked. Returns how many
    /// messages moved.
    pub async fn apply_receipt(
        &self,
        instance: &InstanceId,
        provider_ids: &[String],
        receipt: Receipt,
        at: Timestamp,
    ) -> Result<usize, StoreError> {
        let mut moved = 0;
        for provider_id in provider_ids {
            let mut tx = self.begin().await?;
            if apply_one(&mut tx, instance, provider_id, receipt, at).await? {
                moved += 1;
            } else {
                let known: Option<(MessageId,)> = tx
                    .fetch_optional(
                        Sql::new(
                            r#"SELECT id FROM message WHERE "instanceId" = $1 AND "providerMessageId" = $2"#,
                        )
                        .bind(instance)
                        .bind(provider_id),
                    )
                    .await?;
                if known.is_some() {
                    // The send may have been recorded between our update and this
                    // look (each statement sees what is committed when it starts):
                    // try again, now that it is visible. A repeat changes nothing.
                    if apply_one(&mut tx, instance, provider_id, receipt, at).await? {
                        moved += 1;
                    }
                } else {
                    tx.execute(
                        Sql::new(
                            r#"INSERT INTO message_receipt_pending ("instanceId", "providerMessageId", status, at)
                               VALUES ($1, $2, $3, $4)
                               ON CONFLICT ("instanceId", "providerMessageId", status) DO NOTHING"#,
                        )
                        .bind(instance)
                        .bind(provider_id)
                        .bind(receipt)
                        .bind(at),
                    )
                    .await?;
                }
            }
            tx.commit().await?;
        }
        Ok(moved)
    }

    /// Applies parked receipts whose message is known by now. A receipt parked
    /// while its send was being recorded (by another connection, on PostgreSQL)
    /// is settled here at the latest. Returns how many messages moved.
    pub async fn sweep_parked_receipts(&self, limit: i64) -> Result<usize, StoreError> {
        let known: Vec<(InstanceId, String)> = self
            .fetch_all(
                Sql::new(
                    r#"SELECT DISTINCT p."instanceId", p."providerMessageId" FROM message_receipt_pending p
                       JOIN message m ON m."instanceId" = p."instanceId" AND m."providerMessageId" = p."providerMessageId"
                       LIMIT $1"#,
                )
                .bind(limit),
            )
            .await?;
        let mut moved = 0;
        for (instance, provider_id) in known {
            let mut tx = self.begin().await?;
            moved += settle_parked_receipts(&mut tx, &instance, &provider_id).await?;
            tx.commit().await?;
        }
        Ok(moved)
    }

    /// Records an incoming message once (repeats are ignored) and counts it,
    /// dated `at` by our clock, with the provider's own time beside it.
    #[allow(clippy::too_many_arguments)] // one column each; a struct would only rename them
    pub async fn record_incoming(
        &self,
        instance: &InstanceId,
        provider_id: &str,
        peer: &str,
        kind: MessageKind,
        body: Option<&str>,
        at: Timestamp,
        provider_at: Option<Timestamp>,
    ) -> Result<bool, StoreError> {
        let insert = self.dialect(
            r#"INSERT INTO message (id, "instanceId", direction, peer, kind, body, status, "providerMessageId",
                   "createdAt", "updatedAt", "nextAttemptAt", "providerAt", seq)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $9, $10,
                   (SELECT COALESCE(MAX(seq), 0) + 1 FROM message WHERE "instanceId" = $2))
               ON CONFLICT ("instanceId", "providerMessageId") DO NOTHING"#,
            r#"INSERT INTO message (id, "instanceId", direction, peer, kind, body, status, "providerMessageId",
                   "createdAt", "updatedAt", "nextAttemptAt", "providerAt")
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $9, $10)
               ON CONFLICT ("instanceId", "providerMessageId") DO NOTHING"#,
        );
        let mut tx = self.begin().await?;
        let inserted = tx
            .execute(
                Sql::new(insert)
                    .bind(&MessageId::generate())
                    .bind(instance)
                    .bind(Direction::In)
                    .bind(peer)
                    .bind(kind)
                    .bind(body)
                    .bind(MessageStatus::Received)
                    .bind(provider_id)
                    .bind(at)
                    .bind(provider_at),
            )
            .await?
            == 1;
        if inserted {
            bump(&mut tx, instance, at, Counter::Received, 1).await?;
        }
        tx.commit().await?;
        Ok(inserted)
    }
}
