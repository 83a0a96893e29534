//! How an instance is linked to the provider and logging in.

use super::Timestamp;
use std::str::FromStr;

/// Whether the provider-side instance exists yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ProvisionState {
    /// Saved here, not (yet) at the provider: retried in the background.
    Pending,
    /// Created at the provider, with its token stored and webhook set.
    Ready,
}

impl ProvisionState {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Ready => "ready",
        }
    }
}

impl FromStr for ProvisionState {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "pending" => Ok(Self::Pending),
            "ready" => Ok(Self::Ready),
            other => Err(format!("unknown provision state {other:?}")),
        }
    }
}

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

impl LoginMethod {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Qr => "qr",
            Self::Code => "code",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "qr" => Some(Self::Qr),
            "code" => Some(Self::Code),
            _ => None,
        }
    }

    /// How long the provider waits for this login (2 min for a QR, 5 for a code).
    pub fn timeout_ms(self) -> i64 {
        match self {
            Self::Qr => 120_000,
            Self::Code => 300_000,
        }
    }
}

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
}
