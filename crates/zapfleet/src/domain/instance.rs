//! The instance aggregate as the rest of the application sees it.

use super::{
    InstanceId, InstanceKey, InstanceName, InstanceStatus, Login, Phone, ProvisionState, Timestamp,
    UserId,
};

/// A WhatsApp instance owned by one user.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    /// Primary key.
    pub id: InstanceId,
    /// Owner; only this user ever sees the instance.
    pub user_id: UserId,
    /// Display name, unique per user without regard to case.
    pub name: InstanceName,
    /// The WhatsApp number, if known.
    pub phone: Option<Phone>,
    /// Connection state.
    pub status: InstanceStatus,
    /// Random public key (nanoid).
    pub instance_key: InstanceKey,
    /// When it was created.
    pub created_at: Timestamp,
    /// When any of its fields last changed.
    pub updated_at: Timestamp,
    /// When it last became connected.
    pub last_connection: Option<Timestamp>,
    /// Per-instance settings.
    pub settings: super::InstanceSettings,
    /// Whether it exists at the provider yet.
    pub provision_state: ProvisionState,
    /// Why the last provisioning attempt failed, for the user to see.
    pub provision_error: Option<String>,
    /// WhatsApp display name, once connected.
    pub profile_name: Option<String>,
    /// Logged out by the user or the phone: not reconnected automatically.
    pub logged_out: bool,
    /// The login in progress while connecting.
    pub login: Option<Login>,
    /// Since when the provider no longer knows it (its token answers 401/404
    /// and the admin list lacks it): sends fail, polls back off, and the user
    /// may re-create it at the provider.
    pub provider_lost_at: Option<Timestamp>,
    /// The number WhatsApp says is logged in (digits), once the provider told
    /// us; it may differ from `phone` when another phone scanned the QR.
    pub connected_phone: Option<String>,
}

impl Instance {
    /// Whether the number logged in is another line than the configured one
    /// (`false` while either is unknown).
    pub fn connected_phone_differs(&self) -> bool {
        match (&self.phone, &self.connected_phone) {
            (Some(configured), Some(connected)) => {
                !configured.same_line(&super::Phone::from_stored(connected.as_str()))
            }
            _ => false,
        }
    }

    /// What the state machine needs to know of it.
    pub fn current(&self) -> super::transition::Current<'_> {
        super::transition::Current {
            status: self.status,
            login: self.login.as_ref(),
            profile_name: self.profile_name.as_deref(),
            last_connection: self.last_connection,
            logged_out: self.logged_out,
            auto_reconnect: self.settings.auto_reconnect,
        }
    }
}
