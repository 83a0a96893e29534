//! Status changes: applied only from the status they were decided on, recorded
//! in the history and counted in the daily statistics, in one transaction.

use super::Tx;
use super::instances::login_sets;
use super::sql::{Arg, Sql};
use super::stats::{Counter, bump};
use super::{Store, StoreError};
use crate::domain::transition::{Reconnect, Transition};
use crate::domain::{InstanceId, InstanceStatus, MessageStatus, StatusSource, Timestamp, UserId};

/// A status change to apply if the instance is still in `transition.from`.
#[derive(Debug, Clone, Copy)]
pub struct StatusChange<'a> {
    /// The instance.
    pub id: &'a InstanceId,
    /// What changes.
    pub transition: &'a Transition,
    /// Who reported it.
    pub source: StatusSource,
}

/// One line of an instance's status history.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
pub struct HistoryEntry {
    /// Previous status.
    #[sqlx(rename = "fromStatus")]
    pub from: InstanceStatus,
    /// New status.
    #[sqlx(rename = "toStatus")]
    pub to: InstanceStatus,
    /// Why.
    pub reason: String,
    /// Who reported it.
    pub source: StatusSource,
    /// When.
    pub at: Timestamp,
}

impl Store {
    /// Applies a status change if the instance is still in `from`, with its
    /// history line, schedule and counters, atomically. `false`: someone else
    /// changed it first.
    pub async fn change_status(&self, change: StatusChange<'_>) -> Result<bool, StoreError> {
        let t = change.transition;
        let mut sql = Sql::default();
        let to = sql.arg(t.to);
        let at = sql.arg(t.at);
        let mut sets = vec![format!(r#"status = {to}, "updatedAt" = {at}"#)];
        if t.to == InstanceStatus::Connected {
            sets.push(format!(r#""lastConnection" = {at}"#));
        }
        if let Some(name) = &t.profile_name {
            sets.push(format!(r#""profileName" = {}"#, sql.arg(name)));
        }
        if let Some(logged_out) = t.logged_out {
            sets.push(format!(r#""loggedOut" = {}"#, sql.arg(logged_out)));
        }
        login_sets(&mut sql, &mut sets, t.login.as_ref());
        let id = sql.arg(change.id);
        let from = sql.arg(t.from);
        sql.push(&format!(
            "UPDATE whatsapp_instance SET {} WHERE id = {id} AND status = {from}",
            sets.join(", ")
        ));

        let mut tx = self.begin().await?;
        if tx.execute(sql).await? == 0 {
            return Ok(false);
        }
        let schedule = match t.reconnect {
            Reconnect::Keep => None,
            Reconnect::Clear => Some((0, None)),
            Reconnect::Schedule { attempts, at } => Some((attempts, Some(at))),
        };
        if let Some((attempts, at)) = schedule {
            tx.execute(
                Sql::new(
                    r#"UPDATE instance_schedule SET "reconnectAttempts" = $1, "nextReconnectAt" = $2 WHERE "instanceId" = $3"#,
                )
                .bind(attempts)
                .bind(Arg::Time(at))
                .bind(change.id),
            )
            .await?;
        }
        if t.from == InstanceStatus::Connected {
            restart_waits(&mut tx, change.id, t.at).await?;
        }
        if t.poll_now {
            tx.execute(
                Sql::new(
                    r#"UPDATE instance_schedule SET "nextPollAt" = $1 WHERE "instanceId" = $2 AND "nextPollAt" IS NOT NULL"#,
                )
                .bind(t.at)
                .bind(change.id),
            )
            .await?;
        }
        // PostgreSQL numbers the lines with an identity column; SQLite writes one
        // at a time, so the instance's next number is safe to compute.
        let insert = self.dialect(
            r#"INSERT INTO instance_status_history (id, "instanceId", "fromStatus", "toStatus", reason, source, at, seq)
               VALUES ($1, $2, $3, $4, $5, $6, $7,
                   (SELECT COALESCE(MAX(seq), 0) + 1 FROM instance_status_history WHERE "instanceId" = $2))"#,
            r#"INSERT INTO instance_status_history (id, "instanceId", "fromStatus", "toStatus", reason, source, at)
               VALUES ($1, $2, $3, $4, $5, $6, $7)"#,
        );
        tx.execute(
            Sql::new(insert)
                .bind(InstanceId::generate().as_str())
                .bind(change.id)
                .bind(t.from)
                .bind(t.to)
                .bind(&t.reason)
                .bind(change.source)
                .bind(t.at),
        )
        .await?;
        if t.from == InstanceStatus::Connected && t.to == InstanceStatus::Disconnected {
            bump(&mut tx, change.id, t.at, Counter::Disconnections, 1).await?;
        }
        if let Some(ms) = t.connected_ms.filter(|ms| *ms > 0) {
            bump(&mut tx, change.id, t.at, Counter::ConnectedMs, ms).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// The user's instance's status history, newest first (in the order the
    /// changes were recorded: two can share a millisecond).
    pub async fn status_history(
        &self,
        user: &UserId,
        id: &InstanceId,
        limit: i64,
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        self.fetch_all(
            Sql::new(
                r#"SELECT h."fromStatus", h."toStatus", h.reason, h.source, h.at
                   FROM instance_status_history h JOIN whatsapp_instance i ON i.id = h."instanceId"
                   WHERE h."instanceId" = $1 AND i."userId" = $2 ORDER BY h.seq DESC LIMIT $3"#,
            )
            .bind(id)
            .bind(user)
            .bind(limit),
        )
        .await
    }
}

/// An instance left `connected`: each queued message's wait for a connection
/// (its `waitSeconds`, kept as `expiresAt - createdAt`) starts again from now,
/// so the time it spent queued while the instance was connected is not counted.
async fn restart_waits(tx: &mut Tx, id: &InstanceId, at: Timestamp) -> Result<(), StoreError> {
    tx.execute(
        Sql::new(
            r#"UPDATE message SET "expiresAt" = $1 + ("expiresAt" - "createdAt")
               WHERE "instanceId" = $2 AND status = $3 AND "expiresAt" < $1 + ("expiresAt" - "createdAt")"#,
        )
        .bind(at)
        .bind(id)
        .bind(MessageStatus::Queued),
    )
    .await?;
    Ok(())
}
