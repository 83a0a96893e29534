//! The `message` table (outbox and inbox) and the uploaded files beside it:
//! queueing, reading and listing messages. Sending is in `outbox.rs`, receipts
//! and incoming messages in `receipts.rs`.

use super::sql::Sql;
use super::{Store, StoreError, Unique};
use crate::domain::{
    Direction, InstanceId, Media, MessageId, MessageKind, MessageStatus, Timestamp, UserId,
};

/// A stored message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRecord {
    /// Our id (also the `track_id` at the provider).
    pub id: MessageId,
    /// Its instance.
    pub instance_id: InstanceId,
    /// Sent or received.
    pub direction: Direction,
    /// Recipient or sender.
    pub peer: String,
    /// What it carries.
    pub kind: MessageKind,
    /// Text or caption.
    pub body: Option<String>,
    /// The file of a media message (an upload's data is read only to send it).
    pub media: Option<Media>,
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
    /// The provider's own time for it (its send answer, its lookup, or the
    /// incoming message), kept for diagnosis only: never used for our dates
    /// or counters (its clock may be off by days).
    pub provider_at: Option<Timestamp>,
}

#[derive(sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
pub(super) struct MessageRow {
    id: MessageId,
    instance_id: InstanceId,
    direction: Direction,
    peer: String,
    kind: MessageKind,
    body: Option<String>,
    media_url: Option<String>,
    upload_bytes: Option<i64>,
    file_name: Option<String>,
    status: MessageStatus,
    provider_message_id: Option<String>,
    idempotency_key: Option<String>,
    attempts: i64,
    next_attempt_at: Timestamp,
    expires_at: Option<Timestamp>,
    error: Option<String>,
    created_at: Timestamp,
    sent_at: Option<Timestamp>,
    delivered_at: Option<Timestamp>,
    read_at: Option<Timestamp>,
    provider_at: Option<Timestamp>,
}

impl From<MessageRow> for MessageRecord {
    fn from(row: MessageRow) -> Self {
        let media = match (row.media_url, row.upload_bytes) {
            (Some(url), _) => Some(Media::Url(url)),
            (None, Some(bytes)) => Some(Media::Upload { bytes }),
            (None, None) => None,
        };
        Self {
            id: row.id,
            instance_id: row.instance_id,
            direction: row.direction,
            peer: row.peer,
            kind: row.kind,
            body: row.body,
            media,
            file_name: row.file_name,
            status: row.status,
            provider_message_id: row.provider_message_id,
            idempotency_key: row.idempotency_key,
            attempts: row.attempts,
            next_attempt_at: row.next_attempt_at,
            expires_at: row.expires_at,
            error: row.error,
            created_at: row.created_at,
            sent_at: row.sent_at,
            delivered_at: row.delivered_at,
            read_at: row.read_at,
            provider_at: row.provider_at,
        }
    }
}

/// The columns of a [`MessageRow`] from `message m` (an upload's size, never its data).
pub(super) const SELECT: &str = r#"SELECT m.id, m."instanceId", m.direction, m.peer, m.kind, m.body, m."mediaUrl",
    (SELECT f.bytes FROM message_media f WHERE f."messageId" = m.id) AS "uploadBytes", m."fileName", m.status,
    m."providerMessageId", m."idempotencyKey", m.attempts, m."nextAttemptAt", m."expiresAt", m.error, m."createdAt",
    m."sentAt", m."deliveredAt", m."readAt", m."providerAt"
    FROM message m"#;

/// The file of a message to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewMedia {
    /// Downloaded by the provider.
    Url(String),
    /// Uploaded: the base64 the provider's `file` takes, and its decoded size.
    Upload {
        /// Base64 text.
        base64: String,
        /// Decoded size in bytes.
        bytes: i64,
    },
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
    /// The file of a media message.
    pub media: Option<NewMedia>,
    /// Document name.
    pub file_name: Option<String>,
    /// The client's idempotency key.
    pub idempotency_key: Option<String>,
    /// Give up waiting for a connection after this.
    pub expires_at: Option<Timestamp>,
}

/// Which messages a list shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct MessageFilter {
    /// Only sent or only received.
    pub direction: Option<Direction>,
    /// Only in this status.
    pub status: Option<MessageStatus>,
    /// Only created at or after this instant.
    pub since: Option<Timestamp>,
    /// Only created before this instant.
    pub before: Option<Timestamp>,
}

