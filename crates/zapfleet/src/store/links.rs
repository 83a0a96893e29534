//! The link between an instance and its provider-side twin, and provisioning it:
//! attempts are claimed (and counted) before they are made.

use super::sql::{Arg, Sql};
use super::{Store, StoreError};
use crate::domain::{InstanceId, ProvisionState, Timestamp, UserId};

/// What the platform needs to act on an instance at the provider. Secrets stay
/// sealed here; only the services open them.
#[derive(Debug, Clone, sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
pub struct ProviderLink {
    /// Our instance.
    #[sqlx(rename = "id")]
    pub instance_id: InstanceId,
    /// Its owner.
    pub user_id: UserId,
    /// Our public key, used as the provider-side name (unique: lets a retried
    /// provisioning find an instance a lost answer created).
    pub instance_key: String,
    /// The provider's id, once provisioned.
    pub provider_id: Option<String>,
    /// The provider token, sealed.
    #[sqlx(rename = "providerToken")]
    pub token_sealed: Option<String>,
    /// The webhook secret, sealed.
    #[sqlx(rename = "webhookSecret")]
    pub webhook_secret_sealed: Option<String>,
    /// Provisioning attempts so far.
    pub provision_attempts: i64,
    /// Whether it exists at the provider yet.
    pub provision_state: ProvisionState,
}

impl ProviderLink {
    /// Not (fully) provisioned yet.
    pub fn pending(&self) -> bool {
        self.provision_state == ProvisionState::Pending
    }
}

const LINK: &str = r#"SELECT i.id, i."userId", i."instanceKey", i."providerId", i."providerToken", i."webhookSecret",
    s."provisionAttempts", i."provisionState"
    FROM whatsapp_instance i JOIN instance_schedule s ON s."instanceId" = i.id"#;

impl Store {
    /// The provider link of any instance (internal: not scoped to a user).
    pub async fn provider_link(&self, id: &InstanceId) -> Result<Option<ProviderLink>, StoreError> {
        self.fetch_optional(Sql::new(format!("{LINK} WHERE i.id = $1")).bind(id))
            .await
    }

    /// Instances waiting to be provisioned whose retry time has come.
    pub async fn due_provisioning(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> Result<Vec<ProviderLink>, StoreError> {
        self.fetch_all(
            Sql::new(format!(
                r#"{LINK} WHERE s."nextProvisionAt" <= $1 ORDER BY s."nextProvisionAt", i.id LIMIT $2"#
            ))
            .bind(now)
            .bind(limit),
        )
        .await
    }

    /// Every provisioned instance (for reconciliation with the provider).
    pub async fn provisioned_links(&self) -> Result<Vec<ProviderLink>, StoreError> {
        self.fetch_all(
            Sql::new(format!(r#"{LINK} WHERE i."provisionState" = $1"#))
                .bind(ProvisionState::Ready),
        )
        .await
    }

    /// Claims the next provisioning attempt: counts it before it is made (so a
    /// crash mid-attempt is known, and the next attempt looks for what the lost
    /// one may have created) and leases the instance until `lease_until`. `false`
    /// if another worker or request claimed it first.
    pub async fn claim_provision_attempt(
        &self,
        id: &InstanceId,
        seen_attempts: i64,
        lease_until: Timestamp,
    ) -> Result<bool, StoreError> {
        let claimed = self
            .execute(
                Sql::new(
                    r#"UPDATE instance_schedule SET "provisionAttempts" = $1, "nextProvisionAt" = $2
                       WHERE "instanceId" = $3 AND "provisionAttempts" = $4 AND "nextProvisionAt" IS NOT NULL"#,
                )
                .bind(seen_attempts + 1)
                .bind(lease_until)
                .bind(id)
                .bind(seen_attempts),
            )
            .await?;
        Ok(claimed == 1)
    }

    /// Keeps the provider's id and sealed token as soon as they are known, before
    /// the rest of provisioning (the webhook) is done.
    pub async fn save_provider_identity(
        &self,
        id: &InstanceId,
        provider_id: &str,
        token_sealed: &str,
    ) -> Result<(), StoreError> {
        self.execute(
            Sql::new(r#"UPDATE whatsapp_instance SET "providerId" = $1, "providerToken" = $2 WHERE id = $3"#)
                .bind(provider_id)
                .bind(token_sealed)
                .bind(id),
        )
        .await?;
        Ok(())
    }

    /// Marks provisioning done (the identity was saved by
    /// [`Store::save_provider_identity`]); polls start right away.
    pub async fn mark_provisioned(
        &self,
        id: &InstanceId,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        tx.execute(
            Sql::new(
                r#"UPDATE whatsapp_instance SET "provisionState" = $1, "provisionError" = NULL, "updatedAt" = $2 WHERE id = $3"#,
            )
            .bind(ProvisionState::Ready)
            .bind(now)
            .bind(id),
        )
        .await?;
        tx.execute(
            Sql::new(
                r#"UPDATE instance_schedule SET "nextProvisionAt" = $1, "nextPollAt" = $2 WHERE "instanceId" = $3"#,
            )
            .bind(Arg::Time(None))
            .bind(now)
            .bind(id),
        )
        .await?;
        tx.commit().await
    }

    /// Records a failed provisioning attempt and when to retry.
    pub async fn mark_provision_failed(
        &self,
        id: &InstanceId,
        error: &str,
        attempts: i64,
        retry_at: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let pending = tx
            .execute(
                Sql::new(
                    r#"UPDATE instance_schedule SET "provisionAttempts" = $1, "nextProvisionAt" = $2
                       WHERE "instanceId" = $3 AND "nextProvisionAt" IS NOT NULL"#,
                )
                .bind(attempts)
                .bind(retry_at)
                .bind(id),
            )
            .await?;
        if pending == 1 {
            tx.execute(
                Sql::new(r#"UPDATE whatsapp_instance SET "provisionError" = $1 WHERE id = $2"#)
                    .bind(error)
                    .bind(id),
            )
            .await?;
        }
        tx.commit().await
    }
}
