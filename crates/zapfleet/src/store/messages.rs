//! The `message` table (outbox and inbox) and the daily usage counters, updated in
//! the same transactions so the counts always match the messages.

use super::{Store, StoreError};
use crate::domain::{InstanceId, MessageKind, MessageStatus, Timestamp, UserId};
use sqlx::{Acquire, Any, AssertSqlSafe, Transaction};

/// A stored message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRecord {
    /// Our id (also the `track_id` at the provider).
    pub id: String,
    /// Its instance.
    pub instance_id: InstanceId,
    /// `out` or `in`.
    pub outgoing: bool,
    /// Recipient or sender.
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
    /// WhatsApp's id, once sent or received.
    pub provider_message_id: Option<String>,
    /// The client's idempotency key.
    pub idempotency_key: Option<String>,
    /// Send attempts so far.
    pub attempts: i64,
    /// Not before (queued) / lease end (sending).
    pub next_attempt_at: Timestamp,
    /// Give up waiting for a connection after this.
    pub expires_at: Option<Timestamp>,
    /// Why it failed, or the last transient error.
    pub error: Option<String>,
    /// When it was stored.
    pub created_at: Timestamp,
    /// When WhatsApp accepted it.
    pub sent_at: Option<Timestamp>,
    /// When it reached the phone.
    pub delivered_at: Option<Timestamp>,
    /// When it was read.
    pub read_at: Option<Timestamp>,
}

#[derive(sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
struct MessageRow {
    id: String,
    instance_id: String,
    direction: String,
    peer: String,
    kind: String,
    body: Option<String>,
    media_url: Option<String>,
    file_name: Option<String>,
    status: String,
    provider_message_id: Option<String>,
    idempotency_key: Option<String>,
    attempts: i64,
    next_attempt_at: i64,
    expires_at: Option<i64>,
    error: Option<String>,
    created_at: i64,
    sent_at: Option<i64>,
    delivered_at: Option<i64>,
    read_at: Option<i64>,
}

const COLUMNS: &str = r#"m.id, m."instanceId", m.direction, m.peer, m.kind, m.body, m."mediaUrl", m."fileName", m.status,
    m."providerMessageId", m."idempotencyKey", m.attempts, m."nextAttemptAt", m."expiresAt", m.error, m."createdAt",
    m."sentAt", m."deliveredAt", m."readAt""#;

impl TryFrom<MessageRow> for MessageRecord {
    type Error = StoreError;

    fn try_from(row: MessageRow) -> Result<Self, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("message {}: {what}", row.id));
        Ok(Self {
            kind: MessageKind::parse(&row.kind).ok_or_else(|| corrupt("kind"))?,
            status: MessageStatus::parse(&row.status).ok_or_else(|| corrupt("status"))?,
            outgoing: row.direction == "out",
            instance_id: InstanceId::from_raw(row.instance_id),
            peer: row.peer,
            body: row.body,
            media_url: row.media_url,
            file_name: row.file_name,
            provider_message_id: row.provider_message_id,
            idempotency_key: row.idempotency_key,
            attempts: row.attempts,
            next_attempt_at: Timestamp::from_millis(row.next_attempt_at),
            expires_at: row.expires_at.map(Timestamp::from_millis),
            error: row.error,
            created_at: Timestamp::from_millis(row.created_at),
            sent_at: row.sent_at.map(Timestamp::from_millis),
            delivered_at: row.delivered_at.map(Timestamp::from_millis),
            read_at: row.read_at.map(Timestamp::from_millis),
            id: row.id,
        })
    }
}

/// A message to queue.
#[derive(Debug, Clone)]
pub struct NewMessage {
    /// Its instance.
    pub instance_id: InstanceId,
    /// Validated recipient.
    pub peer: String,
    /// What it carries.
    pub kind: MessageKind,
    /// Text or caption.
    pub body: Option<String>,
    /// Media URL.
    pub media_url: Option<String>,
    /// Document name.
    pub file_name: Option<String>,
    /// The client's idempotency key.
    pub idempotency_key: Option<String>,
    /// Give up waiting for a connection after this.
    pub expires_at: Option<Timestamp>,
    /// Send order.
    pub seq: i64,
}

