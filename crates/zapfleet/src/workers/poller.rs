//! The fallback for lost webhooks: asks the provider for the state of each
//! instance, often while connecting, rarely otherwise, with jitter, a bounded
//! number at once, and never the same instance twice at once.

use crate::domain::{InstanceStatus, StatusSource};
use crate::services::connection::refresh;
use crate::services::platform::{Platform, jitter};
use crate::services::provider_lost;
use std::time::Duration;
use tokio::task::JoinSet;

/// Instances polled per step.
const BATCH: i64 = 200;

fn interval(platform: &Platform, status: InstanceStatus) -> Duration {
    match status {
        InstanceStatus::Connecting => platform.tuning.poll_connecting,
        InstanceStatus::Connected => platform.tuning.poll_connected,
        InstanceStatus::Disconnected => platform.tuning.poll_disconnected,
    }
}

/// One pass over the due instances. A step waits for all its polls before the
/// next step starts, so one instance is never polled twice at once.
pub async fn try_execute_task(platform: &Platform) -> anyhow::Result<usize> {
    let due = platform.store.due_polls(platform.now(), BATCH).await?;
    let count = due.len();
    let mut running = JoinSet::new();
    for id in due {
        while running.len() >= platform.tuning.poll_concurrency.max(1) {
            running.join_next().await;
        }
        let platform = platform.clone();
        running.spawn(async move {
            let base = match refresh(&platform, &id, StatusSource::Poll).await {
                Ok(status) => interval(&platform, status).as_millis() as f64,
                // The provider forgot it: ask rarely whether it knows it again.
                Err(error) if provider_lost::is_lost(&error) => provider_lost::LOST_POLL_MS as f64,
                Err(error) => {
                    tracing::debug!(instance = %id, %error, "poll failed");
                    // retry soon
                    interval(&platform, InstanceStatus::Connecting).as_millis() as f64
                }
            };
            let next = platform
                .now()
                .plus_millis((base * (0.8 + 0.4 * jitter())) as i64);
            if let Err(error) = platform.store.set_next_poll(&id, next).await {
                tracing::warn!(instance = %id, %error, "cannot schedule the next poll");
            }
        });
    }
    running.join_all().await;
    Ok(count)
}
