//! The outbox: sends each instance's queued messages one at a time, in order,
//! paced by the instance's delays, retried with backoff on transient failures,
//! failed for good on refusals, and never sent twice.
//!
//! A message is marked `sending` (with a lease) before the provider is called,
//! and carries our id as `track_id`. When the answer is lost (timeout, 5xx,
//! crash), the send is "in doubt": after the lease, `/message/find` by `track_id`
//! tells whether the provider has it; only if not is it queued again.

use crate::domain::connection::reconnect_delay_ms;
use crate::domain::{InstanceId, InstanceStatus, Media, MessageId, MessageKind, Timestamp};
use crate::services::credentials::provider_token;
use crate::services::messages::{pacing_ms, publish};
use crate::services::platform::{Platform, jitter};
use crate::services::provider_lost;
use crate::store::MessageRecord;
use tokio::task::JoinSet;
use uazapi::{MediaKind, ProviderError, SendMedia, SendText};

/// How long a claimed send may take before it is in doubt.
const LEASE_MS: i64 = 60_000;
/// After a timeout the provider may still be working: look later than that.
const TIMEOUT_DOUBT_MS: i64 = 30_000;
/// Attempts before a message is failed for good.
const MAX_ATTEMPTS: i64 = 10;
/// Messages one instance may send in one step (when its delays are zero).
const BURST: usize = 50;
/// Instances served at once.
const CONCURRENCY: usize = 8;

/// Parked receipts settled per pass.
const RECEIPT_SWEEP: i64 = 200;

/// One pass: expire messages that waited too long, settle sends in doubt, then
/// send for every instance that may, and settle receipts that came early.
/// Returns how many messages were sent.
pub async fn try_execute_task(platform: &Platform) -> anyhow::Result<usize> {
    let now = platform.now();
    for id in platform.store.expired_messages(now, 200).await? {
        if platform
            .store
            .fail_message(&id, "the instance was not connected in time", now)
            .await?
        {
            announce(platform, &id).await?;
        }
    }
    for message in platform.store.sends_in_doubt(now, 100).await? {
        settle_doubt(platform, &message).await?;
    }
    let mut running = JoinSet::new();
    let mut sent = 0;
    for instance in platform.store.outbox_instances(now, 100).await? {
        while running.len() >= CONCURRENCY {
            if let Some(done) = running.join_next().await {
                sent += count_sends(done);
            }
        }
        let platform = platform.clone();
        running.spawn(async move { send_for(&platform, &instance).await });
    }
    while let Some(done) = running.join_next().await {
        sent += count_sends(done);
    }
    platform.store.sweep_parked_receipts(RECEIPT_SWEEP).await?;
    Ok(sent)
}

/// The sends of one instance's turn; a failure is logged (the next pass retries).
fn count_sends(done: Result<anyhow::Result<usize>, tokio::task::JoinError>) -> usize {
    match done {
        Ok(Ok(sent)) => sent,
        Ok(Err(error)) => {
            tracing::warn!(error = format!("{error:#}"), "an instance's sends stopped");
            0
        }
        Err(error) => {
            tracing::error!(%error, "an instance's send task failed");
            0
        }
    }
}

async fn announce(platform: &Platform, id: &MessageId) -> anyhow::Result<()> {
    if let Some(message) = platform.store.message_by_id(id).await?
        && let Some(instance) = platform.store.instance_by_id(&message.instance_id).await?
    {
        publish(platform, &instance.user_id, &message);
    }
    Ok(())
}

fn backoff(attempts: i64) -> i64 {
    reconnect_delay_ms(u32::try_from(attempts).unwrap_or(u32::MAX), jitter()).min(60_000)
}

