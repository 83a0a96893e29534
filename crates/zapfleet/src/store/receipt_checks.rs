//! Which sent messages to check with the provider for receipts we never got
//! (their webhooks lost, or sent while we were down), a bounded batch at a
//! time, each at most once per interval.

use super::sql::Sql;
use super::{Store, StoreError};
use crate::domain::{InstanceId, MessageId, MessageStatus, Timestamp};

/// A sent message to look up at the provider.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
pub struct ReceiptCheck {
    /// Our id (its `track_id` at the provider).
    pub id: MessageId,
    /// Its instance.
    pub instance_id: InstanceId,
    /// WhatsApp's id (receipts name it).
    pub provider_message_id: String,
}

impl Store {
    /// Up to `limit` messages still `sent` or `delivered`, sent between
    /// `sent_from` and `sent_until`, not checked since `checked_before`, of
    /// instances the provider knows; never-checked ones first.
    pub async fn receipts_to_check(
        &self,
        sent_from: Timestamp,
        sent_until: Timestamp,
        checked_before: Timestamp,
        limit: i64,
    ) -> Result<Vec<ReceiptCheck>, StoreError> {
        self.fetch_all(
            Sql::new(
                r#"SELECT m.id, m."instanceId", m."providerMessageId" FROM message m
                   JOIN whatsapp_instance i ON i.id = m."instanceId"
                   WHERE m.status IN ($1, $2) AND m."sentAt" >= $3 AND m."sentAt" <= $4
                     AND m."providerMessageId" IS NOT NULL
                     AND (m."receiptCheckedAt" IS NULL OR m."receiptCheckedAt" <= $5)
                     AND i."providerLostAt" IS NULL
                   ORDER BY (m."receiptCheckedAt" IS NOT NULL), m."receiptCheckedAt", m."sentAt", m.id
                   LIMIT $6"#,
            )
            .bind(MessageStatus::Sent)
            .bind(MessageStatus::Delivered)
            .bind(sent_from)
            .bind(sent_until)
            .bind(checked_before)
            .bind(limit),
        )
        .await
    }

    /// Records that a message was checked now.
    pub async fn mark_receipt_checked(
        &self,
        id: &MessageId,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.execute(
            Sql::new(r#"UPDATE message SET "receiptCheckedAt" = $1 WHERE id = $2"#)
                .bind(now)
                .bind(id),
        )
        .await?;
        Ok(())
    }
}
