//! Forwarding events to the users' own URLs: which webhooks want an event, the
//! signature they can check, and one delivery attempt.
//!
//! Each POST carries `X-Zapfleet-Event`, `X-Zapfleet-Delivery` (the delivery id,
//! to drop duplicates) and `X-Zapfleet-Signature: t=<unix seconds>,v1=<hex>`, where
//! `v1` is HMAC-SHA256 with the webhook's secret over `"<t>.<body>"`.

use super::credentials::{Sealed, open};
use super::platform::Platform;
use super::settings::{USER_WEBHOOK, WebhookInput, WebhookView, webhook_from_input};
use super::ssrf::{UrlRefusal, check_url};
use crate::domain::{DeliveryId, DeliveryStatus, ForwardWebhook, InstanceId, Timestamp, UserId};
use crate::error::AppError;
use crate::events::Event;
use crate::store::{Attempted, Delivery, NewDelivery};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// Tries before a delivery becomes a dead letter (about 20 minutes of retries).
pub const MAX_ATTEMPTS: i64 = 10;
/// How long one delivery may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// HMAC-SHA256 (RFC 2104).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut block = [0_u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

/// The `X-Zapfleet-Signature` value for a body sent at `t` (Unix seconds).
pub fn signature(secret: &str, t: i64, body: &str) -> String {
    let mac = hmac_sha256(secret.as_bytes(), format!("{t}.{body}").as_bytes());
    let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
    format!("t={t},v1={hex}")
}

/// Queues a delivery of `event` to every webhook that wants it: the user's own
/// and the instance's. The sealed secrets are copied as they are.
pub async fn fan_out(platform: &Platform, event: &Event) -> Result<usize, AppError> {
    let instance_id = event
        .data
        .get("instanceId")
        .or_else(|| {
            event
                .data
                .get("id")
                .filter(|_| event.kind.is_about_instance())
        })
        .and_then(serde_json::Value::as_str)
        .map(InstanceId::from_raw);
    let mut targets: Vec<ForwardWebhook> = Vec::new();
    if let Some(webhook) = platform.store.user_webhook(&event.user_id).await? {
        targets.push(webhook);
    }
    if let Some(id) = &instance_id
        && let Some(instance) = platform.store.instance_by_id(id).await?
        && let Some(webhook) = instance.settings.forward_webhook
    {
        targets.push(webhook);
    }
    let now = platform.now();
    let body = serde_json::json!({
        "id": event.id.to_string(), "event": event.kind, "instanceId": instance_id,
        "at": now, "data": event.data,
    });
    let mut queued = 0;
    for webhook in targets.into_iter().filter(|w| w.wants(event.kind)) {
        let delivery = NewDelivery {
            user_id: event.user_id.clone(),
            instance_id: instance_id.clone(),
            url: webhook.url,
            secret_sealed: webhook.secret_sealed,
            event: event.kind,
            body: body.clone(),
        };
        platform.store.queue_delivery(delivery, now).await?;
        queued += 1;
    }
    Ok(queued)
}

/// Why a delivery attempt failed.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// The URL is (now) refused: DNS answers change.
    #[error("refused: {0}")]
    Refused(#[from] UrlRefusal),
    /// The signing secret does not open with this key.
    #[error("the signing secret cannot be opened")]
    Secret,
    /// The request failed (connection, timeout).
    #[error("{0}")]
    Http(#[from] reqwest::Error),
    /// The receiver answered something other than 2xx.
    #[error("HTTP {0}")]
    Status(u16),
}

/// One attempt. The URL is checked again (DNS answers change).
pub async fn attempt(platform: &Platform, delivery: &Delivery) -> Result<(), DeliveryError> {
    check_url(&delivery.url, platform.allow_private_webhooks).await?;
    let secret = open(platform, Sealed::SigningSecret, &delivery.secret_sealed)
        .map_err(|_| DeliveryError::Secret)?;
    let t = platform.now().millis() / 1000;
    let body = delivery.body.to_string();
    let response = platform
        .http
        .post(&delivery.url)
        .timeout(TIMEOUT)
        .header("content-type", "application/json")
        .header(
            "user-agent",
            concat!("zapfleet/", env!("CARGO_PKG_VERSION")),
        )
        .header("x-zapfleet-event", delivery.event.as_str())
        .header("x-zapfleet-delivery", delivery.id.as_str())
        .header("x-zapfleet-signature", signature(&secret, t, &body))
        .body(body)
        .send()
        .await?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(DeliveryError::Status(response.status().as_u16()))
    }
}

