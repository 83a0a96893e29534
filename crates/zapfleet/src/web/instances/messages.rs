//! The instance page's messages: the latest ones (filtered, paged, refreshed
//! live), and "Tentar de novo" on a failed one.

use super::super::format::When;
use super::super::labels;
use super::super::session::SignedIn;
use super::super::{render, trigger};
use crate::domain::{Direction, InstanceId, Media, MessageId, MessageKind, MessageStatus};
use crate::error::AppError;
use crate::i18n::{Locale, Msg};
use crate::services::message_retry;
use crate::services::messages::{self, ListMessages, MessageRecord};
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
    messages: Vec<Line>,
    page: u32,
    pages: u32,
    total: i64,
}

/// One message as a row of the list.
struct Line {
    id: String,
    at: When,
    outgoing: bool,
    peer: String,
    text: String,
    status: &'static str,
    status_label: &'static str,
    /// Why it failed, in the page's language.
    error: String,
    /// A failed outgoing message: offers "Tentar de novo".
    retriable: bool,
}

/// The list's filters and page, as the filter form and the pager send them.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(super) struct MessageFilters {
    pub(super) direction: String,
    pub(super) status: String,
    pub(super) since: String,
    pub(super) until: String,
    pub(super) page: u32,
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
        since: Some(filters.since.clone()).filter(|s| !s.is_empty()),
        until: Some(filters.until.clone()).filter(|s| !s.is_empty()),
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
            .map(|m| Line {
                id: m.id.to_string(),
                at: When::of(m.created_at, &signed.user.time_zone, l),
                outgoing: m.direction == Direction::Out,
                peer: m.peer.clone(),
                text: shown_text(l, m),
                status: m.status.as_str(),
                status_label: labels::message_status(l, m.status),
                error: m
                    .error
                    .as_deref()
                    .map(|e| labels::provider_error(l, e))
                    .unwrap_or_default(),
                retriable: m.direction == Direction::Out && m.status == MessageStatus::Failed,
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

/// "Tentar de novo" on a failed message: queues it again, answers the list
/// (as it was shown) and a toast.
pub(super) async fn retry(
    State(state): State<AppState>,
    signed: SignedIn,
    Path((id, message)): Path<(String, String)>,
    Form(filters): Form<MessageFilters>,
) -> Result<Response, AppError> {
    // htmx sends the token as a header; the body is the list's filters.
    signed.visitor.check_csrf(None)?;
    let id = InstanceId::from_raw(id);
    let l = signed.visitor.locale;
    let outcome = message_retry::retry(
        &state.platform,
        &signed.user.user_id,
        &id,
        &MessageId::from_raw(message),
    )
    .await;
    let (message, kind) = match outcome {
        Ok(_) => (l.t(Msg::MessageRetried), "success"),
        // Retried in another tab, or sent meanwhile: the fresh list shows it.
        Err(AppError::Conflict { message, .. }) => (l.t(message), "error"),
        Err(other) => return Err(other),
    };
    Ok(trigger(
        render(&messages_list(&state, &signed, &id, &filters).await?),
        "toast",
        message,
        kind,
    ))
}
