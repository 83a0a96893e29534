//! This node's live events for `GET /api/events`: a broadcast channel fed with
//! recorded events (see `store::events`) once their transaction has committed,
//! by this node's store and, on PostgreSQL, by the listener that hears every
//! node's (`workers::listener`). An event can come both ways: each is passed on
//! once.

pub use crate::domain::Event;
use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// Event ids remembered to pass each event on once.
const SEEN: usize = 8192;

/// Publishes events to every open stream of this node.
pub struct EventHub {
    sender: broadcast::Sender<Arc<Event>>,
    seen: Mutex<Seen>,
    /// Set when the server stops: open streams end, so shutdown is not held
    /// up by browsers that would keep them open forever.
    closing: tokio::sync::watch::Sender<bool>,
}

#[derive(Default)]
struct Seen {
    order: VecDeque<u64>,
    ids: HashSet<u64>,
}

impl Default for EventHub {
    fn default() -> Self {
        let (sender, _) = broadcast::channel(1024);
        Self {
            sender,
            seen: Mutex::new(Seen::default()),
            closing: tokio::sync::watch::Sender::new(false),
        }
    }
}

impl EventHub {
    /// Sends a recorded event to the user's streams on this node, unless it was
    /// sent already; `false` then.
    pub fn deliver(&self, event: Event) -> bool {
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !seen.ids.insert(event.id) {
            return false;
        }
        seen.order.push_back(event.id);
        if seen.order.len() > SEEN
            && let Some(oldest) = seen.order.pop_front()
        {
            seen.ids.remove(&oldest);
        }
        drop(seen);
        let _ = self.sender.send(Arc::new(event));
        true
    }

    /// Whether the event with this id was sent lately (this node recorded it,
    /// or heard of it already).
    pub fn seen(&self, id: u64) -> bool {
        self.seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .ids
            .contains(&id)
    }

    /// Ends every open stream (the server is stopping); clients reconnect
    /// elsewhere or later with `Last-Event-ID`.
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Completes once [`EventHub::close`] was called.
    pub fn closing(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut closing = self.closing.subscribe();
        async move {
            let _ = closing.wait_for(|closed| *closed).await;
        }
    }

    /// A receiver of every event from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.sender.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{EventKind, Timestamp, UserId};
    use serde_json::Value;

    fn event(id: u64) -> Event {
        Event {
            id,
            user_id: UserId::from_raw("ana"),
            instance_id: None,
            kind: EventKind::InstanceStatus,
            data: Value::from(id),
            at: Timestamp::from_millis(0),
        }
    }

    #[test]
    fn passes_each_event_on_once() {
        let hub = EventHub::default();
        let mut live = hub.subscribe();
        assert!(hub.deliver(event(1)));
        assert!(hub.deliver(event(2)));
        assert!(!hub.deliver(event(1)), "heard again from the listener");
        assert!(hub.seen(2) && !hub.seen(3));
        assert_eq!(live.try_recv().unwrap().id, 1);
        assert_eq!(live.try_recv().unwrap().id, 2);
        assert!(live.try_recv().is_err());
    }

    #[test]
    fn remembers_a_bounded_number_of_ids() {
        let hub = EventHub::default();
        for id in 0..(SEEN as u64 + 10) {
            hub.deliver(event(id));
        }
        let seen = hub.seen.lock().unwrap();
        assert_eq!(seen.ids.len(), SEEN);
        assert!(!seen.ids.contains(&0));
    }
}
