//! Where services and workers read the time: the system clock in production, a
//! clock a test moves by hand, so "nothing happens in five minutes" is shown by
//! stepping a worker five minutes later instead of waiting.

use crate::domain::Timestamp;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// The time source; cheap to clone (clones of a manual clock share its time).
#[derive(Debug, Clone, Default)]
pub enum Clock {
    /// The operating system's clock.
    #[default]
    System,
    /// A clock that moves only when told to.
    Manual(Arc<AtomicI64>),
}

impl Clock {
    /// A manual clock set to the system's current time.
    pub fn manual() -> Self {
        Self::Manual(Arc::new(AtomicI64::new(Timestamp::now().millis())))
    }

    /// The current time.
    pub fn now(&self) -> Timestamp {
        match self {
            Self::System => Timestamp::now(),
            Self::Manual(ms) => Timestamp::from_millis(ms.load(Ordering::SeqCst)),
        }
    }

    /// Moves a manual clock forward (the system clock cannot be moved).
    pub fn advance(&self, ms: i64) {
        if let Self::Manual(now) = self {
            now.fetch_add(ms, Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told_and_clones_share_it() {
        let clock = Clock::manual();
        let copy = clock.clone();
        let start = clock.now();
        copy.advance(300_000);
        assert_eq!(clock.now().millis_since(start), 300_000);
    }
}
