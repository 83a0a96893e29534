//! Who asked what, per instance token: how many status and connect calls came,
//! and how many were in flight at once at most, so a test can tell that no
//! instance is polled (or reconnected) by two servers at the same time.

use super::World;

/// The calls counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    /// `GET /instance/status`.
    Status,
    /// `POST /instance/connect`.
    Connect,
}

impl Counted {
    /// The counted call at this path, if any.
    pub fn at(path: &str) -> Option<Self> {
        match path {
            "/instance/status" => Some(Self::Status),
            "/instance/connect" => Some(Self::Connect),
            _ => None,
        }
    }
}

/// One kind of call to one instance.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct CallCount {
    /// Calls so far.
    pub total: u64,
    /// Calls now in flight.
    pub in_flight: u64,
    /// The most in flight at once so far.
    pub max_in_flight: u64,
}

impl World {
    fn count_mut(&mut self, token: &str, kind: Counted) -> &mut CallCount {
        let counts = self.calls.entry(token.to_owned()).or_default();
        match kind {
            Counted::Status => &mut counts.0,
            Counted::Connect => &mut counts.1,
        }
    }

    /// A counted call to the instance with this token starts.
    pub fn call_started(&mut self, token: &str, kind: Counted) {
        let count = self.count_mut(token, kind);
        count.total += 1;
        count.in_flight += 1;
        count.max_in_flight = count.max_in_flight.max(count.in_flight);
    }

    /// A counted call ends (answered, failed, or its client went away).
    pub fn call_ended(&mut self, token: &str, kind: Counted) {
        let count = self.count_mut(token, kind);
        count.in_flight = count.in_flight.saturating_sub(1);
    }

    /// The status and connect calls to the instance with this token.
    pub fn calls(&self, token: &str) -> (CallCount, CallCount) {
        self.calls.get(token).copied().unwrap_or_default()
    }
}
