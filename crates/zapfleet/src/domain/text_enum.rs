//! How a state enum is written in storage and on the wire.

/// A stored or received text that is none of an enum's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?}")]
pub struct UnknownValue {
    /// What was being read (`instance status`, `event kind`…).
    pub kind: &'static str,
    /// The text that was found.
    pub value: String,
}

/// Gives an enum its one text form: `ALL`, `as_str`, `parse`, `Display` and
/// `FromStr`. The same texts are the database's CHECK constraints and the API's
/// values (a test per enum checks serde agrees).
macro_rules! text_enum {
    ($ty:ident, $what:literal { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $ty {
            /// Every value, in declaration order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            /// The stored and wire form.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }

            /// Reads the stored and wire form.
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some(Self::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $ty {
            type Err = $crate::domain::text_enum::UnknownValue;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Self::parse(text).ok_or_else(|| $crate::domain::text_enum::UnknownValue {
                    kind: $what,
                    value: text.to_owned(),
                })
            }
        }
    };
}

pub(crate) use text_enum;
