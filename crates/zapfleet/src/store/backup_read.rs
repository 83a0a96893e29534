//! What a backup reads, a page at a time: memory stays flat however many
//! instances and messages there are.

use super::instances::{COLUMNS, InstanceRow};
use super::sql::Sql;
use super::{Store, StoreError};
use crate::domain::{
    Day, DayUsage, Direction, Instance, InstanceId, InstanceStatus, MessageKind, MessageStatus,
    StatusSource, Timestamp, Usage, UserId,
};
use serde_json::Value;
use sqlx::types::Json;

/// An API token as a backup keeps it (its hash: the secret was never kept).
#[derive(Debug, Clone, sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
pub struct TokenDump {
    /// Label.
    pub name: String,
    /// SHA-256 of the secret, hex.
    pub token_hash: String,
    /// The secret's first characters.
    pub prefix: String,
    /// Created.
    pub created_at: Timestamp,
    /// Last used.
    pub last_used_at: Option<Timestamp>,
    /// Revoked.
    pub revoked_at: Option<Timestamp>,
}

/// An instance with the secrets of its link to the provider (sealed).
#[derive(Debug, Clone)]
pub struct InstanceDump {
    /// The instance.
    pub instance: Instance,
    /// The provider's id.
    pub provider_id: Option<String>,
    /// The provider token, sealed.
    pub token_sealed: Option<String>,
    /// The webhook secret, sealed.
    pub webhook_secret_sealed: Option<String>,
}

#[derive(sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
struct LinkColumns {
    provider_id: Option<String>,
    provider_token: Option<String>,
    webhook_secret: Option<String>,
}

#[derive(sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
struct UsageRow {
    instance_id: InstanceId,
    day: Day,
    sent: i64,
    received: i64,
    failed: i64,
    delivered: i64,
    read: i64,
    disconnections: i64,
    connected_ms: i64,
}

impl UsageRow {
    fn into_day(self) -> (InstanceId, DayUsage) {
        let usage = Usage {
            sent: self.sent,
            received: self.received,
            failed: self.failed,
            delivered: self.delivered,
            read: self.read,
            disconnections: self.disconnections,
            connected_ms: self.connected_ms,
        };
        (
            self.instance_id,
            DayUsage {
                day: self.day,
                usage,
            },
        )
    }
}

#[derive(sqlx::FromRow)]
struct DumpRow {
    #[sqlx(flatten)]
    instance: InstanceRow,
    #[sqlx(flatten)]
    link: LinkColumns,
}

/// A status change as a backup keeps it.
#[derive(Debug, Clone, sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
pub struct StatusChangeDump {
    /// Its id.
    pub id: String,
    /// Previous status.
    pub from_status: InstanceStatus,
    /// New status.
    pub to_status: InstanceStatus,
    /// Why.
    pub reason: String,
    /// Who reported it.
    pub source: StatusSource,
    /// When.
    pub at: Timestamp,
    /// Its place in the instance's history.
    pub seq: i64,
}

/// A finished message as a backup keeps it.
#[derive(Debug, Clone, sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
pub struct MessageDump {
    /// Its id.
    pub id: String,
    /// Sent or received.
    pub direction: Direction,
    /// The other party.
    pub peer: String,
    /// What it carries.
    pub kind: MessageKind,
    /// Text or caption.
    pub body: Option<String>,
    /// Media URL.
    pub media_url: Option<String>,
    /// Document name.
    pub file_name: Option<String>,
    /// Where it stands.
    pub status: MessageStatus,
    /// WhatsApp's id.
    pub provider_message_id: Option<String>,
    /// The client's idempotency key.
    pub idempotency_key: Option<String>,
    /// Send attempts.
    pub attempts: i64,
    /// Why it failed.
    pub error: Option<String>,
    /// Stored.
    pub created_at: Timestamp,
    /// Sent.
    pub sent_at: Option<Timestamp>,
    /// Delivered.
    pub delivered_at: Option<Timestamp>,
    /// Read.
    pub read_at: Option<Timestamp>,
    /// Its place in the instance's order.
    pub seq: i64,
}

impl Store {
    /// The user's API tokens (with their hashes), oldest first.
    pub async fn tokens_for_backup(&self, user: &UserId) -> Result<Vec<TokenDump>, StoreError> {
        self.fetch_all(
            Sql::new(
                r#"SELECT name, "tokenHash", prefix, "createdAt", "lastUsedAt", "revokedAt" FROM api_token
                   WHERE "userId" = $1 ORDER BY "createdAt", id"#,
            )
            .bind(user),
        )
        .await
    }

