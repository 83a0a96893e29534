//! The connection state of an instance and the moves allowed between states.

use serde::{Deserialize, Serialize};

/// The provider's three connection states.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum InstanceStatus {
    /// Not logged in to WhatsApp (the initial state).
    Disconnected,
    /// Waiting for a QR scan or a pairing code.
    Connecting,
    /// Logged in; messages flow.
    Connected,
}

/// What asked for a state change. The provider is the source of truth, so what it
/// reports is always accepted; what a user asks for is checked against the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The user (or an automatic reconnect) asked to connect.
    ConnectRequested,
    /// The user asked to log out.
    DisconnectRequested,
    /// The provider reported this state (webhook, poll or reconciliation).
    ProviderReported,
}

impl InstanceStatus {
    /// The one table of allowed transitions. Staying in the same state is never a
    /// transition (it is a no-op, so replayed events change nothing).
    pub fn can_become(self, next: InstanceStatus, cause: Cause) -> bool {
        use InstanceStatus::*;
        match cause {
            Cause::ProviderReported => self != next,
            // A QR can be asked for again while connecting; a connected instance
            // has nothing to connect.
            Cause::ConnectRequested => {
                matches!((self, next), (Disconnected | Connecting, Connecting))
            }
            Cause::DisconnectRequested => {
                matches!((self, next), (Connecting | Connected, Disconnected))
            }
        }
    }
}

super::text_enum::text_enum!(InstanceStatus, "instance status" {
    Disconnected => "disconnected",
    Connecting => "connecting",
    Connected => "connected",
});

#[cfg(test)]
mod tests {
    use super::InstanceStatus::*;
    use super::*;

    #[test]
    fn round_trips_through_its_string_form() {
        for &status in InstanceStatus::ALL {
            assert_eq!(status.as_str().parse::<InstanceStatus>(), Ok(status));
        }
        assert!("online".parse::<InstanceStatus>().is_err());
    }

    #[test]
    fn users_connect_only_what_is_not_connected() {
        assert!(Disconnected.can_become(Connecting, Cause::ConnectRequested));
        assert!(Connecting.can_become(Connecting, Cause::ConnectRequested));
        assert!(!Connected.can_become(Connecting, Cause::ConnectRequested));
        assert!(!Disconnected.can_become(Connected, Cause::ConnectRequested));
    }

    #[test]
    fn users_disconnect_only_what_is_not_disconnected() {
        assert!(Connected.can_become(Disconnected, Cause::DisconnectRequested));
        assert!(Connecting.can_become(Disconnected, Cause::DisconnectRequested));
        assert!(!Disconnected.can_become(Disconnected, Cause::DisconnectRequested));
    }

    #[test]
    fn the_provider_is_believed_but_repeats_are_no_ops() {
        for &from in InstanceStatus::ALL {
            for &to in InstanceStatus::ALL {
                assert_eq!(from.can_become(to, Cause::ProviderReported), from != to);
            }
        }
    }
}
