//! Usage statistics of one instance or of all of a user's, per day and in total.

use super::platform::Platform;
use crate::domain::stats::fill_days;
use crate::domain::{Day, DayUsage, InstanceId, TimeZone, Usage, UserId};
use crate::error::AppError;
use crate::i18n::Msg;

/// A period of whole days of the user's calendar, `from` to `to` included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// First day.
    pub from: Day,
    /// Last day.
    pub to: Day,
}

impl Period {
    /// The last `days` days, today included.
    pub fn last_days(today: Day, days: i64) -> Self {
        Self {
            from: today.plus_days(1 - days.max(1)),
            to: today,
        }
    }

    /// Reads `from`/`to` (`YYYY-MM-DD`; by default the last 30 days).
    pub fn parse(from: Option<&str>, to: Option<&str>, today: Day) -> Result<Self, AppError> {
        let day =
            |text: Option<&str>, field: &str, default: Day| match text.filter(|t| !t.is_empty()) {
                None => Ok(default),
                Some(text) => Day::parse(text).map_err(|_| AppError::BadRequest {
                    message: Msg::BadDay,
                    detail: None,
                    field: Some(field.to_owned()),
                }),
            };
        let default = Self::last_days(today, 30);
        let period = Self {
            from: day(from, "from", default.from)?,
            to: day(to, "to", default.to)?,
        };
        if period.from > period.to || period.from.days_through(period.to) > 3_660 {
            return Err(AppError::BadRequest {
                message: Msg::BadPeriod,
                detail: None,
                field: Some("from".into()),
            });
        }
        Ok(period)
    }

    /// How many days it spans.
    pub fn days(&self) -> i64 {
        self.from.days_through(self.to)
    }
}

/// Usage over a period.
#[derive(Debug, Clone, PartialEq)]
pub struct StatsView {
    /// The period.
    pub period: Period,
    /// Days with activity, oldest first (every day of the period with `fill`).
    pub days: Vec<DayUsage>,
    /// Sums over the period.
    pub total: Usage,
    /// Share of the period spent connected, 0 to 100.
    pub uptime_percent: f64,
}

/// Usage of one of the user's instances (or of all, with `None`). With `fill`,
/// days without activity are listed with zeros (for charts).
pub async fn usage(
    platform: &Platform,
    user: &UserId,
    instance: Option<&InstanceId>,
    period: Period,
    fill: bool,
) -> Result<StatsView, AppError> {
    if let Some(id) = instance {
        super::instances::get(platform, user, id).await?;
    }
    let recorded = platform
        .store
        .daily_stats(user, instance, period.from, period.to)
        .await?;
    let total = Usage::total(&recorded);
    Ok(StatsView {
        period,
        days: if fill {
            fill_days(&recorded, period.from, period.to)
        } else {
            recorded
        },
        uptime_percent: total.uptime_percent(period.days()),
        total,
    })
}

/// Today, on the platform's clock, in the user's time zone (their counters
/// are cut at their own midnight).
pub async fn today(platform: &Platform, user: &UserId) -> Result<Day, AppError> {
    let zone = platform.store.time_zone(user).await?;
    Ok(today_in(platform, &zone))
}

/// Today in a zone already known (a signed-in user's, read with the session).
pub fn today_in(platform: &Platform, zone: &TimeZone) -> Day {
    zone.day_of(platform.now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_default_to_the_last_30_days_and_refuse_nonsense() {
        let today = Day::parse("2026-11-30").unwrap();
        let period = Period::parse(None, None, today).unwrap();
        assert_eq!(period.from.to_string(), "2026-11-01");
        assert_eq!(period.days(), 30);
        assert!(Period::parse(Some("2026-12-01"), Some("2026-11-01"), today).is_err());
        assert!(Period::parse(Some("2026-13-01"), None, today).is_err());
        assert!(
            Period::parse(Some("2000-01-01"), None, today).is_err(),
            "decades"
        );
        assert_eq!(Period::last_days(today, 14).from.to_string(), "2026-11-17");
    }
}
