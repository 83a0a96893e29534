//! The kinds of live events, which are also what forward webhooks subscribe to,
//! and the life of a forward-webhook delivery.

use super::text_enum::text_enum;
use serde::{Deserialize, Deserializer, Serialize};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum EventKind {
    /// An instance was created.
    #[serde(rename = "instance.created")]
    InstanceCreated,
    /// An instance was deleted.
    #[serde(rename = "instance.deleted")]
    InstanceDeleted,
    /// An instance's details changed (e.g. its WhatsApp display name).
    #[serde(rename = "instance.updated")]
    InstanceUpdated,
    /// An instance's connection status changed.
    #[serde(rename = "instance.status")]
    InstanceStatus,
    /// A new QR code to scan.
    #[serde(rename = "instance.qrcode")]
    InstanceQrcode,
    /// A new pairing code to type.
    #[serde(rename = "instance.paircode")]
    InstancePaircode,
    /// Provisioning at the provider finished or failed.
    #[serde(rename = "instance.provisioning")]
    InstanceProvisioning,
    /// A message's status changed (queued, sent, failed…).
    #[serde(rename = "message.status")]
    MessageStatus,
    /// Delivery or read receipts arrived.
    #[serde(rename = "message.receipt")]
    MessageReceipt,
    /// A message arrived.
    #[serde(rename = "message.received")]
    MessageReceived,
}

text_enum!(EventKind, "event kind" {
    InstanceCreated => "instance.created",
    InstanceDeleted => "instance.deleted",
    InstanceUpdated => "instance.updated",
    InstanceStatus => "instance.status",
    InstanceQrcode => "instance.qrcode",
    InstancePaircode => "instance.paircode",
    InstanceProvisioning => "instance.provisioning",
    MessageStatus => "message.status",
    MessageReceipt => "message.receipt",
    MessageReceived => "message.received",
});

impl EventKind {
    /// Whether the event is about an instance (its `id` is the instance's).
    pub fn is_about_instance(self) -> bool {
        self.as_str().starts_with("instance.")
    }
}

/// Where a forward-webhook delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    /// Waiting for its (next) try.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Given up after the last try; can be replayed.
    Dead,
}

text_enum!(DeliveryStatus, "delivery status" {
    Pending => "pending", Delivered => "delivered", Dead => "dead",
});

/// A user's own URL that receives events, as stored: the signing secret sealed
/// with the server's key (only the forwarder opens it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ForwardWebhook {
    /// An http(s) URL on the public internet.
    pub url: String,
    /// Event kinds to forward; empty forwards all.
    #[serde(default, deserialize_with = "known_kinds")]
    pub events: Vec<EventKind>,
    /// The key of the `X-Zapfleet-Signature` HMAC, sealed.
    pub secret_sealed: String,
}

impl ForwardWebhook {
    /// Whether this webhook wants events of this kind.
    pub fn wants(&self, kind: EventKind) -> bool {
        self.events.is_empty() || self.events.contains(&kind)
    }
}

/// Stored documents may name kinds a newer version knows: skip those rather
/// than lose the webhook.
fn known_kinds<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<EventKind>, D::Error> {
    let names = Vec::<String>::deserialize(deserializer)?;
    Ok(names.iter().filter_map(|n| EventKind::parse(n)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_forms_agree_with_serde() {
        for &kind in EventKind::ALL {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
        for &status in DeliveryStatus::ALL {
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
    }

    #[test]
    fn stored_webhooks_keep_what_they_can_read() {
        let hook: ForwardWebhook = serde_json::from_value(serde_json::json!({
            "url": "https://example.com/h", "events": ["message.status", "message.future"], "secretSealed": "v1:x"
        }))
        .unwrap();
        assert_eq!(hook.events, vec![EventKind::MessageStatus]);
        assert!(hook.wants(EventKind::MessageStatus));
        assert!(!hook.wants(EventKind::InstanceStatus));
    }
}
