//! Per-instance settings: the typed form of the `config` document.

use super::ForwardWebhook;
use serde_json::{Map, Value};

/// Longest pause between two sends, in milliseconds.
pub const MAX_DELAY_MS: u64 = 600_000;

/// How an instance behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceSettings {
    /// Reconnect automatically after an unexpected drop (never after a logout).
    pub auto_reconnect: bool,
    /// Shortest pause between two sends of this instance, in ms.
    pub message_delay_min_ms: u64,
    /// Longest pause between two sends, in ms (each pause is random in between).
    pub message_delay_max_ms: u64,
    /// Keep the text of incoming messages (metadata is always kept).
    pub keep_incoming_text: bool,
    /// Where this instance's events are forwarded (signed with HMAC-SHA256).
    pub forward_webhook: Option<ForwardWebhook>,
    /// Keys this version does not know (written by a newer one): kept as they are.
    pub unknown: Map<String, Value>,
}

impl Default for InstanceSettings {
    fn default() -> Self {
        Self {
            auto_reconnect: true,
            message_delay_min_ms: 1_000,
            message_delay_max_ms: 3_000,
            keep_incoming_text: true,
            forward_webhook: None,
            unknown: Map::new(),
        }
    }
}

impl InstanceSettings {
    /// Reads the stored document, key by key: a missing or unreadable key takes
    /// its default without touching the others, and unknown keys are kept.
    pub fn from_config(config: &Value) -> Self {
        let mut settings = Self::default();
        let Some(document) = config.as_object() else {
            return settings;
        };
        for (key, value) in document {
            match key.as_str() {
                "autoReconnect" => {
                    settings.auto_reconnect = value.as_bool().unwrap_or(settings.auto_reconnect)
                }
                "messageDelayMinMs" => {
                    settings.message_delay_min_ms =
                        value.as_u64().unwrap_or(settings.message_delay_min_ms)
                }
                "messageDelayMaxMs" => {
                    settings.message_delay_max_ms =
                        value.as_u64().unwrap_or(settings.message_delay_max_ms)
                }
                "keepIncomingText" => {
                    settings.keep_incoming_text =
                        value.as_bool().unwrap_or(settings.keep_incoming_text)
                }
                "forwardWebhook" => {
                    settings.forward_webhook = serde_json::from_value(value.clone()).ok()
                }
                _ => {
                    settings.unknown.insert(key.clone(), value.clone());
                }
            }
        }
        settings
    }

    /// The stored document.
    pub fn to_config(&self) -> Value {
        let mut document = self.unknown.clone();
        document.insert("autoReconnect".into(), self.auto_reconnect.into());
        document.insert("messageDelayMinMs".into(), self.message_delay_min_ms.into());
        document.insert("messageDelayMaxMs".into(), self.message_delay_max_ms.into());
        document.insert("keepIncomingText".into(), self.keep_incoming_text.into());
        if let Some(webhook) = &self.forward_webhook {
            document.insert(
                "forwardWebhook".into(),
                serde_json::to_value(webhook).unwrap_or_default(),
            );
        }
        Value::Object(document)
    }

    /// The document as the history keeps it: without the webhook's secret.
    pub fn to_history(&self) -> Value {
        let mut document = self.to_config();
        if let Some(hook) = document
            .get_mut("forwardWebhook")
            .and_then(Value::as_object_mut)
        {
            hook.remove("secretSealed");
        }
        document
    }

    /// Whether the delays make sense (min ≤ max ≤ 10 minutes).
    pub fn delays_valid(&self) -> bool {
        self.message_delay_min_ms <= self.message_delay_max_ms
            && self.message_delay_max_ms <= MAX_DELAY_MS
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::EventKind;
    use serde_json::json;

    #[test]
    fn reads_partial_documents_with_defaults() {
        let settings = InstanceSettings::from_config(&json!({"autoReconnect": false}));
        assert!(!settings.auto_reconnect);
        assert_eq!(settings.message_delay_max_ms, 3_000);
        assert_eq!(
            InstanceSettings::from_config(&json!({})),
            InstanceSettings::default()
        );
    }

    #[test]
    fn keys_of_a_newer_version_neither_reset_nor_vanish() {
        let stored = json!({
            "autoReconnect": false,
            "typingIndicator": true,
            "forwardWebhook": {"url": "https://example.com/h", "events": ["message.status"], "secretSealed": "v1:abc"},
            "messageDelayMinMs": "soon"
        });
        let settings = InstanceSettings::from_config(&stored);
        assert!(
            !settings.auto_reconnect,
            "a newer key does not reset the others"
        );
        let hook = settings.forward_webhook.clone().unwrap();
        assert_eq!(hook.events, vec![EventKind::MessageStatus]);
        assert_eq!(
            settings.message_delay_min_ms, 1_000,
            "an unreadable key takes its default"
        );
        let written = settings.to_config();
        assert_eq!(written["typingIndicator"], true);
        assert_eq!(written["forwardWebhook"]["secretSealed"], "v1:abc");
        assert!(
            settings.to_history()["forwardWebhook"]
                .get("secretSealed")
                .is_none()
        );
        assert_eq!(InstanceSettings::from_config(&written), settings);
    }

    #[test]
    fn checks_the_delays() {
        let mut settings = InstanceSettings::default();
        assert!(settings.delays_valid());
        settings.message_delay_min_ms = 5_000;
        assert!(!settings.delays_valid());
        settings.message_delay_max_ms = MAX_DELAY_MS + 1;
        assert!(!settings.delays_valid());
    }
}
