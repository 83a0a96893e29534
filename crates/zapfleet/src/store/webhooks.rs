//! Forward webhooks: each user's own webhook, and the delivery queue with its
//! log and dead letters.

use super::sql::Sql;
use super::{Store, StoreError};
use crate::domain::{
    DeliveryId, DeliveryStatus, EventKind, ForwardWebhook, InstanceId, Timestamp, UserId,
};
use serde_json::Value;
use sqlx::types::Json;

/// A delivery to a user's URL.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
pub struct Delivery {
    /// Id (sent as `X-Zapfleet-Delivery`).
    pub id: DeliveryId,
    /// Owner.
    pub user_id: UserId,
    /// The instance the event is about, if any.
    pub instance_id: Option<InstanceId>,
    /// Where.
    pub url: String,
    /// The signing secret, sealed.
    #[sqlx(rename = "secret")]
    pub secret_sealed: String,
    /// Event kind.
    pub event: EventKind,
    /// The JSON posted.
    #[sqlx(json)]
    pub body: Value,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Tries so far.
    pub attempts: i64,
    /// Next try.
    pub next_attempt_at: Timestamp,
    /// The last failure.
    pub last_error: Option<String>,
    /// When queued.
    pub created_at: Timestamp,
    /// When delivered.
    pub delivered_at: Option<Timestamp>,
}

/// A delivery to queue.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    /// Owner.
    pub user_id: UserId,
    /// The instance the event is about, if any.
    pub instance_id: Option<InstanceId>,
    /// Where.
    pub url: String,
    /// The signing secret, sealed.
    pub secret_sealed: String,
    /// Event kind.
    pub event: EventKind,
    /// The JSON to post.
    pub body: Value,
}

/// What came of a try.
#[derive(Debug, Clone)]
pub enum Attempted {
    /// The receiver answered 2xx.
    Delivered,
    /// Failed; try again at this time.
    Retry {
        /// Why it failed.
        error: String,
        /// When to try again.
        at: Timestamp,
    },
    /// Failed for the last time: a dead letter.
    Dead {
        /// Why it failed.
        error: String,
    },
}

const COLUMNS: &str = r#"id, "userId", "instanceId", url, secret, event, body, status, attempts, "nextAttemptAt", "lastError", "createdAt", "deliveredAt""#;

#[derive(sqlx::FromRow)]
struct HookRow {
    url: String,
    events: Json<Vec<String>>,
    secret: String,
}

