//! Live events for `GET /api/events`: a broadcast channel plus a short memory of
//! recent events, so a client that reconnects with `Last-Event-ID` misses nothing.

use crate::domain::{EventKind, Timestamp, UserId};
use serde_json::Value;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// Events kept for replay.
const REPLAY: usize = 4096;

/// One event for one user's streams.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Increasing id (starts at the process start time × 1000, so ids keep
    /// increasing across restarts).
    pub id: u64,
    /// Whose event it is.
    pub user_id: UserId,
    /// What happened.
    pub kind: EventKind,
    /// The payload.
    pub data: Value,
}

/// Publishes events to every open stream.
pub struct EventHub {
    sender: broadcast::Sender<Arc<Event>>,
    recent: Mutex<VecDeque<Arc<Event>>>,
    next_id: AtomicU64,
    /// Set when the server stops: open streams end, so shutdown is not held
    /// up by browsers that would keep them open forever.
    closing: tokio::sync::watch::Sender<bool>,
}

impl Default for EventHub {
    fn default() -> Self {
        let (sender, _) = broadcast::channel(1024);
        let start = u64::try_from(Timestamp::now().millis()).unwrap_or_default() * 1000;
        Self {
            sender,
            recent: Mutex::new(VecDeque::with_capacity(REPLAY)),
            next_id: AtomicU64::new(start),
            closing: tokio::sync::watch::Sender::new(false),
        }
    }
}

impl EventHub {
    /// Sends an event to the user's streams.
    pub fn publish(&self, user_id: &UserId, kind: EventKind, data: Value) {
        let mut recent = self
            .recent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Ids are taken under the lock so the replay buffer stays in order.
        let id = self.next_id.fetch_add(1, Ordering::SeqCst) + 1;
        let event = Arc::new(Event {
            id,
            user_id: user_id.clone(),
            kind,
            data,
        });
        if recent.len() == REPLAY {
            recent.pop_front();
        }
        recent.push_back(event.clone());
        drop(recent);
        let _ = self.sender.send(event);
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

    /// The user's remembered events after `last_id`, oldest first.
    pub fn since(&self, user_id: &UserId, last_id: u64) -> Vec<Arc<Event>> {
        let recent = self
            .recent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        recent
            .iter()
            .filter(|e| e.id > last_id && e.user_id == *user_id)
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replays_only_the_users_later_events() {
        let hub = EventHub::default();
        let (ana, bia) = (UserId::from_raw("ana"), UserId::from_raw("bia"));
        hub.publish(&ana, EventKind::InstanceStatus, Value::from(1));
        hub.publish(&bia, EventKind::InstanceStatus, Value::from(2));
        hub.publish(&ana, EventKind::InstanceStatus, Value::from(3));
        let all = hub.since(&ana, 0);
        assert_eq!(all.len(), 2);
        assert!(all[0].id < all[1].id);
        assert_eq!(hub.since(&ana, all[0].id).len(), 1);
        assert_eq!(hub.since(&bia, 0)[0].data, Value::from(2));
    }
}
