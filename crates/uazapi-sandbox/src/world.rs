//! The sandbox's state: instances, their login sessions, sent messages and faults,
//! with every rule of the uazapi state machine. Changes return the webhook events
//! they cause; posting them is someone else's job.

use crate::qr;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hasher};
use uazapi::{Status, WebhookConfig};

/// A QR is valid this long before the next one replaces it.
pub const QR_ROTATION_MS: i64 = 20_000;
/// Connecting by QR gives up after this.
pub const QR_TIMEOUT_MS: i64 = 120_000;
/// Connecting by pairing code gives up after this.
pub const PAIRCODE_TIMEOUT_MS: i64 = 300_000;

/// A random 64-bit number (std's per-process random keys; no extra crate).
pub fn random_u64() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(0x5EED);
    hasher.finish()
}

fn hex(n: u64, digits: usize) -> String {
    format!("{n:016x}")[16 - digits.min(16)..].to_owned()
}

fn uuid() -> String {
    let (a, b) = (random_u64(), random_u64());
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        (b >> 48) & 0x3fff | 0x8000,
        b & 0xffff_ffff_ffff
    )
}

/// Faults a test or a person can inject.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Delay before answering any uazapi call.
    pub latency_ms: u64,
    /// Share of uazapi calls (0 to 1) answered with `error_status` instead.
    pub error_rate: f64,
    /// The status of injected errors (default 500; 429 adds `Retry-After: 1`).
    pub error_status: Option<u16>,
    /// Share of uazapi calls (0 to 1) that are carried out but answered with
    /// `error_status` anyway, like a gateway failing after the backend succeeded.
    pub lost_response_rate: f64,
    /// Share of webhook deliveries (0 to 1) silently lost.
    pub webhook_loss: f64,
    /// Cap on connected + connecting instances; connect answers 429 beyond it.
    pub max_connected: Option<usize>,
    /// Delay before a sent message is acknowledged as delivered (read comes at twice that).
    pub ack_delay_ms: Option<u64>,
}

impl Faults {
    /// Whether this call should fail, by the configured rate.
    pub fn roll(rate: f64) -> bool {
        rate > 0.0 && (random_u64() % 1_000_000) as f64 / 1_000_000.0 < rate
    }
}

#[derive(Debug, Clone)]
enum Login {
    Qr {
        text: String,
        image: String,
        shown: bool,
        rotated_ms: i64,
        expires_ms: i64,
    },
    Code {
        code: String,
        phone: String,
        expires_ms: i64,
    },
}

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
    session: bool,
    system_name: String,
    admin_fields: (String, String),
    created: String,
    last_disconnect: String,
    last_disconnect_reason: String,
    login: Option<Login>,
}

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

#[derive(Debug, Clone)]
struct PendingAck {
    due_ms: i64,
    token: String,
    messageid: String,
    chatid: String,
    state: &'static str,
}

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
    /// Injected faults.
    pub faults: Faults,
    acks: Vec<PendingAck>,
}

