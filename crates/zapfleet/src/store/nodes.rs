//! The `node` table (one row per running `zapfleet serve`, beating a
//! heartbeat) and `work_lease` (work one node does for all). See
//! docs/scaling.md.

use super::sql::Sql;
use super::{Store, StoreError};
use crate::domain::{NodeId, Timestamp};

/// A node as recorded.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
pub struct NodeRecord {
    /// New at every start.
    pub id: NodeId,
    /// The machine's name.
    pub host: String,
    /// Where it serves (host:port).
    pub address: String,
    /// zapfleet's version.
    pub version: String,
    /// When it started.
    pub started_at: Timestamp,
    /// Its last heartbeat.
    pub heartbeat_at: Timestamp,
}

/// "No node with a heartbeat since `$dead_before` has this id": the SQL
/// condition for work held by a dead node, with `{column}` the holder and
/// `{dead_before}` the placeholder of the oldest live heartbeat.
pub(super) fn held_by_dead(column: &str, dead_before: &str) -> String {
    format!(
        r#"NOT EXISTS (SELECT 1 FROM node n WHERE n.id = {column} AND n."heartbeatAt" >= {dead_before})"#
    )
}

impl Store {
    /// Records a starting node. Rows with the same host and address are its
    /// own earlier runs (two processes cannot serve on one address of one
    /// machine): they are removed, so what they held counts as dead at once.
    /// Returns how many were.
    pub async fn register_node(&self, node: &NodeRecord) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        let earlier = tx
            .execute(
                Sql::new(r#"DELETE FROM node WHERE host = $1 AND address = $2 AND id <> $3"#)
                    .bind(node.host.as_str())
                    .bind(node.address.as_str())
                    .bind(&node.id),
            )
            .await?;
        tx.execute(upsert(node)).await?;
        tx.commit().await?;
        Ok(earlier)
    }

    /// Beats the node's heartbeat (recording it again if its row was removed).
    pub async fn beat(&self, node: &NodeRecord) -> Result<(), StoreError> {
        self.execute(upsert(node)).await?;
        Ok(())
    }

    /// A node stopping cleanly leaves.
    pub async fn remove_node(&self, id: &NodeId) -> Result<(), StoreError> {
        self.execute(Sql::new("DELETE FROM node WHERE id = $1").bind(id))
            .await?;
        Ok(())
    }

    /// Forgets nodes whose last heartbeat is older than `before` (long dead:
    /// the admin page shows the recently dead ones).
    pub async fn forget_nodes(&self, before: Timestamp) -> Result<u64, StoreError> {
        self.execute(Sql::new(r#"DELETE FROM node WHERE "heartbeatAt" < $1"#).bind(before))
            .await
    }

    /// Every recorded node, oldest first.
    pub async fn nodes(&self) -> Result<Vec<NodeRecord>, StoreError> {
        self.fetch_all(Sql::new(
            r#"SELECT id, host, address, version, "startedAt", "heartbeatAt" FROM node ORDER BY "startedAt", id"#,
        ))
        .await
    }

    /// Takes the named work for `node` until `until`, if nobody holds it
    /// (or the holder's time is over, or it is `node` already). `false`:
    /// another node has it.
    pub async fn take_work_lease(
        &self,
        name: &str,
        node: &NodeId,
        now: Timestamp,
        until: Timestamp,
    ) -> Result<bool, StoreError> {
        let taken = self
            .execute(
                Sql::new(
                    r#"INSERT INTO work_lease (name, "nodeId", "leasedUntil") VALUES ($1, $2, $3)
                       ON CONFLICT (name) DO UPDATE SET "nodeId" = excluded."nodeId", "leasedUntil" = excluded."leasedUntil"
                       WHERE work_lease."leasedUntil" <= $4 OR work_lease."nodeId" = $2"#,
                )
                .bind(name)
                .bind(node)
                .bind(until)
                .bind(now),
            )
            .await?;
        Ok(taken == 1)
    }

    /// Gives the named work back early (done before its lease ended).
    pub async fn end_work_lease(&self, name: &str, node: &NodeId) -> Result<(), StoreError> {
        self.execute(
            Sql::new(r#"DELETE FROM work_lease WHERE name = $1 AND "nodeId" = $2"#)
                .bind(name)
                .bind(node),
        )
        .await?;
        Ok(())
    }
}

fn upsert(node: &NodeRecord) -> Sql {
    Sql::new(
        r#"INSERT INTO node (id, host, address, version, "startedAt", "heartbeatAt") VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (id) DO UPDATE SET "heartbeatAt" = excluded."heartbeatAt""#,
    )
    .bind(&node.id)
    .bind(node.host.as_str())
    .bind(node.address.as_str())
    .bind(node.version.as_str())
    .bind(node.started_at)
    .bind(node.heartbeat_at)
}
