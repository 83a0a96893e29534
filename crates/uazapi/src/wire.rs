//! The provider's objects, read leniently from JSON.

use crate::json::{flag, integer, line, text};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// A body that does not hold what the contract promises.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// Not JSON, or not the JSON shape expected (object vs array…).
    #[error("malformed body: {0}")]
    Malformed(String),
    /// A field that must be there is missing or empty.
    #[error("missing field {0}")]
    Missing(&'static str),
    /// A connection state outside `disconnected|connecting|connected`.
    #[error("unknown status {0:?}")]
    UnknownStatus(String),
}

/// The provider's connection states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Not logged in.
    Disconnected,
    /// Waiting for a QR scan or a pairing code.
    Connecting,
    /// Logged in.
    Connected,
}

impl Status {
    /// The wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Disconnected => "disconnected",
            Self::Connecting => "connecting",
            Self::Connected => "connected",
        }
    }

    /// Parses the wire form, strictly.
    pub fn parse(s: &str) -> Result<Self, WireError> {
        match s {
            "disconnected" => Ok(Self::Disconnected),
            "connecting" => Ok(Self::Connecting),
            "connected" => Ok(Self::Connected),
            other => Err(WireError::UnknownStatus(other.to_owned())),
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An instance as the provider describes it. Fields it did not send are empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    /// Provider id (`r` + 14 hex in real traffic).
    pub id: String,
    /// Instance token (only in create and `/instance/all` answers).
    pub token: String,
    /// Connection state.
    pub status: Status,
    /// PNG data URI while connecting by QR, else empty.
    pub qrcode: String,
    /// `XXXX-XXXX` while connecting by code, else empty.
    pub paircode: String,
    /// Provider-side name.
    pub name: String,
    /// WhatsApp display name, once connected.
    pub profile_name: String,
    /// Profile picture URL, once connected.
    pub profile_pic_url: String,
    /// Business account.
    pub is_business: bool,
    /// Device platform (the provider spells it `plataform`).
    pub platform: String,
    /// Connected phone, digits.
    pub owner: String,
    /// When the last disconnection happened (provider's text).
    pub last_disconnect: String,
    /// Why (`401: logged out from another device`).
    pub last_disconnect_reason: String,
}

impl Instance {
    /// Reads an instance object. `status` is required and strict; the rest is lenient.
    pub fn from_value(value: &Value) -> Result<Self, WireError> {
        if !value.is_object() {
            return Err(WireError::Malformed("instance is not an object".into()));
        }
        let status = match value.get("status") {
            Some(Value::String(s)) => Status::parse(s)?,
            _ => return Err(WireError::Missing("instance.status")),
        };
        let platform = match text(value, "plataform") {
            p if p.is_empty() => text(value, "platform"),
            p => p,
        };
        Ok(Self {
            id: text(value, "id"),
            token: text(value, "token"),
            status,
            qrcode: text(value, "qrcode"),
            paircode: text(value, "paircode"),
            name: line(value, "name"),
            profile_name: line(value, "profileName"),
            profile_pic_url: text(value, "profilePicUrl"),
            is_business: flag(value, "isBusiness"),
            platform,
            owner: text(value, "owner"),
            last_disconnect: line(value, "lastDisconnect"),
            last_disconnect_reason: line(value, "lastDisconnectReason"),
        })
    }
}

/// Reads the `instance` object of a response (connect answers may come wrapped in
/// a one-element array).
pub(crate) fn instance_in(body: &Value) -> Result<Instance, WireError> {
    let body = match body {
        Value::Array(items) => items.first().ok_or(WireError::Missing("instance"))?,
        other => other,
    };
    Instance::from_value(body.get("instance").ok_or(WireError::Missing("instance"))?)
}

/// What `/instance/create` answers: the new instance and its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    /// The instance (its `id` is required).
    pub instance: Instance,
    /// The token for all per-instance calls.
    pub token: String,
}

impl Created {
    /// Reads a create answer; an id and a token are required.
    pub fn from_value(body: &Value) -> Result<Self, WireError> {
        let instance = instance_in(body)?;
        let token = match text(body, "token") {
            t if t.is_empty() => instance.token.clone(),
            t => t,
        };
        if token.is_empty() {
            return Err(WireError::Missing("token"));
        }
        if instance.id.is_empty() {
            return Err(WireError::Missing("instance.id"));
        }
        Ok(Self { instance, token })
    }
}

