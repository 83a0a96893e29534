//! How an instance is linked to the provider and logging in.

use super::Timestamp;
use super::text_enum::text_enum;

/// Whether the provider-side instance exists yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ProvisionState {
    /// Saved here, not (yet) at the provider: retried in the background.
    Pending,
    /// Created at the provider, with its token stored and webhook set.
    Ready,
}

text_enum!(ProvisionState, "provision state" { Pending => "pending", Ready => "ready" });

/// How the user logs in.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum LoginMethod {
    /// Scan a QR code with the WhatsApp app.
    Qr,
    /// Type an 8-character code on the phone.
    Code,
}

text_enum!(LoginMethod, "login method" { Qr => "qr", Code => "code" });

impl LoginMethod {
    /// How long the provider waits for this login (2 min for a QR, 5 for a code).
    pub fn timeout_ms(self) -> i64 {
        match self {
            Self::Qr => 120_000,
            Self::Code => 300_000,
        }
    }
}

/// What reported a status change.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum StatusSource {
    /// The user asked (connect, reconnect, logout).
    User,
    /// The provider posted a webhook.
    Webhook,
    /// The poller asked the provider.
    Poll,
    /// The start-up reconciliation with the provider's list.
    Reconcile,
    /// The automatic reconnect after a drop.
    Reconnect,
}

text_enum!(StatusSource, "status source" {
    User => "user", Webhook => "webhook", Poll => "poll", Reconcile => "reconcile", Reconnect => "reconnect",
});

/// A login in progress: what the user must scan or type, and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    /// QR or code.
    pub method: LoginMethod,
    /// The QR data URI or the pairing code.
    pub code: String,
    /// When the provider gives up.
    pub expires_at: Timestamp,
}

/// Delay before the n-th automatic reconnect attempt (n from 1): doubles from 2 s,
/// capped at 5 minutes, with ±20 % jitter from `jitter` (0..1).
pub fn reconnect_delay_ms(attempt: u32, jitter: f64) -> i64 {
    let base = 2_000_i64.saturating_mul(1_i64 << attempt.saturating_sub(1).min(20));
    let capped = base.min(300_000) as f64;
    (capped * (0.8 + 0.4 * jitter.clamp(0.0, 1.0))) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reconnect_delays_grow_and_stop_growing() {
        assert_eq!(reconnect_delay_ms(1, 0.5), 2_000);
        assert_eq!(reconnect_delay_ms(2, 0.5), 4_000);
        assert_eq!(reconnect_delay_ms(30, 0.5), 300_000);
        assert_eq!(reconnect_delay_ms(1, 0.0), 1_600);
        assert_eq!(reconnect_delay_ms(1, 1.0), 2_400);
    }

    #[test]
    fn text_forms_agree_with_serde() {
        for &source in StatusSource::ALL {
            assert_eq!(serde_json::to_value(source).unwrap(), source.as_str());
        }
        for &state in ProvisionState::ALL {
            assert_eq!(serde_json::to_value(state).unwrap(), state.as_str());
        }
        for &method in LoginMethod::ALL {
            assert_eq!(serde_json::to_value(method).unwrap(), method.as_str());
        }
    }
}
