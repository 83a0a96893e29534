//! How instance lists are sorted and paged: the sort a user asks for, and the opaque
//! cursor that continues a list where its last page ended (keyset pagination, so page
//! 500 of 10,000 instances costs what page 1 costs).

use serde::{Deserialize, Serialize};

/// A field instances can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortField {
    /// Case-insensitive name.
    Name,
    /// Creation time.
    CreatedAt,
    /// Last change.
    UpdatedAt,
    /// Connection state.
    Status,
    /// Last time it became connected (never-connected instances count as oldest).
    LastConnection,
}

/// A sort order: a field and a direction. Ties are broken by id, in the same direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstanceSort {
    /// The field.
    pub field: SortField,
    /// Largest first.
    pub descending: bool,
}

impl Default for InstanceSort {
    /// Newest first.
    fn default() -> Self {
        Self {
            field: SortField::CreatedAt,
            descending: true,
        }
    }
}

impl InstanceSort {
    /// Parses `name`, `-createdAt`, …
    pub fn parse(input: &str) -> Option<Self> {
        let (descending, name) = match input.strip_prefix('-') {
            Some(name) => (true, name),
            None => (false, input),
        };
        let field = match name {
            "name" => SortField::Name,
            "createdAt" => SortField::CreatedAt,
            "updatedAt" => SortField::UpdatedAt,
            "status" => SortField::Status,
            "lastConnection" => SortField::LastConnection,
            _ => return None,
        };
        Some(Self { field, descending })
    }
}

/// The value of the sort field in the last row of a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SortValue {
    /// Times (Unix milliseconds).
    Int(i64),
    /// Names and states.
    Text(String),
}

/// Where the next page starts: just after this (sort value, id) pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// The sort the cursor was made for; it means nothing under another one.
    pub field: SortField,
    /// Whether that sort was descending.
    pub descending: bool,
    /// The last row's sort value.
    pub value: SortValue,
    /// The last row's id.
    pub id: String,
}

/// A cursor that is not one of ours, or belongs to another sort.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CursorError {
    /// Not a cursor this server made.
    #[error("malformed cursor")]
    Malformed,
    /// Made for a different `sort`.
    #[error("cursor belongs to another sort order")]
    WrongSort,
}

/// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z in Unix milliseconds:
/// the times a cursor may carry.
const MIN_CURSOR_MS: i64 = -62_135_596_800_000;
const MAX_CURSOR_MS: i64 = 253_402_300_799_999;

impl Cursor {
    /// The opaque, URL-safe form handed to clients (hex of a small JSON document).
    pub fn encode(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        json.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Reads a cursor back and checks it belongs to `sort`.
    pub fn decode(text: &str, sort: InstanceSort) -> Result<Self, CursorError> {
        if !text.len().is_multiple_of(2) || text.len() > 2048 {
            return Err(CursorError::Malformed);
        }
        let bytes = (0..text.len())
            .step_by(2)
            .map(|i| {
                text.get(i..i + 2)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
            })
            .collect::<Option<Vec<u8>>>()
            .ok_or(CursorError::Malformed)?;
        let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| CursorError::Malformed)?;
        if cursor.field != sort.field || cursor.descending != sort.descending {
            return Err(CursorError::WrongSort);
        }
        let fits = matches!(
            (cursor.field, &cursor.value),
            (SortField::Name | SortField::Status, SortValue::Text(_))
                | (
                    SortField::CreatedAt | SortField::UpdatedAt | SortField::LastConnection,
                    SortValue::Int(_)
                )
        );
        // Only values this server could have written: ids and texts without
        // control characters (PostgreSQL refuses NUL in text, a 500), times
        // within what a timestamp holds.
        let plausible = match &cursor.value {
            SortValue::Int(ms) => (MIN_CURSOR_MS..=MAX_CURSOR_MS).contains(ms),
            SortValue::Text(text) => text.len() <= 1024 && !text.chars().any(char::is_control),
        } && !cursor.id.is_empty()
            && cursor.id.len() <= 64
            && !cursor.id.chars().any(char::is_control);
        if !fits || !plausible {
            return Err(CursorError::Malformed);
        }
        Ok(cursor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sorts() {
        assert_eq!(
            InstanceSort::parse("-lastConnection"),
            Some(InstanceSort {
                field: SortField::LastConnection,
                descending: true
            })
        );
        assert_eq!(
            InstanceSort::parse("name").map(|s| s.descending),
            Some(false)
        );
        assert_eq!(InstanceSort::parse("password"), None);
        assert_eq!(InstanceSort::parse("--name"), None);
    }

    #[test]
    fn cursors_round_trip_and_stay_with_their_sort() {
        let sort = InstanceSort {
            field: SortField::Name,
            descending: false,
        };
        let cursor = Cursor {
            field: SortField::Name,
            descending: false,
            value: SortValue::Text("loja ção".into()),
            id: "abc".into(),
        };
        let text = cursor.encode();
        assert!(text.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(Cursor::decode(&text, sort), Ok(cursor.clone()));
        assert_eq!(
            Cursor::decode(&text, InstanceSort::default()),
            Err(CursorError::WrongSort)
        );
        let forged = Cursor {
            value: SortValue::Int(7),
            ..cursor.clone()
        };
        assert_eq!(
            Cursor::decode(&forged.encode(), sort),
            Err(CursorError::Malformed),
            "a value of the wrong type for its field"
        );
        for value in [
            SortValue::Text("a\u{0}b".into()),
            SortValue::Text("x".repeat(2000)),
        ] {
            let forged = Cursor {
                value,
                ..cursor.clone()
            };
            assert_eq!(
                Cursor::decode(&forged.encode(), sort),
                Err(CursorError::Malformed)
            );
        }
        for id in ["", "a\u{0}", &"i".repeat(65)] {
            let forged = Cursor {
                id: id.to_owned(),
                ..cursor.clone()
            };
            assert_eq!(
                Cursor::decode(&forged.encode(), sort),
                Err(CursorError::Malformed)
            );
        }
        let by_time = InstanceSort {
            field: SortField::CreatedAt,
            descending: true,
        };
        for ms in [i64::MIN, i64::MAX, MAX_CURSOR_MS + 1] {
            let forged = Cursor {
                field: SortField::CreatedAt,
                descending: true,
                value: SortValue::Int(ms),
                id: "abc".into(),
            };
            assert_eq!(
                Cursor::decode(&forged.encode(), by_time),
                Err(CursorError::Malformed)
            );
        }
        for junk in ["", "zz", "abc", "7b7d", &"00".repeat(2000)] {
            assert_eq!(
                Cursor::decode(junk, sort),
                Err(CursorError::Malformed),
                "{junk}"
            );
        }
    }
}
