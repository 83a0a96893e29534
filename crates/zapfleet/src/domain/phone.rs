//! Phone numbers, validated with libphonenumber's metadata (the `phonenumber` crate).
//!
//! Brazil is the default region: `(11) 99999-9999` means `+55 11 99999-9999`. Numbers
//! are stored as the digits of their E.164 form (`5511999999999`), which is also what
//! the provider expects.

use phonenumber::{Mode, PhoneNumber, country};
use std::fmt;

/// Characters people use to format a phone number; anything else (letters included,
/// even though libphonenumber would read `1-800-FLOWERS`) is refused.
const FORMATTING: &[char] = &[' ', '-', '(', ')', '.', '/', '\u{a0}'];

/// E.164 allows at most 15 digits.
const MAX_DIGITS: usize = 15;
/// No valid number anywhere, country code included, is shorter than this.
const MIN_DIGITS: usize = 7;

/// A valid phone number in any country, normalized to E.164 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

/// Why a phone number was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Nothing but spaces.
    #[error("phone is empty")]
    Empty,
    /// Letters or symbols that are not phone formatting.
    #[error("phone has characters that are not digits or formatting")]
    InvalidCharacters,
    /// Fewer digits than any real number.
    #[error("phone is too short")]
    TooShort,
    /// More digits than E.164 allows.
    #[error("phone is too long")]
    TooLong,
    /// Well formed, but no such number can exist (bad area code, wrong length for its country).
    #[error("phone is not a valid number")]
    NotANumber,
}

