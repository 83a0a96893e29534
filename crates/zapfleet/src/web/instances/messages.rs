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
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

/// Messages shown on the page.
const SHOWN: u32 = 20;

#[derive(Template)]
#[template(path = "messages_list.html")]
pub(super) struct MessagesList {
    l: Locale,
    id: String,
    /// (time, outgoing, peer, text, status, status as read, failure reason)
    messages: Vec<(
        When,
        bool,
        String,
        String,
        &'static str,
        &'static str,
        String,
    )>,
    page: u32,
    pages: u32,
    total: i64,
}

/// The list's filters and page, as the filter form and the pager send them.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(super) struct MessageFilters {
    direction: String,
    status: String,
    page: u32,
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
    filters: &MessageFilters,
) -> Result<MessagesList, AppError> {
    let l = signed.visitor.locale;
    let input = |page: u32| ListMessages {
        direction: Some(filters.direction.clone()).filter(|d| !d.is_empty()),
        status: Some(filters.status.clone()).filter(|s| !s.is_empty()),
        page: Some(page.max(1)),
        limit: Some(SHOWN),
    };
    let user = &signed.user.user_id;
    // Filters from a hand-edited request fall back to none.
    let mut page = match messages::list(&state.platform, user, id, input(filters.page)).await {
        Err(AppError::BadRequest { .. }) => {
            messages::list(
                &state.platform,
                user,
                id,
                ListMessages {
                    limit: Some(SHOWN),
                    ..ListMessages::default()
                },
            )
            .await?
        }
        other => other?,
    };
    let pages = u32::try_from(page.total.max(0))
        .unwrap_or(u32::MAX)
        .div_ceil(SHOWN)
        .max(1);
    // A page past the end (fewer messages now) shows the last one.
    if page.page > pages {
        page = messages::list(&state.platform, user, id, input(pages)).await?;
    }
    Ok(MessagesList {
        l,
        id: id.to_string(),
        page: page.page,
        pages,
        total: page.total,
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
                    m.error
                        .as_deref()
                        .map(|e| labels::provider_error(l, e))
                        .unwrap_or_default(),
                )
            })
            .collect(),
    })
}

pub(super) async fn list(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    Query(filters): Query<MessageFilters>,
) -> Result<Response, AppError> {
    let id = InstanceId::from_raw(id);
    Ok(render(
        &messages_list(&state, &signed, &id, &filters).await?,
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct SendForm {
    to: String,
    text: String,
    _csrf: String,
    /// The list's filters, so the list comes back as it was shown.
    direction: String,
    status: String,
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
    let filters = MessageFilters {
        direction: form.direction,
        status: form.status,
        page: 1,
    };
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
        render(&messages_list(&state, &signed, &id, &filters).await?),
        event,
        message,
        kind,
    ))
}
