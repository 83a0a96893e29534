//! Messages: what can be sent, and the life of a sent message.

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

macro_rules! str_enum {
    ($ty:ty { $($variant:ident => $text:literal),* $(,)? }) => {
        impl $ty {
            /// The stored and wire form.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),* }
            }

            /// Parses the stored form.
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some(Self::$variant),)* _ => None }
            }
        }
    };
}

str_enum!(MessageKind { Text => "text", Image => "image", Video => "video", Document => "document", Audio => "audio" });
str_enum!(MessageStatus {
    Queued => "queued", Sending => "sending", Sent => "sent", Delivered => "delivered", Read => "read",
    Failed => "failed", Received => "received",
});

impl MessageStatus {
    /// Receipts only move a sent message forward (sent → delivered → read), so
    /// late or repeated receipts change nothing.
    pub fn accepts_receipt(self, receipt: MessageStatus) -> bool {
        matches!(
            (self, receipt),
            (Self::Sent, Self::Delivered | Self::Read) | (Self::Delivered, Self::Read)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::MessageStatus::*;

    #[test]
    fn receipts_never_move_a_message_back() {
        assert!(Sent.accepts_receipt(Delivered));
        assert!(Sent.accepts_receipt(Read));
        assert!(Delivered.accepts_receipt(Read));
        assert!(!Read.accepts_receipt(Delivered));
        assert!(!Delivered.accepts_receipt(Delivered));
        assert!(!Queued.accepts_receipt(Delivered));
        assert!(!Failed.accepts_receipt(Read));
    }

    #[test]
    fn round_trips() {
        for status in [Queued, Sending, Sent, Delivered, Read, Failed, Received] {
            assert_eq!(super::MessageStatus::parse(status.as_str()), Some(status));
        }
    }
}
