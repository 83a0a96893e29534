//! The instance aggregate as the rest of the application sees it.

use super::{InstanceId, InstanceKey, InstanceName, InstanceStatus, Phone, Timestamp, UserId};

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
    /// Per-instance settings document (JSON).
    pub config: serde_json::Value,
}
