//! Events the provider posts to `/api/webhooks/uazapi/{secret}`.

use super::connection::report;
use super::credentials::provider_token;
use super::messages;
use super::platform::Platform;
use super::status::apply;
use crate::domain::StatusSource;
use crate::error::AppError;
use crate::i18n::Msg;
use uazapi::webhook::{self, Event};

/// SHA-256 of a webhook secret, hex: how the secret is stored and looked up.
pub use crate::crypto::sha256_hex as secret_hash;

/// Authenticates and applies one webhook. The secret in the URL finds the
/// instance; the body's token must be that instance's token too. Replays and
/// duplicates change nothing (the state machine ignores repeated states).
#[tracing::instrument(skip_all)]
pub async fn handle(platform: &Platform, secret: &str, body: &[u8]) -> Result<(), AppError> {
    if secret.len() > 200 {
        return Err(AppError::Unauthenticated);
    }
    let instance = platform
        .store
        .instance_by_webhook_hash(&secret_hash(secret))
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let event = webhook::parse(body).map_err(|e| AppError::BadRequest {
        message: Msg::BadJson,
        detail: Some(e.to_string()),
        field: None,
    })?;
    let token = provider_token(platform, &instance.id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if !crate::crypto::same_text(&event.envelope().token, &token) {
        tracing::warn!(instance = %instance.id, "webhook token does not match the instance");
        return Err(AppError::Unauthenticated);
    }
    match event {
        Event::Connection {
            instance: remote,
            logged_out,
            ..
        } => {
            let mut report = report(
                remote.status,
                &remote.last_disconnect_reason,
                &remote.qrcode,
                &remote.paircode,
                None,
            );
            report.logged_out = logged_out;
            report.had_session = super::connection::had_session(&remote);
            report.owner = crate::domain::Phone::reported(&remote.owner);
            apply(platform, &instance.id, &report, StatusSource::Webhook).await
        }
        Event::Receipt {
            state, message_ids, ..
        } => messages::receipt(platform, &instance, &state, &message_ids).await,
        // Our own sends come back as echoes: the outbox already has them.
        Event::Message { message, .. } if !message.from_me => {
            messages::incoming(platform, &instance, &message).await
        }
        Event::Message { .. } | Event::Other { .. } => Ok(()),
    }
}
