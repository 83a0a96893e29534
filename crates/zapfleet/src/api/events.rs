//! `GET /api/events`: the caller's live events as Server-Sent Events, resumable
//! with `Last-Event-ID`, with keep-alives.

use super::auth::AuthUser;
use crate::domain::{Event, UserId};
use crate::services::events;
use crate::services::platform::Platform;
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{self, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use std::collections::{HashSet, VecDeque};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::{self, error::RecvError};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The events route.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(events))
}

struct Feed {
    /// Completes when the server stops: the stream ends.
    closing: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>,
    platform: Platform,
    user: UserId,
    backlog: VecDeque<Event>,
    /// Read more from the table once the backlog is sent (it was a full page,
    /// or the stream fell behind the live ones).
    more: bool,
    /// The newest id sent (or the client's `Last-Event-ID`).
    last_id: u64,
    /// Ids sent lately: a live event may also have been replayed.
    sent: Recent,
    live: broadcast::Receiver<Arc<Event>>,
}

/// A bounded memory of ids.
#[derive(Default)]
struct Recent {
    order: VecDeque<u64>,
    ids: HashSet<u64>,
}

impl Recent {
    /// Remembers `id`; `false` if it was already there.
    fn insert(&mut self, id: u64) -> bool {
        if !self.ids.insert(id) {
            return false;
        }
        self.order.push_back(id);
        if self.order.len() > 2048
            && let Some(oldest) = self.order.pop_front()
        {
            self.ids.remove(&oldest);
        }
        true
    }
}

impl Feed {
    /// The next frame to send, if the event was not sent already.
    fn send(&mut self, event: &Event) -> Option<sse::Event> {
        if !self.sent.insert(event.id) {
            return None;
        }
        self.last_id = self.last_id.max(event.id);
        Some(frame(event))
    }

    /// Reads the next page of the user's events after the newest sent.
    async fn read_more(&mut self) {
        match events::replay(&self.platform, &self.user, self.last_id).await {
            Ok(page) => {
                self.more = i64::try_from(page.len()).is_ok_and(|n| n >= events::REPLAY_PAGE);
                self.backlog = page.into();
            }
            Err(error) => {
                tracing::warn!(%error, "cannot replay events");
                self.more = false;
            }
        }
    }
}

fn frame(event: &Event) -> sse::Event {
    sse::Event::default()
        .id(event.id.to_string())
        .event(event.kind.as_str())
        .data(event.data.to_string())
}

/// Live events of your instances: `instance.status` (`{id, status, previous,
/// reason, source, at, profileName, lastConnection}`), `instance.qrcode` (`{id,
/// qrcode, expiresAt}`), `instance.paircode`, `instance.provisioning` (`{id, state,
/// error}`), `instance.created`, `instance.deleted`, `message.status`,
/// `message.receipt`, `message.received`. Each has an `id` (increasing, the same
/// on every server of one database); send it back as `Last-Event-ID` when
/// reconnecting, to any server, to get what you missed (events are kept for a
/// day). A comment line every 15 s keeps the connection open.
#[utoipa::path(get, path = "/events", tag = "events", security(("bearer" = [])),
    params(("Last-Event-ID" = Option<String>, Header, description = "Resume after this event id")),
    responses((status = 200, description = "An event stream", content_type = "text/event-stream", body = String)))]
async fn events(
    State(state): State<AppState>,
    user: AuthUser,
    headers: HeaderMap,
) -> Sse<impl Stream<Item = Result<sse::Event, Infallible>>> {
    let platform = state.platform.clone();
    // Subscribe before reading the backlog, so nothing falls between the two.
    let live = platform.events.subscribe();
    let last_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let closing = Box::pin(platform.events.closing());
    let mut feed = Feed {
        closing,
        platform,
        user: user.user_id,
        backlog: VecDeque::new(),
        more: false,
        last_id: last_id.unwrap_or(0),
        sent: Recent::default(),
        live,
    };
    if last_id.is_some() {
        feed.read_more().await;
    }
    let stream = stream::unfold(feed, |mut feed| async move {
        loop {
            if let Some(event) = feed.backlog.pop_front() {
                match feed.send(&event) {
                    Some(frame) => return Some((Ok(frame), feed)),
                    None => continue,
                }
            }
            if feed.more {
                feed.read_more().await;
                continue;
            }
            let received = tokio::select! {
                received = feed.live.recv() => received,
                () = &mut feed.closing => return None,
            };
            match received {
                Ok(event) if event.user_id == feed.user => {
                    if let Some(frame) = feed.send(&event) {
                        return Some((Ok(frame), feed));
                    }
                }
                Ok(_) => {}
                // Too slow a reader: what was skipped is in the table.
                Err(RecvError::Lagged(_)) => feed.more = true,
                Err(RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
