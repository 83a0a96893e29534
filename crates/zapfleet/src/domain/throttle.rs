//! How sign-in failures and sign-up attempts slow a client down: a few are free,
//! then each one more doubles the wait, up to a cap. Counting lives in the store
//! (so limits survive restarts and are shared by servers); the arithmetic is here.

/// A throttle's rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Attempts counted before the first wait.
    pub free: u32,
    /// The first wait, in milliseconds; each further attempt doubles it.
    pub base_ms: i64,
    /// The longest wait, in milliseconds.
    pub cap_ms: i64,
    /// A key left alone this long starts again from zero.
    pub forget_after_ms: i64,
}

const SECOND: i64 = 1_000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;

impl ThrottlePolicy {
    /// Wrong passwords for one e-mail from one client address. Only this pair is
    /// slowed, so nobody can lock the owner out from elsewhere.
    pub const SIGN_IN_PAIR: Self = Self {
        free: 5,
        base_ms: 15 * SECOND,
        cap_ms: 15 * MINUTE,
        forget_after_ms: 24 * HOUR,
    };
    /// Wrong passwords from one client address, whatever the e-mail (spraying).
    pub const SIGN_IN_ADDRESS: Self = Self {
        free: 30,
        base_ms: MINUTE,
        cap_ms: HOUR,
        forget_after_ms: 24 * HOUR,
    };
    /// Sign-up attempts from one client address, successful or not.
    pub const SIGN_UP_ADDRESS: Self = Self {
        free: 5,
        base_ms: MINUTE,
        cap_ms: HOUR,
        forget_after_ms: HOUR,
    };

    /// How long a key must wait after its `count`-th counted attempt; `None`
    /// while attempts are still free.
    pub fn wait_after(&self, count: u32) -> Option<i64> {
        let beyond = count.checked_sub(self.free)?;
        let doubled = self.base_ms.saturating_mul(1_i64 << beyond.min(40));
        Some(doubled.min(self.cap_ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_start_after_the_free_attempts_and_double_up_to_the_cap() {
        let policy = ThrottlePolicy::SIGN_IN_PAIR;
        assert_eq!(policy.wait_after(1), None);
        assert_eq!(policy.wait_after(4), None);
        assert_eq!(policy.wait_after(5), Some(15_000));
        assert_eq!(policy.wait_after(6), Some(30_000));
        assert_eq!(policy.wait_after(7), Some(60_000));
        assert_eq!(policy.wait_after(30), Some(15 * 60_000));
        assert_eq!(policy.wait_after(u32::MAX), Some(15 * 60_000));
    }
}
