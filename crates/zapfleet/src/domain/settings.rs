//! Per-instance settings: the typed form of the `config` column.

use serde::{Deserialize, Serialize};

/// Longest pause between two sends, in milliseconds.
pub const MAX_DELAY_MS: u64 = 600_000;

/// How an instance behaves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
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
}

/// A user's own URL that receives events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ForwardWebhook {
    /// An http(s) URL on the public internet.
    pub url: String,
    /// Event kinds to forward (`instance.status`, `message.status`, `message.received`…); empty forwards all.
    #[serde(default)]
    pub events: Vec<String>,
    /// The key of the `X-Zapfleet-Signature` HMAC-SHA256 (16 to 200 characters).
    pub secret: String,
}

impl ForwardWebhook {
    /// Whether this webhook wants events of this kind.
    pub fn wants(&self, kind: &str) -> bool {
        self.events.is_empty() || self.events.iter().any(|e| e == kind)
    }

    /// Whether the secret is long enough to sign with.
    pub fn secret_valid(&self) -> bool {
        (16..=200).contains(&self.secret.chars().count())
    }
}

impl Default for InstanceSettings {
    fn default() -> Self {
        Self {
            auto_reconnect: true,
            message_delay_min_ms: 1_000,
            message_delay_max_ms: 3_000,
            keep_incoming_text: true,
            forward_webhook: None,
        }
    }
}

impl InstanceSettings {
    /// Reads the stored document; missing keys take their defaults, and a
    /// document that cannot be read gives the defaults.
    pub fn from_config(config: &serde_json::Value) -> Self {
        serde_json::from_value(config.clone()).unwrap_or_default()
    }

    /// Whether the delays make sense (min ≤ max ≤ 10 minutes).
    pub fn delays_valid(&self) -> bool {
        self.message_delay_min_ms <= self.message_delay_max_ms
            && self.message_delay_max_ms <= MAX_DELAY_MS
    }

    /// The stored document.
    pub fn to_config(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
    fn checks_the_delays() {
        let mut settings = InstanceSettings::default();
        assert!(settings.delays_valid());
        settings.message_delay_min_ms = 5_000;
        assert!(!settings.delays_valid());
        settings.message_delay_max_ms = MAX_DELAY_MS + 1;
        assert!(!settings.delays_valid());
    }
}
