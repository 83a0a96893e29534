//! The instance page's send form: a text, or a file (uploaded from the
//! computer or given by its address) with a caption. Sent as multipart, so a
//! file travels as bytes, not as base64 typed by hand.

use super::super::multipart;
use super::super::session::SignedIn;
use super::super::{render, trigger};
use super::messages::{MessageFilters, messages_list};
use crate::domain::{InstanceId, MessageKind};
use crate::error::AppError;
use crate::i18n::Msg;
use crate::services::messages::{self, MAX_UPLOAD_BYTES, MediaInput, MediaSource, SendInput};
use crate::state::AppState;
use axum::extract::multipart::Field;
use axum::extract::{Multipart, Path, State};
use axum::response::Response;
use base64::Engine;

/// The body limit of the send form: the largest file plus the other fields.
pub(super) const BODY_LIMIT: usize = MAX_UPLOAD_BYTES + 256 * 1024;

/// Largest text field (a message is at most 4,096 characters, 4 bytes each).
const MAX_FIELD: usize = 20 * 1024;

/// What the form carried.
#[derive(Default)]
struct SendForm {
    csrf: String,
    to: String,
    kind: String,
    text: String,
    url: String,
    caption: String,
    /// The uploaded file: its name and bytes (empty when none was chosen).
    file: Option<(Option<String>, Vec<u8>)>,
    list: MessageFilters,
}

async fn text(field: Field<'_>) -> Result<String, AppError> {
    multipart::text(field, MAX_FIELD).await
}

async fn read(mut multipart: Multipart) -> Result<SendForm, AppError> {
    let mut form = SendForm::default();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(multipart::unreadable)?
    {
        match field.name().unwrap_or_default() {
            "_csrf" => form.csrf = text(field).await?,
            "to" => form.to = text(field).await?,
            "kind" => form.kind = text(field).await?,
            "text" => form.text = text(field).await?,
            "url" => form.url = text(field).await?,
            "caption" => form.caption = text(field).await?,
            "file" => {
                let name = field.file_name().map(str::to_owned);
                let data = multipart::bytes(field, MAX_UPLOAD_BYTES, || {
                    AppError::invalid("media", Msg::MessageMediaInvalid)
                })
                .await?;
                form.file = (!data.is_empty()).then_some((name, data));
            }
            "direction" => form.list.direction = text(field).await?,
            "status" => form.list.status = text(field).await?,
            "since" => form.list.since = text(field).await?,
            "until" => form.list.until = text(field).await?,
            _ => {}
        }
    }
    Ok(form)
}

/// The message the form describes.
fn input(form: SendForm) -> Result<SendInput, AppError> {
    let kind = match form.kind.as_str() {
        "" | "text" => None,
        other => Some(
            MessageKind::parse(other)
                .ok_or_else(|| AppError::invalid("kind", Msg::MessageMediaInvalid))?,
        ),
    };
    let media = match kind {
        None | Some(MessageKind::Text) => None,
        Some(kind) => {
            let url = form.url.trim();
            let (source, file_name) = match (form.file, url.is_empty()) {
                (Some((name, data)), true) => (
                    MediaSource::Upload(base64::engine::general_purpose::STANDARD.encode(data)),
                    name,
                ),
                (None, false) => (MediaSource::Url(url.to_owned()), None),
                _ => return Err(AppError::invalid("media", Msg::MediaFileOrUrl)),
            };
            Some(MediaInput {
                kind,
                source,
                caption: Some(form.caption).filter(|c| !c.trim().is_empty()),
                file_name,
            })
        }
    };
    Ok(SendInput {
        to: form.to,
        text: media.is_none().then_some(form.text),
        media,
        idempotency_key: None,
        wait_secs: None,
    })
}

/// Queues the message; answers the list (as it was shown) and a toast. A sent
/// message clears the form (`messageSent`); a refused one keeps it.
pub(super) async fn send(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let l = signed.visitor.locale;
    let outcome = read(multipart).await;
    // The token is checked before anything else is answered.
    let csrf = outcome
        .as_ref()
        .map(|f| f.csrf.as_str())
        .unwrap_or_default();
    signed.visitor.check_csrf(Some(csrf))?;
    let id = InstanceId::from_raw(id);
    let mut list = MessageFilters::default();
    let sent = match outcome {
        Ok(form) => {
            list = MessageFilters {
                page: 1,
                ..form.list.clone()
            };
            match input(form) {
                Ok(input) => {
                    messages::send(&state.platform, &signed.user.user_id, &id, input).await
                }
                Err(refused) => Err(refused),
            }
        }
        Err(refused) => Err(refused),
    };
    let (event, message, kind) = match sent {
        Ok(_) => ("messageSent", l.t(Msg::MessageQueued), "success"),
        Err(AppError::Invalid { message, .. } | AppError::Conflict { message, .. }) => {
            ("toast", l.t(message), "error")
        }
        Err(other) => return Err(other),
    };
    Ok(trigger(
        render(&messages_list(&state, &signed, &id, &list).await?),
        event,
        message,
        kind,
    ))
}
