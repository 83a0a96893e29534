//! Calendar days, as the daily statistics count them.

use super::Timestamp;
use std::fmt;
use time::macros::format_description;

/// One UTC calendar day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(time::Date);

/// A text that is not a `YYYY-MM-DD` date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a YYYY-MM-DD date")]
pub struct DayError;

impl Day {
    /// The UTC day a point in time falls on.
    pub fn of(at: Timestamp) -> Self {
        Self(at.to_offset_date_time().date())
    }

    /// Reads `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Result<Self, DayError> {
        if text.len() != 10 {
            return Err(DayError);
        }
        time::Date::parse(text, format_description!("[year]-[month]-[day]"))
            .map(Self)
            .map_err(|_| DayError)
    }

    /// From a `time` date.
    pub fn from_date(date: time::Date) -> Self {
        Self(date)
    }

    /// The `time` date.
    pub fn date(self) -> time::Date {
        self.0
    }

    /// `n` days later (earlier when negative); saturates at the calendar's ends.
    pub fn plus_days(self, n: i64) -> Self {
        Self(
            self.0
                .checked_add(time::Duration::days(n))
                .unwrap_or(if n < 0 {
                    time::Date::MIN
                } else {
                    time::Date::MAX
                }),
        )
    }

    /// Days from `self` to `other`, both counted (`[a, a]` is one day).
    pub fn days_through(self, other: Day) -> i64 {
        (other.0 - self.0).whole_days() + 1
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = (self.0.year(), u8::from(self.0.month()), self.0.day());
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl serde::Serialize for Day {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Day {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_writes_and_counts_days() {
        let day = Day::parse("2026-11-30").unwrap();
        assert_eq!(day.to_string(), "2026-11-30");
        assert_eq!(day.plus_days(1).to_string(), "2026-12-01");
        assert_eq!(day.plus_days(-30).to_string(), "2026-10-31");
        assert_eq!(day.days_through(day.plus_days(29)), 30);
        assert_eq!(
            Day::of(Timestamp::from_millis(1_764_374_400_123)).to_string(),
            "2025-11-29"
        );
        for junk in [
            "",
            "2026-1-01",
            "2026-13-01",
            "2026-02-30",
            "20261130",
            "2026-11-30x",
        ] {
            assert!(Day::parse(junk).is_err(), "{junk}");
        }
    }
}
