//! Sending messages through the durable outbox, and recording what comes back
//! (receipts, incoming messages).

use super::platform::{Platform, jitter};
use super::ssrf::{UrlRefusal, check_media_url};
use crate::domain::{
    Day, Direction, EventKind, Instance, InstanceId, InstanceStatus, MessageKind, MessageStatus,
    Phone, Receipt, Timestamp, UserId,
};
use crate::error::AppError;
use crate::i18n::Msg;
pub use crate::store::MessageRecord;
use crate::store::{MessageFilter, NewMedia, NewMessage};

/// Longest text (WhatsApp allows 65,536; long texts are rarely intended).
pub const MAX_TEXT_CHARS: usize = 4096;
/// Longest wait for a connection before a queued message fails.
pub const MAX_WAIT_SECS: u64 = 86_400;
/// Wait for a connection when the request does not say.
pub const DEFAULT_WAIT_SECS: u64 = 300;

/// Media to send.
#[derive(Debug, Clone)]
pub struct MediaInput {
    /// `image`, `video`, `document` or `audio`.
    pub kind: MessageKind,
    /// Where the provider downloads it (http or https), or the file itself.
    pub source: MediaSource,
    /// Caption.
    pub caption: Option<String>,
    /// File name shown for documents.
    pub file_name: Option<String>,
}

/// Where a media file comes from.
#[derive(Debug, Clone)]
pub enum MediaSource {
    /// The provider downloads it (http or https).
    Url(String),
    /// Uploaded with the request: base64, or a `data:` URI.
    Upload(String),
}

/// Largest uploaded file, decoded.
pub const MAX_UPLOAD_BYTES: usize = 5 * 1024 * 1024;

/// Checks a media file: an http(s) URL the provider may fetch (global addresses
/// only, unless private ones are allowed: the provider often runs beside us), or
/// an upload that decodes to at most [`MAX_UPLOAD_BYTES`] (kept as the base64 the
/// provider takes).
async fn media_file(source: MediaSource, allow_private: bool) -> Result<NewMedia, AppError> {
    use base64::Engine;
    match source {
        MediaSource::Url(url) => {
            let url = url.trim();
            match check_media_url(url, allow_private).await {
                Ok(()) => Ok(NewMedia::Url(url.to_owned())),
                Err(UrlRefusal::Internal(_)) => {
                    Err(AppError::invalid("media", Msg::MediaUrlInternal))
                }
                Err(_) => Err(AppError::invalid("media", Msg::MessageMediaInvalid)),
            }
        }
        MediaSource::Upload(data) => {
            let encoded = match data.trim().split_once(";base64,") {
                Some((prefix, rest)) if prefix.starts_with("data:") => rest.to_owned(),
                _ => data.trim().to_owned(),
            };
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded.as_bytes())
                .map_err(|_| AppError::invalid("media", Msg::MessageMediaInvalid))?;
            if decoded.is_empty() || decoded.len() > MAX_UPLOAD_BYTES {
                return Err(AppError::invalid("media", Msg::MessageMediaInvalid));
            }
            Ok(NewMedia::Upload {
                base64: encoded,
                bytes: i64::try_from(decoded.len()).unwrap_or(i64::MAX),
            })
        }
    }
}

/// Longest media file name, in characters.
pub const MAX_FILE_NAME_CHARS: usize = 255;

/// The name a document is shown with: its last path component only (a name is
/// not a path, and `../` means nothing to the recipient), without control
/// characters, at most [`MAX_FILE_NAME_CHARS`]. `None` when nothing is left.
fn file_name(name: &str) -> Result<Option<String>, AppError> {
    if name.chars().any(char::is_control) {
        return Err(AppError::invalid("media.fileName", Msg::FileNameInvalid));
    }
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    if last.chars().count() > MAX_FILE_NAME_CHARS {
        return Err(AppError::invalid("media.fileName", Msg::FileNameInvalid));
    }
    Ok(match last {
        "" | "." | ".." => None,
        kept => Some(kept.to_owned()),
    })
}

/// A send request as received.
#[derive(Debug, Clone)]
pub struct SendInput {
    /// Recipient: a phone (any format people write) or a group JID.
    pub to: String,
    /// Text, for a text message.
    pub text: Option<String>,
    /// Media, for a media message.
    pub media: Option<MediaInput>,
    /// Retries with the same key return the same message.
    pub idempotency_key: Option<String>,
    /// How long to wait for a connection (0: fail at once if disconnected).
    pub wait_secs: Option<u64>,
}

