//! The saved versions of instances' settings.

use super::sql::Sql;
use super::{Store, StoreError};
use crate::domain::{InstanceId, Timestamp, UserId};
use serde_json::Value;
use sqlx::types::Json;

impl Store {
    /// The versions of one of the user's instances' settings, newest first
    /// (without webhook secrets: they are never kept in versions).
    pub async fn config_history(
        &self,
        user: &UserId,
        instance: &InstanceId,
        limit: i64,
    ) -> Result<Vec<(Timestamp, Value)>, StoreError> {
        let rows: Vec<(Timestamp, Json<Value>)> = self
            .fetch_all(
                Sql::new(
                    r#"SELECT h."changedAt", h.config FROM instance_config_history h
                       JOIN whatsapp_instance i ON i.id = h."instanceId"
                       WHERE h."instanceId" = $1 AND i."userId" = $2 ORDER BY h."changedAt" DESC, h.id DESC LIMIT $3"#,
                )
                .bind(instance)
                .bind(user)
                .bind(limit),
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|(at, config)| (at, config.0))
            .collect())
    }
}