/// A counter of the daily statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counter {
    /// Messages accepted by WhatsApp.
    Sent,
    /// Messages received.
    Received,
    /// Messages given up.
    Failed,
    /// Messages delivered.
    Delivered,
    /// Messages read.
    Read,
    /// Connections lost.
    Disconnections,
    /// Milliseconds connected.
    ConnectedMs,
}

impl Counter {
    fn column(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Received => "received",
            Self::Failed => "failed",
            Self::Delivered => "delivered",
            Self::Read => r#""read""#,
            Self::Disconnections => "disconnections",
            Self::ConnectedMs => r#""connectedMs""#,
        }
    }
}

/// One day of an instance's (or a user's) usage.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DayStats {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    /// Messages accepted by WhatsApp.
    pub sent: i64,
    /// Messages received.
    pub received: i64,
    /// Messages given up.
    pub failed: i64,
    /// Messages delivered.
    pub delivered: i64,
    /// Messages read.
    pub read: i64,
    /// Connections lost.
    pub disconnections: i64,
    /// Milliseconds connected.
    pub connected_ms: i64,
}

impl DayStats {
    /// The sums of several days (`day` is left empty).
    pub fn total(days: &[DayStats]) -> DayStats {
        days.iter().fold(DayStats::default(), |mut t, d| {
            t.sent += d.sent;
            t.received += d.received;
            t.failed += d.failed;
            t.delivered += d.delivered;
            t.read += d.read;
            t.disconnections += d.disconnections;
            t.connected_ms += d.connected_ms;
            t
        })
    }
}