/// Sends the instance's messages in order while pacing allows.
async fn send_for(platform: &Platform, instance_id: &InstanceId) -> anyhow::Result<usize> {
    let Some(token) = provider_token(platform, instance_id).await? else {
        return Ok(0);
    };
    let mut sent = 0;
    for _ in 0..BURST {
        let Some(instance) = platform.store.instance_by_id(instance_id).await? else {
            break;
        };
        if instance.status != InstanceStatus::Connected {
            break;
        }
        let now = platform.now();
        // The head of the queue waits its backoff, and everything behind it waits too.
        let Some(message) = platform.store.next_queued(instance_id).await? else {
            break;
        };
        if message.next_attempt_at > now
            || !platform
                .store
                .claim_message(&message.id, now.plus_millis(LEASE_MS), now)
                .await?
        {
            break;
        }
        match deliver(platform, &token, &message).await {
            Ok(answer) => {
                let provider_at = answer.timestamp_ms.map(Timestamp::from_millis);
                record_sent(platform, &message, &answer.messageid, provider_at).await?;
                sent += 1;
                let pause = pacing_ms(&instance);
                platform
                    .store
                    .set_next_send(instance_id, platform.now().plus_millis(pause))
                    .await?;
                if pause > 0 {
                    break;
                }
            }
            Err(error) => {
                handle_failure(platform, &message, &error).await?;
                break;
            }
        }
    }
    Ok(sent)
}

/// Records an accepted send (with the receipts that came before we could),
/// dated now by our clock; the provider's time is kept beside it.
async fn record_sent(
    platform: &Platform,
    message: &MessageRecord,
    provider_id: &str,
    provider_at: Option<Timestamp>,
) -> anyhow::Result<()> {
    if platform
        .store
        .mark_sent(&message.id, provider_id, platform.now(), provider_at)
        .await?
    {
        announce(platform, &message.id).await?;
    }
    Ok(())
}

async fn deliver(
    platform: &Platform,
    token: &str,
    message: &MessageRecord,
) -> Result<uazapi::MessageSent, ProviderError> {
    let body = message.body.as_deref().unwrap_or_default();
    let file = match &message.media {
        Some(Media::Url(url)) => Some(url.clone()),
        Some(Media::Upload { .. }) => Some(
            platform
                .store
                .media_data(&message.id)
                .await
                .map_err(|e| {
                    ProviderError::UnexpectedResponse(format!("cannot read the upload: {e}"))
                })?
                .ok_or_else(|| ProviderError::Rejected {
                    status: 0,
                    message: "the uploaded file is gone".into(),
                })?,
        ),
        None => None,
    };
    let sent = match (message.kind, file) {
        (MessageKind::Text, _) | (_, None) => {
            platform
                .provider
                .send_text(
                    token,
                    SendText {
                        number: &message.peer,
                        text: body,
                        track_id: message.id.as_str(),
                    },
                )
                .await?
        }
        (kind, Some(file)) => {
            let kind = match kind {
                MessageKind::Image => MediaKind::Image,
                MessageKind::Video => MediaKind::Video,
                MessageKind::Audio => MediaKind::Audio,
                _ => MediaKind::Document,
            };
            let media = SendMedia {
                number: &message.peer,
                kind,
                file: &file,
                caption: body,
                doc_name: message.file_name.as_deref().unwrap_or_default(),
                track_id: message.id.as_str(),
            };
            platform.provider.send_media(token, media).await?
        }
    };
    Ok(sent)
}

