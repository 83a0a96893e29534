//! The name a user gives an instance.

use std::fmt;
use unicode_normalization::UnicodeNormalization;

/// Longest name accepted, in characters (not bytes).
pub const MAX_NAME_CHARS: usize = 100;

/// A trimmed, NFC-normalized name of 1 to 100 characters with no control characters.
/// Names are unique per user without regard to case: see [`InstanceName::key`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InstanceName(String);

/// Why a name was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InstanceNameError {
    /// Empty once trimmed.
    #[error("name is empty")]
    Empty,
    /// Over [`MAX_NAME_CHARS`] characters.
    #[error("name is longer than {MAX_NAME_CHARS} characters")]
    TooLong,
    /// Holds a control character (newline, tab, NUL…).
    #[error("name has control characters")]
    ControlCharacters,
}

impl InstanceName {
    /// Validates and normalizes what the user typed.
    pub fn parse(input: &str) -> Result<Self, InstanceNameError> {
        let name: String = input.trim().nfc().collect();
        if name.is_empty() {
            return Err(InstanceNameError::Empty);
        }
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(InstanceNameError::TooLong);
        }
        if name.chars().any(char::is_control) {
            return Err(InstanceNameError::ControlCharacters);
        }
        Ok(Self(name))
    }

    /// Wraps a name read back from storage.
    pub fn from_stored(name: impl Into<String>) -> Self {
        Self(name.into())
    }

    /// The name as the user wrote it (trimmed).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The case-insensitive form the uniqueness constraint and search use. Computed
    /// here rather than with SQL `lower()`, which folds only ASCII on SQLite.
    pub fn key(&self) -> String {
        fold_case(&self.0)
    }
}

/// Lower-cases text the way [`InstanceName::key`] does, for search terms.
pub fn fold_case(text: &str) -> String {
    text.nfc().collect::<String>().to_lowercase()
}

impl fmt::Display for InstanceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_keeps_case_for_display() {
        let name = InstanceName::parse("  Loja Centro  ").unwrap();
        assert_eq!(name.as_str(), "Loja Centro");
        assert_eq!(name.key(), "loja centro");
    }

    #[test]
    fn keys_fold_non_ascii_case_and_normalization() {
        let composed = InstanceName::parse("ATENDIMENTO SÃO PAULO").unwrap();
        let decomposed = InstanceName::parse("atendimento sa\u{303}o paulo").unwrap();
        assert_eq!(composed.key(), decomposed.key());
    }

    #[test]
    fn refuses_empty_long_and_control_characters() {
        assert_eq!(InstanceName::parse(" \t "), Err(InstanceNameError::Empty));
        assert_eq!(
            InstanceName::parse(&"é".repeat(101)),
            Err(InstanceNameError::TooLong)
        );
        assert!(InstanceName::parse(&"é".repeat(100)).is_ok());
        assert_eq!(
            InstanceName::parse("a\nb"),
            Err(InstanceNameError::ControlCharacters)
        );
        assert_eq!(
            InstanceName::parse("a\u{0}b"),
            Err(InstanceNameError::ControlCharacters)
        );
    }
}
