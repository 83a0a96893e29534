//! Instances the provider no longer knows: marking them (polls back off, no
//! automatic reconnect), their queued messages, and clearing the provider link
//! so the instance can be created there again under the same id and name.

use super::sql::{Arg, Sql};
use super::{Store, StoreError};
use crate::domain::{
    InstanceId, InstanceStatus, MessageId, MessageStatus, ProvisionState, Timestamp,
};

impl Store {
    /// Marks an instance lost at the provider: no automatic reconnect, the next
    /// poll at `next_poll` (a slow one). `false` if it was already marked.
    pub async fn mark_provider_lost(
        &self,
        id: &InstanceId,
        now: Timestamp,
        next_poll: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let marked = tx
            .execute(
                Sql::new(
                    r#"UPDATE whatsapp_instance SET "providerLostAt" = $1, "updatedAt" = $1
                       WHERE id = $2 AND "providerLostAt" IS NULL"#,
                )
                .bind(now)
                .bind(id),
            )
            .await?;
        tx.execute(
            Sql::new(
                r#"UPDATE instance_schedule SET "reconnectAttempts" = 0, "nextReconnectAt" = $1,
                       "nextPollAt" = CASE WHEN "nextPollAt" IS NULL THEN NULL ELSE $2 END
                   WHERE "instanceId" = $3"#,
            )
            .bind(Arg::Time(None))
            .bind(next_poll)
            .bind(id),
        )
        .await?;
        tx.commit().await?;
        Ok(marked == 1)
    }

    /// The provider knows the instance again (it answered for its token).
    pub async fn clear_provider_lost(&self, id: &InstanceId) -> Result<bool, StoreError> {
        let cleared = self
            .execute(
                Sql::new(
                    r#"UPDATE whatsapp_instance SET "providerLostAt" = NULL
                       WHERE id = $1 AND "providerLostAt" IS NOT NULL"#,
                )
                .bind(id),
            )
            .await?;
        Ok(cleared == 1)
    }

    /// Up to `limit` queued messages of an instance, in send order.
    pub async fn queued_message_ids(
        &self,
        instance: &InstanceId,
        limit: i64,
    ) -> Result<Vec<MessageId>, StoreError> {
        let rows: Vec<(MessageId,)> = self
            .fetch_all(
                Sql::new(
                    r#"SELECT id FROM message WHERE "instanceId" = $1 AND status = $2 ORDER BY seq LIMIT $3"#,
                )
                .bind(instance)
                .bind(MessageStatus::Queued)
                .bind(limit),
            )
            .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Forgets a lost instance's provider id and token and makes it pending
    /// again (provisioned at once by the caller or the provisioner), keeping
    /// its id, name, key, webhook secret, settings and history. `false` if it
    /// is not lost (someone re-created it first).
    pub async fn reset_provider_link(
        &self,
        id: &InstanceId,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let reset = tx
            .execute(
                Sql::new(
                    r#"UPDATE whatsapp_instance SET "providerLostAt" = NULL, "providerId" = NULL, "providerToken" = NULL,
                           "provisionState" = $1, "provisionError" = NULL, "loggedOut" = $2, status = $3,
                           "loginMethod" = NULL, "loginCode" = NULL, "loginExpiresAt" = NULL, "updatedAt" = $4
                       WHERE id = $5 AND "providerLostAt" IS NOT NULL"#,
                )
                .bind(ProvisionState::Pending)
                .bind(false)
                .bind(InstanceStatus::Disconnected)
                .bind(now)
                .bind(id),
            )
            .await?;
        if reset == 1 {
            tx.execute(
                Sql::new(
                    r#"UPDATE instance_schedule SET "provisionAttempts" = 0, "nextProvisionAt" = $1, "nextPollAt" = $2,
                           "reconnectAttempts" = 0, "nextReconnectAt" = $2
                       WHERE "instanceId" = $3"#,
                )
                .bind(now)
                .bind(Arg::Time(None))
                .bind(id),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(reset == 1)
    }
}
