//! A restore's days of usage: an instance's own, and those of the account's
//! instances deleted since.

use super::StoreError;
use super::restore::Restore;
use super::sql::Sql;
use crate::domain::{DayUsage, InstanceId, UserId};

impl Restore {
    /// Adds a day of usage unless the day is there; whether it did.
    pub async fn insert_usage(
        &mut self,
        instance: &InstanceId,
        day: &DayUsage,
    ) -> Result<bool, StoreError> {
        let u = &day.usage;
        let done = self
            .tx
            .execute(
                Sql::new(
                    r#"INSERT INTO instance_daily_stats ("instanceId", "userId", day, sent, received, failed,
                           delivered, "read", disconnections, "connectedMs")
                       SELECT id, "userId", $2, $3, $4, $5, $6, $7, $8, $9 FROM whatsapp_instance WHERE id = $1
                       ON CONFLICT DO NOTHING"#,
                )
                .bind(instance)
                .bind(day.day)
                .bind(u.sent)
                .bind(u.received)
                .bind(u.failed)
                .bind(u.delivered)
                .bind(u.read)
                .bind(u.disconnections)
                .bind(u.connected_ms),
            )
            .await?;
        Ok(done == 1)
    }

    /// Adds a day of a deleted instance to the user's past usage unless the
    /// day is there; whether it did. (The instance id is kept, as the rows of
    /// a deletion on this server keep it.)
    pub async fn insert_retired_usage(
        &mut self,
        user: &UserId,
        instance: &InstanceId,
        day: &DayUsage,
    ) -> Result<bool, StoreError> {
        let u = &day.usage;
        let done = self
            .tx
            .execute(
                Sql::new(
                    r#"INSERT INTO instance_daily_stats ("instanceId", "userId", day, sent, received, failed,
                           delivered, "read", disconnections, "connectedMs")
                       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                       ON CONFLICT DO NOTHING"#,
                )
                .bind(instance)
                .bind(user)
                .bind(day.day)
                .bind(u.sent)
                .bind(u.received)
                .bind(u.failed)
                .bind(u.delivered)
                .bind(u.read)
                .bind(u.disconnections)
                .bind(u.connected_ms),
            )
            .await?;
        Ok(done == 1)
    }
}