fn recipient(to: &str) -> Result<String, AppError> {
    let to = to.trim();
    if let Some(group) = to.strip_suffix("@g.us") {
        if !group.is_empty()
            && group.len() <= 40
            && group.bytes().all(|b| b.is_ascii_digit() || b == b'-')
        {
            return Ok(to.to_owned());
        }
        return Err(AppError::invalid("to", Msg::PhoneNotANumber));
    }
    Phone::parse(to)
        .map(|p| p.digits().to_owned())
        .map_err(|e| AppError::invalid("to", e))
}

/// Validates and queues a message. Returns it and whether it is new (`false`: the
/// idempotency key was used before, and this is that message).
#[tracing::instrument(skip_all, fields(user = %user, instance = %id))]
pub async fn send(
    platform: &Platform,
    user: &UserId,
    id: &InstanceId,
    input: SendInput,
) -> Result<(MessageRecord, bool), AppError> {
    let instance = super::instances::get(platform, user, id).await?;
    // Lost at the provider: nothing could send it; say so now.
    super::provider_lost::refuse(&instance)?;
    let peer = recipient(&input.to)?;
    let (kind, body, media, file_name) = match (input.text, input.media) {
        (Some(text), None) => {
            let text = text.trim().to_owned();
            if text.is_empty() || text.chars().count() > MAX_TEXT_CHARS {
                return Err(AppError::invalid("text", Msg::MessageTextInvalid));
            }
            (MessageKind::Text, Some(text), None, None)
        }
        (None, Some(media)) => {
            if media.kind == MessageKind::Text
                || media
                    .caption
                    .as_ref()
                    .is_some_and(|c| c.chars().count() > 1024)
            {
                return Err(AppError::invalid("media", Msg::MessageMediaInvalid));
            }
            let file_name = media.file_name.as_deref().map(file_name).transpose()?;
            let file = media_file(media.source, platform.allow_private_webhooks).await?;
            (
                media.kind,
                media.caption.filter(|c| !c.trim().is_empty()),
                Some(file),
                file_name.flatten(),
            )
        }
        _ => return Err(AppError::invalid("text", Msg::MessageTextOrMedia)),
    };
    if input
        .idempotency_key
        .as_ref()
        .is_some_and(|k| k.is_empty() || k.len() > 200)
    {
        return Err(AppError::invalid(
            "idempotencyKey",
            Msg::IdempotencyKeyInvalid,
        ));
    }
    let wait = input.wait_secs.unwrap_or(DEFAULT_WAIT_SECS);
    if wait > MAX_WAIT_SECS {
        return Err(AppError::invalid("waitSeconds", Msg::WaitInvalid));
    }
    if wait == 0 && instance.status != InstanceStatus::Connected {
        return Err(AppError::Conflict {
            field: "status",
            message: Msg::NotConnected,
        });
    }
    let now = platform.now();
    let new = NewMessage {
        instance_id: id.clone(),
        peer,
        kind,
        body,
        media,
        file_name,
        idempotency_key: input.idempotency_key,
        expires_at: Some(now.plus_millis(i64::try_from(wait * 1000).unwrap_or(i64::MAX))),
    };
    let (message, created) = platform.store.enqueue_message(new, now).await?;
    if created {
        publish(platform, &instance.user_id, &message);
    }
    Ok((message, created))
}

/// Tells the user's pages a message changed.
pub fn publish(platform: &Platform, user: &UserId, message: &MessageRecord) {
    platform.events.publish(
        user,
        EventKind::MessageStatus,
        serde_json::json!({"id": message.id, "instanceId": message.instance_id, "status": message.status}),
    );
}

/// The pause before the instance's next send: uniform in its configured
/// `[messageDelayMinMs, messageDelayMaxMs]`.
pub fn pacing_ms(instance: &Instance) -> i64 {
    let settings = &instance.settings;
    let min = settings.message_delay_min_ms;
    let max = settings.message_delay_max_ms.max(min);
    let span = (max - min) as f64;
    i64::try_from(min).unwrap_or(0) + (span * jitter()) as i64
}

/// Applies a delivery or read receipt from the provider (other states, such as
/// the server's own ack, are not receipts and change nothing).
pub async fn receipt(
    platform: &Platform,
    instance: &Instance,
    state: &str,
    ids: &[String],
) -> Result<(), AppError> {
    let Some(receipt) = Receipt::from_provider(state) else {
        return Ok(());
    };
    let moved = platform
        .store
        .apply_receipt(&instance.id, ids, receipt, platform.now())
        .await?;
    if moved > 0 {
        platform.events.publish(
            &instance.user_id,
            EventKind::MessageReceipt,
            serde_json::json!({"instanceId": instance.id, "status": receipt.status(), "count": moved}),
        );
    }
    Ok(())
}

