//! The server's key against the database's. At first start a known text is
//! sealed with the key into `app_setting`; every later start opens it, and a
//! server given another key refuses to start instead of failing on every
//! connect and webhook later. Changing the key is `zapfleet rekey`: every
//! sealed value opened with the old key and sealed with the new one, in one
//! transaction.

use super::platform::Platform;
use crate::crypto::SecretBox;
use crate::store::{SealedPlace, StoreError};

/// The `app_setting` holding the sealed known text.
pub const KEY_CHECK_SETTING: &str = "secret_key_check";

/// What the check value seals.
const KNOWN_TEXT: &str = "zapfleet secret key check v1";

/// Marks a secret an upgrade left in plaintext (see `services::upgrade`).
const PLAIN: &str = "plain:";

/// Why the configured key cannot be used with this database.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The secrets here were sealed with another key.
    #[error(
        "ZAPFLEET_SECRET_KEY is not the key this database's secrets are sealed with, so zapfleet will not start \
         (with it, connecting instances and signing webhooks would fail). Start with the key the database was \
         made with; to change keys, stop every server and run `zapfleet rekey --old-key <current key>` with the \
         new key in ZAPFLEET_SECRET_KEY (README: \"Rotating the secret key\")"
    )]
    Mismatch,
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Makes sure the platform's key is the database's. The first start records
/// the check value; a database from before it existed is checked against one
/// of its sealed values first, so a wrong key is never recorded as right.
pub async fn verify(platform: &Platform) -> Result<(), KeyError> {
    let store = &platform.store;
    let recorded = match store.setting(KEY_CHECK_SETTING).await? {
        Some(recorded) => recorded,
        None => {
            if let Some(sample) = store.any_sealed_value().await?
                && platform.secrets.decrypt(&sample).is_err()
            {
                return Err(KeyError::Mismatch);
            }
            let check = platform.secrets.encrypt(KNOWN_TEXT);
            // Another server starting at the same time may have been first.
            store.claim_setting(KEY_CHECK_SETTING, &check).await?
        }
    };
    if opens_check(&platform.secrets, &recorded) {
        Ok(())
    } else {
        Err(KeyError::Mismatch)
    }
}

fn opens_check(secrets: &SecretBox, recorded: &str) -> bool {
    secrets
        .decrypt(recorded)
        .is_ok_and(|text| text == KNOWN_TEXT)
}

/// Why a rotation wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum RekeyError {
    /// Values the old key does not open (nor the new one): all listed, none
    /// dropped (an owed provider deletion stays owed).
    #[error("{} stored secret(s) do not open with the old key, so nothing was changed (is it the key this database was sealed with?): {}",
        .0.len(), list(.0))]
    Unreadable(Vec<SealedPlace>),
    /// The database failed; nothing was changed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn list(places: &[SealedPlace]) -> String {
    let mut shown: Vec<String> = places.iter().take(10).map(ToString::to_string).collect();
    if places.len() > 10 {
        shown.push(format!("and {} more", places.len() - 10));
    }
    shown.join(", ")
}

/// Re-seals every stored secret (provider tokens, webhook secrets, forward
/// webhook secrets, queued deliveries, owed deletions, the check value) from
/// `old` to the platform's key, all or nothing. A value already sealed with the
/// new key (written by a server started with it) is left as it is. Returns how
/// many values changed.
pub async fn rekey(platform: &Platform, old: &SecretBox) -> Result<usize, RekeyError> {
    let new = &platform.secrets;
    let reseal = |value: &str| -> Option<String> {
        if let Some(plain) = value.strip_prefix(PLAIN) {
            return Some(new.encrypt(plain));
        }
        match old.decrypt(value) {
            Ok(plain) => Some(new.encrypt(&plain)),
            Err(_) => new.decrypt(value).is_ok().then(|| value.to_owned()),
        }
    };
    let done = platform
        .store
        .reseal_all(KEY_CHECK_SETTING, &new.encrypt(KNOWN_TEXT), reseal)
        .await?;
    if done.unreadable.is_empty() {
        tracing::info!(
            changed = done.changed,
            "secrets re-sealed under the new key"
        );
        Ok(done.changed)
    } else {
        Err(RekeyError::Unreadable(done.unreadable))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_check_opens_only_with_its_key_and_text() {
        let a = SecretBox::new(&[1; 32]);
        let b = SecretBox::new(&[2; 32]);
        assert!(opens_check(&a, &a.encrypt(KNOWN_TEXT)));
        assert!(!opens_check(&b, &a.encrypt(KNOWN_TEXT)));
        assert!(!opens_check(&a, &a.encrypt("another text")));
        assert!(!opens_check(&a, "garbage"));
    }

    #[test]
    fn unreadable_places_are_listed_up_to_ten() {
        let places: Vec<SealedPlace> = (0..12)
            .map(|i| SealedPlace {
                table: "provider_deletion",
                column: "providerToken",
                id: format!("d{i}"),
            })
            .collect();
        let text = RekeyError::Unreadable(places).to_string();
        assert!(text.starts_with("12 stored secret(s)"), "{text}");
        assert!(text.contains("provider_deletion.providerToken of d0"));
        assert!(text.ends_with("and 2 more"), "{text}");
    }
}
