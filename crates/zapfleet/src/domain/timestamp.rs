//! Points in time with millisecond precision (`timestamptz` on PostgreSQL, Unix
//! milliseconds on SQLite).

use serde::{Serialize, Serializer};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A point in time with millisecond precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The system's current time. Services and workers ask their
    /// [`Clock`](crate::clock::Clock) instead, so tests can move time.
    pub fn now() -> Self {
        Self::from_offset_date_time(OffsetDateTime::now_utc())
    }

    /// From Unix milliseconds.
    pub const fn from_millis(ms: i64) -> Self {
        Self(ms)
    }

    /// Unix milliseconds.
    pub fn millis(self) -> i64 {
        self.0
    }

    /// This time plus `ms` milliseconds (minus, when negative).
    pub fn plus_millis(self, ms: i64) -> Self {
        Self(self.0.saturating_add(ms))
    }

    /// Milliseconds from `earlier` to this time.
    pub fn millis_since(self, earlier: Timestamp) -> i64 {
        self.0.saturating_sub(earlier.0)
    }

    /// From a `time` value (sub-millisecond digits are dropped).
    pub fn from_offset_date_time(at: OffsetDateTime) -> Self {
        Self(i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX))
    }

    /// As a `time` value in UTC (the epoch if out of `time`'s range).
    pub fn to_offset_date_time(self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// Reads RFC 3339 (any offset); `None` if it is not a time.
    pub fn parse_rfc3339(text: &str) -> Option<Self> {
        OffsetDateTime::parse(text, &Rfc3339)
            .ok()
            .map(Self::from_offset_date_time)
    }

    /// RFC 3339 in UTC, e.g. `2026-11-29T10:00:00.123Z`.
    pub fn to_rfc3339(self) -> String {
        self.to_offset_date_time()
            .format(&Rfc3339)
            .unwrap_or_default()
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse_rfc3339(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("not an RFC 3339 time: {text:?}")))
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

    #[test]
    fn reads_back_what_it_writes() {
        let at = Timestamp::from_millis(1_764_374_400_123);
        assert_eq!(Timestamp::parse_rfc3339(&at.to_rfc3339()), Some(at));
        assert_eq!(
            Timestamp::parse_rfc3339("2025-11-28T21:00:00.123-03:00"),
            Some(at)
        );
        assert_eq!(Timestamp::parse_rfc3339("ontem"), None);
    }

    #[test]
    fn round_trips_through_time_values() {
        let at = Timestamp::from_millis(1_764_374_400_123);
        assert_eq!(
            Timestamp::from_offset_date_time(at.to_offset_date_time()),
            at
        );
        assert_eq!(at.plus_millis(877).millis_since(at), 877);
    }
}
