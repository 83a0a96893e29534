//! Writing a backup back, all in one transaction: a restore applies whole or
//! not at all. The rules (what is created, kept or skipped) are the service's;
//! this only answers its questions and writes what it decides.

use super::sql::Sql;
use super::{Store, StoreError, Tx};
use crate::domain::{
    Email, ForwardWebhook, Instance, InstanceId, ProvisionState, Timestamp, UserId,
};
use crate::i18n::Locale;

/// How long a restored instance is left to the restore's own take-over.
const TAKE_OVER_GRACE_MS: i64 = 60_000;

/// A restore under way: one transaction, rolled back unless committed.
pub struct Restore {
    pub(super) tx: Tx,
    sqlite: bool,
}

/// An instance to write as the backup had it (secrets sealed with this server's key).
#[derive(Debug, Clone)]
pub struct RestoredInstance {
    /// The instance (its id, owner, name, times, status, settings…).
    pub instance: Instance,
    /// The provider's id.
    pub provider_id: Option<String>,
    /// The provider token, sealed.
    pub token_sealed: Option<String>,
    /// The webhook secret, sealed.
    pub webhook_secret_sealed: Option<String>,
    /// SHA-256 of the webhook secret, hex.
    pub webhook_secret_hash: Option<String>,
}

impl Store {
    /// Starts a restore.
    pub async fn begin_restore(&self) -> Result<Restore, StoreError> {
        Ok(Restore {
            tx: self.begin().await?,
            sqlite: self.backend() == super::Backend::Sqlite,
        })
    }
}

