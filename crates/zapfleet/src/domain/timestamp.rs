//! Points in time, stored as Unix milliseconds so one column type serves SQLite and
//! PostgreSQL alike.

use serde::{Serialize, Serializer};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A point in time with millisecond precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The current time.
    pub fn now() -> Self {
        let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos();
        Self(i64::try_from(nanos / 1_000_000).unwrap_or(i64::MAX))
    }

    /// From Unix milliseconds, as stored.
    pub fn from_millis(ms: i64) -> Self {
        Self(ms)
    }

    /// Unix milliseconds, as stored.
    pub fn millis(self) -> i64 {
        self.0
    }

    /// RFC 3339 in UTC, e.g. `2026-11-29T10:00:00.123Z`.
    pub fn to_rfc3339(self) -> String {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000_000)
            .ok()
            .and_then(|t| t.format(&Rfc3339).ok())
            .unwrap_or_default()
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_rfc3339())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_as_rfc3339_utc() {
        assert_eq!(
            Timestamp::from_millis(1_764_374_400_123).to_rfc3339(),
            "2025-11-29T00:00:00.123Z"
        );
    }
}
