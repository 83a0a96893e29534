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
            |p| async move { retention::try_execute_task(&p).await },
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
            |p| async move { forwarder::try_execute_task(&p).await },
        )),
        tokio::spawn(forwarder::run_fan_out(platform.clone(), shutdown.clone())),
        tokio::spawn(run_until_stopped(
            "receipts",
            platform.clone(),
            receipts::EVERY,
            shutdown.clone(),
            |p| async move { receipts::try_execute_task(&p).await },
        )),
        tokio::spawn(run_until_stopped(
            "backups",
            platform.clone(),
            BACKUP_CHECK,
            shutdown.clone(),
            |p| async move { backups::try_execute_task(&p).await },
        )),
    ]
}
