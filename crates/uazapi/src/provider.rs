//! The interface the platform uses to drive WhatsApp instances. The platform never
//! speaks HTTP to a provider except through it.

use crate::{Created, Instance, MessageSent, ProviderError, StatusReport, WebhookConfig};
use std::future::Future;
use std::pin::Pin;

/// A boxed future, so `Provider` can be used as `Arc<dyn Provider>`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// How to log in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectMethod<'a> {
    /// Show a QR code to scan with the WhatsApp app.
    Qr,
    /// Get an 8-character code to type on the phone with this number (digits).
    Code {
        /// The phone that will type the code, international digits.
        phone: &'a str,
    },
}

/// A text message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendText<'a> {
    /// Recipient: international digits, or a group JID.
    pub number: &'a str,
    /// The text.
    pub text: &'a str,
    /// Our correlation id, echoed in webhooks.
    pub track_id: &'a str,
}

/// Media types uazapi accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    /// Picture.
    Image,
    /// Video.
    Video,
    /// File.
    Document,
    /// Audio file.
    Audio,
}

impl MediaKind {
    /// The wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::Video => "video",
            Self::Document => "document",
            Self::Audio => "audio",
        }
    }
}

/// A media message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendMedia<'a> {
    /// Recipient.
    pub number: &'a str,
    /// Kind of media.
    pub kind: MediaKind,
    /// URL or base64 content.
    pub file: &'a str,
    /// Caption.
    pub caption: &'a str,
    /// File name shown for documents.
    pub doc_name: &'a str,
    /// Our correlation id.
    pub track_id: &'a str,
}

/// What the platform needs from a WhatsApp provider.
pub trait Provider: Send + Sync {
    /// Creates an instance (admin credentials); returns its id and token.
    fn create_instance<'a>(
        &'a self,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Created, ProviderError>>;
    /// Every instance on the server, with tokens (admin credentials).
    fn list_instances(&self) -> BoxFuture<'_, Result<Vec<Instance>, ProviderError>>;
    /// Starts logging in; the answer holds the QR or pair code.
    fn connect<'a>(
        &'a self,
        token: &'a str,
        method: ConnectMethod<'a>,
    ) -> BoxFuture<'a, Result<Instance, ProviderError>>;
    /// Current state, QR or pair code included.
    fn status<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<StatusReport, ProviderError>>;
    /// Logs out; the next connect needs a new QR or code.
    fn disconnect<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Instance, ProviderError>>;
    /// Deletes the instance; its token stops working.
    fn delete<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<(), ProviderError>>;
    /// Renames the instance at the provider.
    fn rename<'a>(
        &'a self,
        token: &'a str,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Instance, ProviderError>>;
    /// Creates or replaces the instance's webhook.
    fn set_webhook<'a>(
        &'a self,
        token: &'a str,
        config: &'a WebhookConfig,
    ) -> BoxFuture<'a, Result<Vec<WebhookConfig>, ProviderError>>;
    /// Reads the instance's webhooks.
    fn webhooks<'a>(
        &'a self,
        token: &'a str,
    ) -> BoxFuture<'a, Result<Vec<WebhookConfig>, ProviderError>>;
    /// Sets the pause uazapi keeps between messages of its own async queue
    /// (whole seconds; safe to repeat).
    fn update_delay_settings<'a>(
        &'a self,
        token: &'a str,
        min_secs: u64,
        max_secs: u64,
    ) -> BoxFuture<'a, Result<(), ProviderError>>;
    /// Sends a text message.
    fn send_text<'a>(
        &'a self,
        token: &'a str,
        message: SendText<'a>,
    ) -> BoxFuture<'a, Result<MessageSent, ProviderError>>;
    /// Finds a message this instance sent by our correlation id (`track_id`):
    /// how an interrupted send learns whether the provider got it.
    fn find_sent<'a>(
        &'a self,
        token: &'a str,
        track_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<MessageSent>, ProviderError>>;
    /// Sends a media message.
    fn send_media<'a>(
        &'a self,
        token: &'a str,
        message: SendMedia<'a>,
    ) -> BoxFuture<'a, Result<MessageSent, ProviderError>>;
}
