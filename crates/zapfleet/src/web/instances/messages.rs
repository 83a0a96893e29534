//! The instance page's messages: the latest ones (refreshed live) and the send form.

use super::super::format::When;
use super::super::labels;
use super::super::session::SignedIn;
use super::super::{render, trigger};
use crate::domain::{Direction, InstanceId, Media, MessageKind};
use crate::error::AppError;
use crate::i18n::{Locale, Msg};
use crate::services::messages::{self, ListMessages, MessageRecord, SendInput};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;

/// Messages shown on the page.
const SHOWN: u32 = 20;

#[derive(Template)]
#[template(path = "messages_list.html")]
pub(super) struct MessagesList {
    l: Locale,
    id: String,
    /// (time, outgoing, peer, text, status, status as read)
    messages: Vec<(When, bool, String, String, &'static str, &'static str)>,
}

/// What a message shows as its text: the text or caption, else what its file
/// is (an upload's data is never put on the page).
fn shown_text(l: Locale, m: &MessageRecord) -> String {
    if let Some(body) = m.body.as_ref().filter(|b| !b.is_empty()) {
        return body.clone();
    }
    let kind = l.t(match m.kind {
        MessageKind::Text => return String::new(),
        MessageKind::Image => Msg::KindImage,
        MessageKind::Video => Msg::KindVideo,
        MessageKind::Document => Msg::KindDocument,
        MessageKind::Audio => Msg::KindAudio,
    });
    match (&m.media, &m.file_name) {
        (_, Some(name)) => format!("[{kind}] {name}"),
        (Some(Media::Url(url)), None) => format!("[{kind}] {url}"),
        (Some(Media::Upload { bytes }), None) => format!("[{kind}] {} KB", (bytes + 1023) / 1024),
        (None, None) => format!("[{kind}]"),
    }
}

pub(super) async fn messages_list(
    state: &AppState,
    signed: &SignedIn,
    id: &InstanceId,
) -> Result<MessagesList, AppError> {
    let l = signed.visitor.locale;
    let input = ListMessages {
        limit: Some(SHOWN),
        ..ListMessages::default()
    };
    let page = messages::list(&state.platform, &signed.user.user_id, id, input).await?;
    Ok(MessagesList {
        l,
        id: id.to_string(),
        messages: page
            .items
            .iter()
            .map(|m| {
                (
                    When::of(m.created_at, &signed.user.time_zone, l),
                    m.direction == Direction::Out,
                    m.peer.clone(),
                    shown_text(l, m),
                    m.status.as_str(),
                    labels::message_status(l, m.status),
                )
            })
            .collect(),
    })
}

pub(super) async fn list(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = InstanceId::from_raw(id);
    Ok(render(&messages_list(&state, &signed, &id).await?))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct SendForm {
    to: String,
    text: String,
    _csrf: String,
}

/// The send form: queues the message, answers the list and a toast.
pub(super) async fn send(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<SendForm>,
) -> Result<Response, AppError> {
    signed.visitor.check_csrf(Some(&form._csrf))?;
    let id = InstanceId::from_raw(id);
    let l = signed.visitor.locale;
    let input = SendInput {
        to: form.to,
        text: Some(form.text),
        media: None,
        idempotency_key: None,
        wait_secs: None,
    };
    // A sent message clears the form (`messageSent`); a refused one keeps it.
    let (event, message, kind) =
        match messages::send(&state.platform, &signed.user.user_id, &id, input).await {
            Ok(_) => ("messageSent", l.t(Msg::MessageQueued), "success"),
            Err(AppError::Invalid { message, .. } | AppError::Conflict { message, .. }) => {
                ("toast", l.t(message), "error")
            }
            Err(other) => return Err(other),
        };
    Ok(trigger(
        render(&messages_list(&state, &signed, &id).await?),
        event,
        message,
        kind,
    ))
}
