//! Usage counters: what an instance (or all of a user's) did in a day or a period.

use super::Day;
use serde::Serialize;

/// Counts of one day or of a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    /// Messages accepted by WhatsApp.
    pub sent: i64,
    /// Messages received.
    pub received: i64,
    /// Messages given up.
    pub failed: i64,
    /// Messages delivered.
    pub delivered: i64,
    /// Messages read.
    pub read: i64,
    /// Connections lost.
    pub disconnections: i64,
    /// Milliseconds connected.
    pub connected_ms: i64,
}

impl std::ops::AddAssign for Usage {
    fn add_assign(&mut self, other: Usage) {
        self.sent += other.sent;
        self.received += other.received;
        self.failed += other.failed;
        self.delivered += other.delivered;
        self.read += other.read;
        self.disconnections += other.disconnections;
        self.connected_ms += other.connected_ms;
    }
}

/// One day of usage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DayUsage {
    /// The UTC day, `YYYY-MM-DD`.
    #[schema(value_type = String, example = "2026-11-30")]
    pub day: Day,
    /// Its counts.
    #[serde(flatten)]
    pub usage: Usage,
}

impl Usage {
    /// The sum of several days.
    pub fn total(days: &[DayUsage]) -> Usage {
        days.iter().fold(Usage::default(), |mut total, d| {
            total += d.usage;
            total
        })
    }

    /// Share of `days` days spent connected, 0 to 100.
    pub fn uptime_percent(&self, days: i64) -> f64 {
        let period = days.max(1) as f64 * 86_400_000.0;
        (self.connected_ms as f64 / period * 100.0).clamp(0.0, 100.0)
    }
}

/// Every day of `[from, to]`, zeros where nothing was recorded (for charts).
pub fn fill_days(recorded: &[DayUsage], from: Day, to: Day) -> Vec<DayUsage> {
    (0..from.days_through(to).max(0))
        .map(|n| {
            let day = from.plus_days(n);
            recorded
                .iter()
                .find(|d| d.day == day)
                .copied()
                .unwrap_or(DayUsage {
                    day,
                    usage: Usage::default(),
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_missing_days_with_zeros_and_sums() {
        let from = Day::parse("2026-11-28").unwrap();
        let recorded = [DayUsage {
            day: from.plus_days(1),
            usage: Usage {
                sent: 3,
                connected_ms: 43_200_000,
                ..Usage::default()
            },
        }];
        let days = fill_days(&recorded, from, from.plus_days(2));
        assert_eq!(days.len(), 3);
        assert_eq!(days[0].usage, Usage::default());
        assert_eq!(days[1].usage.sent, 3);
        let total = Usage::total(&days);
        assert_eq!(total.sent, 3);
        assert!((total.uptime_percent(3) - 100.0 / 6.0).abs() < 1e-9);
        let json = serde_json::to_value(days[1]).unwrap();
        assert_eq!(json["day"], "2026-11-29");
        assert_eq!(json["connectedMs"], 43_200_000);
    }
}
