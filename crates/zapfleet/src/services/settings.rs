//! Instances' settings, and forward webhooks as users give and see them: the
//! same rules for the API and the pages. Signing secrets are sealed when saved
//! and never shown again.

use super::audit::{self, Actor, Target};
use super::platform::Platform;
use super::ssrf::{UrlRefusal, check_url};
use crate::domain::{
    AuditAction, EventKind, ForwardWebhook, InstanceId, InstanceSettings, Timestamp, UserId,
};
use crate::error::AppError;
use crate::i18n::Msg;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A forward webhook as the user gives it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookInput {
    /// An http(s) URL on the public internet.
    pub url: String,
    /// Event kinds to forward (`instance.status`, `message.status`,
    /// `message.received`…); empty forwards all.
    #[serde(default)]
    pub events: Vec<String>,
    /// The key of the `X-Zapfleet-Signature` HMAC-SHA256, 16 to 200 characters.
    /// Required the first time; leave it out to keep the saved one. Never
    /// returned once saved.
    pub secret: Option<String>,
}

/// A forward webhook as shown: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookView {
    /// Where events go.
    pub url: String,
    /// Event kinds forwarded; empty forwards all.
    pub events: Vec<EventKind>,
}

impl From<&ForwardWebhook> for WebhookView {
    fn from(webhook: &ForwardWebhook) -> Self {
        Self {
            url: webhook.url.clone(),
            events: webhook.events.clone(),
        }
    }
}

/// Settings as the user gives them; absent fields take their defaults.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SettingsInput {
    /// Reconnect automatically after an unexpected drop (default true; never after a logout).
    pub auto_reconnect: Option<bool>,
    /// Shortest pause between two sends, in ms (default 1000).
    pub message_delay_min_ms: Option<u64>,
    /// Longest pause between two sends, in ms (default 3000, at most 600000).
    pub message_delay_max_ms: Option<u64>,
    /// Keep the text of incoming messages (default true).
    pub keep_incoming_text: Option<bool>,
    /// Where this instance's events are forwarded.
    pub forward_webhook: Option<WebhookInput>,
}

/// Settings as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SettingsView {
    /// Reconnect automatically after an unexpected drop.
    pub auto_reconnect: bool,
    /// Shortest pause between two sends, in ms.
    pub message_delay_min_ms: u64,
    /// Longest pause between two sends, in ms.
    pub message_delay_max_ms: u64,
    /// Keep the text of incoming messages.
    pub keep_incoming_text: bool,
    /// Where this instance's events are forwarded (the secret is never shown).
    pub forward_webhook: Option<WebhookView>,
}

impl From<&InstanceSettings> for SettingsView {
    fn from(s: &InstanceSettings) -> Self {
        Self {
            auto_reconnect: s.auto_reconnect,
            message_delay_min_ms: s.message_delay_min_ms,
            message_delay_max_ms: s.message_delay_max_ms,
            keep_incoming_text: s.keep_incoming_text,
            forward_webhook: s.forward_webhook.as_ref().map(WebhookView::from),
        }
    }
}

/// Checks a webhook and seals its secret; without a new secret the `current`
/// webhook's is kept. `field` prefixes the names of the fields in errors.
pub async fn webhook_from_input(
    platform: &Platform,
    input: WebhookInput,
    current: Option<&ForwardWebhook>,
    field: WebhookField,
) -> Result<ForwardWebhook, AppError> {
    let events = input
        .events
        .iter()
        .map(|e| EventKind::parse(e.trim()))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| AppError::invalid(field.events, Msg::WebhookEventUnknown))?;
    let secret_sealed = match input.secret.as_deref().filter(|s| !s.is_empty()) {
        Some(secret) if (16..=200).contains(&secret.chars().count()) => {
            platform.secrets.encrypt(secret)
        }
        Some(_) => return Err(AppError::invalid(field.secret, Msg::WebhookSecretInvalid)),
        None => current
            .map(|w| w.secret_sealed.clone())
            .ok_or_else(|| AppError::invalid(field.secret, Msg::WebhookSecretInvalid))?,
    };
    let url = input.url.trim().to_owned();
    match check_url(&url, platform.allow_private_webhooks).await {
        Ok(()) => {}
        Err(UrlRefusal::Internal(_)) => {
            return Err(AppError::invalid(field.url, Msg::WebhookUrlInternal));
        }
        Err(_) => return Err(AppError::invalid(field.url, Msg::WebhookUrlInvalid)),
    }
    Ok(ForwardWebhook {
        url,
        events,
        secret_sealed,
    })
}