impl Restore {
    /// Makes the restore permanent.
    pub async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await
    }

    /// The account with this e-mail.
    pub async fn user_by_email(&mut self, email: &Email) -> Result<Option<UserId>, StoreError> {
        let row: Option<(UserId,)> = self
            .tx
            .fetch_optional(Sql::new(r#"SELECT id FROM "user" WHERE email = $1"#).bind(email))
            .await?;
        Ok(row.map(|(id,)| id))
    }

    /// Creates an account as the backup had it (and marks the first account).
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_user(
        &mut self,
        email: &Email,
        password_hash: &str,
        locale: Locale,
        is_admin: bool,
        disabled: bool,
        created_at: Timestamp,
        now: Timestamp,
    ) -> Result<UserId, StoreError> {
        let id = UserId::generate();
        self.tx
            .execute(
                Sql::new(
                    r#"INSERT INTO "user" (id, email, "passwordHash", "isAdmin", disabled, locale, "createdAt", "updatedAt")
                       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"#,
                )
                .bind(&id)
                .bind(email)
                .bind(password_hash)
                .bind(is_admin)
                .bind(disabled)
                .bind(locale.tag())
                .bind(created_at)
                .bind(now),
            )
            .await?;
        self.tx
            .execute(
                Sql::new("INSERT INTO app_setting (key, value) VALUES ('first_user', $1) ON CONFLICT (key) DO NOTHING")
                    .bind(&id),
            )
            .await?;
        Ok(id)
    }

    /// Restores an API token unless one with the same hash exists; whether it did.
    pub async fn insert_token(
        &mut self,
        user: &UserId,
        token: &super::backup_read::TokenDump,
    ) -> Result<bool, StoreError> {
        let done = self
            .tx
            .execute(
                Sql::new(
                    r#"INSERT INTO api_token (id, "userId", name, "tokenHash", prefix, "createdAt", "lastUsedAt", "revokedAt")
                       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING"#,
                )
                .bind(crate::domain::TokenId::generate().as_str())
                .bind(user)
                .bind(&token.name)
                .bind(&token.token_hash)
                .bind(&token.prefix)
                .bind(token.created_at)
                .bind(token.last_used_at)
                .bind(token.revoked_at),
            )
            .await?;
        Ok(done == 1)
    }

    /// Restores the user's own webhook unless the user has one; whether it did.
    pub async fn insert_user_webhook(
        &mut self,
        user: &UserId,
        webhook: &ForwardWebhook,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = self
            .tx
            .execute(
                Sql::new(
                    r#"INSERT INTO user_webhook ("userId", url, events, secret, "updatedAt") VALUES ($1, $2, $3, $4, $5)
                       ON CONFLICT ("userId") DO NOTHING"#,
                )
                .bind(user)
                .bind(&webhook.url)
                .bind(serde_json::to_value(&webhook.events).unwrap_or_default())
                .bind(&webhook.secret_sealed)
                .bind(now),
            )
            .await?;
        Ok(done == 1)
    }

    /// Who owns the instance with this id, if it exists.
    pub async fn instance_owner(&mut self, id: &InstanceId) -> Result<Option<UserId>, StoreError> {
        let row: Option<(UserId,)> = self
            .tx
            .fetch_optional(
                Sql::new(r#"SELECT "userId" FROM whatsapp_instance WHERE id = $1"#).bind(id),
            )
            .await?;
        Ok(row.map(|(user,)| user))
    }

    /// Whether another instance here is already the same provider instance
    /// (same provider id, same provider-side name, or same webhook secret).
    pub async fn provider_instance_taken(
        &mut self,
        provider_id: Option<&str>,
        instance_key: &str,
        webhook_secret_hash: Option<&str>,
    ) -> Result<bool, StoreError> {
        let row: Option<(InstanceId,)> = self
            .tx
            .fetch_optional(
                Sql::new(
                    r#"SELECT id FROM whatsapp_instance
                       WHERE "providerId" = $1 OR "instanceKey" = $2 OR "webhookSecretHash" = $3 LIMIT 1"#,
                )
                .bind(provider_id)
                .bind(instance_key)
                .bind(webhook_secret_hash),
            )
            .await?;
        Ok(row.is_some())
    }

    /// Whether the user has an instance with this name (without regard to case).
    pub async fn name_taken(&mut self, user: &UserId, name_key: &str) -> Result<bool, StoreError> {
        let row: Option<(InstanceId,)> = self
            .tx
            .fetch_optional(
                Sql::new(
                    r#"SELECT id FROM whatsapp_instance WHERE "userId" = $1 AND "nameKey" = $2"#,
                )
                .bind(user)
                .bind(name_key),
            )
            .await?;
        Ok(row.is_some())
    }

    /// Writes an instance as the backup had it. It is left `pending` (due now)
    /// when it exists at the provider, so provisioning points the provider's
    /// webhook at this server and polls it at once.
    pub async fn insert_instance(
        &mut self,
        restored: &RestoredInstance,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let i = &restored.instance;
        self.tx
            .execute(
                Sql::new(
                    r#"INSERT INTO whatsapp_instance
                       (id, name, "nameKey", phone, status, "userId", "instanceKey", "createdAt", "updatedAt",
                        "lastConnection", config, "provisionState", "providerId", "providerToken", "webhookSecret",
                        "webhookSecretHash", "profileName", "loggedOut", "searchKey")
                       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)"#,
                )
                .bind(&i.id)
                .bind(i.name.as_str())
                .bind(i.name.key())
                .bind(i.phone.as_ref().map(|p| p.digits().to_owned()))
                .bind(i.status)
                .bind(&i.user_id)
                .bind(i.instance_key.as_str())
                .bind(i.created_at)
                .bind(i.updated_at)
                .bind(i.last_connection)
                .bind(i.settings.to_config())
                .bind(ProvisionState::Pending)
                .bind(restored.provider_id.clone())
                .bind(restored.token_sealed.clone())
                .bind(restored.webhook_secret_sealed.clone())
                .bind(restored.webhook_secret_hash.clone())
                .bind(i.profile_name.clone())
                .bind(i.logged_out)
                .bind(i.name.search_key()),
            )
            .await?;
        // One attempt counted: the next one looks for the provider instance
        // first, and finds it by its provider id. The restore takes such an
        // instance over itself right after the commit; a running server's
        // provisioner steps in only if that did not happen within a minute.
        let attempts = i64::from(restored.provider_id.is_some());
        let due = if restored.provider_id.is_some() {
            now.plus_millis(TAKE_OVER_GRACE_MS)
        } else {
            now
        };
        self.tx
            .execute(
                Sql::new(
                    r#"INSERT INTO instance_schedule ("instanceId", "provisionAttempts", "nextProvisionAt") VALUES ($1, $2, $3)"#,
                )
                .bind(&i.id)
                .bind(attempts)
                .bind(due),
            )
            .await?;
        Ok(())
    }

    /// Adds a settings version unless it is there; whether it did.
    pub async fn insert_version(
        &mut self,
        instance: &InstanceId,
        id: &str,
        changed_at: Timestamp,
        settings: &serde_json::Value,
    ) -> Result<bool, StoreError> {
        let done = self
            .tx
            .execute(
                Sql::new(
                    r#"INSERT INTO instance_config_history (id, "instanceId", config, "changedAt") VALUES ($1, $2, $3, $4)
                       ON CONFLICT DO NOTHING"#,
                )
                .bind(id)
                .bind(instance)
                .bind(settings.clone())
                .bind(changed_at),
            )
            .await?;
        Ok(done == 1)
    }

    /// Adds a status change unless it is there; whether it did.
    pub async fn insert_status_change(
        &mut self,
        instance: &InstanceId,
        change: &super::backup_read::StatusChangeDump,
    ) -> Result<bool, StoreError> {
        let insert = if self.sqlite {
            r#"INSERT INTO instance_status_history (id, "instanceId", "fromStatus", "toStatus", reason, source, at, seq)
               VALUES ($1, $2, $3, $4, $5, $6, $7,
                   (SELECT COALESCE(MAX(seq), 0) + 1 FROM instance_status_history WHERE "instanceId" = $2))
               ON CONFLICT DO NOTHING"#
        } else {
            r#"INSERT INTO instance_status_history (id, "instanceId", "fromStatus", "toStatus", reason, source, at)
               VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING"#
        };
        let done = self
            .tx
            .execute(
                Sql::new(insert)
                    .bind(change.id.as_str())
                    .bind(instance)
                    .bind(change.from_status)
                    .bind(change.to_status)
                    .bind(&change.reason)
                    .bind(change.source)
                    .bind(change.at),
            )
            .await?;
        Ok(done == 1)
    }

    /// Adds a finished message unless it is there (same id, or same WhatsApp
    /// id on the instance); whether it did.
    pub async fn insert_message(
        &mut self,
        instance: &InstanceId,
        m: &super::backup_read::MessageDump,
    ) -> Result<bool, StoreError> {
        let (columns, seq) = if self.sqlite {
            (
                ", seq",
                r#", (SELECT COALESCE(MAX(seq), 0) + 1 FROM message WHERE "instanceId" = $2)"#,
            )
        } else {
            ("", "")
        };
        let done = self
            .tx
            .execute(
                Sql::new(format!(
                    r#"INSERT INTO message (id, "instanceId", direction, peer, kind, body, "mediaUrl", "fileName", status,
                           "providerMessageId", "idempotencyKey", attempts, error, "createdAt", "updatedAt",
                           "nextAttemptAt", "sentAt", "deliveredAt", "readAt"{columns})
                       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $14, $15, $16, $17{seq})
                       ON CONFLICT DO NOTHING"#
                ))
                .bind(m.id.as_str())
                .bind(instance)
                .bind(m.direction)
                .bind(m.peer.as_str())
                .bind(m.kind)
                .bind(m.body.clone())
                .bind(m.media_url.clone())
                .bind(m.file_name.clone())
                .bind(m.status)
                .bind(m.provider_message_id.clone())
                .bind(m.idempotency_key.clone())
                .bind(m.attempts)
                .bind(m.error.clone())
                .bind(m.created_at)
                .bind(m.sent_at)
                .bind(m.delivered_at)
                .bind(m.read_at),
            )
            .await?;
        Ok(done == 1)
    }
}
