//! Forward webhooks: events become durable deliveries, which are posted with
//! retries until delivered or dead.

use crate::services::forwarding::{after_failure, attempt, fan_out};
use crate::services::platform::Platform;
use crate::store::Attempted;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// Deliveries tried per step.
const BATCH: i64 = 50;

/// Turns every live event into deliveries for the webhooks that want it.
pub async fn run_fan_out(platform: Platform, mut shutdown: watch::Receiver<bool>) {
    let mut events = platform.events.subscribe();
    loop {
        let event = tokio::select! {
            event = events.recv() => event,
            _ = shutdown.changed() => break,
        };
        match event {
            Ok(event) => {
                if let Err(error) = fan_out(&platform, &event).await {
                    tracing::warn!(%error, kind = %event.kind, "cannot queue a forward webhook");
                }
            }
            Err(RecvError::Lagged(missed)) => {
                tracing::warn!(missed, "forward webhooks fell behind; events were skipped")
            }
            Err(RecvError::Closed) => break,
        }
    }
}

/// One pass over due deliveries; returns how many were delivered.
pub async fn try_execute_task(platform: &Platform) -> anyhow::Result<usize> {
    let mut running = JoinSet::new();
    for delivery in platform.store.due_deliveries(platform.now(), BATCH).await? {
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
