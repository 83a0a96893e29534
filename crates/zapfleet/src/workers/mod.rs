//! Background work. Each worker has a `try_execute_task` step that tests can call
//! directly, and `run_until_stopped`, which steps it every tick until shutdown.

pub mod backups;
pub mod forwarder;
pub mod outbox;
pub mod poller;
pub mod provisioner;
pub mod receipts;
pub mod reconnector;
pub mod retention;

use crate::services::nodes::WorkCounters;
use crate::services::platform::Platform;
use std::future::Future;
use tokio::sync::watch;

/// Steps a worker every `every` until `shutdown` says stop.
pub async fn run_until_stopped<F, Fut>(
    name: &'static str,
    platform: Platform,
    every: std::time::Duration,
    mut shutdown: watch::Receiver<bool>,
    step: F,
) where
    F: Fn(Platform) -> Fut,
    Fut: Future<Output = anyhow::Result<usize>>,
{
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            _ = shutdown.changed() => break,
        }
        if *shutdown.borrow() {
            break;
        }
        if let Err(error) = step(platform.clone()).await {
            tracing::warn!(
                worker = name,
                error = format!("{error:#}"),
                "worker step failed"
            );
        }
    }
    tracing::debug!(worker = name, "stopped");
}

/// Beats this node's heartbeat until `shutdown` (every serving node, with or
/// without the other workers).
pub fn spawn_heartbeat(
    platform: &Platform,
    shutdown: &watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(run_until_stopped(
        "heartbeat",
        platform.clone(),
        platform.tuning.node_heartbeat,
        shutdown.clone(),
        |p| async move {
            crate::services::nodes::beat(&p).await?;
            Ok(1)
        },
    ))
}

/// Runs `step` if this node takes the named work lease (see
/// [`Store::take_work_lease`](crate::store::Store::take_work_lease)) for
/// `hold`, and gives the lease back after it when `release`; 0 if another
/// node holds it.
async fn by_one_node(
    platform: &Platform,
    name: &str,
    hold: std::time::Duration,
    release: bool,
    step: impl Future<Output = anyhow::Result<usize>>,
) -> anyhow::Result<usize> {
    let now = platform.now();
    let until = now.plus_millis(i64::try_from(hold.as_millis()).unwrap_or(i64::MAX));
    let me = &platform.node.id;
    if !platform.store.take_work_lease(name, me, now, until).await? {
        return Ok(0);
    }
    let done = step.await;
    if release {
        platform.store.end_work_lease(name, me).await?;
    }
    done
}

/// How long a node may take writing a scheduled backup before another may.
const BACKUP_HOLD: std::time::Duration = std::time::Duration::from_secs(3_600);

/// How often scheduled backups check whether one is due.
const BACKUP_CHECK: std::time::Duration = std::time::Duration::from_secs(60);

/// Starts every worker; they stop when `shutdown` turns true.
pub fn spawn_all(
    platform: &Platform,
    shutdown: &watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let tick = platform.tuning.worker_tick;
    vec![
        tokio::spawn(run_until_stopped(
            "retention",
            platform.clone(),
            platform.tuning.retention_every,
            shutdown.clone(),
            |p| async move {
                // One node purges per period (the others would find nothing).
                let hold = p.tuning.retention_every.mul_f64(0.9);
                by_one_node(
                    &p,
                    "retention",
                    hold,
                    false,
                    retention::try_execute_task(&p),
                )
                .await
            },
        )),
        tokio::spawn(run_until_stopped(
            "provisioner",
            platform.clone(),
            tick,
            shutdown.clone(),
            |p| async move { provisioner::try_execute_task(&p).await },
        )),
        tokio::spawn(run_until_stopped(
            "poller",
            platform.clone(),
            tick,
            shutdown.clone(),
            |p| async move { poller::try_execute_task(&p).await },
        )),
        tokio::spawn(run_until_stopped(
            "reconnector",
            platform.clone(),
            tick,
            shutdown.clone(),
            |p| async move { reconnector::try_execute_task(&p).await },
        )),
        tokio::spawn(run_until_stopped(
            "outbox",
            platform.clone(),
            tick,
            shutdown.clone(),
            |p| async move { outbox::try_execute_task(&p).await },
        )),
        tokio::spawn(run_until_stopped(
            "forwarder",
            platform.clone(),
            tick,
            shutdown.clone(),
            |p| async move {
                let delivered = forwarder::try_execute_task(&p).await?;
                WorkCounters::add(&p.node.work.deliveries, delivered);
                Ok(delivered)
            },
        )),
        tokio::spawn(forwarder::run_fan_out(platform.clone(), shutdown.clone())),
        tokio::spawn(run_until_stopped(
            "receipts",
            platform.clone(),
            receipts::EVERY,
            shutdown.clone(),
            |p| async move {
                // One node checks receipts per period: two would look up the
                // same messages.
                let hold = receipts::EVERY.mul_f64(0.9);
                by_one_node(&p, "receipts", hold, false, receipts::try_execute_task(&p)).await
            },
        )),
        tokio::spawn(run_until_stopped(
            "backups",
            platform.clone(),
            BACKUP_CHECK,
            shutdown.clone(),
            |p| async move {
                // One node writes a due backup; the folder (shared between
                // nodes) then says when the next is due.
                by_one_node(
                    &p,
                    "backup",
                    BACKUP_HOLD,
                    true,
                    backups::try_execute_task(&p),
                )
                .await
            },
        )),
    ]
}
