//! The name a user gives an instance.

use std::fmt;
use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Longest name accepted, in characters (not bytes).
pub const MAX_NAME_CHARS: usize = 100;

/// A trimmed, NFC-normalized name of 1 to 100 characters with no control or
/// format characters. Names are unique per user without regard to case or
/// compatibility forms: see [`InstanceName::key`].
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
    /// Holds an invisible format character (zero-width space, direction
    /// override…), which makes look-alike names and misleading text.
    #[error("name has format characters")]
    FormatCharacters,
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
        if name.chars().any(is_format) {
            return Err(InstanceNameError::FormatCharacters);
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

    /// The form the uniqueness constraint and search use: format characters
    /// dropped, NFKC (full-width, ligature and other compatibility forms become
    /// their plain letters) and lower case, so look-alike names collide. Computed
    /// here rather than with SQL `lower()`, which folds only ASCII on SQLite.
    /// Changing it needs [`KEY_VERSION`] raised so stored keys are recomputed.
    pub fn key(&self) -> String {
        fold_case(&self.0)
    }

    /// The form substring search compares: the [`key`](Self::key) without
    /// accents, so "sao" finds "São" and "ze" finds "Zé". Stored as the
    /// instance's `searchKey`; changing it needs [`SEARCH_KEY_VERSION`] raised.
    pub fn search_key(&self) -> String {
        fold_for_search(&self.0)
    }
}

/// The version of [`InstanceName::search_key`]'s rule (with [`KEY_VERSION`],
/// which it builds on); stored search keys made under another are recomputed
/// at start-up.
pub const SEARCH_KEY_VERSION: i64 = 1;

/// Folds text the way [`InstanceName::search_key`] does, for search terms:
/// [`fold_case`], then decomposed with the combining marks (accents, cedilla,
/// tilde) dropped.
pub fn fold_for_search(text: &str) -> String {
    fold_case(text)
        .nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .collect()
}

/// The version of [`InstanceName::key`]'s rule; stored keys made under an older
/// one are recomputed at start-up.
pub const KEY_VERSION: i64 = 2;

/// Unicode general category `Cf`: invisible characters that change how text
/// around them shows (U+200B zero-width space, U+202E right-to-left override…).
fn is_format(c: char) -> bool {
    c.general_category() == GeneralCategory::Format
}

/// Folds text the way [`InstanceName::key`] does, for search terms.
pub fn fold_case(text: &str) -> String {
    let visible: String = text.chars().filter(|c| !is_format(*c)).collect();
    // NFKC can yield capitals (ℌ → H), and lower-casing a sequence NFKC would
    // write otherwise: fold, normalize, fold again.
    let folded = visible.nfkc().collect::<String>().to_lowercase();
    folded.nfkc().collect::<String>().to_lowercase()
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
    fn search_keys_fold_accents_as_well_as_case() {
        let name = InstanceName::parse("Atendimento SÃO Paulo – Zé Açaí").unwrap();
        assert_eq!(name.search_key(), "atendimento sao paulo – ze acai");
        assert_eq!(fold_for_search("São"), "sao");
        assert_eq!(fold_for_search("ZÉ"), "ze");
        // Decomposed input folds the same as composed.
        assert_eq!(fold_for_search("sa\u{303}o"), "sao");
    }

    #[test]
    fn keys_fold_non_ascii_case_and_normalization() {
        let composed = InstanceName::parse("ATENDIMENTO SÃO PAULO").unwrap();
        let decomposed = InstanceName::parse("atendimento sa\u{303}o paulo").unwrap();
        assert_eq!(composed.key(), decomposed.key());
    }

    #[test]
    fn keys_fold_compatibility_forms_and_drop_format_characters() {
        let plain = InstanceName::parse("LojaCentro").unwrap();
        for look_alike in ["ＬｏｊａＣｅｎｔｒｏ", "lojacentro", "LOJACENTRO"] {
            assert_eq!(
                InstanceName::parse(look_alike).unwrap().key(),
                plain.key(),
                "{look_alike}"
            );
        }
        // Names stored before format characters were refused still collide.
        assert_eq!(
            InstanceName::from_stored("Loja\u{200b}Centro").key(),
            plain.key()
        );
        assert_eq!(
            InstanceName::parse("ﬁlial").unwrap().key(),
            InstanceName::parse("filial").unwrap().key()
        );
        assert_eq!(
            InstanceName::parse("ℌotel").unwrap().key(),
            InstanceName::parse("hotel").unwrap().key()
        );
    }

    #[test]
    fn refuses_format_characters() {
        for sneaky in [
            "Loja\u{200b}Centro",
            "Loja\u{202e}ortneC",
            "\u{feff}Loja",
            "Loja\u{2060}Centro",
            "Loja\u{00ad}Centro",
            "Loja\u{200d}Centro",
        ] {
            assert_eq!(
                InstanceName::parse(sneaky),
                Err(InstanceNameError::FormatCharacters),
                "{sneaky:?}"
            );
        }
        assert!(InstanceName::parse("Loja 🇧🇷 São Paulo").is_ok());
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
