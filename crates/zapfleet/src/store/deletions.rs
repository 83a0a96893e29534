//! Provider-side deletions still owed (the provider was down when the user deleted).

use super::sql::Sql;
use super::{Store, StoreError};
use crate::domain::{InstanceId, Timestamp};

/// A deletion at the provider still to do.
#[derive(Debug, Clone, sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
pub struct OwedDeletion {
    /// Its id.
    pub id: String,
    /// The provider token of the deleted instance, sealed.
    #[sqlx(rename = "providerToken")]
    pub token_sealed: String,
    /// Tries so far.
    pub attempts: i64,
}

impl Store {
    /// Remembers a provider-side deletion still owed.
    pub async fn queue_provider_deletion(
        &self,
        token_sealed: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.execute(
            Sql::new(
                r#"INSERT INTO provider_deletion (id, "providerToken", "nextAttemptAt", "createdAt") VALUES ($1, $2, $3, $3)"#,
            )
            .bind(InstanceId::generate().as_str())
            .bind(token_sealed)
            .bind(now),
        )
        .await?;
        Ok(())
    }

    /// Owed deletions whose retry time has come.
    pub async fn due_provider_deletions(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> Result<Vec<OwedDeletion>, StoreError> {
        self.fetch_all(
            Sql::new(
                r#"SELECT id, "providerToken", attempts FROM provider_deletion WHERE "nextAttemptAt" <= $1
                   ORDER BY "nextAttemptAt", id LIMIT $2"#,
            )
            .bind(now)
            .bind(limit),
        )
        .await
    }

    /// An owed deletion is done.
    pub async fn finish_provider_deletion(&self, id: &str) -> Result<(), StoreError> {
        self.execute(Sql::new("DELETE FROM provider_deletion WHERE id = $1").bind(id))
            .await?;
        Ok(())
    }

    /// An owed deletion failed again; retry later.
    pub async fn retry_provider_deletion(
        &self,
        id: &str,
        error: &str,
        attempts: i64,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        self.execute(
            Sql::new(
                r#"UPDATE provider_deletion SET attempts = $1, "nextAttemptAt" = $2, "lastError" = $3 WHERE id = $4"#,
            )
            .bind(attempts)
            .bind(at)
            .bind(error)
            .bind(id),
        )
        .await?;
        Ok(())
    }
}
