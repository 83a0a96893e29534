//! Forwarding events to the users' own URLs: which webhooks want an event, the
//! signature they can check, and one delivery attempt.
//!
//! Each POST carries `X-Zapfleet-Event`, `X-Zapfleet-Delivery` (the delivery id,
//! to drop duplicates) and `X-Zapfleet-Signature: t=<unix seconds>,v1=<hex>`, where
//! `v1` is HMAC-SHA256 with the webhook's secret over `"<t>.<body>"`.

use super::platform::Platform;
use super::ssrf::{UrlRefusal, check_url};
use crate::domain::{ForwardWebhook, InstanceId, Timestamp};
use crate::error::AppError;
use crate::events::Event;
use crate::i18n::Msg;
use crate::store::Delivery;
use sha2::{Digest, Sha256};
use std::time::Duration;

/// Tries before a delivery becomes a dead letter (about 20 minutes of retries).
pub const MAX_ATTEMPTS: i64 = 10;
/// How long one delivery may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Checks a forward webhook: a public http(s) URL (unless the admin allows
/// private ones) and a secret long enough to sign with.
pub async fn validate_webhook(
    platform: &Platform,
    webhook: &ForwardWebhook,
) -> Result<(), AppError> {
    if !webhook.secret_valid() {
        return Err(AppError::invalid(
            "forwardWebhook.secret",
            Msg::WebhookSecretInvalid,
        ));
    }
    match check_url(&webhook.url, platform.allow_private_webhooks).await {
        Ok(()) => Ok(()),
        Err(UrlRefusal::Internal(_)) => Err(AppError::invalid(
            "forwardWebhook.url",
            Msg::WebhookUrlInternal,
        )),
        Err(_) => Err(AppError::invalid(
            "forwardWebhook.url",
            Msg::WebhookUrlInvalid,
        )),
    }
}

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
/// and the instance's.
pub async fn fan_out(platform: &Platform, event: &Event) -> anyhow::Result<usize> {
    let instance_id = event.data.get("instanceId").or_else(|| {
        event
            .data
            .get("id")
            .filter(|_| event.kind.starts_with("instance."))
    });
    let instance_id = instance_id
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned);
    let mut targets: Vec<ForwardWebhook> = Vec::new();
    if let Some(webhook) = platform.store.user_webhook(&event.user_id).await? {
        targets.push(webhook);
    }
    if let Some(id) = &instance_id
        && let Some(instance) = platform
            .store
            .instance_by_id(&InstanceId::from_raw(id.as_str()))
            .await?
        && let Some(webhook) = instance.settings().forward_webhook
    {
        targets.push(webhook);
    }
    let body = serde_json::json!({
        "id": event.id.to_string(), "event": event.kind, "instanceId": instance_id,
        "at": Timestamp::now().to_rfc3339(), "data": event.data,
    })
    .to_string();
    let mut queued = 0;
    for webhook in targets.iter().filter(|w| w.wants(event.kind)) {
        let sealed = platform.secrets.encrypt(&webhook.secret);
        platform
            .store
            .queue_delivery(
                &event.user_id,
                instance_id.as_deref(),
                &webhook.url,
                &sealed,
                event.kind,
                &body,
            )
            .await?;
        queued += 1;
    }
    Ok(queued)
}

/// One attempt. The URL is checked again (DNS answers change).
pub async fn attempt(platform: &Platform, delivery: &Delivery) -> Result<(), String> {
    check_url(&delivery.url, platform.allow_private_webhooks)
        .await
        .map_err(|e| format!("refused: {e}"))?;
    let secret = platform
        .secrets
        .decrypt(&delivery.secret_sealed)
        .map_err(|e| e.to_string())?;
    let t = Timestamp::now().millis() / 1000;
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
        .header(
            "x-zapfleet-signature",
            signature(&secret, t, &delivery.body),
        )
        .body(delivery.body.clone())
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("HTTP {}", response.status().as_u16()))
    }
}

/// When to try again after `attempts` failures: `base` doubling, capped at 5
/// minutes; `None` once the delivery is dead.
pub fn retry_at(attempts: i64, base: Duration) -> Option<Timestamp> {
    (attempts < MAX_ATTEMPTS).then(|| {
        let base = i64::try_from(base.as_millis()).unwrap_or(1_000);
        let wait = base.saturating_mul(1 << attempts.clamp(0, 20)).min(300_000);
        Timestamp::from_millis(Timestamp::now().millis() + wait)
    })
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
    fn retries_stop_after_the_limit() {
        let base = Duration::from_secs(1);
        assert!(retry_at(0, base).is_some());
        assert!(retry_at(MAX_ATTEMPTS - 1, base).is_some());
        assert!(retry_at(MAX_ATTEMPTS, base).is_none());
    }
}
