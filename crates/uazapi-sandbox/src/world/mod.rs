//! The sandbox's state: instances, their login sessions, sent messages and faults,
//! with every rule of the uazapi state machine. Changes return the webhook events
//! they cause; posting them is someone else's job.
//!
//! This file holds [`World`] itself, its lookups and the clock tick; each concern
//! of the state machine lives in its own file below.

mod connection;
mod faults;
mod ids;
mod instances;
mod messages;
mod notices;
mod stamps;

pub use connection::{PAIRCODE_TIMEOUT_MS, QR_ROTATION_MS, QR_TIMEOUT_MS};
pub use faults::Faults;
pub use ids::random_u64;
pub use instances::SandboxInstance;
pub use notices::Notice;
pub use stamps::iso_time;

use messages::PendingAck;
use std::collections::HashMap;

/// Errors a uazapi call can get, with the status and body uazapi uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// `{"error": …}` text.
    pub message: String,
}

impl ApiError {
    /// An error with uazapi's status and wording.
    pub fn new(status: u16, message: &str) -> Self {
        Self {
            status,
            message: message.to_owned(),
        }
    }
}

/// Everything the sandbox knows.
#[derive(Debug, Default)]
pub struct World {
    instances: HashMap<String, SandboxInstance>,
    /// Instances forgotten by a restart without data, kept aside so a test can
    /// play the provider restoring its own backup ([`World::remember`]).
    forgotten: HashMap<String, SandboxInstance>,
    /// Injected faults.
    pub faults: Faults,
    acks: Vec<PendingAck>,
}

impl World {
    /// The instance holding this token.
    pub fn by_token(&self, token: &str) -> Result<&SandboxInstance, ApiError> {
        self.instances
            .values()
            .find(|i| i.token == token)
            .ok_or_else(|| ApiError::new(401, "client not found"))
    }

    fn id_of_token(&self, token: &str) -> Result<String, ApiError> {
        self.by_token(token).map(|i| i.id.clone())
    }

    fn get_mut(&mut self, id: &str) -> Result<&mut SandboxInstance, ApiError> {
        self.instances
            .get_mut(id)
            .ok_or_else(|| ApiError::new(404, "Instância não encontrada"))
    }

    /// Every instance, oldest first.
    pub fn all(&self) -> Vec<&SandboxInstance> {
        let mut all: Vec<_> = self.instances.values().collect();
        all.sort_by(|a, b| a.created.cmp(&b.created).then(a.id.cmp(&b.id)));
        all
    }

    /// The instance with this provider id.
    pub fn by_id(&self, id: &str) -> Option<&SandboxInstance> {
        self.instances.get(id)
    }

    /// Applies what time does: QR rotation, login timeouts, due receipts.
    pub fn tick(&mut self, now_ms: i64) -> Vec<Notice> {
        let mut notices = self.advance_logins(now_ms);
        notices.extend(self.due_receipts(now_ms));
        notices
    }
}
