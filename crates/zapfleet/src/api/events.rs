//! `GET /api/events`: the caller's live events as Server-Sent Events, resumable
//! with `Last-Event-ID`, with keep-alives.

use super::auth::AuthUser;
use crate::domain::UserId;
use crate::events::Event;
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{self, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use std::collections::VecDeque;
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
    hub: Arc<crate::events::EventHub>,
    user: UserId,
    backlog: VecDeque<Arc<Event>>,
    last_id: u64,
    live: broadcast::Receiver<Arc<Event>>,
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
/// error}`), `instance.created`, `instance.deleted`. Each has an `id`; send it back
/// as `Last-Event-ID` when reconnecting to get what you missed (the last few
/// thousand events are kept). A comment line every 15 s keeps the connection open.
#[utoipa::path(get, path = "/events", tag = "events", security(("bearer" = [])),
    params(("Last-Event-ID" = Option<String>, Header, description = "Resume after this event id")),
    responses((status = 200, description = "An event stream", content_type = "text/event-stream", body = String)))]
async fn events(
    State(state): State<AppState>,
    user: AuthUser,
    headers: HeaderMap,
) -> Sse<impl Stream<Item = Result<sse::Event, Infallible>>> {
    let hub = state.platform.events.clone();
    // Subscribe before reading the backlog, so nothing falls between the two.
    let live = hub.subscribe();
    let last_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let backlog: VecDeque<_> = last_id
        .map(|id| hub.since(&user.user_id, id).into())
        .unwrap_or_default();
    let closing = Box::pin(hub.closing());
    let feed = Feed {
        closing,
        hub,
        user: user.user_id,
        last_id: last_id.unwrap_or(0),
        backlog,
        live,
    };
    let stream = stream::unfold(feed, |mut feed| async move {
        loop {
            if let Some(event) = feed.backlog.pop_front() {
                feed.last_id = event.id;
                return Some((Ok(frame(&event)), feed));
            }
            let received = tokio::select! {
                received = feed.live.recv() => received,
                () = &mut feed.closing => return None,
            };
            match received {
                Ok(event) if event.user_id == feed.user && event.id > feed.last_id => {
                    feed.last_id = event.id;
                    return Some((Ok(frame(&event)), feed));
                }
                Ok(_) => {}
                // Too slow a reader: what was skipped is still in the replay memory.
                Err(RecvError::Lagged(_)) => {
                    feed.backlog = feed.hub.since(&feed.user, feed.last_id).into()
                }
                Err(RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