impl Store {
    /// Queues a message (send order: after every message already queued on the
    /// instance). With an idempotency key already used on this instance, returns
    /// that message instead (`false`: nothing new was stored).
    pub async fn enqueue_message(
        &self,
        new: NewMessage,
        now: Timestamp,
    ) -> Result<(MessageRecord, bool), StoreError> {
        let id = MessageId::generate();
        // PostgreSQL numbers them with an identity column; SQLite writes one at
        // a time, so the next number of the instance is safe to compute.
        let insert = self.dialect(
            r#"INSERT INTO message (id, "instanceId", direction, peer, kind, body, "mediaUrl", "fileName", status,
                   "idempotencyKey", "expiresAt", "createdAt", "updatedAt", "nextAttemptAt", seq)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $12,
                   (SELECT COALESCE(MAX(seq), 0) + 1 FROM message WHERE "instanceId" = $2))"#,
            r#"INSERT INTO message (id, "instanceId", direction, peer, kind, body, "mediaUrl", "fileName", status,
                   "idempotencyKey", "expiresAt", "createdAt", "updatedAt", "nextAttemptAt")
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $12)"#,
        );
        let media_url = match &new.media {
            Some(NewMedia::Url(url)) => Some(url.clone()),
            _ => None,
        };
        let mut tx = self.begin().await?;
        let inserted = tx
            .execute(
                Sql::new(insert)
                    .bind(&id)
                    .bind(&new.instance_id)
                    .bind(Direction::Out)
                    .bind(new.peer)
                    .bind(new.kind)
                    .bind(new.body)
                    .bind(media_url)
                    .bind(new.file_name)
                    .bind(MessageStatus::Queued)
                    .bind(new.idempotency_key.clone())
                    .bind(new.expires_at)
                    .bind(now),
            )
            .await;
        match inserted {
            Ok(_) => {}
            Err(StoreError::Conflict(Unique::IdempotencyKey)) => {
                drop(tx);
                let existing = self
                    .fetch_optional::<MessageRow>(
                        Sql::new(format!(
                            r#"{SELECT} WHERE m."instanceId" = $1 AND m."idempotencyKey" = $2"#
                        ))
                        .bind(&new.instance_id)
                        .bind(new.idempotency_key),
                    )
                    .await?
                    .ok_or_else(|| StoreError::Corrupt("an idempotent message vanished".into()))?;
                return Ok((existing.into(), false));
            }
            Err(other) => return Err(other),
        }
        if let Some(NewMedia::Upload { base64, bytes }) = new.media {
            tx.execute(
                Sql::new(
                    r#"INSERT INTO message_media ("messageId", bytes, data) VALUES ($1, $2, $3)"#,
                )
                .bind(&id)
                .bind(bytes)
                .bind(base64),
            )
            .await?;
        }
        tx.commit().await?;
        let stored = self
            .message_by_id(&id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("a new message vanished".into()))?;
        Ok((stored, true))
    }

    /// A message by id (internal).
    pub async fn message_by_id(&self, id: &MessageId) -> Result<Option<MessageRecord>, StoreError> {
        let row: Option<MessageRow> = self
            .fetch_optional(Sql::new(format!("{SELECT} WHERE m.id = $1")).bind(id))
            .await?;
        Ok(row.map(Into::into))
    }

    /// The uploaded file of a message, as base64 (read only to send it).
    pub async fn media_data(&self, id: &MessageId) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = self
            .fetch_optional(
                Sql::new(r#"SELECT data FROM message_media WHERE "messageId" = $1"#).bind(id),
            )
            .await?;
        Ok(row.map(|(data,)| data))
    }

    /// A page of the user's instance's messages, newest first, with the total.
    pub async fn list_messages(
        &self,
        user: &UserId,
        instance: &InstanceId,
        filter: MessageFilter,
        page: u32,
        limit: u32,
    ) -> Result<(Vec<MessageRecord>, i64), StoreError> {
        let mut conditions = vec![
            r#"m."instanceId" = $1"#.to_owned(),
            r#"EXISTS (SELECT 1 FROM whatsapp_instance i WHERE i.id = m."instanceId" AND i."userId" = $2)"#
                .to_owned(),
        ];
        let mut count = Sql::default().bind(instance).bind(user);
        let mut list = Sql::default().bind(instance).bind(user);
        if let Some(direction) = filter.direction {
            count.arg(direction);
            conditions.push(format!("m.direction = {}", list.arg(direction)));
        }
        if let Some(status) = filter.status {
            count.arg(status);
            conditions.push(format!("m.status = {}", list.arg(status)));
        }
        if let Some(since) = filter.since {
            count.arg(since);
            conditions.push(format!(r#"m."createdAt" >= {}"#, list.arg(since)));
        }
        if let Some(before) = filter.before {
            count.arg(before);
            conditions.push(format!(r#"m."createdAt" < {}"#, list.arg(before)));
        }
        let conditions = conditions.join(" AND ");
        count.push(&format!(
            "SELECT COUNT(*) FROM message m WHERE {conditions}"
        ));
        let (total,): (i64,) = self.fetch_one(count).await?;
        let limit_ref = list.arg(i64::from(limit));
        let offset_ref = list.arg(i64::from(page.saturating_sub(1)) * i64::from(limit));
        list.push(&format!(
            "{SELECT} WHERE {conditions} ORDER BY m.seq DESC LIMIT {limit_ref} OFFSET {offset_ref}"
        ));
        let rows: Vec<MessageRow> = self.fetch_all(list).await?;
        Ok((rows.into_iter().map(Into::into).collect(), total))
    }
}
