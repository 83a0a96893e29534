//! Opening the secrets sealed at rest (provider tokens, webhook secrets): one
//! way, with one treatment of a failure. A sealed value that does not open means
//! the server runs with another `ZAPFLEET_SECRET_KEY` than the one that sealed
//! it: that is an operator's problem to fix, so it is logged loudly and
//! reported as an internal error, never taken as "no token" (which would drop
//! owed work or misjudge a webhook).

use super::platform::Platform;
use crate::domain::InstanceId;
use crate::error::AppError;

/// Which secret failed to open, for the log.
#[derive(Debug, Clone, Copy)]
pub enum Sealed {
    /// An instance's provider token.
    ProviderToken,
    /// An instance's webhook secret (the provider posts to a URL holding it).
    WebhookSecret,
    /// A forward webhook's signing secret.
    SigningSecret,
}

/// Opens a sealed secret.
pub fn open(platform: &Platform, what: Sealed, sealed: &str) -> Result<String, AppError> {
    platform.secrets.decrypt(sealed).map_err(|error| {
        tracing::error!(
            secret = ?what,
            "a stored secret does not open with this ZAPFLEET_SECRET_KEY: was the key changed?"
        );
        AppError::Internal(error.into())
    })
}

/// The provider token of an instance, opened; `None` until it is provisioned
/// (or if the instance is gone).
pub async fn provider_token(
    platform: &Platform,
    id: &InstanceId,
) -> Result<Option<String>, AppError> {
    match platform.store.provider_link(id).await? {
        Some(link) => link
            .token_sealed
            .as_deref()
            .map(|sealed| open(platform, Sealed::ProviderToken, sealed))
            .transpose(),
        None => Ok(None),
    }
}
