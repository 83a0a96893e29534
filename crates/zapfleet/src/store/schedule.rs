//! What the poller, the reconnector and the outbox's pacing schedule, in
//! `instance_schedule` (apart from the wide instance row, with partial indexes
//! on what is due).

use super::sql::Sql;
use super::{Store, StoreError};
use crate::domain::{InstanceId, InstanceStatus, Timestamp};

impl Store {
    /// Provisioned instances whose next poll is due, soonest first. A disabled
    /// account's instances are left alone (not polled) until it is re-enabled.
    pub async fn due_polls(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> Result<Vec<InstanceId>, StoreError> {
        let rows: Vec<(InstanceId,)> = self
            .fetch_all(
                Sql::new(
                    r#"SELECT s."instanceId" FROM instance_schedule s
                       JOIN whatsapp_instance i ON i.id = s."instanceId"
                       JOIN "user" u ON u.id = i."userId"
                       WHERE s."nextPollAt" <= $1 AND u.disabled = $2
                       ORDER BY s."nextPollAt", s."instanceId" LIMIT $3"#,
                )
                .bind(now)
                .bind(false)
                .bind(limit),
            )
            .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// When to poll an instance next (provisioned instances only).
    pub async fn set_next_poll(&self, id: &InstanceId, at: Timestamp) -> Result<(), StoreError> {
        self.execute(
            Sql::new(
                r#"UPDATE instance_schedule SET "nextPollAt" = $1 WHERE "instanceId" = $2 AND "nextPollAt" IS NOT NULL"#,
            )
            .bind(at)
            .bind(id),
        )
        .await?;
        Ok(())
    }

    /// Makes every provisioned instance due for a poll now (start-up reconciliation).
    pub async fn poll_everything_now(&self, now: Timestamp) -> Result<(), StoreError> {
        self.execute(
            Sql::new(
                r#"UPDATE instance_schedule SET "nextPollAt" = $1 WHERE "nextPollAt" IS NOT NULL"#,
            )
            .bind(now),
        )
        .await?;
        Ok(())
    }

    /// Disconnected, not logged-out instances of enabled accounts whose
    /// automatic reconnect is due, with the attempt number.
    pub async fn due_reconnects(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> Result<Vec<(InstanceId, i64)>, StoreError> {
        self.fetch_all(
            Sql::new(
                r#"SELECT s."instanceId", s."reconnectAttempts" FROM instance_schedule s
                   JOIN whatsapp_instance i ON i.id = s."instanceId"
                   JOIN "user" u ON u.id = i."userId"
                   WHERE s."nextReconnectAt" <= $1 AND i.status = $2 AND i."loggedOut" = $3
                     AND u.disabled = $3 AND i."providerLostAt" IS NULL
                   ORDER BY s."nextReconnectAt", s."instanceId" LIMIT $4"#,
            )
            .bind(now)
            .bind(InstanceStatus::Disconnected)
            .bind(false)
            .bind(limit),
        )
        .await
    }

    /// Schedules (or, with `None`, cancels) the next automatic reconnect.
    pub async fn schedule_reconnect(
        &self,
        id: &InstanceId,
        attempts: i64,
        at: Option<Timestamp>,
    ) -> Result<(), StoreError> {
        self.execute(
            Sql::new(
                r#"UPDATE instance_schedule SET "reconnectAttempts" = $1, "nextReconnectAt" = $2 WHERE "instanceId" = $3"#,
            )
            .bind(attempts)
            .bind(at)
            .bind(id),
        )
        .await?;
        Ok(())
    }

    /// When the instance may send again (pacing).
    pub async fn set_next_send(&self, id: &InstanceId, at: Timestamp) -> Result<(), StoreError> {
        self.execute(
            Sql::new(r#"UPDATE instance_schedule SET "nextSendAt" = $1 WHERE "instanceId" = $2"#)
                .bind(at)
                .bind(id),
        )
        .await?;
        Ok(())
    }
}