impl Store {
    /// The user's own webhook (all instances), if set.
    pub async fn user_webhook(&self, user: &UserId) -> Result<Option<ForwardWebhook>, StoreError> {
        let row: Option<HookRow> = self
            .fetch_optional(
                Sql::new(r#"SELECT url, events, secret FROM user_webhook WHERE "userId" = $1"#)
                    .bind(user),
            )
            .await?;
        Ok(row.map(|row| ForwardWebhook {
            url: row.url,
            events: row
                .events
                .0
                .iter()
                .filter_map(|e| EventKind::parse(e))
                .collect(),
            secret_sealed: row.secret,
        }))
    }

    /// Sets (or, with `None`, removes) the user's own webhook.
    pub async fn set_user_webhook(
        &self,
        user: &UserId,
        webhook: Option<&ForwardWebhook>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let sql = match webhook {
            Some(w) => Sql::new(
                r#"INSERT INTO user_webhook ("userId", url, events, secret, "updatedAt") VALUES ($1, $2, $3, $4, $5)
                   ON CONFLICT ("userId") DO UPDATE SET url = excluded.url, events = excluded.events,
                   secret = excluded.secret, "updatedAt" = excluded."updatedAt""#,
            )
            .bind(user)
            .bind(&w.url)
            .bind(serde_json::to_value(&w.events).unwrap_or_default())
            .bind(&w.secret_sealed)
            .bind(now),
            None => Sql::new(r#"DELETE FROM user_webhook WHERE "userId" = $1"#).bind(user),
        };
        self.execute(sql).await?;
        Ok(())
    }

    /// Users' webhooks still holding a `plain:` secret from the upgrade to store
    /// v2 (see `services::upgrade`).
    pub async fn user_webhooks_with_plain_secret(
        &self,
    ) -> Result<Vec<(UserId, ForwardWebhook)>, StoreError> {
        let rows: Vec<(UserId,)> = self
            .fetch_all(Sql::new(
                r#"SELECT "userId" FROM user_webhook WHERE secret LIKE 'plain:%'"#,
            ))
            .await?;
        let mut found = Vec::with_capacity(rows.len());
        for (user,) in rows {
            if let Some(hook) = self.user_webhook(&user).await? {
                found.push((user, hook));
            }
        }
        Ok(found)
    }

    /// Queues a delivery.
    pub async fn queue_delivery(&self, new: NewDelivery, now: Timestamp) -> Result<(), StoreError> {
        self.execute(
            Sql::new(
                r#"INSERT INTO webhook_delivery (id, "userId", "instanceId", url, secret, event, body, status, "nextAttemptAt", "createdAt")
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)"#,
            )
            .bind(&DeliveryId::generate())
            .bind(&new.user_id)
            .bind(new.instance_id.as_ref().map(|id| id.as_str().to_owned()))
            .bind(new.url)
            .bind(new.secret_sealed)
            .bind(new.event)
            .bind(new.body)
            .bind(DeliveryStatus::Pending)
            .bind(now),
        )
        .await?;
        Ok(())
    }

    /// Pending deliveries whose time has come, oldest first.
    pub async fn due_deliveries(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> Result<Vec<Delivery>, StoreError> {
        self.fetch_all(
            Sql::new(format!(
                r#"SELECT {COLUMNS} FROM webhook_delivery WHERE status = $1 AND "nextAttemptAt" <= $2
                   ORDER BY "nextAttemptAt", id LIMIT $3"#
            ))
            .bind(DeliveryStatus::Pending)
            .bind(now)
            .bind(limit),
        )
        .await
    }

    /// Records what came of a try.
    pub async fn record_delivery(
        &self,
        id: &DeliveryId,
        outcome: &Attempted,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let sql = match outcome {
            Attempted::Delivered => Sql::new(
                r#"UPDATE webhook_delivery SET status = $1, attempts = attempts + 1, "deliveredAt" = $2, "lastError" = NULL WHERE id = $3"#,
            )
            .bind(DeliveryStatus::Delivered)
            .bind(now)
            .bind(id),
            Attempted::Retry { error, at } => Sql::new(
                r#"UPDATE webhook_delivery SET attempts = attempts + 1, "nextAttemptAt" = $1, "lastError" = $2 WHERE id = $3"#,
            )
            .bind(*at)
            .bind(error)
            .bind(id),
            Attempted::Dead { error } => Sql::new(
                r#"UPDATE webhook_delivery SET status = $1, attempts = attempts + 1, "lastError" = $2 WHERE id = $3"#,
            )
            .bind(DeliveryStatus::Dead)
            .bind(error)
            .bind(id),
        };
        self.execute(sql).await?;
        Ok(())
    }

    /// The user's deliveries (optionally of one status or one instance), newest first.
    pub async fn list_deliveries(
        &self,
        user: &UserId,
        status: Option<DeliveryStatus>,
        instance: Option<&InstanceId>,
        limit: i64,
    ) -> Result<Vec<Delivery>, StoreError> {
        let mut sql = Sql::default();
        let mut conditions = vec![format!(r#""userId" = {}"#, sql.arg(user))];
        if let Some(status) = status {
            conditions.push(format!("status = {}", sql.arg(status)));
        }
        if let Some(instance) = instance {
            conditions.push(format!(r#""instanceId" = {}"#, sql.arg(instance)));
        }
        let limit_ref = sql.arg(limit);
        sql.push(&format!(
            r#"SELECT {COLUMNS} FROM webhook_delivery WHERE {} ORDER BY "createdAt" DESC, id LIMIT {limit_ref}"#,
            conditions.join(" AND ")
        ));
        self.fetch_all(sql).await
    }

    /// Sends a dead delivery again; `false` if the user has no such dead letter.
    pub async fn replay_delivery(
        &self,
        user: &UserId,
        id: &DeliveryId,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let changed = self
            .execute(
                Sql::new(
                    r#"UPDATE webhook_delivery SET status = $1, attempts = 0, "nextAttemptAt" = $2
                       WHERE id = $3 AND "userId" = $4 AND status = $5"#,
                )
                .bind(DeliveryStatus::Pending)
                .bind(now)
                .bind(id)
                .bind(user)
                .bind(DeliveryStatus::Dead),
            )
            .await?;
        Ok(changed == 1)
    }
}
