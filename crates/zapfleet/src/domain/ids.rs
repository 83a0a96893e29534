//! Typed identifiers, so a user id can never be passed where an instance id is expected.

use std::fmt;

/// Length of generated identifiers (nanoid, URL-safe alphabet: 126 bits of randomness).
const ID_LEN: usize = 21;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// A fresh random identifier.
            pub fn generate() -> Self {
                Self(nanoid::nanoid!(ID_LEN))
            }

            /// Wraps an identifier read from storage or from a URL. Identifiers are
            /// opaque: an unknown one simply finds nothing.
            pub fn from_raw(raw: impl Into<String>) -> Self {
                Self(raw.into())
            }

            /// The identifier as stored.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }
    };
}

typed_id!(
    /// Identifies a user account.
    UserId
);
typed_id!(
    /// Identifies a WhatsApp instance (the `whatsapp_instance.id` column).
    InstanceId
);
typed_id!(
    /// Identifies an API token (not the secret itself).
    TokenId
);
typed_id!(
    /// Identifies a message; also its `track_id` at the provider.
    MessageId
);
typed_id!(
    /// Identifies a forward-webhook delivery (`X-Zapfleet-Delivery`).
    DeliveryId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_url_safe_and_distinct() {
        let a = InstanceId::generate();
        let b = InstanceId::generate();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), ID_LEN);
        assert!(
            a.as_str()
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        );
    }
}
