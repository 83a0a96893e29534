//! Daily usage counters, changed in the same transactions as the messages and
//! statuses they count, so they always equal a recount.

use super::profile::owner_time_zone;
use super::sql::Sql;
use super::{Store, StoreError, Tx};
use crate::domain::{Day, DayUsage, InstanceId, Timestamp, Usage, UserId};
use std::collections::HashMap;

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

/// Adds `n` to a daily counter, inside the caller's transaction, on the day
/// `at` falls on in the owner's time zone. The row names the instance's user
/// too: it outlives the instance (a user's totals for past days do not drop
/// when an instance is deleted).
pub(super) async fn bump(
    tx: &mut Tx,
    instance: &InstanceId,
    at: Timestamp,
    counter: Counter,
    n: i64,
) -> Result<(), StoreError> {
    let day = owner_time_zone(tx, instance).await?.day_of(at);
    let column = counter.column();
    tx.execute(
        Sql::new(format!(
            r#"INSERT INTO instance_daily_stats ("instanceId", "userId", day, {column})
               SELECT id, "userId", $2, $3 FROM whatsapp_instance WHERE id = $1
               ON CONFLICT ("instanceId", day) DO UPDATE SET {column} = instance_daily_stats.{column} + excluded.{column}"#
        ))
        .bind(instance)
        .bind(day)
        .bind(n),
    )
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
struct DayRow {
    day: Day,
    sent: i64,
    received: i64,
    failed: i64,
    delivered: i64,
    read: i64,
    disconnections: i64,
    connected_ms: i64,
}

impl From<DayRow> for DayUsage {
    fn from(row: DayRow) -> Self {
        DayUsage {
            day: row.day,
            usage: Usage {
                sent: row.sent,
                received: row.received,
                failed: row.failed,
                delivered: row.delivered,
                read: row.read,
                disconnections: row.disconnections,
                connected_ms: row.connected_ms,
            },
        }
    }
}

impl Store {
    /// Messages sent and received since `from` for each of these instances (one
    /// query for a whole page of the list).
    pub async fn usage_since(
        &self,
        instances: &[InstanceId],
        from: Day,
    ) -> Result<HashMap<InstanceId, (i64, i64)>, StoreError> {
        if instances.is_empty() {
            return Ok(HashMap::new());
        }
        let mut sql = Sql::default();
        let from_ref = sql.arg(from);
        let placeholders: Vec<String> = instances.iter().map(|id| sql.arg(id)).collect();
        sql.push(&format!(
            r#"SELECT "instanceId", CAST(SUM(sent) AS BIGINT), CAST(SUM(received) AS BIGINT) FROM instance_daily_stats
               WHERE day >= {from_ref} AND "instanceId" IN ({}) GROUP BY "instanceId""#,
            placeholders.join(", ")
        ));
        let rows: Vec<(InstanceId, i64, i64)> = self.fetch_all(sql).await?;
        Ok(rows.into_iter().map(|(id, s, r)| (id, (s, r))).collect())
    }

    /// Daily statistics of one of the user's instances (or of all, with `None`,
    /// deleted instances included), for days in `[from, to]`, oldest first;
    /// days without activity are absent.
    pub async fn daily_stats(
        &self,
        user: &UserId,
        instance: Option<&InstanceId>,
        from: Day,
        to: Day,
    ) -> Result<Vec<DayUsage>, StoreError> {
        let only = if instance.is_some() {
            r#"AND s."instanceId" = $4"#
        } else {
            ""
        };
        let mut sql = Sql::new(format!(
            r#"SELECT s.day, CAST(SUM(s.sent) AS BIGINT) AS sent, CAST(SUM(s.received) AS BIGINT) AS received,
                      CAST(SUM(s.failed) AS BIGINT) AS failed, CAST(SUM(s.delivered) AS BIGINT) AS delivered,
                      CAST(SUM(s."read") AS BIGINT) AS "read", CAST(SUM(s.disconnections) AS BIGINT) AS disconnections,
                      CAST(SUM(s."connectedMs") AS BIGINT) AS "connectedMs"
               FROM instance_daily_stats s
               WHERE s."userId" = $1 AND s.day >= $2 AND s.day <= $3 {only}
               GROUP BY s.day ORDER BY s.day"#
        ))
        .bind(user)
        .bind(from)
        .bind(to);
        if let Some(instance) = instance {
            sql = sql.bind(instance);
        }
        let rows: Vec<DayRow> = self.fetch_all(sql).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}
