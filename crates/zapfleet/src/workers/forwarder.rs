//! Forward webhooks: recorded events become durable deliveries (the fan-out),
//! which are posted with retries until delivered or dead.

use crate::services::forwarding::{
    after_failure, attempt, batch_was_full, delivery_lease, fan_out_pending,
};
use crate::services::platform::Platform;
use crate::store::Attempted;
use tokio::sync::broadcast::error::TryRecvError;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// Deliveries tried per step.
const BATCH: i64 = 50;
/// The least time between two fan-out passes: under a stream of events, one
/// pass serves many (forwards wait at most this much longer).
const FAN_OUT_GAP: std::time::Duration = std::time::Duration::from_millis(100);

/// Fans out recorded events: at once when this node sees one, and every
/// `every` for the rest (events of a node that died before fanning them out,
/// or whose claim ran out).
pub async fn run_fan_out(
    platform: Platform,
    every: std::time::Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut events = platform.events.subscribe();
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = events.recv() => {}
            _ = interval.tick() => {}
            _ = shutdown.changed() => break,
        }
        if *shutdown.borrow() {
            break;
        }
        // One pass serves every event seen so far.
        while !matches!(
            events.try_recv(),
            Err(TryRecvError::Empty | TryRecvError::Closed)
        ) {}
        if platform.tuning.hold_fan_out {
            continue;
        }
        loop {
            match fan_out_pending(&platform).await {
                Ok(done) if batch_was_full(done) => {}
                Ok(_) => break,
                Err(error) => {
                    tracing::warn!(%error, "cannot fan out events to forward webhooks");
                    break;
                }
            }
        }
        tokio::select! {
            () = tokio::time::sleep(FAN_OUT_GAP) => {}
            _ = shutdown.changed() => break,
        }
    }
}

/// One pass over due deliveries; returns how many were delivered.
pub async fn try_execute_task(platform: &Platform) -> anyhow::Result<usize> {
    let mut running = JoinSet::new();
    let lease = delivery_lease(platform);
    for delivery in platform
        .store
        .due_deliveries(platform.now(), lease, BATCH)
        .await?
    {
        let platform = platform.clone();
        running.spawn(async move {
            let outcome = match attempt(&platform, &delivery).await {
                Ok(()) => Attempted::Delivered,
                Err(error) => {
                    tracing::debug!(delivery = %delivery.id, %error, "forward webhook failed");
                    after_failure(
                        delivery.attempts + 1,
                        platform.tuning.forward_retry_base,
                        error.to_string(),
                        platform.now(),
                    )
                }
            };
            let delivered = matches!(outcome, Attempted::Delivered);
            platform
                .store
                .record_delivery(&delivery.id, &outcome, platform.now())
                .await
                .map(|()| usize::from(delivered))
        });
    }
    let mut delivered = 0;
    for result in running.join_all().await {
        delivered += result?;
    }
    Ok(delivered)
}