/// What `/instance/status` answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReport {
    /// The instance, with the current QR or pair code while connecting.
    pub instance: Instance,
    /// `status.loggedIn`.
    pub logged_in: bool,
    /// `status.jid.user` (the phone) when logged in.
    pub jid_user: String,
}

impl StatusReport {
    /// Reads a status answer.
    pub fn from_value(body: &Value) -> Result<Self, WireError> {
        let instance = instance_in(body)?;
        let status = body.get("status").cloned().unwrap_or(Value::Null);
        let jid_user = match status.get("jid") {
            Some(jid @ Value::Object(_)) => text(jid, "user"),
            Some(Value::String(s)) => s.split(['@', ':']).next().unwrap_or_default().to_owned(),
            _ => String::new(),
        };
        Ok(Self {
            instance,
            logged_in: flag(&status, "loggedIn"),
            jid_user,
        })
    }
}

/// What a send answers: the message ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageSent {
    /// `<owner>:<messageid>`.
    pub id: String,
    /// The WhatsApp message id (receipts refer to it).
    pub messageid: String,
    /// Provider status text (`Sent`, `Queued`…).
    pub status: String,
    /// Unix milliseconds.
    pub timestamp_ms: Option<i64>,
}

impl MessageSent {
    /// Reads a send answer; `messageid` is required.
    pub fn from_value(body: &Value) -> Result<Self, WireError> {
        let messageid = text(body, "messageid");
        if messageid.is_empty() {
            return Err(WireError::Missing("messageid"));
        }
        Ok(Self {
            id: text(body, "id"),
            messageid,
            status: text(body, "status"),
            timestamp_ms: integer(body, "messageTimestamp"),
        })
    }
}

/// The per-instance webhook (simple mode: one per instance).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookConfig {
    /// Must be sent as `true`: the provider defaults to disabled.
    pub enabled: bool,
    /// Where events are posted.
    pub url: String,
    /// Event names (`connection`, `messages`, `messages_update`…).
    pub events: Vec<String>,
    /// `messages` filters (`wasSentByApi`…).
    #[serde(default)]
    pub exclude_messages: Vec<String>,
    /// Append `/<event>` to the URL.
    #[serde(default)]
    pub add_url_events: bool,
    /// Append `/<messageType>` to the URL.
    #[serde(default)]
    pub add_url_types_messages: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_instances_leniently_but_states_strictly() {
        let body = json!({"instance": {"id": "r183e2ef9597845", "status": "connected", "plataform": "Android",
            "isBusiness": "True", "owner": 5511999999999_i64, "profileName": null, "extra": {"x": 1}}});
        let instance = instance_in(&body).unwrap();
        assert_eq!(instance.platform, "Android");
        assert!(instance.is_business);
        assert_eq!(instance.owner, "5511999999999");
        assert_eq!(instance.profile_name, "");

        let odd = json!({"instance": {"status": "online"}});
        assert_eq!(
            instance_in(&odd),
            Err(WireError::UnknownStatus("online".into()))
        );
        assert_eq!(
            instance_in(&json!({"instance": {}})),
            Err(WireError::Missing("instance.status"))
        );
        let wrapped = json!([{"instance": {"status": "connecting", "qrcode": "data:x"}}]);
        assert_eq!(instance_in(&wrapped).unwrap().qrcode, "data:x");
    }

    #[test]
    fn create_answers_need_an_id_and_a_token() {
        let ok =
            json!({"instance": {"id": "r1", "status": "disconnected", "token": "t"}, "token": "t"});
        assert_eq!(Created::from_value(&ok).unwrap().token, "t");
        let no_token = json!({"instance": {"id": "r1", "status": "disconnected"}});
        assert_eq!(
            Created::from_value(&no_token),
            Err(WireError::Missing("token"))
        );
    }

    #[test]
    fn status_reports_read_the_jid_in_both_shapes() {
        let object = json!({"instance": {"status": "connected"}, "status": {"loggedIn": true,
            "jid": {"user": "5511999999999", "server": "s.whatsapp.net"}}});
        assert_eq!(
            StatusReport::from_value(&object).unwrap().jid_user,
            "5511999999999"
        );
        let string = json!({"instance": {"status": "connected"}, "status": {"jid": "5511999999999:3@s.whatsapp.net"}});
        assert_eq!(
            StatusReport::from_value(&string).unwrap().jid_user,
            "5511999999999"
        );
    }
}