/// What a failure after `attempts` tries means: retry at `base` doubling,
/// capped at 5 minutes, or a dead letter once the tries are used up.
pub fn after_failure(attempts: i64, base: Duration, error: String, now: Timestamp) -> Attempted {
    if attempts >= MAX_ATTEMPTS {
        return Attempted::Dead { error };
    }
    let base = i64::try_from(base.as_millis()).unwrap_or(1_000);
    let wait = base.saturating_mul(1 << attempts.clamp(0, 20)).min(300_000);
    Attempted::Retry {
        error,
        at: now.plus_millis(wait),
    }
}

/// The user's own webhook (events of all their instances), if set.
pub async fn user_webhook(
    platform: &Platform,
    user: &UserId,
) -> Result<Option<WebhookView>, AppError> {
    Ok(platform
        .store
        .user_webhook(user)
        .await?
        .as_ref()
        .map(WebhookView::from))
}

/// Sets the user's own webhook (without a new secret, the saved one is kept).
pub async fn set_user_webhook(
    platform: &Platform,
    user: &UserId,
    input: WebhookInput,
) -> Result<WebhookView, AppError> {
    let current = platform.store.user_webhook(user).await?;
    let webhook = webhook_from_input(platform, input, current.as_ref(), USER_WEBHOOK).await?;
    platform
        .store
        .set_user_webhook(user, Some(&webhook), platform.now())
        .await?;
    Ok(WebhookView::from(&webhook))
}

/// Removes the user's own webhook.
pub async fn remove_user_webhook(platform: &Platform, user: &UserId) -> Result<(), AppError> {
    Ok(platform
        .store
        .set_user_webhook(user, None, platform.now())
        .await?)
}

/// The user's deliveries (optionally of one status, or about one instance), newest first.
pub async fn deliveries(
    platform: &Platform,
    user: &UserId,
    status: Option<DeliveryStatus>,
    instance: Option<&InstanceId>,
    limit: i64,
) -> Result<Vec<Delivery>, AppError> {
    Ok(platform
        .store
        .list_deliveries(user, status, instance, limit.clamp(1, 500))
        .await?)
}

/// Sends a dead letter again; 404 if the user has no such dead letter.
pub async fn replay(platform: &Platform, user: &UserId, id: &DeliveryId) -> Result<(), AppError> {
    if platform
        .store
        .replay_delivery(user, id, platform.now())
        .await?
    {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231() {
        // RFC 4231, test case 2.
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn signatures_cover_the_time_and_the_body() {
        let a = signature("segredo-bem-longo", 1_770_000_000, "{}");
        assert!(a.starts_with("t=1770000000,v1="));
        assert_ne!(a, signature("segredo-bem-longo", 1_770_000_001, "{}"));
        assert_ne!(a, signature("segredo-bem-longo", 1_770_000_000, "{ }"));
    }

    #[test]
    fn retries_double_then_stop_after_the_limit() {
        let base = Duration::from_secs(1);
        let now = Timestamp::from_millis(0);
        let retry = |n| match after_failure(n, base, String::new(), now) {
            Attempted::Retry { at, .. } => Some(at.millis()),
            _ => None,
        };
        assert_eq!(retry(1), Some(2_000));
        assert_eq!(retry(3), Some(8_000));
        assert_eq!(retry(MAX_ATTEMPTS - 1), Some(300_000));
        assert!(matches!(
            after_failure(MAX_ATTEMPTS, base, String::new(), now),
            Attempted::Dead { .. }
        ));
    }
}
