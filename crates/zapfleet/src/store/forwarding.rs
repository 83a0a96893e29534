//! Users' webhooks, the forwarding queue with its log and dead letters, and the
//! history of instance settings.

use super::{Store, StoreError};
use crate::domain::{ForwardWebhook, InstanceId, Timestamp, UserId};

/// A delivery to a user's URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Id (sent as `X-Zapfleet-Delivery`).
    pub id: String,
    /// Owner.
    pub user_id: UserId,
    /// The instance the event is about, if any.
    pub instance_id: Option<String>,
    /// Where.
    pub url: String,
    /// The signing secret, encrypted.
    pub secret_sealed: String,
    /// Event kind.
    pub event: String,
    /// The JSON posted.
    pub body: String,
    /// `pending`, `delivered` or `dead`.
    pub status: String,
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

#[derive(sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
struct DeliveryRow {
    id: String,
    user_id: String,
    instance_id: Option<String>,
    url: String,
    secret: String,
    event: String,
    body: String,
    status: String,
    attempts: i64,
    next_attempt_at: i64,
    last_error: Option<String>,
    created_at: i64,
    delivered_at: Option<i64>,
}

impl From<DeliveryRow> for Delivery {
    fn from(r: DeliveryRow) -> Self {
        Self {
            id: r.id,
            user_id: UserId::from_raw(r.user_id),
            instance_id: r.instance_id,
            url: r.url,
            secret_sealed: r.secret,
            event: r.event,
            body: r.body,
            status: r.status,
            attempts: r.attempts,
            next_attempt_at: Timestamp::from_millis(r.next_attempt_at),
            last_error: r.last_error,
            created_at: Timestamp::from_millis(r.created_at),
            delivered_at: r.delivered_at.map(Timestamp::from_millis),
        }
    }
}

const COLUMNS: &str = r#"id, "userId", "instanceId", url, secret, event, body, status, attempts, "nextAttemptAt", "lastError", "createdAt", "deliveredAt""#;