/// What a failed send means: refused (fail), not processed (queue again), or
/// unknown (in doubt: check at the provider after a while).
async fn handle_failure(
    platform: &Platform,
    message: &MessageRecord,
    error: &ProviderError,
) -> anyhow::Result<()> {
    let now = platform.now();
    // Stored on the message and logged: one short line, whatever the provider said.
    let text = uazapi::one_line(&error.to_string(), uazapi::MAX_LINE_CHARS);
    tracing::warn!(message = %message.id, error = ?text, attempt = message.attempts + 1, "send failed");
    // The instance's token unknown (the provider forgot it): fail with the
    // reason instead of retrying every second until the message expires.
    if provider_lost::may_be_gone(error)
        && provider_lost::confirm_and_mark(platform, &message.instance_id, error).await?
    {
        platform
            .store
            .fail_message(&message.id, provider_lost::LOST_REASON, now)
            .await?;
        announce(platform, &message.id).await?;
        return Ok(());
    }
    match error {
        ProviderError::Rejected { .. } | ProviderError::NotFound => {
            platform.store.fail_message(&message.id, &text, now).await?;
            announce(platform, &message.id).await?;
        }
        // "No session" (the instance dropped): nothing was sent.
        ProviderError::Unauthorized { .. } => {
            platform
                .store
                .requeue_message(&message.id, now.plus_millis(1_000), &text, now, false)
                .await?;
        }
        // A rate limit may come from a gateway after the provider did the
        // work: in doubt, like a lost answer; `/message/find` settles it after
        // the wait the provider asked for.
        ProviderError::RateLimited { retry_after } => {
            let wait = retry_after.map_or_else(
                || backoff(message.attempts + 1),
                |d| i64::try_from(d.as_millis()).unwrap_or(60_000),
            );
            platform
                .store
                .extend_lease(&message.id, now.plus_millis(wait), &text)
                .await?;
        }
        ProviderError::Timeout => {
            platform
                .store
                .extend_lease(&message.id, now.plus_millis(TIMEOUT_DOUBT_MS), &text)
                .await?;
        }
        ProviderError::Unavailable { .. } | ProviderError::UnexpectedResponse(_) => {
            platform
                .store
                .extend_lease(
                    &message.id,
                    now.plus_millis(backoff(message.attempts + 1)),
                    &text,
                )
                .await?;
        }
    }
    Ok(())
}

/// Settles a send whose answer was lost: sent if the provider has it, else queued
/// again (or failed after too many attempts).
async fn settle_doubt(platform: &Platform, message: &MessageRecord) -> anyhow::Result<()> {
    let now = platform.now();
    let Some(token) = provider_token(platform, &message.instance_id).await? else {
        return Ok(());
    };
    match platform
        .provider
        .find_sent(&token, message.id.as_str())
        .await
    {
        Ok(Some(found)) => {
            // Confirmed now, by our clock (the provider's may be off by days).
            let provider_at = found.timestamp_ms.map(Timestamp::from_millis);
            record_sent(platform, message, &found.messageid, provider_at).await?;
        }
        Ok(None) if message.attempts >= MAX_ATTEMPTS => {
            platform
                .store
                .fail_message(
                    &message.id,
                    message.error.as_deref().unwrap_or("too many attempts"),
                    now,
                )
                .await?;
            announce(platform, &message.id).await?;
        }
        Ok(None) => {
            let error = message.error.clone().unwrap_or_default();
            platform
                .store
                .requeue_message(&message.id, now, &error, now, true)
                .await?;
        }
        Err(error) => {
            platform
                .store
                .extend_lease(
                    &message.id,
                    now.plus_millis(backoff(message.attempts)),
                    &error.to_string(),
                )
                .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    /// Log lines written during a closure.
    fn logged(run: impl FnOnce()) -> String {
        #[derive(Clone, Default)]
        struct Lines(Arc<Mutex<Vec<u8>>>);
        impl Write for Lines {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let lines = Lines::default();
        let writer = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::with_default(subscriber, run);
        let bytes = lines.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn an_instances_failed_turn_is_logged_not_dropped() {
        let mut sent = usize::MAX;
        let log = logged(|| sent = count_sends(Ok(Err(anyhow::anyhow!("database went away")))));
        assert_eq!(sent, 0);
        assert!(
            log.contains("WARN") && log.contains("database went away"),
            "{log}"
        );
        let log = logged(|| sent = count_sends(Ok(Ok(3))));
        assert_eq!(sent, 3);
        assert!(log.is_empty(), "{log}");
    }
}
