//! This node (one run of `zapfleet serve`) among the others on the same
//! database: it registers at start, beats a heartbeat, leaves when it stops
//! cleanly, and counts the work it does. See docs/scaling.md.

use super::platform::Platform;
use crate::domain::{NodeId, NodeLiveness, Timestamp};
use crate::error::AppError;
use crate::store::NodeRecord;
use std::sync::atomic::{AtomicU64, Ordering};

/// Dead nodes stay listed (admin page) this long before their row goes.
const FORGET_AFTER_MS: i64 = 24 * 3_600_000;

/// Who this process is, and what it has done since it started.
#[derive(Debug)]
pub struct ThisNode {
    /// New at every start: an earlier run is another node (a dead one).
    pub id: NodeId,
    /// The machine's name.
    pub host: String,
    /// Where it serves (host:port).
    pub address: String,
    /// When it started.
    pub started_at: Timestamp,
    /// Work counters, for `/metrics`.
    pub work: WorkCounters,
}

/// What this node has done, counted as it happens.
#[derive(Debug, Default)]
pub struct WorkCounters {
    /// Provider status polls.
    pub polls: AtomicU64,
    /// Messages the provider accepted from this node.
    pub sends: AtomicU64,
    /// Forward webhooks delivered.
    pub deliveries: AtomicU64,
    /// Leases of dead nodes (or run out) this node took over.
    pub takeovers: AtomicU64,
}

impl WorkCounters {
    /// Adds `n` to a counter.
    pub fn add(counter: &AtomicU64, n: usize) {
        counter.fetch_add(u64::try_from(n).unwrap_or(u64::MAX), Ordering::Relaxed);
    }
}

impl ThisNode {
    /// A new node serving on `address`.
    pub fn new(address: String, now: Timestamp) -> Self {
        Self {
            id: NodeId::generate(),
            host: host_name(),
            address,
            started_at: now,
            work: WorkCounters::default(),
        }
    }

    fn record(&self, now: Timestamp) -> NodeRecord {
        NodeRecord {
            id: self.id.clone(),
            host: self.host.clone(),
            address: self.address.clone(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            started_at: self.started_at,
            heartbeat_at: now,
        }
    }
}

/// The machine's name (Linux), or `unknown`.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// A node as the admin page and `/readyz` show it.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeView {
    /// Its id.
    pub id: NodeId,
    /// Its machine.
    pub host: String,
    /// Where it serves.
    pub address: String,
    /// Its zapfleet version.
    pub version: String,
    /// When it started.
    pub started_at: Timestamp,
    /// Its last heartbeat.
    pub heartbeat_at: Timestamp,
    /// Live or dead, by the heartbeat timeout.
    pub liveness: NodeLiveness,
    /// Whether it is the node answering.
    pub this: bool,
}

/// Heartbeats older than this are dead nodes'.
pub fn dead_before(platform: &Platform) -> Timestamp {
    platform.now().plus_millis(-dead_after_ms(platform))
}

fn dead_after_ms(platform: &Platform) -> i64 {
    i64::try_from(platform.tuning.node_dead_after.as_millis()).unwrap_or(i64::MAX)
}

/// Records this node at start-up (removing its own earlier runs); returns
/// how many earlier runs there were.
pub async fn register(platform: &Platform) -> Result<u64, AppError> {
    let record = platform.node.record(platform.now());
    Ok(platform.store.register_node(&record).await?)
}

/// One heartbeat; also forgets nodes dead for a day.
pub async fn beat(platform: &Platform) -> Result<(), AppError> {
    let now = platform.now();
    platform.store.beat(&platform.node.record(now)).await?;
    platform
        .store
        .forget_nodes(now.plus_millis(-FORGET_AFTER_MS))
        .await?;
    Ok(())
}

/// This node stops cleanly: its row goes (nothing it held is left: its
/// workers have stopped).
pub async fn leave(platform: &Platform) -> Result<(), AppError> {
    Ok(platform.store.remove_node(&platform.node.id).await?)
}

/// Every recorded node, live or dead, oldest first.
pub async fn overview(platform: &Platform) -> Result<Vec<NodeView>, AppError> {
    let now = platform.now();
    let dead_after = dead_after_ms(platform);
    Ok(platform
        .store
        .nodes()
        .await?
        .into_iter()
        .map(|node| NodeView {
            liveness: NodeLiveness::at(node.heartbeat_at, now, dead_after),
            this: node.id == platform.node.id,
            id: node.id,
            host: node.host,
            address: node.address,
            version: node.version,
            started_at: node.started_at,
            heartbeat_at: node.heartbeat_at,
        })
        .collect())
}

/// Whether another node than this one is live on the database.
pub async fn others_live(platform: &Platform) -> Result<bool, AppError> {
    Ok(overview(platform)
        .await?
        .iter()
        .any(|n| !n.this && n.liveness == NodeLiveness::Live))
}
