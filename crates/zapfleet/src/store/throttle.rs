//! Counters behind the sign-in and sign-up limits (`auth_throttle`), kept in the
//! database so a restart forgets nothing and every server shares them.
//!
//! An attempt is counted *before* it is checked, and the count that reaches the
//! free allowance closes the gate provisionally, so a burst of parallel requests
//! cannot slip through before the first failure is written.

use super::sql::Sql;
use super::{Store, StoreError};
use crate::domain::{ThrottlePolicy, Timestamp};

/// Whether an attempt may go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Counted as the `count`-th attempt of its window.
    Open {
        /// Attempts counted so far, this one included.
        count: u32,
    },
    /// The key must wait until then (nothing was counted).
    Closed {
        /// When the next attempt is allowed.
        until: Timestamp,
    },
}

impl Store {
    /// Counts an attempt for `key` unless it must wait.
    pub async fn throttle_enter(
        &self,
        key: &str,
        policy: ThrottlePolicy,
        now: Timestamp,
    ) -> Result<Gate, StoreError> {
        let stale_before = now.plus_millis(-policy.forget_after_ms);
        // Held until the attempt is settled: failure sets the real wait, success clears it.
        let provisional = now.plus_millis(policy.cap_ms);
        let first_closes = (policy.free <= 1).then_some(provisional);
        let counted: Option<(i64,)> = self
            .fetch_optional(
                Sql::new(
                    r#"INSERT INTO auth_throttle (key, failures, "firstAt", "blockedUntil", "updatedAt")
                       VALUES ($1, 1, $2, $3, $2)
                       ON CONFLICT (key) DO UPDATE SET
                         failures = CASE WHEN auth_throttle."updatedAt" < $4 THEN 1 ELSE auth_throttle.failures + 1 END,
                         "firstAt" = CASE WHEN auth_throttle."updatedAt" < $4 THEN $2 ELSE auth_throttle."firstAt" END,
                         "blockedUntil" = CASE
                           WHEN (CASE WHEN auth_throttle."updatedAt" < $4 THEN 1 ELSE auth_throttle.failures + 1 END) >= $5
                           THEN $6 ELSE NULL END,
                         "updatedAt" = $2
                       WHERE auth_throttle."blockedUntil" IS NULL OR auth_throttle."blockedUntil" <= $2
                       RETURNING CAST(failures AS BIGINT)"#,
                )
                .bind(key)
                .bind(now)
                .bind(first_closes)
                .bind(stale_before)
                .bind(i64::from(policy.free))
                .bind(provisional),
            )
            .await?;
        if let Some((count,)) = counted {
            return Ok(Gate::Open {
                count: u32::try_from(count).unwrap_or(u32::MAX),
            });
        }
        let until: Option<(Option<Timestamp>,)> = self
            .fetch_optional(
                Sql::new(r#"SELECT "blockedUntil" FROM auth_throttle WHERE key = $1"#).bind(key),
            )
            .await?;
        Ok(Gate::Closed {
            until: until.and_then(|(t,)| t).unwrap_or(provisional),
        })
    }

    /// Settles a counted attempt that failed: the key waits as its policy says
    /// for `count` attempts (or not at all while they are free).
    pub async fn throttle_fail(
        &self,
        key: &str,
        policy: ThrottlePolicy,
        count: u32,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let until = policy.wait_after(count).map(|ms| now.plus_millis(ms));
        self.execute(
            Sql::new(r#"UPDATE auth_throttle SET "blockedUntil" = $2 WHERE key = $1"#)
                .bind(key)
                .bind(until),
        )
        .await?;
        Ok(())
    }

    /// Settles a counted attempt that succeeded: it no longer counts, and the
    /// gate opens.
    pub async fn throttle_forgive(&self, key: &str) -> Result<(), StoreError> {
        self.execute(
            Sql::new(
                r#"UPDATE auth_throttle SET failures = CASE WHEN failures > 0 THEN failures - 1 ELSE 0 END,
                   "blockedUntil" = NULL WHERE key = $1"#,
            )
            .bind(key),
        )
        .await?;
        Ok(())
    }

    /// Forgets a key entirely (a right password resets its pair).
    pub async fn throttle_clear(&self, key: &str) -> Result<(), StoreError> {
        self.execute(Sql::new("DELETE FROM auth_throttle WHERE key = $1").bind(key))
            .await?;
        Ok(())
    }

    /// Removes counters untouched since `before` and not waiting any more.
    pub async fn purge_throttles(&self, before: Timestamp) -> Result<u64, StoreError> {
        self.execute(
            Sql::new(
                r#"DELETE FROM auth_throttle WHERE "updatedAt" < $1
                   AND ("blockedUntil" IS NULL OR "blockedUntil" < $1)"#,
            )
            .bind(before),
        )
        .await
    }
}
