//! Connecting, logging out, and following the provider's view of each instance:
//! one state machine per instance, fed by users, webhooks, polls, reconciliation
//! and automatic reconnects.

use super::platform::{Platform, jitter};
use super::provisioning::provision_now;
use crate::domain::connection::reconnect_delay_ms;
use crate::domain::instance_status::Cause;
use crate::domain::{
    Instance, InstanceId, InstanceStatus, Login, LoginMethod, ProvisionState, Timestamp, UserId,
};
use crate::error::AppError;
use crate::i18n::Msg;
use crate::store::{Reconnect, StatusChange};
use serde_json::json;
use uazapi::{ConnectMethod, Status};

/// What the provider says about an instance.
#[derive(Debug, Clone, Default)]
pub struct Observation {
    /// Why (`QR scanned`, `401: logged out from another device`…).
    pub reason: String,
    /// A logout: never reconnect automatically.
    pub logged_out: bool,
    /// WhatsApp display name, when connected.
    pub profile_name: Option<String>,
    /// The QR data URI or pairing code shown while connecting.
    pub qrcode: String,
    /// The pairing code.
    pub paircode: String,
}

fn status_of(status: Status) -> InstanceStatus {
    match status {
        Status::Disconnected => InstanceStatus::Disconnected,
        Status::Connecting => InstanceStatus::Connecting,
        Status::Connected => InstanceStatus::Connected,
    }
}

fn login_from(
    observation: &Observation,
    previous: Option<&Login>,
    now: Timestamp,
) -> Option<Login> {
    let (method, code) = if !observation.paircode.is_empty() {
        (LoginMethod::Code, observation.paircode.clone())
    } else if !observation.qrcode.is_empty() {
        (LoginMethod::Qr, observation.qrcode.clone())
    } else {
        return previous.cloned();
    };
    // A new QR of the same login keeps the login's deadline.
    let expires_at = match previous {
        Some(p) if p.method == method => p.expires_at,
        _ => Timestamp::from_millis(now.millis() + method.timeout_ms()),
    };
    Some(Login {
        method,
        code,
        expires_at,
    })
}

/// Applies what the provider reports. Repeats are no-ops; races between sources
/// are settled by the conditional update (the loser re-reads and tries again).
#[tracing::instrument(skip_all, fields(instance = %id, observed = %observed, source))]
pub async fn apply(
    platform: &Platform,
    id: &InstanceId,
    observed: Status,
    observation: Observation,
    source: &str,
) -> Result<(), AppError> {
    let to = status_of(observed);
    for _ in 0..3 {
        let Some(instance) = platform.store.instance_by_id(id).await? else {
            return Ok(());
        };
        let now = Timestamp::now();
        let login = if to == InstanceStatus::Connecting {
            login_from(&observation, instance.login.as_ref(), now)
        } else {
            None
        };
        if !instance.status.can_become(to, Cause::ProviderReported) {
            if to == InstanceStatus::Connecting && login.is_some() && login != instance.login {
                platform.store.set_login(id, login.as_ref()).await?;
                publish_login(platform, &instance, login.as_ref());
            }
            let name = observation.profile_name.as_ref().filter(|n| !n.is_empty());
            if to == InstanceStatus::Connected
                && name.is_some()
                && name != instance.profile_name.as_ref()
            {
                platform
                    .store
                    .set_profile_name(id, name.map(String::as_str))
                    .await?;
                platform.events.publish(
                    &instance.user_id,
                    "instance.updated",
                    json!({"id": id.as_str(), "profileName": name}),
                );
            }
            return Ok(());
        }
        let reconnect = match to {
            InstanceStatus::Connected => Reconnect::Clear,
            InstanceStatus::Disconnected if observation.logged_out => Reconnect::Clear,
            InstanceStatus::Disconnected
                if instance.status == InstanceStatus::Connected
                    && instance.auto_reconnect()
                    && !instance.logged_out =>
            {
                Reconnect::Schedule {
                    attempts: 1,
                    at: Timestamp::from_millis(now.millis() + reconnect_delay_ms(1, jitter())),
                }
            }
            _ => Reconnect::Keep,
        };
        let reason = if observation.reason.is_empty() {
            default_reason(instance.status, to)
        } else {
            observation.reason.clone()
        };
        let change = StatusChange {
            id,
            from: instance.status,
            to,
            reason: &reason,
            source,
            at: now,
            profile_name: observation.profile_name.clone().filter(|n| !n.is_empty()),
            logged_out: match to {
                InstanceStatus::Connected => Some(false),
                InstanceStatus::Disconnected if observation.logged_out => Some(true),
                _ => None,
            },
            login: Some(login.clone()),
            reconnect,
            connected_ms: (instance.status == InstanceStatus::Connected)
                .then(|| instance.last_connection.map(|t| now.millis() - t.millis()))
                .flatten(),
        };
        if platform.store.change_status(&change).await? {
            tracing::info!(from = %instance.status, %reason, "status changed");
            if to == InstanceStatus::Connected && change.profile_name.is_none() {
                // Webhooks do not carry the profile: ask for it at once.
                platform.store.set_next_poll(id, now).await?;
            }
            platform.events.publish(
                &instance.user_id,
                "instance.status",
                json!({"id": id.as_str(), "status": to, "previous": instance.status, "reason": reason, "source": source,
                       "at": now.to_rfc3339(), "profileName": change.profile_name.or(instance.profile_name.clone()),
                       "lastConnection": if to == InstanceStatus::Connected { Some(now.to_rfc3339()) } else { instance.last_connection.map(|t| t.to_rfc3339()) }}),
            );
            if login.is_some() {
                publish_login(platform, &instance, login.as_ref());
            }
            return Ok(());
        }
    }
    tracing::warn!("status kept changing under us; the next poll will settle it");
    Ok(())
}

