//! Webhook events as the sandbox builds them: the flat envelope and the
//! `connection`, `messages` and `messages_update` bodies.

use super::connection::Login;
use super::ids::{hex, random_u64};
use super::instances::SandboxInstance;
use serde_json::{Value, json};
use uazapi::{Status, WebhookConfig};

/// A webhook event about to be delivered: the instance's webhooks at the time,
/// and the body without `BaseUrl` (added by the sender).
#[derive(Debug, Clone)]
pub struct Notice {
    /// Where to post.
    pub webhooks: Vec<WebhookConfig>,
    /// `EventType`.
    pub event_type: String,
    /// The body.
    pub body: Value,
    /// For `messages` filters: (fromMe, wasSentByApi, isGroup).
    pub message_flags: Option<(bool, bool, bool)>,
}

impl SandboxInstance {
    fn envelope(&self, event_type: &str) -> Value {
        json!({"EventType": event_type, "instanceName": self.name, "owner": self.owner, "token": self.token})
    }

    /// The small `instance` object of `connection` events.
    pub(super) fn connection_notice(&self, logged_out: bool) -> Notice {
        let mut instance = json!({"name": self.name, "status": self.status.as_str()});
        match &self.login {
            Some(Login::Qr { image, .. }) => instance["qrcode"] = json!(image),
            Some(Login::Code { code, .. }) => instance["paircode"] = json!(code),
            None => {}
        }
        if self.status == Status::Disconnected && !self.last_disconnect.is_empty() {
            instance["lastDisconnect"] = json!(self.last_disconnect);
            instance["lastDisconnectReason"] = json!(self.last_disconnect_reason);
        }
        let mut body = self.envelope("connection");
        body["instance"] = instance;
        if logged_out {
            body["type"] = json!("LoggedOut");
        }
        Notice {
            webhooks: self.webhooks.clone(),
            event_type: "connection".into(),
            body,
            message_flags: None,
        }
    }

    /// A `messages` event carrying this Message object in the chat with `chatid`.
    pub(super) fn message_notice(
        &self,
        chatid: &str,
        message: Value,
        flags: (bool, bool, bool),
    ) -> Notice {
        let mut body = self.envelope("messages");
        body["chatSource"] = json!("updated");
        body["chat"] = chat_json(&self.owner, chatid);
        body["message"] = message;
        Notice {
            webhooks: self.webhooks.clone(),
            event_type: "messages".into(),
            body,
            message_flags: Some(flags),
        }
    }

    /// A `messages_update` read receipt (`Delivered` or `Read`) for one message.
    pub(super) fn receipt_notice(
        &self,
        chatid: &str,
        messageid: &str,
        state: &str,
        now_ms: i64,
    ) -> Notice {
        let mut body = self.envelope("messages_update");
        body["type"] = json!("ReadReceipt");
        body["state"] = json!(state);
        body["event"] = json!({"Chat": chatid, "Sender": chatid, "sender_pn": chatid, "sender_lid": "",
            "IsFromMe": "False", "IsGroup": "False", "MessageIDs": [messageid],
            "Timestamp": (now_ms / 1000).to_string(), "Type": state});
        Notice {
            webhooks: self.webhooks.clone(),
            event_type: "messages_update".into(),
            body,
            message_flags: None,
        }
    }
}

/// The chat object of `messages` events, reduced to the fields a client routes by
/// (the real one adds about 50 lead_*/chatbot_* fields).
fn chat_json(owner: &str, chatid: &str) -> Value {
    let number = chatid.split('@').next().unwrap_or_default();
    json!({"id": format!("r{}", hex(random_u64(), 14)), "name": format!("Contato {number}"), "phone": format!("+{number}"),
        "wa_chatid": chatid, "wa_chatlid": "", "wa_fastid": format!("{owner}:{number}"), "wa_isGroup": false,
        "wa_unreadCount": 0, "wa_label": [], "lead_tags": [], "owner": owner})
}
