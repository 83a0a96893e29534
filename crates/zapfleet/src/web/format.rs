//! Numbers, dates and times as a person in the page's language reads them:
//! `1.234`, `99,5%`, `30/11/2026 21:03` and `30/11` in Portuguese; `1,234`,
//! `99.5%`, `2026-11-30 21:03` and `11/30` in English. Times are in the
//! user's own time zone.

use crate::domain::{Day, TimeZone, Timestamp};
use crate::i18n::Locale;
use std::fmt;

/// A point in time for a `<time>` element: the machine-readable instant and the
/// text the user reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct When {
    /// RFC 3339, for the `datetime` attribute.
    pub iso: String,
    /// In the user's zone and language.
    pub text: String,
}

impl When {
    /// `at` for this user.
    pub fn of(at: Timestamp, zone: &TimeZone, l: Locale) -> Self {
        Self {
            iso: at.to_rfc3339(),
            text: zone.format(at, l),
        }
    }
}

impl fmt::Display for When {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A whole number with the language's thousands separator.
pub fn number(n: i64, l: Locale) -> String {
    let digits = n.unsigned_abs().to_string();
    let separator = match l {
        Locale::PtBr => '.',
        Locale::En => ',',
    };
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(c);
    }
    out
}

/// A percentage with one decimal, `99,5%` in Portuguese.
pub fn percent(value: f64, l: Locale) -> String {
    let text = format!("{:.1}%", value);
    match l {
        Locale::PtBr => text.replace('.', ","),
        Locale::En => text,
    }
}

/// A file's size for people: KB under a megabyte, MB above, with the
/// language's separators (`1.536 KB`, `2,5 MB`).
pub fn file_size(bytes: u64, l: Locale) -> String {
    if bytes < 1_048_576 {
        format!(
            "{} KB",
            number(i64::try_from(bytes.div_ceil(1024)).unwrap_or(i64::MAX), l)
        )
    } else {
        let text = format!("{:.1} MB", bytes as f64 / 1_048_576.0);
        match l {
            Locale::PtBr => text.replace('.', ","),
            Locale::En => text,
        }
    }
}

/// A day of a chart's axis: `30/11` in Portuguese, `11/30` in English.
pub fn short_day(day: Day, l: Locale) -> String {
    let date = day.date();
    let (d, m) = (date.day(), u8::from(date.month()));
    match l {
        Locale::PtBr => format!("{d:02}/{m:02}"),
        Locale::En => format!("{m:02}/{d:02}"),
    }
}

/// A whole day: `30/11/2026` in Portuguese, `2026-11-30` in English.
pub fn long_day(day: Day, l: Locale) -> String {
    let date = day.date();
    match l {
        Locale::PtBr => format!(
            "{:02}/{:02}/{:04}",
            date.day(),
            u8::from(date.month()),
            date.year()
        ),
        Locale::En => day.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_sizes_use_the_languages_decimal_mark() {
        assert_eq!(file_size(1, Locale::PtBr), "1 KB");
        assert_eq!(file_size(1_000_000, Locale::PtBr), "977 KB");
        assert_eq!(file_size(2_621_440, Locale::PtBr), "2,5 MB");
        assert_eq!(file_size(2_621_440, Locale::En), "2.5 MB");
        assert_eq!(file_size(5_000 * 1_048_576, Locale::PtBr), "5000,0 MB");
    }

    #[test]
    fn numbers_read_the_brazilian_way_in_portuguese() {
        assert_eq!(number(0, Locale::PtBr), "0");
        assert_eq!(number(999, Locale::PtBr), "999");
        assert_eq!(number(1_234, Locale::PtBr), "1.234");
        assert_eq!(number(-1_234_567, Locale::PtBr), "-1.234.567");
        assert_eq!(number(1_234_567, Locale::En), "1,234,567");
        assert_eq!(percent(0.0, Locale::PtBr), "0,0%");
        assert_eq!(percent(99.54, Locale::PtBr), "99,5%");
        assert_eq!(percent(99.54, Locale::En), "99.5%");
        let day = Day::parse("2026-11-03").expect("day");
        assert_eq!(short_day(day, Locale::PtBr), "03/11");
        assert_eq!(short_day(day, Locale::En), "11/03");
        assert_eq!(long_day(day, Locale::PtBr), "03/11/2026");
    }
}
