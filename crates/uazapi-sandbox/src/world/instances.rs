//! Instance records and the calls that create, configure and delete them.

use super::connection::Login;
use super::ids::{hex, random_u64, uuid};
use super::stamps::stamp;
use super::{ApiError, World};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use uazapi::{Status, WebhookConfig};

/// One instance at the sandbox.
#[derive(Debug, Clone)]
pub struct SandboxInstance {
    /// `r` + 14 hex.
    pub id: String,
    /// UUID-like token.
    pub token: String,
    /// Provider-side name.
    pub name: String,
    /// State.
    pub status: Status,
    /// Connected phone digits.
    pub owner: String,
    /// WhatsApp display name.
    pub profile_name: String,
    /// Webhooks (simple mode keeps one).
    pub webhooks: Vec<WebhookConfig>,
    /// How many times each message was sent, by the client's `track_id` (or
    /// the messageid when there is none): more than 1 is a duplicate send.
    pub sent: BTreeMap<String, u32>,
    /// Sent messages as `/message/find` returns them, in send order.
    pub sent_messages: Vec<Value>,
    /// `msg_delay_min` / `msg_delay_max` (seconds) of the async queue.
    pub delays: (u64, u64),
    /// Paired credentials survive a dropped connection (a reconnect resumes
    /// without a QR); a logout or a login timeout throws them away.
    pub(super) session: bool,
    pub(super) system_name: String,
    pub(super) admin_fields: (String, String),
    pub(super) created: String,
    pub(super) last_disconnect: String,
    pub(super) last_disconnect_reason: String,
    pub(super) login: Option<Login>,
}

impl SandboxInstance {
    /// The full Instance object of the API answers.
    pub fn to_json(&self) -> Value {
        let (qrcode, paircode) = match &self.login {
            Some(Login::Qr { image, .. }) => (image.clone(), String::new()),
            Some(Login::Code { code, .. }) => (String::new(), code.clone()),
            None => (String::new(), String::new()),
        };
        json!({
            "id": self.id, "token": self.token, "status": self.status.as_str(),
            "qrcode": qrcode, "paircode": paircode, "name": self.name,
            "profileName": self.profile_name, "profilePicUrl": "", "isBusiness": false,
            "plataform": if self.status == Status::Connected { "Android" } else { "" },
            "systemName": self.system_name, "owner": self.owner, "current_presence": "available",
            "lastDisconnect": self.last_disconnect, "lastDisconnectReason": self.last_disconnect_reason,
            "adminField01": self.admin_fields.0, "adminField02": self.admin_fields.1,
            "created": self.created, "updated": self.created,
            "msg_delay_min": self.delays.0, "msg_delay_max": self.delays.1,
        })
    }
}

impl World {
    /// `/instance/create`.
    pub fn create(
        &mut self,
        name: &str,
        system_name: &str,
        admin_fields: (String, String),
        now_ms: i64,
    ) -> &SandboxInstance {
        let id = format!("r{}", hex(random_u64(), 14));
        let instance = SandboxInstance {
            id: id.clone(),
            token: uuid(),
            name: name.to_owned(),
            status: Status::Disconnected,
            owner: String::new(),
            profile_name: String::new(),
            webhooks: Vec::new(),
            sent: BTreeMap::new(),
            sent_messages: Vec::new(),
            delays: (0, 0),
            session: false,
            system_name: if system_name.is_empty() {
                "uazapiGO".into()
            } else {
                system_name.to_owned()
            },
            admin_fields,
            created: stamp(now_ms),
            last_disconnect: String::new(),
            last_disconnect_reason: String::new(),
            login: None,
        };
        self.instances.entry(id).or_insert(instance)
    }

    /// `DELETE /instance`.
    pub fn delete(&mut self, token: &str) -> Result<(), ApiError> {
        let id = self.id_of_token(token)?;
        self.instances.remove(&id);
        self.acks.retain(|a| a.token != token);
        Ok(())
    }

    /// Forgets one instance with no trace (no webhook, no record): what a
    /// provider restarted without its data does. `false` if there is none.
    pub fn forget(&mut self, id: &str) -> bool {
        let Some(gone) = self.instances.remove(id) else {
            return false;
        };
        self.acks.retain(|a| a.token != gone.token);
        self.forgotten.insert(gone.id.clone(), gone);
        true
    }

    /// Forgets every instance; how many there were.
    pub fn forget_everything(&mut self) -> usize {
        let count = self.instances.len();
        self.forgotten.extend(self.instances.drain());
        self.acks.clear();
        count
    }

    /// The provider restored its own backup: a forgotten instance is back
    /// under its id and token, with its session but not connected (its
    /// connection must be resumed with `/instance/connect`). `false` if none.
    pub fn remember(&mut self, id: &str) -> bool {
        let Some(mut back) = self.forgotten.remove(id) else {
            return false;
        };
        back.status = Status::Disconnected;
        back.login = None;
        self.instances.insert(back.id.clone(), back);
        true
    }

    /// `/instance/updateInstanceName`.
    pub fn rename(&mut self, token: &str, name: &str) -> Result<Value, ApiError> {
        let id = self.id_of_token(token)?;
        let instance = self.get_mut(&id)?;
        instance.name = name.to_owned();
        Ok(instance.to_json())
    }

    /// `/instance/updateDelaySettings` (a max below the min becomes the min).
    pub fn set_delays(&mut self, token: &str, min: u64, max: u64) -> Result<Value, ApiError> {
        let id = self.id_of_token(token)?;
        let instance = self.get_mut(&id)?;
        instance.delays = (min, max.max(min));
        Ok(instance.to_json())
    }

    /// `POST /webhook` in simple mode: creates or replaces the one webhook.
    pub fn set_webhook(
        &mut self,
        token: &str,
        config: WebhookConfig,
    ) -> Result<Vec<WebhookConfig>, ApiError> {
        let id = self.id_of_token(token)?;
        let instance = self.get_mut(&id)?;
        instance.webhooks = vec![config];
        Ok(instance.webhooks.clone())
    }
}
