//! The random public key each instance gets.

use std::fmt;

/// Length of a generated key: nanoid's URL-safe alphabet, 126 bits of randomness.
pub const INSTANCE_KEY_LEN: usize = 21;

/// A random, URL-safe key (nanoid) that names the instance outside zapfleet.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InstanceKey(String);

impl InstanceKey {
    /// A fresh random key.
    pub fn generate() -> Self {
        Self(nanoid::nanoid!(INSTANCE_KEY_LEN))
    }

    /// Wraps a key read back from storage.
    pub fn from_stored(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    /// The key as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for InstanceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_long_url_safe_and_random() {
        let keys: std::collections::HashSet<String> = (0..1000)
            .map(|_| InstanceKey::generate().as_str().to_owned())
            .collect();
        assert_eq!(keys.len(), 1000);
        for key in &keys {
            assert!(key.len() >= 21);
            assert!(
                key.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            );
        }
    }
}