fn default_reason(from: InstanceStatus, to: InstanceStatus) -> String {
    match (from, to) {
        (_, InstanceStatus::Connected) => "connected".into(),
        (InstanceStatus::Connecting, InstanceStatus::Disconnected) => {
            "login not completed in time".into()
        }
        (_, InstanceStatus::Disconnected) => "connection lost".into(),
        (_, InstanceStatus::Connecting) => "connecting".into(),
    }
}

fn publish_login(platform: &Platform, instance: &Instance, login: Option<&Login>) {
    if let Some(login) = login {
        let (kind, field) = match login.method {
            LoginMethod::Qr => ("instance.qrcode", "qrcode"),
            LoginMethod::Code => ("instance.paircode", "paircode"),
        };
        platform.events.publish(
            &instance.user_id,
            kind,
            json!({"id": instance.id.as_str(), field: login.code, "expiresAt": login.expires_at.to_rfc3339()}),
        );
    }
}

/// The provider token of a provisioned instance, provisioning it first if needed.
async fn token_for(platform: &Platform, instance: &Instance) -> Result<String, AppError> {
    if instance.provision_state == ProvisionState::Pending {
        provision_now(platform, &instance.id)
            .await
            .map_err(|e| match e {
                super::provisioning::ProvisionError::Provider(p) => AppError::Provider(p),
                other => AppError::Internal(other.into()),
            })?;
    }
    let link = platform
        .store
        .provider_link(&instance.id)
        .await?
        .ok_or(AppError::NotFound)?;
    // Another request or the provisioner holds the attempt: the user may retry shortly.
    let sealed = link.token_sealed.ok_or_else(|| {
        AppError::Provider(uazapi::ProviderError::Unavailable {
            status: None,
            message: "the instance is still being created at the provider".into(),
        })
    })?;
    platform
        .secrets
        .decrypt(&sealed)
        .map_err(|e| AppError::Internal(e.into()))
}