/// Moves one message a step forward (sent → delivered, or delivered → read) if it
/// is where the step starts, and counts the step. Returns 1 if it moved.
async fn receipt_step(
    tx: &mut Transaction<'_, Any>,
    instance: &InstanceId,
    provider_id: &str,
    to: MessageStatus,
    at: Timestamp,
) -> Result<u64, StoreError> {
    let (from, column, counter) = match to {
        MessageStatus::Read => ("delivered", r#""readAt""#, Counter::Read),
        _ => ("sent", r#""deliveredAt""#, Counter::Delivered),
    };
    let sql = format!(
        r#"UPDATE message SET status = $1, {column} = $2, "updatedAt" = $2
           WHERE "instanceId" = $3 AND "providerMessageId" = $4 AND status = $5"#
    );
    let moved = sqlx::query(AssertSqlSafe(sql))
        .bind(to.as_str())
        .bind(at.millis())
        .bind(instance.as_str().to_owned())
        .bind(provider_id.to_owned())
        .bind(from)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if moved > 0 {
        bump(tx, instance.as_str(), at, counter, 1).await?;
    }
    Ok(moved)
}

/// Adds `n` to a daily counter, inside the caller's transaction.
pub(super) async fn bump(
    tx: &mut Transaction<'_, Any>,
    instance: &str,
    at: Timestamp,
    counter: Counter,
    n: i64,
) -> Result<(), StoreError> {
    let column = counter.column();
    let day = at.to_rfc3339().get(..10).unwrap_or("1970-01-01").to_owned();
    let sql = format!(
        r#"INSERT INTO instance_daily_stats ("instanceId", day, {column}) VALUES ($1, $2, $3)
           ON CONFLICT ("instanceId", day) DO UPDATE SET {column} = instance_daily_stats.{column} + excluded.{column}"#
    );
    sqlx::query(AssertSqlSafe(sql))
        .bind(instance.to_owned())
        .bind(day)
        .bind(n)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl Store {
    /// Queues a message. With an idempotency key already used on this instance,
    /// returns the existing message instead (`false`: nothing new was stored).
    pub async fn enqueue_message(
        &self,
        new: NewMessage,
    ) -> Result<(MessageRecord, bool), StoreError> {
        let now = Timestamp::now().millis();
        let id = InstanceId::generate().to_string();
        let inserted = sqlx::query(
            r#"INSERT INTO message (id, "instanceId", direction, peer, kind, body, "mediaUrl", "fileName", status,
               "idempotencyKey", "expiresAt", seq, "createdAt", "updatedAt", "nextAttemptAt")
               VALUES ($1, $2, 'out', $3, $4, $5, $6, $7, 'queued', $8, $9, $10, $11, $11, 0)"#,
        )
        .bind(id.clone())
        .bind(new.instance_id.as_str().to_owned())
        .bind(new.peer.clone())
        .bind(new.kind.as_str())
        .bind(new.body.clone())
        .bind(new.media_url.clone())
        .bind(new.file_name.clone())
        .bind(new.idempotency_key.clone())
        .bind(new.expires_at.map(Timestamp::millis))
        .bind(new.seq)
        .bind(now)
        .execute(&self.pool)
        .await;
        match inserted.map_err(StoreError::from) {
            Ok(_) => Ok((
                self.message_by_id(&id)
                    .await?
                    .ok_or_else(|| StoreError::Corrupt("lost insert".into()))?,
                true,
            )),
            Err(StoreError::Conflict) if new.idempotency_key.is_some() => {
                let sql = format!(
                    r#"SELECT {COLUMNS} FROM message m WHERE m."instanceId" = $1 AND m."idempotencyKey" = $2"#
                );
                let row: MessageRow = sqlx::query_as(AssertSqlSafe(sql))
                    .bind(new.instance_id.as_str().to_owned())
                    .bind(new.idempotency_key)
                    .fetch_one(&self.pool)
                    .await?;
                Ok((row.try_into()?, false))
            }
            Err(other) => Err(other),
        }
    }

    /// A message by id (internal).
    pub async fn message_by_id(&self, id: &str) -> Result<Option<MessageRecord>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM message m WHERE m.id = $1");
        let row: Option<MessageRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(id.to_owned())
            .fetch_optional(&self.pool)
            .await?;
        row.map(MessageRecord::try_from).transpose()
    }

    /// A page of the user's instance's messages, newest first, with the total.
    pub async fn list_messages(
        &self,
        user: &UserId,
        instance: &InstanceId,
        direction: Option<bool>,
        status: Option<MessageStatus>,
        page: u32,
        limit: u32,
    ) -> Result<(Vec<MessageRecord>, i64), StoreError> {
        let mut filters = vec![
            r#"m."instanceId" = $1"#.to_owned(),
            r#"i."userId" = $2"#.to_owned(),
        ];
        if let Some(out) = direction {
            filters.push(format!(
                "m.direction = '{}'",
                if out { "out" } else { "in" }
            ));
        }
        if let Some(status) = status {
            // The status text comes from the enum, never from the request.
            filters.push(format!("m.status = '{}'", status.as_str()));
        }
        let filters = filters.join(" AND ");
        let from = r#"message m JOIN whatsapp_instance i ON i.id = m."instanceId""#;
        let (total,): (i64,) = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM {from} WHERE {filters}"
        )))
        .bind(instance.as_str().to_owned())
        .bind(user.as_str().to_owned())
        .fetch_one(&self.pool)
        .await?;
        let sql = format!(
            r#"SELECT {COLUMNS} FROM {from} WHERE {filters} ORDER BY m."createdAt" DESC, m.seq DESC LIMIT $3 OFFSET $4"#
        );
        let rows: Vec<MessageRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(instance.as_str().to_owned())
            .bind(user.as_str().to_owned())
            .bind(i64::from(limit))
            .bind(i64::from(page.saturating_sub(1)) * i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        Ok((
            rows.into_iter()
                .map(MessageRecord::try_from)
                .collect::<Result<_, _>>()?,
            total,
        ))
    }

    /// Connected, paced-out instances whose oldest queued message may go now and
    /// that have nothing in flight.
    pub async fn outbox_instances(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> Result<Vec<InstanceId>, StoreError> {
        let rows: Vec<(String,)> = sqlx::query_as(
            r#"SELECT DISTINCT m."instanceId" FROM message m JOIN whatsapp_instance i ON i.id = m."instanceId"
               WHERE m.status = 'queued' AND i.status = 'connected' AND i."provisionState" = 'ready'
                 AND i."nextSendAt" <= $1
                 AND NOT EXISTS (SELECT 1 FROM message s WHERE s."instanceId" = m."instanceId" AND s.status = 'sending')
               LIMIT $2"#,
        )
        .bind(now.millis())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id,)| InstanceId::from_raw(id))
            .collect())
    }

    /// The instance's next message in send order.
    pub async fn next_queued(
        &self,
        instance: &InstanceId,
    ) -> Result<Option<MessageRecord>, StoreError> {
        let sql = format!(
            r#"SELECT {COLUMNS} FROM message m WHERE m."instanceId" = $1 AND m.status = 'queued' ORDER BY m.seq, m.id LIMIT 1"#
        );
        let row: Option<MessageRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(instance.as_str().to_owned())
            .fetch_optional(&self.pool)
            .await?;
        row.map(MessageRecord::try_from).transpose()
    }

    /// Claims a queued message for sending until `lease_until`; `false` if
    /// someone else did.
    pub async fn claim_message(
        &self,
        id: &str,
        lease_until: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            r#"UPDATE message SET status = 'sending', attempts = attempts + 1, "nextAttemptAt" = $1, "updatedAt" = $2
               WHERE id = $3 AND status = 'queued'"#,
        )
        .bind(lease_until.millis())
        .bind(Timestamp::now().millis())
        .bind(id.to_owned())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records a send the provider accepted, and counts it.
    pub async fn mark_sent(
        &self,
        id: &str,
        provider_id: &str,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let mut tx = conn.begin().await?;
        let moved: Option<(String,)> = sqlx::query_as(
            r#"UPDATE message SET status = 'sent', "providerMessageId" = $1, "sentAt" = $2, "updatedAt" = $2, error = NULL
               WHERE id = $3 AND status = 'sending' RETURNING "instanceId""#,
        )
        .bind(provider_id.to_owned())
        .bind(at.millis())
        .bind(id.to_owned())
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((instance,)) = &moved {
            bump(&mut tx, instance, at, Counter::Sent, 1).await?;
        }
        tx.commit().await?;
        Ok(moved.is_some())
    }

    /// Puts a message whose send certainly did not happen back in the queue.
    pub async fn requeue_message(
        &self,
        id: &str,
        not_before: Timestamp,
        error: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(r#"UPDATE message SET status = 'queued', "nextAttemptAt" = $1, error = $2, "updatedAt" = $3 WHERE id = $4 AND status = 'sending'"#)
            .bind(not_before.millis())
            .bind(error.to_owned())
            .bind(Timestamp::now().millis())
            .bind(id.to_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Keeps a send in doubt: after `until`, it is checked at the provider.
    pub async fn extend_lease(
        &self,
        id: &str,
        until: Timestamp,
        error: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(r#"UPDATE message SET "nextAttemptAt" = $1, error = $2 WHERE id = $3 AND status = 'sending'"#)
            .bind(until.millis())
            .bind(error.to_owned())
            .bind(id.to_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Gives a message up, and counts it.
    pub async fn fail_message(&self, id: &str, error: &str) -> Result<bool, StoreError> {
        let now = Timestamp::now();
        let mut conn = self.pool.acquire().await?;
        let mut tx = conn.begin().await?;
        let moved: Option<(String,)> = sqlx::query_as(
            r#"UPDATE message SET status = 'failed', error = $1, "updatedAt" = $2
               WHERE id = $3 AND status IN ('queued', 'sending') RETURNING "instanceId""#,
        )
        .bind(error.to_owned())
        .bind(now.millis())
        .bind(id.to_owned())
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((instance,)) = &moved {
            bump(&mut tx, instance, now, Counter::Failed, 1).await?;
        }
        tx.commit().await?;
        Ok(moved.is_some())
    }

    /// Queued messages whose wait for a connection is over.
    pub async fn expired_messages(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = sqlx::query_as(
            r#"SELECT id FROM message WHERE status = 'queued' AND "expiresAt" IS NOT NULL AND "expiresAt" < $1 LIMIT $2"#,
        )
        .bind(now.millis())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Sends in doubt whose lease is over (a crash, a timeout, a lost answer).
    pub async fn sends_in_doubt(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> Result<Vec<MessageRecord>, StoreError> {
        let sql = format!(
            r#"SELECT {COLUMNS} FROM message m WHERE m.status = 'sending' AND m."nextAttemptAt" < $1 LIMIT $2"#
        );
        let rows: Vec<MessageRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(now.millis())
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(MessageRecord::try_from).collect()
    }

    /// At start-up nothing of ours is in flight: sends left `sending` by a
    /// crash are in doubt now, not when their lease ends. (With several
    /// servers on one database this would cut short another server's lease.)
    pub async fn end_send_leases(&self) -> Result<u64, StoreError> {
        let done =
            sqlx::query(r#"UPDATE message SET "nextAttemptAt" = 0 WHERE status = 'sending'"#)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected())
    }

    /// When the instance may send again (pacing).
    pub async fn set_next_send(
        &self,
        instance: &InstanceId,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(r#"UPDATE whatsapp_instance SET "nextSendAt" = $1 WHERE id = $2"#)
            .bind(at.millis())
            .bind(instance.as_str().to_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Applies a delivery or read receipt to the messages it names; counts each
    /// real step forward. A receipt for a message whose send is not recorded yet
    /// is kept and applied when it is. Returns how many messages moved.
    pub async fn apply_receipt(
        &self,
        instance: &InstanceId,
        provider_ids: &[String],
        receipt: MessageStatus,
        at: Timestamp,
    ) -> Result<usize, StoreError> {
        let mut moved = 0;
        for provider_id in provider_ids {
            let mut conn = self.pool.acquire().await?;
            let mut tx = conn.begin().await?;
            // Each step is conditional on the current state, so concurrent or
            // repeated receipts never lose a step nor count one twice.
            let delivered =
                receipt_step(&mut tx, instance, provider_id, MessageStatus::Delivered, at).await?;
            let read = if receipt == MessageStatus::Read {
                receipt_step(&mut tx, instance, provider_id, MessageStatus::Read, at).await?
            } else {
                0
            };
            if delivered + read > 0 {
                moved += 1;
            } else {
                let (known,): (i64,) = sqlx::query_as(r#"SELECT COUNT(*) FROM message WHERE "instanceId" = $1 AND "providerMessageId" = $2"#)
                    .bind(instance.as_str().to_owned())
                    .bind(provider_id.clone())
                    .fetch_one(&mut *tx)
                    .await?;
                if known == 0 {
                    sqlx::query(
                        r#"INSERT INTO message_receipt_pending ("instanceId", "providerMessageId", status, at) VALUES ($1, $2, $3, $4)
                           ON CONFLICT ("instanceId", "providerMessageId", status) DO NOTHING"#,
                    )
                    .bind(instance.as_str().to_owned())
                    .bind(provider_id.clone())
                    .bind(receipt.as_str())
                    .bind(at.millis())
                    .execute(&mut *tx)
                    .await?;
                }
            }
            tx.commit().await?;
        }
        Ok(moved)
    }

    /// Applies the receipts that arrived before this send's answer was recorded.
    pub async fn apply_pending_receipts(
        &self,
        instance: &InstanceId,
        provider_id: &str,
    ) -> Result<usize, StoreError> {
        let pending: Vec<(String, i64)> = sqlx::query_as(
            r#"SELECT status, at FROM message_receipt_pending WHERE "instanceId" = $1 AND "providerMessageId" = $2 ORDER BY at"#,
        )
        .bind(instance.as_str().to_owned())
        .bind(provider_id.to_owned())
        .fetch_all(&self.pool)
        .await?;
        let mut moved = 0;
        for (status, at) in pending {
            if let Some(status) = MessageStatus::parse(&status) {
                moved += self
                    .apply_receipt(
                        instance,
                        &[provider_id.to_owned()],
                        status,
                        Timestamp::from_millis(at),
                    )
                    .await?;
            }
        }
        sqlx::query(r#"DELETE FROM message_receipt_pending WHERE "instanceId" = $1 AND "providerMessageId" = $2"#)
            .bind(instance.as_str().to_owned())
            .bind(provider_id.to_owned())
            .execute(&self.pool)
            .await?;
        Ok(moved)
    }

    /// Records an incoming message once (repeats are ignored) and counts it.
    pub async fn record_incoming(
        &self,
        instance: &InstanceId,
        provider_id: &str,
        peer: &str,
        kind: MessageKind,
        body: Option<&str>,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let mut tx = conn.begin().await?;
        let done = sqlx::query(
            r#"INSERT INTO message (id, "instanceId", direction, peer, kind, body, status, "providerMessageId", seq, "createdAt", "updatedAt")
               VALUES ($1, $2, 'in', $3, $4, $5, 'received', $6, $7, $7, $7)
               ON CONFLICT ("instanceId", "providerMessageId") DO NOTHING"#,
        )
        .bind(InstanceId::generate().to_string())
        .bind(instance.as_str().to_owned())
        .bind(peer.to_owned())
        .bind(kind.as_str())
        .bind(body.map(str::to_owned))
        .bind(provider_id.to_owned())
        .bind(at.millis())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 1 {
            bump(&mut tx, instance.as_str(), at, Counter::Received, 1).await?;
        }
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// Messages sent and received since `from` (`YYYY-MM-DD`) for each of these
    /// instances (one query for a whole page of the list).
    pub async fn usage_since(
        &self,
        instances: &[InstanceId],
        from: &str,
    ) -> Result<std::collections::HashMap<String, (i64, i64)>, StoreError> {
        if instances.is_empty() {
            return Ok(Default::default());
        }
        let placeholders: Vec<String> = (0..instances.len())
            .map(|i| format!("${}", i + 2))
            .collect();
        let sql = format!(
            r#"SELECT "instanceId", CAST(SUM(sent) AS BIGINT), CAST(SUM(received) AS BIGINT) FROM instance_daily_stats
               WHERE day >= $1 AND "instanceId" IN ({}) GROUP BY "instanceId""#,
            placeholders.join(", ")
        );
        let mut query =
            sqlx::query_as::<_, (String, i64, i64)>(AssertSqlSafe(sql)).bind(from.to_owned());
        for id in instances {
            query = query.bind(id.as_str().to_owned());
        }
        Ok(query
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(|(id, s, r)| (id, (s, r)))
            .collect())
    }

    /// Daily statistics of one of the user's instances (or of all, with `None`),
    /// for days in `[from, to]` (`YYYY-MM-DD`), oldest first.
    pub async fn daily_stats(
        &self,
        user: &UserId,
        instance: Option<&InstanceId>,
        from: &str,
        to: &str,
    ) -> Result<Vec<DayStats>, StoreError> {
        let only = if instance.is_some() {
            r#"AND s."instanceId" = $4"#
        } else {
            ""
        };
        let sql = format!(
            r#"SELECT s.day, CAST(SUM(s.sent) AS BIGINT), CAST(SUM(s.received) AS BIGINT), CAST(SUM(s.failed) AS BIGINT),
                      CAST(SUM(s.delivered) AS BIGINT), CAST(SUM(s."read") AS BIGINT), CAST(SUM(s.disconnections) AS BIGINT),
                      CAST(SUM(s."connectedMs") AS BIGINT)
               FROM instance_daily_stats s JOIN whatsapp_instance i ON i.id = s."instanceId"
               WHERE i."userId" = $1 AND s.day >= $2 AND s.day <= $3 {only}
               GROUP BY s.day ORDER BY s.day"#
        );
        let mut query =
            sqlx::query_as::<_, (String, i64, i64, i64, i64, i64, i64, i64)>(AssertSqlSafe(sql))
                .bind(user.as_str().to_owned())
                .bind(from.to_owned())
                .bind(to.to_owned());
        if let Some(instance) = instance {
            query = query.bind(instance.as_str().to_owned());
        }
        let rows = query.fetch_all(&self.pool).await?;
        Ok(rows
            .into_iter()
            .map(
                |(day, sent, received, failed, delivered, read, disconnections, connected_ms)| {
                    DayStats {
                        day,
                        sent,
                        received,
                        failed,
                        delivered,
                        read,
                        disconnections,
                        connected_ms,
                    }
                },
            )
            .collect())
    }
}
