//! What a user account is made of: an e-mail, a password, named API tokens.

use std::fmt;

/// A syntactically plausible e-mail, trimmed and lower-cased (accounts are looked up
/// without regard to case).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

/// Why an e-mail was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// Not of the form `local@domain.tld`, or over 254 characters.
    #[error("not a valid e-mail address")]
    Invalid,
}

impl Email {
    /// Validates the shape only; whether the mailbox exists is not our concern.
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let email = input.trim().to_lowercase();
        let valid = email.len() <= 254
            && !email.chars().any(|c| c.is_whitespace() || c.is_control())
            && email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            });
        if valid {
            Ok(Self(email))
        } else {
            Err(EmailError::Invalid)
        }
    }

    /// Wraps an e-mail read back from storage.
    pub fn from_stored(email: impl Into<String>) -> Self {
        Self(email.into())
    }

    /// The normalized address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password that meets the length policy. Never printed: `Debug` redacts it.
#[derive(Clone)]
pub struct Password(String);

/// Why a password was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Under [`Password::MIN_CHARS`] characters.
    #[error("password is shorter than 8 characters")]
    TooShort,
    /// Over [`Password::MAX_CHARS`] characters (hashing cost is bounded).
    #[error("password is longer than 1024 characters")]
    TooLong,
    /// Among the passwords tried first by anyone guessing, or one character repeated.
    #[error("password is too common")]
    Common,
}

/// Guessed first by anyone trying; one per line, lower-cased, `#` comments.
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

/// Whether a password is on the common list (case-insensitive), or one
/// character repeated, or a run of consecutive digits.
fn is_common(password: &str) -> bool {
    let lower = password.to_lowercase();
    let mut chars = lower.chars();
    let first = chars.next();
    if first.is_some_and(|c| chars.all(|other| other == c)) {
        return true;
    }
    let digits: Vec<u32> = lower.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() == lower.chars().count()
        && digits
            .windows(2)
            .all(|w| (w[0] + 1) % 10 == w[1] || w[1] + 1 == w[0])
    {
        return true;
    }
    COMMON_PASSWORDS
        .lines()
        .any(|line| !line.starts_with('#') && line.trim() == lower)
}

impl Password {
    /// Shortest accepted password, in characters.
    pub const MIN_CHARS: usize = 8;
    /// Longest accepted password, in characters.
    pub const MAX_CHARS: usize = 1024;

    /// Checks the length policy; the text is kept as typed (spaces count).
    pub fn parse(input: &str) -> Result<Self, PasswordError> {
        let chars = input.chars().count();
        if chars < Self::MIN_CHARS {
            Err(PasswordError::TooShort)
        } else if chars > Self::MAX_CHARS {
            Err(PasswordError::TooLong)
        } else if is_common(input) {
            Err(PasswordError::Common)
        } else {
            Ok(Self(input.to_owned()))
        }
    }

    /// The secret itself, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// A label for an API token, 1 to 100 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenName(String);

/// Why a token name was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenNameError {
    /// Empty, over 100 characters or with control characters.
    #[error("token name must have 1 to 100 printable characters")]
    Invalid,
}

impl TokenName {
    /// Validates a label.
    pub fn parse(input: &str) -> Result<Self, TokenNameError> {
        let name = input.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(TokenNameError::Invalid);
        }
        Ok(Self(name.to_owned()))
    }

    /// The label.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalized_and_checked() {
        assert_eq!(
            Email::parse(" Ana@Loja.com.BR ").unwrap().as_str(),
            "ana@loja.com.br"
        );
        for bad in [
            "",
            "ana",
            "ana@",
            "@loja.com",
            "ana@loja",
            "a b@loja.com",
            "a@b@c.com",
            "ana@.com",
        ] {
            assert_eq!(Email::parse(bad), Err(EmailError::Invalid), "{bad:?}");
        }
    }

    #[test]
    fn passwords_have_bounds_and_stay_secret() {
        assert_eq!(
            Password::parse("1234567").unwrap_err(),
            PasswordError::TooShort
        );
        assert_eq!(
            Password::parse(&"x".repeat(1025)).unwrap_err(),
            PasswordError::TooLong
        );
        for common in [
            "12345678",
            "Senha123",
            "PASSWORD",
            "aaaaaaaaa",
            "9876543210",
            "flamengo",
        ] {
            assert_eq!(
                Password::parse(common).unwrap_err(),
                PasswordError::Common,
                "{common}"
            );
        }
        let password = Password::parse("correct horse").unwrap();
        assert_eq!(format!("{password:?}"), "Password(***)");
    }
}