/// Starts logging in (QR or pairing code), or resumes a session the provider kept.
#[tracing::instrument(skip_all, fields(user = %user, instance = %id))]
pub async fn connect(
    platform: &Platform,
    user: &UserId,
    id: &InstanceId,
    method: LoginMethod,
) -> Result<Instance, AppError> {
    let instance = platform
        .store
        .get_instance(user, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !instance
        .status
        .can_become(InstanceStatus::Connecting, Cause::ConnectRequested)
    {
        return Err(AppError::Conflict {
            field: "status",
            message: Msg::AlreadyConnected,
        });
    }
    let phone = instance.phone.as_ref().map(|p| p.digits().to_owned());
    let connect_method = match (method, phone.as_deref()) {
        (LoginMethod::Qr, _) => ConnectMethod::Qr,
        (LoginMethod::Code, Some(phone)) => ConnectMethod::Code { phone },
        (LoginMethod::Code, None) => {
            return Err(AppError::invalid("phone", Msg::PhoneNeededForCode));
        }
    };
    let token = token_for(platform, &instance).await?;
    // The user asked: a logout no longer holds back reconnection.
    platform.store.set_logged_out(id, false).await?;
    let answer = platform.provider.connect(&token, connect_method).await?;
    let observation = Observation {
        reason: "connect requested by the user".into(),
        qrcode: answer.qrcode.clone(),
        paircode: answer.paircode.clone(),
        profile_name: Some(answer.profile_name.clone()),
        ..Observation::default()
    };
    apply(platform, id, answer.status, observation, "user").await?;
    platform
        .store
        .get_instance(user, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Logs out: the session ends and is never reconnected automatically.
#[tracing::instrument(skip_all, fields(user = %user, instance = %id))]
pub async fn disconnect(
    platform: &Platform,
    user: &UserId,
    id: &InstanceId,
) -> Result<Instance, AppError> {
    let instance = platform
        .store
        .get_instance(user, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if instance.provision_state == ProvisionState::Ready {
        let token = token_for(platform, &instance).await?;
        let answer = platform.provider.disconnect(&token).await?;
        let observation = Observation {
            reason: "logout requested by the user".into(),
            logged_out: true,
            ..Observation::default()
        };
        apply(platform, id, answer.status, observation, "user").await?;
    }
    platform.store.set_logged_out(id, true).await?;
    platform
        .store
        .get_instance(user, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Asks the provider for the current state (a poll), and says when to ask again.
pub async fn refresh(
    platform: &Platform,
    id: &InstanceId,
    source: &str,
) -> Result<InstanceStatus, AppError> {
    let Some(instance) = platform.store.instance_by_id(id).await? else {
        return Ok(InstanceStatus::Disconnected);
    };
    let token = token_for(platform, &instance).await?;
    let report = platform.provider.status(&token).await?;
    let observation = Observation {
        reason: report.instance.last_disconnect_reason.clone(),
        qrcode: report.instance.qrcode.clone(),
        paircode: report.instance.paircode.clone(),
        profile_name: Some(report.instance.profile_name.clone()),
        ..Observation::default()
    };
    apply(platform, id, report.instance.status, observation, source).await?;
    Ok(status_of(report.instance.status))
}

/// One automatic reconnect attempt after a drop.
#[tracing::instrument(skip_all, fields(instance = %id, attempt))]
pub async fn reconnect_attempt(
    platform: &Platform,
    id: &InstanceId,
    attempt: i64,
) -> Result<(), AppError> {
    let Some(instance) = platform.store.instance_by_id(id).await? else {
        return Ok(());
    };
    if instance.status != InstanceStatus::Disconnected
        || instance.logged_out
        || !instance.auto_reconnect()
    {
        platform.store.schedule_reconnect(id, 0, None).await?;
        return Ok(());
    }
    let result = async {
        let token = token_for(platform, &instance).await?;
        platform
            .provider
            .connect(&token, ConnectMethod::Qr)
            .await
            .map_err(AppError::from)
    }
    .await;
    match result {
        Ok(answer) => {
            // Resumed, or the session is gone and a QR waits for the user: either
            // way, no more automatic attempts.
            platform.store.schedule_reconnect(id, 0, None).await?;
            let observation = Observation {
                reason: format!("automatic reconnect, attempt {attempt}"),
                qrcode: answer.qrcode.clone(),
                paircode: answer.paircode.clone(),
                profile_name: Some(answer.profile_name.clone()),
                ..Observation::default()
            };
            apply(platform, id, answer.status, observation, "reconnect").await
        }
        Err(error) => {
            let next = attempt + 1;
            let at = Timestamp::from_millis(
                Timestamp::now().millis() + reconnect_delay_ms(next as u32, jitter()),
            );
            tracing::warn!(%error, next_attempt = next, "automatic reconnect failed");
            platform
                .store
                .schedule_reconnect(id, next, Some(at))
                .await?;
            Err(error)
        }
    }
}

/// Brings our view in line with the provider's after a start: one `/instance/all`
/// for everything, then a poll of every instance to fill in QR codes and names.
pub async fn reconcile(platform: &Platform) -> Result<usize, AppError> {
    let now = Timestamp::now();
    let links = platform.store.provisioned_links().await?;
    let mut applied = 0;
    match platform.provider.list_instances().await {
        Ok(remote) => {
            for link in links {
                let Some(found) = remote
                    .iter()
                    .find(|r| Some(&r.id) == link.provider_id.as_ref())
                else {
                    tracing::warn!(instance = %link.instance_id, "instance missing at the provider");
                    continue;
                };
                let observation = Observation {
                    reason: if found.last_disconnect_reason.is_empty() {
                        "reconciled after restart".into()
                    } else {
                        found.last_disconnect_reason.clone()
                    },
                    qrcode: found.qrcode.clone(),
                    paircode: found.paircode.clone(),
                    profile_name: Some(found.profile_name.clone()),
                    ..Observation::default()
                };
                apply(
                    platform,
                    &link.instance_id,
                    found.status,
                    observation,
                    "reconcile",
                )
                .await?;
                applied += 1;
            }
        }
        Err(error) => {
            tracing::warn!(%error, "cannot list instances at the provider; polls will converge")
        }
    }
    platform.store.poll_everything_now(now).await?;
    Ok(applied)
}

/// Keeps uazapi's own async-queue delays in step with the instance's settings
/// (zapfleet paces its sends itself; this matters to anyone who also uses
/// uazapi's queue directly). Best effort: a provider that lacks the call, or is
/// down, does not undo the saved settings.
pub async fn push_provider_settings(platform: &Platform, instance: &Instance) {
    if instance.provision_state != ProvisionState::Ready {
        return;
    }
    let settings = instance.settings();
    let result = async {
        let token = token_for(platform, instance).await?;
        let (min, max) = (
            settings.message_delay_min_ms / 1000,
            settings.message_delay_max_ms.div_ceil(1000),
        );
        platform
            .provider
            .update_delay_settings(&token, min, max)
            .await
            .map_err(AppError::from)
    }
    .await;
    if let Err(error) = result {
        tracing::warn!(instance = %instance.id, %error, "could not push the delays to the provider");
    }
}
