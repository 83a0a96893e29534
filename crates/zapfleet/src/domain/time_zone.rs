//! A user's time zone: where their days begin and end, and how their clock reads.
//!
//! The IANA database is embedded in the binary (no file is read), so the same
//! instant falls on the same day on every machine.

use super::{Day, Timestamp};
use crate::i18n::Locale;
use std::fmt;

/// The zone a new account gets when its browser does not say (most users are in
/// Brazil; São Paulo's clock is the one of most of its businesses).
pub const DEFAULT_TIME_ZONE: &str = "America/Sao_Paulo";

/// An IANA time zone (`America/Sao_Paulo`, `UTC`, `Europe/Lisbon`…).
#[derive(Clone)]
pub struct TimeZone {
    name: String,
    zone: jiff::tz::TimeZone,
}

/// A name that is not an IANA time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a known IANA time zone")]
pub struct TimeZoneError;

impl TimeZone {
    /// Looks a zone up by its IANA name (case-insensitive); the stored name is
    /// the database's own spelling.
    pub fn parse(name: &str) -> Result<Self, TimeZoneError> {
        let name = name.trim();
        if name.is_empty() || name.len() > 64 {
            return Err(TimeZoneError);
        }
        let zone = jiff::tz::db().get(name).map_err(|_| TimeZoneError)?;
        let name = zone.iana_name().unwrap_or(name).to_owned();
        Ok(Self { name, zone })
    }

    /// A stored name, or the default when it no longer reads (a zone removed
    /// from a later database must not break a page).
    pub fn or_default(name: &str) -> Self {
        Self::parse(name).unwrap_or_default()
    }

    /// The IANA name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Every zone the database knows, sorted, for a picker.
    pub fn all_names() -> Vec<String> {
        let mut names: Vec<String> = jiff::tz::db()
            .available()
            .map(|n| n.as_str().to_owned())
            .collect();
        names.sort();
        names
    }

    fn civil(&self, at: Timestamp) -> Option<jiff::civil::DateTime> {
        let instant = jiff::Timestamp::from_millisecond(at.millis()).ok()?;
        Some(instant.to_zoned(self.zone.clone()).datetime())
    }

    /// The calendar day an instant falls on in this zone.
    pub fn day_of(&self, at: Timestamp) -> Day {
        match self.civil(at).and_then(|dt| {
            time::Date::from_calendar_date(
                i32::from(dt.year()),
                time::Month::try_from(u8::try_from(dt.month()).ok()?).ok()?,
                u8::try_from(dt.day()).ok()?,
            )
            .ok()
        }) {
            Some(date) => Day::from_date(date),
            None => Day::of(at),
        }
    }

    /// The first instant of a calendar day in this zone (where a daylight-saving
    /// change skips midnight, the first instant that exists).
    pub fn start_of(&self, day: Day) -> Timestamp {
        let date = day.date();
        let civil = jiff::civil::Date::new(
            i16::try_from(date.year()).unwrap_or(9999),
            i8::try_from(u8::from(date.month())).unwrap_or(1),
            i8::try_from(date.day()).unwrap_or(1),
        );
        civil
            .ok()
            .and_then(|d| d.to_zoned(self.zone.clone()).ok())
            .map(|z| Timestamp::from_millis(z.timestamp().as_millisecond()))
            // Out of jiff's range (years beyond 9999): UTC midnight.
            .unwrap_or_else(|| Timestamp::from_offset_date_time(date.midnight().assume_utc()))
    }

    /// A date and time as a person reads it in this zone: `30/11/2026 21:03` in
    /// Portuguese, `2026-11-30 21:03` in English.
    pub fn format(&self, at: Timestamp, locale: Locale) -> String {
        let Some(dt) = self.civil(at) else {
            return at.to_rfc3339();
        };
        match locale {
            Locale::PtBr => format!(
                "{:02}/{:02}/{:04} {:02}:{:02}",
                dt.day(),
                dt.month(),
                dt.year(),
                dt.hour(),
                dt.minute()
            ),
            Locale::En => format!(
                "{:04}-{:02}-{:02} {:02}:{:02}",
                dt.year(),
                dt.month(),
                dt.day(),
                dt.hour(),
                dt.minute()
            ),
        }
    }
}

impl Default for TimeZone {
    fn default() -> Self {
        // The embedded database always has it; UTC is the last resort.
        Self::parse(DEFAULT_TIME_ZONE).unwrap_or_else(|_| Self {
            name: "UTC".to_owned(),
            zone: jiff::tz::TimeZone::UTC,
        })
    }
}

impl PartialEq for TimeZone {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for TimeZone {}

impl fmt::Debug for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TimeZone").field(&self.name).finish()
    }
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(rfc3339: &str) -> Timestamp {
        Timestamp::parse_rfc3339(rfc3339).expect("a time")
    }

    #[test]
    fn an_evening_in_sao_paulo_is_still_that_day() {
        let sp = TimeZone::parse("America/Sao_Paulo").expect("zone");
        // 21:03 on 29/11 in São Paulo is 00:03 on 30/11 in UTC.
        let evening = at("2026-11-30T00:03:00Z");
        assert_eq!(sp.day_of(evening).to_string(), "2026-11-29");
        assert_eq!(Day::of(evening).to_string(), "2026-11-30");
        assert_eq!(sp.format(evening, Locale::PtBr), "29/11/2026 21:03");
        assert_eq!(sp.format(evening, Locale::En), "2026-11-29 21:03");
    }

    #[test]
    fn names_are_checked_and_spelled_as_the_database_does() {
        assert_eq!(
            TimeZone::parse("america/sao_paulo").expect("zone").name(),
            "America/Sao_Paulo"
        );
        for bad in ["", "Mars/Olympus", "../../etc/passwd", &"A".repeat(100)] {
            assert!(TimeZone::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(TimeZone::or_default("Nowhere").name(), DEFAULT_TIME_ZONE);
        assert!(TimeZone::all_names().iter().any(|n| n == "America/Manaus"));
    }

    #[test]
    fn a_day_starts_at_local_midnight() {
        let sp = TimeZone::parse("America/Sao_Paulo").expect("zone");
        let day = Day::parse("2026-11-29").expect("day");
        assert_eq!(sp.start_of(day), at("2026-11-29T03:00:00Z"));
        assert_eq!(sp.day_of(sp.start_of(day)), day);
        assert_eq!(
            sp.day_of(sp.start_of(day).plus_millis(-1)),
            day.plus_days(-1)
        );
        let utc = TimeZone::parse("UTC").expect("zone");
        assert_eq!(utc.start_of(day), at("2026-11-29T00:00:00Z"));
    }

    #[test]
    fn daylight_saving_zones_move_the_day_boundary() {
        let lisbon = TimeZone::parse("Europe/Lisbon").expect("zone");
        // Summer time (UTC+1): 23:30 UTC on 30/06 is already 01/07 in Lisbon.
        assert_eq!(
            lisbon.day_of(at("2026-06-30T23:30:00Z")).to_string(),
            "2026-07-01"
        );
        // Winter (UTC+0): 23:30 UTC on 30/11 is still 30/11.
        assert_eq!(
            lisbon.day_of(at("2026-11-30T23:30:00Z")).to_string(),
            "2026-11-30"
        );
    }
}
