//! Small SVG charts drawn on the server: readable without JavaScript, and made
//! only of numbers and fixed labels (nothing from users goes into them).

use super::format::{long_day, number, short_day};
use crate::domain::DayUsage;
use crate::i18n::{Locale, Msg};
use std::fmt::Write;

/// Bars of messages sent and received per day, for `days` (oldest first, one
/// entry per day, zeros included), with days and numbers in the page's language.
pub fn messages_per_day(days: &[DayUsage], l: Locale) -> String {
    let (sent_label, received_label) = (l.t(Msg::StatSent), l.t(Msg::StatReceived));
    const WIDTH: usize = 560;
    const HEIGHT: usize = 160;
    const BOTTOM: usize = 20;
    let max = days
        .iter()
        .map(|d| d.usage.sent.max(d.usage.received))
        .max()
        .unwrap_or(0)
        .max(1);
    let slot = WIDTH / days.len().max(1);
    let bar = (slot.saturating_sub(6) / 2).max(2);
    let scale =
        |n: i64| ((n.max(0) as f64 / max as f64) * (HEIGHT - BOTTOM - 10) as f64).round() as usize;
    let mut svg = format!(
        r##"<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{sent_label} / {received_label}" xmlns="http://www.w3.org/2000/svg">"##
    );
    for (i, day) in days.iter().enumerate() {
        let x = i * slot + 3;
        let (hs, hr) = (scale(day.usage.sent), scale(day.usage.received));
        let base = HEIGHT - BOTTOM;
        let _ = write!(
            svg,
            r##"<rect x="{x}" y="{}" width="{bar}" height="{hs}" fill="#0b6b3a"><title>{} {sent_label}: {}</title></rect><rect x="{}" y="{}" width="{bar}" height="{hr}" fill="#1565c0"><title>{} {received_label}: {}</title></rect>"##,
            base - hs,
            long_day(day.day, l),
            number(day.usage.sent, l),
            x + bar,
            base - hr,
            long_day(day.day, l),
            number(day.usage.received, l)
        );
        if i % 2 == 0 {
            let _ = write!(
                svg,
                r##"<text x="{x}" y="{}" font-size="10" fill="#4f5b55">{}</text>"##,
                HEIGHT - 5,
                short_day(day.day, l)
            );
        }
    }
    let _ = write!(
        svg,
        r##"<line x1="0" y1="{y}" x2="{WIDTH}" y2="{y}" stroke="#b8c2bd"/><text x="2" y="9" font-size="10" fill="#4f5b55">{} {}</text></svg>"##,
        l.t(Msg::ChartMax),
        number(max, l),
        y = HEIGHT - BOTTOM
    );
    svg
}

/// The chart's numbers as a table (its text alternative), folded under a
/// summary: one row a day, newest first.
pub fn table_per_day(days: &[DayUsage], l: Locale) -> String {
    let [summary, day_label, sent_label, received_label] = [
        Msg::ChartAsTable,
        Msg::ColumnDay,
        Msg::StatSent,
        Msg::StatReceived,
    ]
    .map(|m| l.t(m));
    let mut html = format!(
        r##"<details class="chart-table" data-testid="chart-table"><summary>{summary}</summary><div class="table-wrap"><table><thead><tr><th scope="col">{day_label}</th><th scope="col">{sent_label}</th><th scope="col">{received_label}</th></tr></thead><tbody>"##
    );
    for day in days.iter().rev() {
        let _ = write!(
            html,
            r##"<tr><th scope="row">{}</th><td>{}</td><td>{}</td></tr>"##,
            long_day(day.day, l),
            number(day.usage.sent, l),
            number(day.usage.received, l)
        );
    }
    html.push_str("</tbody></table></div></details>");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_one_pair_of_bars_a_day_scaled_to_the_largest() {
        let day = |text: &str, sent, received| DayUsage {
            day: crate::domain::Day::parse(text).unwrap(),
            usage: crate::domain::Usage {
                sent,
                received,
                ..Default::default()
            },
        };
        let days = vec![day("2026-11-28", 10, 5), day("2026-11-29", 0, 0)];
        let svg = messages_per_day(&days, Locale::PtBr);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<rect").count(), 4);
        assert!(svg.contains("28/11/2026 Enviadas: 10"), "{svg}");
        assert!(svg.contains(">28/11<"), "{svg}");
        assert!(svg.contains("máx. 10"), "{svg}");
        let svg = messages_per_day(&days, Locale::En);
        assert!(svg.contains(">11/28<") && svg.contains("max 10"), "{svg}");
        assert!(!svg.contains("style="), "the CSP forbids inline styles");
        let table = table_per_day(&days, Locale::PtBr);
        assert_eq!(table.matches("<tr>").count(), 3, "a header and a row a day");
        assert!(
            table.find("29/11/2026").unwrap() < table.find("28/11/2026").unwrap(),
            "newest first"
        );
        assert!(table.contains("<td>10</td><td>5</td>"));
    }
}