/// How a webhook's fields are named in errors.
#[derive(Debug, Clone, Copy)]
pub struct WebhookField {
    /// The URL field.
    pub url: &'static str,
    /// The events field.
    pub events: &'static str,
    /// The secret field.
    pub secret: &'static str,
}

/// An instance's `forwardWebhook`.
pub const INSTANCE_WEBHOOK: WebhookField = WebhookField {
    url: "forwardWebhook.url",
    events: "forwardWebhook.events",
    secret: "forwardWebhook.secret",
};

/// The user's own webhook (`/api/webhook`).
pub const USER_WEBHOOK: WebhookField = WebhookField {
    url: "url",
    events: "events",
    secret: "secret",
};

/// One of the user's instances' settings.
pub async fn get(
    platform: &Platform,
    user: &UserId,
    id: &InstanceId,
) -> Result<SettingsView, AppError> {
    let instance = super::instances::get(platform, user, id).await?;
    Ok(SettingsView::from(&instance.settings))
}

/// Replaces the settings (keeping keys a newer version wrote), keeps a version
/// of them, and pushes the delays to the provider.
#[tracing::instrument(skip_all, fields(user = %user, instance = %id))]
pub async fn save(
    platform: &Platform,
    user: &UserId,
    id: &InstanceId,
    input: SettingsInput,
) -> Result<SettingsView, AppError> {
    let instance = super::instances::get(platform, user, id).await?;
    let defaults = InstanceSettings::default();
    let mut settings = InstanceSettings {
        auto_reconnect: input.auto_reconnect.unwrap_or(defaults.auto_reconnect),
        message_delay_min_ms: input
            .message_delay_min_ms
            .unwrap_or(defaults.message_delay_min_ms),
        message_delay_max_ms: input
            .message_delay_max_ms
            .unwrap_or(defaults.message_delay_max_ms),
        keep_incoming_text: input
            .keep_incoming_text
            .unwrap_or(defaults.keep_incoming_text),
        forward_webhook: None,
        unknown: instance.settings.unknown.clone(),
    };
    if !settings.delays_valid() {
        return Err(AppError::invalid("messageDelayMaxMs", Msg::DelaysInvalid));
    }
    if let Some(hook) = input.forward_webhook {
        let current = instance.settings.forward_webhook.as_ref();
        settings.forward_webhook =
            Some(webhook_from_input(platform, hook, current, INSTANCE_WEBHOOK).await?);
    }
    if !platform
        .store
        .save_settings(user, id, &settings, platform.now())
        .await?
    {
        return Err(AppError::NotFound);
    }
    let saved = super::instances::get(platform, user, id).await?;
    let target = Target::new(id, Some(&saved.name.to_string()));
    let detail = serde_json::json!({"changed": changed_keys(&instance.settings, &saved.settings)});
    audit::record(
        platform,
        Actor::user(user),
        AuditAction::SettingsChanged,
        target,
        detail,
    )
    .await;
    super::connection::push_provider_settings(platform, &saved).await;
    Ok(SettingsView::from(&saved.settings))
}

/// The names of the settings that changed (names only: a value could be a URL
/// with a credential in it, and the audit log keeps no secret).
fn changed_keys(before: &InstanceSettings, after: &InstanceSettings) -> Vec<String> {
    let (before, after) = (before.to_config(), after.to_config());
    let (Some(before), Some(after)) = (before.as_object(), after.as_object()) else {
        return Vec::new();
    };
    after
        .iter()
        .filter(|(key, value)| before.get(key.as_str()) != Some(value))
        .map(|(key, _)| key.clone())
        .chain(
            before
                .keys()
                .filter(|k| !after.contains_key(k.as_str()))
                .cloned(),
        )
        .collect()
}

/// The saved versions of an instance's settings, newest first (never secrets).
pub async fn history(
    platform: &Platform,
    user: &UserId,
    id: &InstanceId,
) -> Result<Vec<(Timestamp, serde_json::Value)>, AppError> {
    super::instances::get(platform, user, id).await?;
    Ok(platform.store.config_history(user, id, 100).await?)
}