    /// How many instances the account holds (`None`: every account), for progress bars.
    pub async fn count_instances_for_backup(
        &self,
        user: Option<&UserId>,
    ) -> Result<u64, StoreError> {
        let sql = match user {
            Some(user) => {
                Sql::new(r#"SELECT COUNT(*) FROM whatsapp_instance WHERE "userId" = $1"#).bind(user)
            }
            None => Sql::new("SELECT COUNT(*) FROM whatsapp_instance"),
        };
        let (count,): (i64,) = self.fetch_one(sql).await?;
        Ok(u64::try_from(count).unwrap_or_default())
    }

    /// A page of the user's instances after `after` (by id), with their sealed secrets.
    pub async fn instances_for_backup(
        &self,
        user: &UserId,
        after: Option<&InstanceId>,
        limit: i64,
    ) -> Result<Vec<InstanceDump>, StoreError> {
        let rows: Vec<DumpRow> = self
            .fetch_all(
                Sql::new(format!(
                    r#"SELECT {COLUMNS}, i."providerId", i."providerToken", i."webhookSecret" FROM whatsapp_instance i
                       WHERE i."userId" = $1 AND i.id > $2 ORDER BY i.id LIMIT $3"#
                ))
                .bind(user)
                .bind(after.map_or("", InstanceId::as_str))
                .bind(limit),
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| InstanceDump {
                instance: row.instance.into(),
                provider_id: row.link.provider_id,
                token_sealed: row.link.provider_token,
                webhook_secret_sealed: row.link.webhook_secret,
            })
            .collect())
    }

    /// Every saved version of an instance's settings, oldest first (id, time, settings).
    pub async fn versions_for_backup(
        &self,
        instance: &InstanceId,
    ) -> Result<Vec<(String, Timestamp, Value)>, StoreError> {
        let rows: Vec<(String, Timestamp, Json<Value>)> = self
            .fetch_all(
                Sql::new(
                    r#"SELECT id, "changedAt", config FROM instance_config_history
                       WHERE "instanceId" = $1 ORDER BY "changedAt", id"#,
                )
                .bind(instance),
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, at, config)| (id, at, config.0))
            .collect())
    }

    /// A page of an instance's status history after `after_seq`, oldest first.
    pub async fn history_for_backup(
        &self,
        instance: &InstanceId,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<StatusChangeDump>, StoreError> {
        self.fetch_all(
            Sql::new(
                r#"SELECT id, "fromStatus", "toStatus", reason, source, at, seq FROM instance_status_history
                   WHERE "instanceId" = $1 AND seq > $2 ORDER BY seq LIMIT $3"#,
            )
            .bind(instance)
            .bind(after_seq)
            .bind(limit),
        )
        .await
    }

    /// Every day of an instance's usage, oldest first.
    pub async fn usage_for_backup(
        &self,
        instance: &InstanceId,
    ) -> Result<Vec<DayUsage>, StoreError> {
        let rows: Vec<UsageRow> = self
            .fetch_all(
                Sql::new(
                    r#"SELECT "instanceId", day, sent, received, failed, delivered, "read", disconnections, "connectedMs"
                       FROM instance_daily_stats WHERE "instanceId" = $1 ORDER BY day"#,
                )
                .bind(instance),
            )
            .await?;
        Ok(rows.into_iter().map(|row| row.into_day().1).collect())
    }

    /// The days of the user's instances deleted since (they stay in the user's
    /// totals), by instance then day.
    pub async fn retired_usage_for_backup(
        &self,
        user: &UserId,
    ) -> Result<Vec<(InstanceId, DayUsage)>, StoreError> {
        let rows: Vec<UsageRow> = self
            .fetch_all(
                Sql::new(
                    r#"SELECT s."instanceId", s.day, s.sent, s.received, s.failed, s.delivered, s."read",
                           s.disconnections, s."connectedMs"
                       FROM instance_daily_stats s
                       WHERE s."userId" = $1
                         AND NOT EXISTS (SELECT 1 FROM whatsapp_instance i WHERE i.id = s."instanceId")
                       ORDER BY s."instanceId", s.day"#,
                )
                .bind(user),
            )
            .await?;
        Ok(rows.into_iter().map(UsageRow::into_day).collect())
    }

    /// A page of an instance's finished messages after `after_seq`, in send order.
    pub async fn messages_for_backup(
        &self,
        instance: &InstanceId,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<MessageDump>, StoreError> {
        self.fetch_all(
            Sql::new(
                r#"SELECT id, direction, peer, kind, body, "mediaUrl", "fileName", status, "providerMessageId",
                          "idempotencyKey", attempts, error, "createdAt", "sentAt", "deliveredAt", "readAt", seq
                   FROM message WHERE "instanceId" = $1 AND seq > $2 AND status NOT IN ($3, $4)
                   ORDER BY seq LIMIT $5"#,
            )
            .bind(instance)
            .bind(after_seq)
            .bind(MessageStatus::Queued)
            .bind(MessageStatus::Sending)
            .bind(limit),
        )
        .await
    }
}