impl Store {
    /// The user's own webhook (all instances), if set.
    pub async fn user_webhook(&self, user: &UserId) -> Result<Option<ForwardWebhook>, StoreError> {
        let row: Option<(String, String, String)> =
            sqlx::query_as(r#"SELECT url, events, secret FROM user_webhook WHERE "userId" = $1"#)
                .bind(user.as_str().to_owned())
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(url, events, secret)| ForwardWebhook {
            url,
            events: serde_json::from_str(&events).unwrap_or_default(),
            secret,
        }))
    }

    /// Sets (or, with `None`, removes) the user's own webhook.
    pub async fn set_user_webhook(
        &self,
        user: &UserId,
        webhook: Option<&ForwardWebhook>,
    ) -> Result<(), StoreError> {
        match webhook {
            Some(w) => {
                sqlx::query(
                    r#"INSERT INTO user_webhook ("userId", url, events, secret, "updatedAt") VALUES ($1, $2, $3, $4, $5)
                       ON CONFLICT ("userId") DO UPDATE SET url = excluded.url, events = excluded.events,
                       secret = excluded.secret, "updatedAt" = excluded."updatedAt""#,
                )
                .bind(user.as_str().to_owned())
                .bind(w.url.clone())
                .bind(serde_json::to_string(&w.events).unwrap_or_else(|_| "[]".into()))
                .bind(w.secret.clone())
                .bind(Timestamp::now().millis())
                .execute(&self.pool)
                .await?;
            }
            None => {
                sqlx::query(r#"DELETE FROM user_webhook WHERE "userId" = $1"#)
                    .bind(user.as_str().to_owned())
                    .execute(&self.pool)
                    .await?;
            }
        }
        Ok(())
    }

    /// Queues a delivery.
    pub async fn queue_delivery(
        &self,
        user: &UserId,
        instance: Option<&str>,
        url: &str,
        secret_sealed: &str,
        event: &str,
        body: &str,
    ) -> Result<(), StoreError> {
        let now = Timestamp::now().millis();
        sqlx::query(
            r#"INSERT INTO webhook_delivery (id, "userId", "instanceId", url, secret, event, body, status, "nextAttemptAt", "createdAt")
               VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $8)"#,
        )
        .bind(InstanceId::generate().to_string())
        .bind(user.as_str().to_owned())
        .bind(instance.map(str::to_owned))
        .bind(url.to_owned())
        .bind(secret_sealed.to_owned())
        .bind(event.to_owned())
        .bind(body.to_owned())
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Pending deliveries whose time has come, oldest first.
    pub async fn due_deliveries(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> Result<Vec<Delivery>, StoreError> {
        let sql = format!(
            r#"SELECT {COLUMNS} FROM webhook_delivery WHERE status = 'pending' AND "nextAttemptAt" <= $1 ORDER BY "createdAt", id LIMIT $2"#
        );
        let rows: Vec<DeliveryRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(now.millis())
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Records a delivery's outcome: delivered, retried at `retry_at`, or dead.
    pub async fn record_delivery(
        &self,
        id: &str,
        outcome: Result<(), (&str, Option<Timestamp>)>,
    ) -> Result<(), StoreError> {
        let now = Timestamp::now().millis();
        let query = match outcome {
            Ok(()) => sqlx::query(r#"UPDATE webhook_delivery SET status = 'delivered', attempts = attempts + 1, "deliveredAt" = $1, "lastError" = NULL WHERE id = $2"#)
                .bind(now)
                .bind(id.to_owned()),
            Err((error, Some(retry_at))) => sqlx::query(r#"UPDATE webhook_delivery SET attempts = attempts + 1, "nextAttemptAt" = $1, "lastError" = $2 WHERE id = $3"#)
                .bind(retry_at.millis())
                .bind(error.to_owned())
                .bind(id.to_owned()),
            Err((error, None)) => sqlx::query(r#"UPDATE webhook_delivery SET status = 'dead', attempts = attempts + 1, "lastError" = $1 WHERE id = $2"#)
                .bind(error.to_owned())
                .bind(id.to_owned()),
        };
        query.execute(&self.pool).await?;
        Ok(())
    }

    /// The user's deliveries (optionally of one status), newest first.
    pub async fn list_deliveries(
        &self,
        user: &UserId,
        status: Option<&str>,
        instance: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Delivery>, StoreError> {
        let filter = match status {
            Some("pending") => "AND status = 'pending'",
            Some("delivered") => "AND status = 'delivered'",
            Some("dead") => "AND status = 'dead'",
            _ => "",
        };
        let only = if instance.is_some() {
            r#"AND "instanceId" = $3"#
        } else {
            ""
        };
        let sql = format!(
            r#"SELECT {COLUMNS} FROM webhook_delivery WHERE "userId" = $1 {filter} {only} ORDER BY "createdAt" DESC, id LIMIT $2"#
        );
        let mut query = sqlx::query_as::<_, DeliveryRow>(sqlx::AssertSqlSafe(sql))
            .bind(user.as_str().to_owned())
            .bind(limit);
        if let Some(instance) = instance {
            query = query.bind(instance.to_owned());
        }
        let rows = query.fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Sends a dead delivery again; `false` if the user has no such dead letter.
    pub async fn replay_delivery(&self, user: &UserId, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(
            r#"UPDATE webhook_delivery SET status = 'pending', attempts = 0, "nextAttemptAt" = $1 WHERE id = $2 AND "userId" = $3 AND status = 'dead'"#,
        )
        .bind(Timestamp::now().millis())
        .bind(id.to_owned())
        .bind(user.as_str().to_owned())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Keeps a version of an instance's settings.
    pub async fn record_config(
        &self,
        instance: &InstanceId,
        config: &serde_json::Value,
    ) -> Result<(), StoreError> {
        sqlx::query(r#"INSERT INTO instance_config_history (id, "instanceId", config, "changedAt") VALUES ($1, $2, $3, $4)"#)
            .bind(InstanceId::generate().to_string())
            .bind(instance.as_str().to_owned())
            .bind(config.to_string())
            .bind(Timestamp::now().millis())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The versions of one of the user's instances' settings, newest first.
    pub async fn config_history(
        &self,
        user: &UserId,
        instance: &InstanceId,
        limit: i64,
    ) -> Result<Vec<(Timestamp, serde_json::Value)>, StoreError> {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            r#"SELECT h."changedAt", h.config FROM instance_config_history h JOIN whatsapp_instance i ON i.id = h."instanceId"
               WHERE h."instanceId" = $1 AND i."userId" = $2 ORDER BY h."changedAt" DESC, h.id DESC LIMIT $3"#,
        )
        .bind(instance.as_str().to_owned())
        .bind(user.as_str().to_owned())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(at, c)| {
                (
                    Timestamp::from_millis(at),
                    serde_json::from_str(&c).unwrap_or_default(),
                )
            })
            .collect())
    }
}