fn stamp(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil from days (Howard Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms.rem_euclid(1000)
    )
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

    fn envelope(&self, event_type: &str) -> Value {
        json!({"EventType": event_type, "instanceName": self.name, "owner": self.owner, "token": self.token})
    }

    /// The small `instance` object of `connection` events.
    fn connection_notice(&self, logged_out: bool) -> Notice {
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
}

fn new_qr(id: &str, now_ms: i64, expires_ms: i64) -> Login {
    let text = format!("2@{:016x}{:016x},{id},{now_ms}", random_u64(), random_u64());
    let image = qr::to_data_uri(&text).unwrap_or_default();
    Login::Qr {
        text,
        image,
        shown: false,
        rotated_ms: now_ms,
        expires_ms,
    }
}

fn pair_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let n = random_u64();
    let chars: String = (0..8)
        .map(|i| ALPHABET[((n >> (i * 5)) & 31) as usize] as char)
        .collect();
    format!("{}-{}", &chars[..4], &chars[4..])
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

    /// `/instance/connect`: QR without a phone, pairing code with one.
    pub fn connect(
        &mut self,
        token: &str,
        phone: Option<&str>,
        now_ms: i64,
    ) -> Result<(Value, Vec<Notice>), ApiError> {
        let id = self.id_of_token(token)?;
        let busy = self
            .instances
            .values()
            .filter(|i| i.status != Status::Disconnected && i.id != id)
            .count();
        let instance = self.get_mut(&id)?;
        if instance.status == Status::Connected {
            return Ok((instance.to_json(), Vec::new()));
        }
        if let Some(max) = self.faults.max_connected
            && busy >= max
        {
            return Err(ApiError::new(
                429,
                "Maximum number of connected instances reached",
            ));
        }
        let instance = self.get_mut(&id)?;
        if instance.session {
            // The phone is still paired: the connection comes back by itself.
            instance.status = Status::Connected;
            instance.login = None;
            return Ok((instance.to_json(), vec![instance.connection_notice(false)]));
        }
        instance.login = Some(match phone {
            Some(phone) => Login::Code {
                code: pair_code(),
                phone: phone.to_owned(),
                expires_ms: now_ms + PAIRCODE_TIMEOUT_MS,
            },
            None => new_qr(&instance.id, now_ms, now_ms + QR_TIMEOUT_MS),
        });
        instance.status = Status::Connecting;
        if let Some(Login::Qr { shown, .. }) = &mut instance.login {
            *shown = true;
        }
        Ok((instance.to_json(), vec![instance.connection_notice(false)]))
    }

    /// `/instance/status`: shows the current QR (which makes it scannable).
    pub fn status(&mut self, token: &str) -> Result<Value, ApiError> {
        let id = self.id_of_token(token)?;
        let instance = self.get_mut(&id)?;
        if let Some(Login::Qr { shown, .. }) = &mut instance.login {
            *shown = true;
        }
        Ok(instance.to_json())
    }

    /// `/instance/disconnect`: a logout; the session is thrown away.
    pub fn logout(&mut self, token: &str, now_ms: i64) -> Result<(Value, Vec<Notice>), ApiError> {
        let id = self.id_of_token(token)?;
        self.fall(&id, "401: logged out by the API", true, now_ms)
    }

    /// The connection falls (a drop) or is ended (a logout).
    pub fn fall(
        &mut self,
        id: &str,
        reason: &str,
        logout: bool,
        now_ms: i64,
    ) -> Result<(Value, Vec<Notice>), ApiError> {
        let instance = self.get_mut(id)?;
        let was = instance.status;
        instance.status = Status::Disconnected;
        instance.login = None;
        if logout {
            instance.session = false;
        }
        if was == Status::Disconnected {
            return Ok((instance.to_json(), Vec::new()));
        }
        instance.last_disconnect = stamp(now_ms);
        instance.last_disconnect_reason = reason.to_owned();
        Ok((instance.to_json(), vec![instance.connection_notice(logout)]))
    }

    /// `DELETE /instance`.
    pub fn delete(&mut self, token: &str) -> Result<(), ApiError> {
        let id = self.id_of_token(token)?;
        self.instances.remove(&id);
        self.acks.retain(|a| a.token != token);
        Ok(())
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

    /// The phone scans a QR: it must be the current, shown, unexpired QR of a
    /// connecting instance.
    pub fn scan(
        &mut self,
        text: &str,
        phone: Option<&str>,
        now_ms: i64,
    ) -> Option<(Value, Vec<Notice>)> {
        let id = self.instances.values().find_map(|i| match &i.login {
            Some(Login::Qr {
                text: current,
                shown: true,
                expires_ms,
                ..
            }) if current == text && now_ms < *expires_ms && i.status == Status::Connecting => {
                Some(i.id.clone())
            }
            _ => None,
        })?;
        Some(self.log_in(&id, phone.map(str::to_owned)))
    }

    /// The phone types a pairing code: it must be the phone that asked for it.
    pub fn pair(&mut self, code: &str, phone: &str, now_ms: i64) -> Option<(Value, Vec<Notice>)> {
        let wanted = code.trim().to_ascii_uppercase();
        let id = self.instances.values().find_map(|i| match &i.login {
            Some(Login::Code {
                code,
                phone: asked,
                expires_ms,
            }) if *code == wanted && asked == phone && now_ms < *expires_ms => Some(i.id.clone()),
            _ => None,
        })?;
        Some(self.log_in(&id, Some(phone.to_owned())))
    }

    fn log_in(&mut self, id: &str, phone: Option<String>) -> (Value, Vec<Notice>) {
        let Some(instance) = self.instances.get_mut(id) else {
            return (Value::Null, Vec::new());
        };
        instance.status = Status::Connected;
        instance.login = None;
        instance.session = true;
        instance.owner = phone
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| format!("5511{:09}", random_u64() % 1_000_000_000));
        instance.profile_name = format!(
            "Sandbox {}",
            &instance.owner[instance.owner.len().saturating_sub(4)..]
        );
        (instance.to_json(), vec![instance.connection_notice(false)])
    }

    /// A message arrives from a contact.
    pub fn incoming(
        &mut self,
        id: &str,
        from: &str,
        text: &str,
        now_ms: i64,
    ) -> Result<Vec<Notice>, ApiError> {
        let instance = self.get_mut(id)?;
        if instance.status != Status::Connected {
            return Err(ApiError::new(409, "instance is not connected"));
        }
        let messageid = format!("AC{:016X}{:014X}", random_u64(), random_u64() >> 8);
        let chatid = format!("{from}@s.whatsapp.net");
        let message = message_json(instance, &messageid, &chatid, text, false, now_ms, "", "");
        let mut body = instance.envelope("messages");
        body["chatSource"] = json!("updated");
        body["chat"] = chat_json(&instance.owner, &chatid);
        body["message"] = message;
        Ok(vec![Notice {
            webhooks: instance.webhooks.clone(),
            event_type: "messages".into(),
            body,
            message_flags: Some((false, false, false)),
        }])
    }

    /// `/send/text` and `/send/media`: records the send, answers the Message object,
    /// and schedules the delivery and read receipts.
    pub fn send(
        &mut self,
        token: &str,
        number: &str,
        text: &str,
        media: Option<&str>,
        track: (&str, &str),
        now_ms: i64,
    ) -> Result<(Value, Vec<Notice>), ApiError> {
        let id = self.id_of_token(token)?;
        let ack_delay = i64::try_from(self.faults.ack_delay_ms.unwrap_or(50)).unwrap_or(50);
        let instance = self.get_mut(&id)?;
        if instance.status != Status::Connected {
            return Err(ApiError::new(401, "No session"));
        }
        let messageid = format!("3EB0{:016X}{:02X}", random_u64(), random_u64() as u8);
        let chatid = if number.contains('@') {
            number.to_owned()
        } else {
            format!("{number}@s.whatsapp.net")
        };
        let key = if track.1.is_empty() {
            messageid.clone()
        } else {
            track.1.to_owned()
        };
        *instance.sent.entry(key).or_default() += 1;
        let mut message = message_json(
            instance, &messageid, &chatid, text, true, now_ms, track.0, track.1,
        );
        if let Some(kind) = media {
            message["messageType"] = json!(match kind {
                "image" => "ImageMessage",
                "video" => "VideoMessage",
                "audio" | "myaudio" | "ptt" => "AudioMessage",
                _ => "DocumentMessage",
            });
            message["type"] = json!("media");
            message["mediaType"] = json!(kind);
        }
        let mut stored = message.clone();
        stored["status"] = json!("Sent");
        instance.sent_messages.push(stored);
        let mut body = instance.envelope("messages");
        body["chatSource"] = json!("updated");
        body["chat"] = chat_json(&instance.owner, &chatid);
        body["message"] = message.clone();
        let notice = Notice {
            webhooks: instance.webhooks.clone(),
            event_type: "messages".into(),
            body,
            message_flags: Some((true, true, false)),
        };
        for (state, delay) in [("Delivered", ack_delay), ("Read", ack_delay * 2)] {
            self.acks.push(PendingAck {
                due_ms: now_ms + delay,
                token: token.to_owned(),
                messageid: messageid.clone(),
                chatid: chatid.clone(),
                state,
            });
        }
        message["status"] = json!("Sent");
        Ok((message, vec![notice]))
    }

    /// `/message/find`: sent messages matching the filters, newest first.
    pub fn find(
        &self,
        token: &str,
        id: &str,
        track_id: &str,
        limit: usize,
    ) -> Result<Vec<Value>, ApiError> {
        let instance = self.by_token(token)?;
        Ok(instance
            .sent_messages
            .iter()
            .rev()
            .filter(|m| id.is_empty() || m["messageid"] == id || m["id"] == id)
            .filter(|m| track_id.is_empty() || m["track_id"] == track_id)
            .take(limit)
            .cloned()
            .collect())
    }

    /// Applies what time does: QR rotation, login timeouts, due receipts.
    pub fn tick(&mut self, now_ms: i64) -> Vec<Notice> {
        let mut notices = Vec::new();
        for instance in self.instances.values_mut() {
            let expired = match &instance.login {
                Some(Login::Qr { expires_ms, .. } | Login::Code { expires_ms, .. }) => {
                    now_ms >= *expires_ms
                }
                None => false,
            };
            if expired {
                instance.status = Status::Disconnected;
                instance.login = None;
                instance.last_disconnect = stamp(now_ms);
                instance.last_disconnect_reason =
                    "timeout: QR code or pairing code not used in time".into();
                notices.push(instance.connection_notice(false));
                continue;
            }
            if let Some(Login::Qr {
                rotated_ms,
                expires_ms,
                ..
            }) = &instance.login
                && now_ms - rotated_ms >= QR_ROTATION_MS
            {
                instance.login = Some(new_qr(&instance.id, now_ms, *expires_ms));
                notices.push(instance.connection_notice(false));
                // Pushed by the webhook: the new QR counts as shown.
                if let Some(Login::Qr { shown, .. }) = &mut instance.login {
                    *shown = true;
                }
            }
        }
        let (due, later): (Vec<_>, Vec<_>) = self.acks.drain(..).partition(|a| a.due_ms <= now_ms);
        self.acks = later;
        for ack in due {
            let Some(instance) = self.instances.values().find(|i| i.token == ack.token) else {
                continue;
            };
            let mut body = instance.envelope("messages_update");
            body["type"] = json!("ReadReceipt");
            body["state"] = json!(ack.state);
            body["event"] = json!({"Chat": ack.chatid, "Sender": ack.chatid, "sender_pn": ack.chatid, "sender_lid": "",
                "IsFromMe": "False", "IsGroup": "False", "MessageIDs": [ack.messageid],
                "Timestamp": (now_ms / 1000).to_string(), "Type": ack.state});
            notices.push(Notice {
                webhooks: instance.webhooks.clone(),
                event_type: "messages_update".into(),
                body,
                message_flags: None,
            });
        }
        notices
    }

    /// The current QR text of a connecting instance (for the sandbox page's button).
    pub fn current_qr(&self, id: &str) -> Option<String> {
        match &self.instances.get(id)?.login {
            Some(Login::Qr { text, .. }) => Some(text.clone()),
            _ => None,
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

/// `2026-02-02T17:46:57.567Z`, as `currentTime` is written.
pub fn iso_time(ms: i64) -> String {
    stamp(ms).replacen(' ', "T", 1)
}

#[allow(clippy::too_many_arguments)]
fn message_json(
    instance: &SandboxInstance,
    messageid: &str,
    chatid: &str,
    text: &str,
    from_me: bool,
    now_ms: i64,
    track_source: &str,
    track_id: &str,
) -> Value {
    let sender = if from_me {
        format!("{}@s.whatsapp.net", instance.owner)
    } else {
        chatid.to_owned()
    };
    json!({
        "id": format!("{}:{messageid}", instance.owner), "messageid": messageid, "chatid": chatid, "chatlid": "",
        "content": text, "fromMe": from_me, "wasSentByApi": from_me, "isGroup": false, "groupName": "Unknown",
        "messageType": "Conversation", "type": "text", "mediaType": "", "messageTimestamp": now_ms,
        "sender": sender, "sender_lid": "", "sender_pn": sender, "senderName": if from_me { instance.profile_name.clone() } else { String::new() },
        "source": if from_me { "web" } else { "android" }, "status": "", "text": text,
        "edited": "", "quoted": "", "reaction": "", "vote": "", "buttonOrListid": "", "convertOptions": "",
        "owner": instance.owner, "track_source": track_source, "track_id": track_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_look_like_uazapis() {
        assert_eq!(stamp(1_770_053_217_567), "2026-02-02 17:26:57.567Z");
    }

    #[test]
    fn a_second_send_with_the_same_track_id_counts_as_a_duplicate() {
        let mut world = World::default();
        let token = world
            .create("dup", "", (String::new(), String::new()), 0)
            .token
            .clone();
        let id = world.by_token(&token).unwrap().id.clone();
        world.log_in(&id, Some("5511999999999".into()));
        for _ in 0..2 {
            world
                .send(
                    &token,
                    "5511988887777",
                    "oi",
                    None,
                    ("zapfleet", "msg-1"),
                    0,
                )
                .unwrap();
        }
        world
            .send(
                &token,
                "5511988887777",
                "outra",
                None,
                ("zapfleet", "msg-2"),
                0,
            )
            .unwrap();
        let instance = world.by_token(&token).unwrap();
        assert_eq!(instance.sent["msg-1"], 2);
        assert_eq!(instance.sent["msg-2"], 1);
        assert_eq!(instance.sent_messages.len(), 3);
    }

    #[test]
    fn pair_codes_are_two_groups_of_four() {
        let code = pair_code();
        assert_eq!(code.len(), 9);
        assert_eq!(&code[4..5], "-");
    }
}
