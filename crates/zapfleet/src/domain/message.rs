//! Messages: what can be sent, which way it goes, and the life of a sent message.

use super::text_enum::text_enum;
use serde::{Deserialize, Serialize};

/// What a message carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MessageKind {
    /// Plain text.
    Text,
    /// A picture (with an optional caption).
    Image,
    /// A video.
    Video,
    /// A file.
    Document,
    /// An audio file.
    Audio,
}

text_enum!(MessageKind, "message kind" {
    Text => "text", Image => "image", Video => "video", Document => "document", Audio => "audio",
});

/// Where a message stands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum MessageStatus {
    /// Stored, waiting for its turn (or for the instance to connect).
    Queued,
    /// Handed to the provider; the answer is not recorded yet.
    Sending,
    /// Accepted by WhatsApp.
    Sent,
    /// On the recipient's phone.
    Delivered,
    /// Read by the recipient.
    Read,
    /// Gave up: refused, or not connected in time.
    Failed,
    /// An incoming message.
    Received,
}

text_enum!(MessageStatus, "message status" {
    Queued => "queued", Sending => "sending", Sent => "sent", Delivered => "delivered", Read => "read",
    Failed => "failed", Received => "received",
});

/// Which way a message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Sent by us.
    Out,
    /// Received.
    In,
}

text_enum!(Direction, "message direction" { Out => "out", In => "in" });

/// A receipt the recipient's phone sends back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Receipt {
    /// The message reached the phone.
    Delivered,
    /// The message was read (or played).
    Read,
}

text_enum!(Receipt, "receipt" { Delivered => "delivered", Read => "read" });

impl Receipt {
    /// The status a message has once this receipt is applied.
    pub fn status(self) -> MessageStatus {
        match self {
            Self::Delivered => MessageStatus::Delivered,
            Self::Read => MessageStatus::Read,
        }
    }

    /// The provider's receipt state (`Delivered`, `Read`, `Played`); others
    /// (`Sent`, `ServerAck`…) are not receipts of the recipient.
    pub fn from_provider(state: &str) -> Option<Self> {
        match state {
            "Delivered" | "delivered" => Some(Self::Delivered),
            "Read" | "read" | "Played" | "played" => Some(Self::Read),
            _ => None,
        }
    }
}

impl MessageStatus {
    /// Receipts only move a sent message forward (sent → delivered → read), so
    /// late or repeated receipts change nothing.
    pub fn accepts_receipt(self, receipt: Receipt) -> bool {
        matches!(
            (self, receipt),
            (Self::Sent, Receipt::Delivered | Receipt::Read) | (Self::Delivered, Receipt::Read)
        )
    }
}

/// The file of a media message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Media {
    /// The provider downloads it from this http(s) URL.
    Url(String),
    /// Uploaded with the request and stored apart from the message (never read
    /// by lists); `bytes` is its decoded size.
    Upload {
        /// Decoded size in bytes.
        bytes: i64,
    },
}

#[cfg(test)]
mod tests {
    use super::MessageStatus::*;
    use super::*;

    #[test]
    fn receipts_never_move_a_message_back() {
        assert!(Sent.accepts_receipt(Receipt::Delivered));
        assert!(Sent.accepts_receipt(Receipt::Read));
        assert!(Delivered.accepts_receipt(Receipt::Read));
        assert!(!Read.accepts_receipt(Receipt::Delivered));
        assert!(!Delivered.accepts_receipt(Receipt::Delivered));
        assert!(!Queued.accepts_receipt(Receipt::Delivered));
        assert!(!Failed.accepts_receipt(Receipt::Read));
    }

    #[test]
    fn text_forms_agree_with_serde() {
        for &status in MessageStatus::ALL {
            assert_eq!(MessageStatus::parse(status.as_str()), Some(status));
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
        for &kind in MessageKind::ALL {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
        for &direction in Direction::ALL {
            assert_eq!(serde_json::to_value(direction).unwrap(), direction.as_str());
        }
        for &receipt in Receipt::ALL {
            assert_eq!(serde_json::to_value(receipt).unwrap(), receipt.as_str());
        }
        assert_eq!(Receipt::from_provider("Played"), Some(Receipt::Read));
        assert_eq!(Receipt::from_provider("ServerAck"), None);
    }
}
