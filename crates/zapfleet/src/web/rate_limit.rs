//! A fixed-window counter per key (IP address, e-mail), in memory: enough to stop
//! password guessing against one server.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Attempts allowed per key in each window.
#[derive(Debug)]
pub struct RateLimiter {
    limit: u32,
    window: Duration,
    counts: Mutex<HashMap<String, (Instant, u32)>>,
}

impl Default for RateLimiter {
    /// 10 attempts per 15 minutes.
    fn default() -> Self {
        Self::new(10, Duration::from_secs(15 * 60))
    }
}

impl RateLimiter {
    /// `limit` attempts per `window`.
    pub fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit,
            window,
            counts: Mutex::new(HashMap::new()),
        }
    }

    /// Counts an attempt; `false` when the key is over its limit.
    pub fn allow(&self, key: &str) -> bool {
        let mut counts = self
            .counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        if counts.len() > 100_000 {
            counts.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let entry = counts.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= self.limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_a_key_over_its_limit_without_touching_others() {
        let limiter = RateLimiter::new(3, Duration::from_secs(60));
        assert!((0..3).all(|_| limiter.allow("ip:1")));
        assert!(!limiter.allow("ip:1"));
        assert!(limiter.allow("ip:2"));
    }
}
