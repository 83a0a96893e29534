//! Lenient readers for loosely typed JSON fields.

use serde_json::Value;

/// A string field: strings as they are, numbers and booleans as text, anything
/// else (missing, null, objects) as `""`.
pub fn text(value: &Value, key: &str) -> String {
    match value.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

/// Longest provider text kept (reasons, names, error texts): longer ones are
/// cut, so a provider (or whoever forges its webhooks) cannot fill the database.
pub const MAX_LINE_CHARS: usize = 500;

/// Provider text made safe to store and log: control characters (newlines that
/// would forge log lines, escape sequences) become spaces, runs of whitespace
/// collapse, and the result is cut to `max_chars` characters.
pub fn one_line(text: &str, max_chars: usize) -> String {
    text.split(|c: char| c.is_control() || c.is_whitespace())
        .filter(|word| !word.is_empty())
        .flat_map(|word| std::iter::once(' ').chain(word.chars()))
        .skip(1)
        .take(max_chars)
        .collect()
}

/// A [`text`] field as one short line (see [`one_line`]).
pub fn line(value: &Value, key: &str) -> String {
    match value.get(key) {
        Some(Value::String(s)) => one_line(s, MAX_LINE_CHARS),
        _ => text(value, key),
    }
}

/// A boolean field: `true`, `"true"`, `"True"`, `1`; everything else is false.
pub fn flag(value: &Value, key: &str) -> bool {
    match value.get(key) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        Some(Value::Number(n)) => n.as_i64() == Some(1),
        _ => false,
    }
}

/// An integer field given as a number or a numeric string.
pub fn integer(value: &Value, key: &str) -> Option<i64> {
    match value.get(key) {
        Some(Value::Number(n)) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
}

/// An array of strings; non-string items are skipped.
pub fn strings(value: &Value, key: &str) -> Vec<String> {
    match value.get(key) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        Some(Value::String(s)) if !s.is_empty() => vec![s.clone()],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_strips_controls_and_cuts() {
        assert_eq!(
            one_line("a\nINFO forged\r\n\u{1b}[31m b", 500),
            "a INFO forged [31m b"
        );
        assert_eq!(one_line("  spaced\t out  ", 500), "spaced out");
        assert_eq!(one_line(&"é".repeat(600), 500).chars().count(), 500);
        assert_eq!(one_line("", 500), "");
    }
}
