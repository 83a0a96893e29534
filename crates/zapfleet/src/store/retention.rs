//! Removing what is no longer worth keeping, in small batches so a purge never
//! holds a lock for long. Owed work (queued or in-flight messages, pending
//! deliveries, owed provider deletions) is never purged; daily statistics are
//! kept (one small row per instance and day). Audit lines go after their own
//! period (a year by default).

use super::sql::Sql;
use super::{Store, StoreError};
use crate::domain::{DeliveryStatus, MessageStatus, Timestamp};

/// How long things are kept, in days; `None` keeps them forever.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Finished messages (sent, delivered, read, failed, received).
    pub messages_days: Option<u32>,
    /// Status history lines.
    pub status_history_days: Option<u32>,
    /// Delivered forward-webhook deliveries.
    pub delivered_days: Option<u32>,
    /// Dead letters (not replayed).
    pub dead_days: Option<u32>,
    /// Settings versions (each instance's newest version is always kept).
    pub config_history_days: Option<u32>,
    /// Audit log lines.
    pub audit_days: Option<u32>,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            messages_days: Some(90),
            status_history_days: Some(90),
            delivered_days: Some(7),
            dead_days: Some(30),
            config_history_days: Some(365),
            audit_days: Some(365),
        }
    }
}

/// How many rows one pass removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// Expired browser sessions.
    pub sessions: u64,
    /// Finished messages (their uploaded files go with them).
    pub messages: u64,
    /// Status history lines.
    pub status_history: u64,
    /// Delivered deliveries and dead letters.
    pub deliveries: u64,
    /// Settings versions.
    pub config_versions: u64,
    /// Receipts parked for a day whose message never came.
    pub parked_receipts: u64,
    /// Audit log lines.
    pub audit_events: u64,
    /// Sign-in and sign-up counters left alone for a day and not waiting.
    pub throttles: u64,
}

impl Purged {
    /// Rows removed in all.
    pub fn total(&self) -> u64 {
        self.sessions
            + self.messages
            + self.status_history
            + self.deliveries
            + self.config_versions
            + self.parked_receipts
            + self.audit_events
            + self.throttles
    }
}

/// Receipts for messages we never sent are dropped after this.
const PARKED_RECEIPT_MS: i64 = 86_400_000;

fn cutoff(now: Timestamp, days: Option<u32>) -> Option<Timestamp> {
    days.map(|d| now.plus_millis(-i64::from(d) * 86_400_000))
}

impl Store {
    /// One pass: removes at most `batch` rows of each kind that the rules let go.
    pub async fn purge(
        &self,
        now: Timestamp,
        rules: &Retention,
        batch: i64,
    ) -> Result<Purged, StoreError> {
        let mut purged = Purged {
            sessions: self
                .execute(
                    Sql::new(
                        r#"DELETE FROM web_session WHERE id IN
                           (SELECT id FROM web_session WHERE "expiresAt" <= $1 LIMIT $2)"#,
                    )
                    .bind(now)
                    .bind(batch),
                )
                .await?,
            parked_receipts: self
                .execute(
                    Sql::new(
                        r#"DELETE FROM message_receipt_pending WHERE at < $1 AND "providerMessageId" IN
                           (SELECT "providerMessageId" FROM message_receipt_pending WHERE at < $1 LIMIT $2)"#,
                    )
                    .bind(now.plus_millis(-PARKED_RECEIPT_MS))
                    .bind(batch),
                )
                .await?,
            ..Purged::default()
        };
        if let Some(before) = cutoff(now, rules.messages_days) {
            purged.messages = self
                .execute(
                    Sql::new(
                        r#"DELETE FROM message WHERE id IN (SELECT id FROM message
                           WHERE "createdAt" < $1 AND status IN ($2, $3, $4, $5, $6) LIMIT $7)"#,
                    )
                    .bind(before)
                    .bind(MessageStatus::Sent)
                    .bind(MessageStatus::Delivered)
                    .bind(MessageStatus::Read)
                    .bind(MessageStatus::Failed)
                    .bind(MessageStatus::Received)
                    .bind(batch),
                )
                .await?;
        }
        if let Some(before) = cutoff(now, rules.status_history_days) {
            purged.status_history = self
                .execute(
                    Sql::new(
                        r#"DELETE FROM instance_status_history WHERE id IN
                           (SELECT id FROM instance_status_history WHERE at < $1 LIMIT $2)"#,
                    )
                    .bind(before)
                    .bind(batch),
                )
                .await?;
        }
        for (status, days) in [
            (DeliveryStatus::Delivered, rules.delivered_days),
            (DeliveryStatus::Dead, rules.dead_days),
        ] {
            if let Some(before) = cutoff(now, days) {
                purged.deliveries += self
                    .execute(
                        Sql::new(
                            r#"DELETE FROM webhook_delivery WHERE id IN (SELECT id FROM webhook_delivery
                               WHERE status = $1 AND "createdAt" < $2 LIMIT $3)"#,
                        )
                        .bind(status)
                        .bind(before)
                        .bind(batch),
                    )
                    .await?;
            }
        }
        if let Some(before) = cutoff(now, rules.config_history_days) {
            purged.config_versions = self
                .execute(
                    Sql::new(
                        r#"DELETE FROM instance_config_history WHERE id IN (SELECT h.id FROM instance_config_history h
                           WHERE h."changedAt" < $1 AND EXISTS (SELECT 1 FROM instance_config_history n
                               WHERE n."instanceId" = h."instanceId"
                                 AND (n."changedAt" > h."changedAt" OR (n."changedAt" = h."changedAt" AND n.id > h.id)))
                           LIMIT $2)"#,
                    )
                    .bind(before)
                    .bind(batch),
                )
                .await?;
        }
        if let Some(before) = cutoff(now, rules.audit_days) {
            // The one place audit lines are deleted.
            purged.audit_events = self
                .execute(
                    Sql::new(
                        r#"DELETE FROM audit_event WHERE id IN
                           (SELECT id FROM audit_event WHERE at < $1 LIMIT $2)"#,
                    )
                    .bind(before)
                    .bind(batch),
                )
                .await?;
        }
        // Their policies forget a key after a day at most.
        purged.throttles = self
            .purge_throttles(now.plus_millis(-PARKED_RECEIPT_MS))
            .await?;
        Ok(purged)
    }
}