impl Phone {
    /// Parses what a person typed: `+55 11 99999-9999`, `(11) 99999-9999`,
    /// `5511999999999`, `+1 202 555 0123`, `00 351 912 345 678`…
    pub fn parse(input: &str) -> Result<Self, PhoneError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(PhoneError::Empty);
        }
        let (has_plus, rest) = match trimmed.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        if rest
            .chars()
            .any(|c| !c.is_ascii_digit() && !FORMATTING.contains(&c))
        {
            return Err(PhoneError::InvalidCharacters);
        }
        let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
        if digits.len() < MIN_DIGITS {
            return Err(PhoneError::TooShort);
        }
        if digits.len() > MAX_DIGITS + 2 {
            return Err(PhoneError::TooLong);
        }

        let candidates: Vec<String> = if has_plus {
            vec![format!("+{digits}")]
        } else if let Some(international) = digits.strip_prefix("00") {
            // "00" is the international call prefix in most of the world.
            vec![format!("+{international}"), digits.clone()]
        } else {
            // A Brazilian national number first; failing that, the digits already
            // carry their country code (`5511999999999`, `351912345678`).
            vec![digits.clone(), format!("+{digits}")]
        };
        let valid = candidates.iter().find_map(|candidate| {
            phonenumber::parse(Some(country::Id::BR), candidate)
                .ok()
                .filter(PhoneNumber::is_valid)
        });
        match valid {
            Some(number) => {
                let e164 = number.format().mode(Mode::E164).to_string();
                Ok(Self(e164.trim_start_matches('+').to_owned()))
            }
            None if digits.len() > MAX_DIGITS => Err(PhoneError::TooLong),
            None => Err(PhoneError::NotANumber),
        }
    }

    /// Wraps digits read back from storage (they were validated when written).
    pub fn from_stored(digits: impl Into<String>) -> Self {
        Self(digits.into())
    }

    /// E.164 digits without the `+`, e.g. `5511999999999`.
    pub fn digits(&self) -> &str {
        &self.0
    }

    /// The number WhatsApp reports as logged in (the provider's `owner`), when
    /// it reads as one: 8 to 20 digits. Anything else is ignored, not stored.
    pub fn reported(owner: &str) -> Option<Self> {
        let owner = owner.trim();
        ((8..=20).contains(&owner.len()) && owner.bytes().all(|b| b.is_ascii_digit()))
            .then(|| Self(owner.to_owned()))
    }

    /// Whether two numbers reach the same line. WhatsApp still names many
    /// Brazilian mobiles without the ninth digit added in 2012-2016
    /// (`55 11 9999-9999` for `55 11 99999-9999`): those are the same line.
    pub fn same_line(&self, other: &Phone) -> bool {
        fn without_ninth_digit(d: &str) -> Option<String> {
            // 55 + two-digit area code + 9 + eight digits.
            (d.len() == 13 && d.starts_with("55") && d.as_bytes()[4] == b'9')
                .then(|| format!("{}{}", &d[..4], &d[5..]))
        }
        let (a, b) = (self.digits(), other.digits());
        a == b
            || without_ninth_digit(a).is_some_and(|a| a == b)
            || without_ninth_digit(b).is_some_and(|b| b == a)
    }

    /// The number as people write it: `+55 11 99999-9999`.
    pub fn international(&self) -> String {
        phonenumber::parse(None, format!("+{}", self.0))
            .map(|n| n.format().mode(Mode::International).to_string())
            .unwrap_or_else(|_| format!("+{}", self.0))
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PhoneError::*;

    #[test]
    fn a_reported_number_is_the_same_line_with_or_without_the_ninth_digit() {
        let configured = Phone::from_stored("5511999998888");
        let same = |owner: &str| Phone::reported(owner).is_some_and(|p| p.same_line(&configured));
        assert!(same("5511999998888"));
        assert!(same("551199998888"), "WhatsApp's old form of the number");
        assert!(!same("5511999997777"));
        assert!(!same("551199997777"));
        assert!(!same("5521999998888"), "another area code");
        assert!(Phone::reported("").is_none());
        assert!(Phone::reported("55119999x888").is_none());
        assert!(Phone::reported("ana@example.com").is_none());
        assert!(Phone::from_stored("551199998888").same_line(&configured));
    }

    /// What people type, and what we must make of it.
    const TABLE: &[(&str, Result<&str, PhoneError>)] = &[
        // Brazilian mobiles, in the forms people write them.
        ("+55 11 99999-9999", Ok("5511999999999")),
        ("(11) 99999-9999", Ok("5511999999999")),
        ("11 99999 9999", Ok("5511999999999")),
        ("11999999999", Ok("5511999999999")),
        ("5511999999999", Ok("5511999999999")),
        ("+5511999999999", Ok("5511999999999")),
        ("  +55 (21) 98765-4321  ", Ok("5521987654321")),
        ("021 98765 4321", Ok("5521987654321")),
        ("0055 21 98765 4321", Ok("5521987654321")),
        ("(81) 98546.4605", Ok("5581985464605")),
        // Brazilian landlines.
        ("(11) 3333-4444", Ok("551133334444")),
        ("+55 61 3411-1000", Ok("556134111000")),
        ("551133334444", Ok("551133334444")),
        // Other countries, with their country code.
        ("+1 202 555 0123", Ok("12025550123")),
        ("+44 20 7946 0958", Ok("442079460958")),
        ("+351 912 345 678", Ok("351912345678")),
        ("351912345678", Ok("351912345678")),
        ("+49 30 901820", Ok("4930901820")),
        ("+54 9 11 2345-6789", Ok("5491123456789")),
        ("+91 98765 43210", Ok("919876543210")),
        ("+40 723 973 035", Ok("40723973035")),
        // Garbage and impossible numbers.
        ("", Err(Empty)),
        ("   ", Err(Empty)),
        ("abc", Err(InvalidCharacters)),
        ("1-800-FLOWERS", Err(InvalidCharacters)),
        ("+55 11 9999x9999", Err(InvalidCharacters)),
        ("11 99999-9999 ramal 2", Err(InvalidCharacters)),
        ("55+11999999999", Err(InvalidCharacters)),
        ("12345", Err(TooShort)),
        ("+55", Err(TooShort)),
        ("+55 11 99999-9999-9999-99", Err(TooLong)),
        ("123456789012345678901", Err(TooLong)),
        ("(00) 99999-9999", Err(NotANumber)),
        ("+55 11 1234-567", Err(NotANumber)),
        ("+999 1234 5678", Err(NotANumber)),
        ("0000000000", Err(NotANumber)),
        ("+55 11 99999-99999", Err(NotANumber)),
    ];

    #[test]
    fn the_phone_table_holds() {
        let mut failures = Vec::new();
        for (input, expected) in TABLE {
            let got = Phone::parse(input);
            let got = got.as_ref().map(Phone::digits).map_err(|e| *e);
            if got != *expected {
                failures.push(format!("{input:?}: expected {expected:?}, got {got:?}"));
            }
        }
        assert!(TABLE.len() >= 30);
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn formats_for_people() {
        let phone = Phone::parse("11999999999").unwrap();
        assert_eq!(phone.international(), "+55 11 99999-9999");
    }
}