/// Records an incoming message once; its text only if the instance keeps texts.
pub async fn incoming(
    platform: &Platform,
    instance: &Instance,
    message: &uazapi::webhook::MessageEvent,
) -> Result<(), AppError> {
    let keep_text = instance.settings.keep_incoming_text;
    let kind = match message.message_type.as_str() {
        "ImageMessage" => MessageKind::Image,
        "VideoMessage" => MessageKind::Video,
        "DocumentMessage" => MessageKind::Document,
        "AudioMessage" => MessageKind::Audio,
        _ => MessageKind::Text,
    };
    let peer = [&message.sender_pn, &message.chatid]
        .into_iter()
        .find(|p| !p.is_empty())
        .map(|p| p.split('@').next().unwrap_or_default().to_owned())
        .unwrap_or_default();
    // Our clock, not the provider's: a provider clock days ahead gave received
    // messages future dates and counted them on the wrong day. The provider's
    // time is kept beside ours, for diagnosis only.
    let at = platform.now();
    let provider_at = message.timestamp_ms.map(Timestamp::from_millis);
    let body = keep_text
        .then_some(message.text.as_str())
        .filter(|t| !t.is_empty());
    if platform
        .store
        .record_incoming(
            &instance.id,
            &message.messageid,
            &peer,
            kind,
            body,
            at,
            provider_at,
        )
        .await?
    {
        platform.events.publish(
            &instance.user_id,
            EventKind::MessageReceived,
            serde_json::json!({"instanceId": instance.id, "from": peer}),
        );
    }
    Ok(())
}

/// A list request as received (query string values).
#[derive(Debug, Clone, Default)]
pub struct ListMessages {
    /// `out` or `in`.
    pub direction: Option<String>,
    /// A message status.
    pub status: Option<String>,
    /// First day (`YYYY-MM-DD`, in the user's time zone), included.
    pub since: Option<String>,
    /// Last day (`YYYY-MM-DD`, in the user's time zone), included.
    pub until: Option<String>,
    /// Page from 1.
    pub page: Option<u32>,
    /// Page size, 1 to 200.
    pub limit: Option<u32>,
}

/// A page of messages.
#[derive(Debug, Clone)]
pub struct MessagePage {
    /// Newest first.
    pub items: Vec<MessageRecord>,
    /// Matching messages in all.
    pub total: i64,
    /// Page number.
    pub page: u32,
    /// Page size.
    pub limit: u32,
}

fn bad_query(message: Msg, field: &str) -> AppError {
    AppError::BadRequest {
        message,
        detail: None,
        field: Some(field.to_owned()),
    }
}

/// A page of one of the user's instances' messages, newest first.
pub async fn list(
    platform: &Platform,
    user: &UserId,
    id: &InstanceId,
    input: ListMessages,
) -> Result<MessagePage, AppError> {
    let direction = match input.direction.as_deref().filter(|d| !d.is_empty()) {
        None => None,
        Some(d) => Some(Direction::parse(d).ok_or_else(|| bad_query(Msg::BadQuery, "direction"))?),
    };
    let status = match input.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => {
            Some(MessageStatus::parse(s).ok_or_else(|| bad_query(Msg::BadStatus, "status"))?)
        }
    };
    let limit = input.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(bad_query(Msg::BadLimit, "limit"));
    }
    let page = input.page.unwrap_or(1);
    if page == 0 {
        return Err(bad_query(Msg::BadPage, "page"));
    }
    let day = |text: Option<&str>, field: &str| match text.map(str::trim).filter(|t| !t.is_empty())
    {
        None => Ok(None),
        Some(t) => Day::parse(t)
            .map(Some)
            .map_err(|_| bad_query(Msg::BadDate, field)),
    };
    let since = day(input.since.as_deref(), "since")?;
    let until = day(input.until.as_deref(), "until")?;
    if let (Some(since), Some(until)) = (since, until)
        && since > until
    {
        return Err(bad_query(Msg::DatesReversed, "since"));
    }
    super::instances::get(platform, user, id).await?;
    // Days are the user's: a message at 21:03 in São Paulo belongs to that day.
    let zone = if since.is_some() || until.is_some() {
        Some(platform.store.time_zone(user).await?)
    } else {
        None
    };
    let filter = MessageFilter {
        direction,
        status,
        since: since.zip(zone.as_ref()).map(|(d, z)| z.start_of(d)),
        before: until
            .zip(zone.as_ref())
            .map(|(d, z)| z.start_of(d.plus_days(1))),
    };
    let (items, total) = platform
        .store
        .list_messages(user, id, filter, page, limit)
        .await?;
    Ok(MessagePage {
        items,
        total,
        page,
        limit,
    })
}
