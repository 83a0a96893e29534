//! Nodes: the `zapfleet serve` processes sharing one database. Each beats a
//! heartbeat; one whose last beat is older than the timeout is dead, and the
//! work it had claimed is taken over by the others.

use super::Timestamp;

/// Whether a node still counts as running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeLiveness {
    /// Its heartbeat is recent.
    Live,
    /// Its heartbeat is older than the timeout: stopped, killed or cut off.
    Dead,
}

impl NodeLiveness {
    /// A node last seen at `heartbeat_at` is live at `now` while its beat is
    /// at most `dead_after_ms` old.
    pub fn at(heartbeat_at: Timestamp, now: Timestamp, dead_after_ms: i64) -> Self {
        if now.millis_since(heartbeat_at) <= dead_after_ms {
            Self::Live
        } else {
            Self::Dead
        }
    }

    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::Dead => "dead",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_is_dead_once_its_heartbeat_is_older_than_the_timeout() {
        let beat = Timestamp::from_millis(10_000);
        let at = |ms| NodeLiveness::at(beat, Timestamp::from_millis(ms), 15_000);
        assert_eq!(at(10_000), NodeLiveness::Live);
        assert_eq!(at(25_000), NodeLiveness::Live);
        assert_eq!(at(25_001), NodeLiveness::Dead);
    }
}
