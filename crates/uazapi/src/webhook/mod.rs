//! Webhook bodies the provider posts: the flat envelope of real traffic
//! (`EventType`, `BaseUrl`, `instanceName`, `owner`, `token` plus event keys).

use crate::json::{flag, integer, strings, text};
use crate::wire::{Instance, WireError};
use serde_json::Value;

/// The keys every event carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// `connection`, `messages`, `messages_update`, …
    pub event_type: String,
    /// The provider's base URL.
    pub base_url: String,
    /// The instance's provider-side name.
    pub instance_name: String,
    /// The connected phone (digits), `""` before pairing.
    pub owner: String,
    /// The instance token: how an event is routed to its instance.
    pub token: String,
}

/// A message event (`messages`), incoming or outgoing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageEvent {
    /// `<owner>:<messageid>`: the idempotency key per instance.
    pub id: String,
    /// WhatsApp id.
    pub messageid: String,
    /// Chat JID.
    pub chatid: String,
    /// Sent by this account.
    pub from_me: bool,
    /// Sent through the API.
    pub was_sent_by_api: bool,
    /// Group chat.
    pub is_group: bool,
    /// WhatsApp proto name (`Conversation`, `ImageMessage`…).
    pub message_type: String,
    /// Text or caption.
    pub text: String,
    /// Sender's phone JID when known.
    pub sender_pn: String,
    /// Push name.
    pub sender_name: String,
    /// Unix milliseconds.
    pub timestamp_ms: Option<i64>,
    /// Echoed from the send request.
    pub track_id: String,
}

/// A parsed webhook body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The instance changed state (or its QR/pair code changed while connecting).
    Connection {
        /// Envelope.
        envelope: Envelope,
        /// The small instance object (name, status, qrcode/paircode or disconnect info).
        instance: Instance,
        /// `type: "LoggedOut"`: the session was ended from the phone or by a logout.
        logged_out: bool,
    },
    /// A new message.
    Message {
        /// Envelope.
        envelope: Envelope,
        /// The message.
        message: MessageEvent,
    },
    /// Delivery or read receipts for one or more messages.
    Receipt {
        /// Envelope.
        envelope: Envelope,
        /// `Delivered`, `Read`, `Played`, `Sent`…
        state: String,
        /// Plain `messageid`s (no owner prefix).
        message_ids: Vec<String>,
        /// Unix seconds, when given.
        timestamp: Option<i64>,
    },
    /// Any other event (`groups`, `history`, `presence`…), kept by name.
    Other {
        /// Envelope.
        envelope: Envelope,
    },
}

impl Event {
    /// The envelope of any event.
    pub fn envelope(&self) -> &Envelope {
        match self {
            Self::Connection { envelope, .. }
            | Self::Message { envelope, .. }
            | Self::Receipt { envelope, .. }
            | Self::Other { envelope } => envelope,
        }
    }
}

/// Parses a webhook body. Never panics, whatever the bytes.
pub fn parse(body: &[u8]) -> Result<Event, WireError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| WireError::Malformed(e.to_string()))?;
    if !value.is_object() {
        return Err(WireError::Malformed("webhook body is not an object".into()));
    }
    let envelope = Envelope {
        event_type: text(&value, "EventType"),
        base_url: text(&value, "BaseUrl"),
        instance_name: text(&value, "instanceName"),
        owner: text(&value, "owner"),
        token: text(&value, "token"),
    };
    if envelope.event_type.is_empty() {
        return Err(WireError::Missing("EventType"));
    }
    if envelope.token.is_empty() {
        return Err(WireError::Missing("token"));
    }
    match envelope.event_type.as_str() {
        "connection" => {
            let instance = Instance::from_value(
                value
                    .get("instance")
                    .ok_or(WireError::Missing("instance"))?,
            )?;
            let logged_out = text(&value, "type") == "LoggedOut";
            Ok(Event::Connection {
                envelope,
                instance,
                logged_out,
            })
        }
        "messages" => {
            let m = value.get("message").ok_or(WireError::Missing("message"))?;
            let messageid = text(m, "messageid");
            if messageid.is_empty() {
                return Err(WireError::Missing("message.messageid"));
            }
            let message = MessageEvent {
                id: text(m, "id"),
                messageid,
                chatid: text(m, "chatid"),
                from_me: flag(m, "fromMe"),
                was_sent_by_api: flag(m, "wasSentByApi"),
                is_group: flag(m, "isGroup"),
                message_type: text(m, "messageType"),
                text: text(m, "text"),
                sender_pn: text(m, "sender_pn"),
                sender_name: text(m, "senderName"),
                timestamp_ms: integer(m, "messageTimestamp"),
                track_id: text(m, "track_id"),
            };
            Ok(Event::Message { envelope, message })
        }
        "messages_update" => {
            let event = value.get("event").cloned().unwrap_or(Value::Null);
            let mut state = text(&value, "state");
            if state.is_empty() {
                state = text(&event, "Type");
            }
            Ok(Event::Receipt {
                envelope,
                state,
                message_ids: strings(&event, "MessageIDs"),
                timestamp: receipt_time(&event),
            })
        }
        _ => Ok(Event::Other { envelope }),
    }
}

/// `Timestamp` comes as seconds, a numeric string, or RFC 3339 (whatsmeow's default).
fn receipt_time(event: &Value) -> Option<i64> {
    integer(event, "Timestamp").or_else(|| {
        let text = event.get("Timestamp")?.as_str()?;
        rfc3339_seconds(text)
    })
}

/// Seconds since the epoch of `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)`; `None` if malformed.
fn rfc3339_seconds(text: &str) -> Option<i64> {
    let number = |range: std::ops::Range<usize>| text.get(range)?.parse::<i64>().ok();
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let rest = text.get(19..)?;
    let rest = rest.trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.chars().next()? {
                '+' => 1,
                '-' => -1,
                _ => return None,
            };
            let hours = rest.get(1..3)?.parse::<i64>().ok()?;
            let minutes = rest.get(4..6)?.parse::<i64>().ok()?;
            sign * (hours * 3600 + minutes * 60)
        }
    };
    // Days from civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

#[cfg(test)]
mod tests;
