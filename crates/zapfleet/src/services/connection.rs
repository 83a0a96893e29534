//! Connecting, logging out, reconnecting and asking the provider how each
//! instance is; every answer goes through the state machine in [`super::status`].

use super::audit::{self, Actor, Target};
use super::credentials::provider_token;
use super::platform::{Platform, jitter};
use super::provisioning::provision_now;
use super::status::apply;
use crate::domain::connection::reconnect_delay_ms;
use crate::domain::instance_status::Cause;
use crate::domain::transition::Report;
use crate::domain::{
    AuditAction, Instance, InstanceId, InstanceStatus, LoginMethod, Phone, ProvisionState,
    StatusSource, UserId,
};
use crate::error::AppError;
use crate::i18n::Msg;
use uazapi::{ConnectMethod, Status};

fn status_of(status: Status) -> InstanceStatus {
    match status {
        Status::Disconnected => InstanceStatus::Disconnected,
        Status::Connecting => InstanceStatus::Connecting,
        Status::Connected => InstanceStatus::Connected,
    }
}

/// What the provider says of an instance, as a report for the state machine.
pub fn report(
    status: Status,
    reason: &str,
    qrcode: &str,
    paircode: &str,
    profile_name: Option<&str>,
) -> Report {
    Report {
        status: status_of(status),
        // The provider's words are stored and logged: one short line only.
        reason: uazapi::one_line(reason, uazapi::MAX_LINE_CHARS),
        logged_out: false,
        profile_name: profile_name.map(|p| uazapi::one_line(p, uazapi::MAX_LINE_CHARS)),
        qrcode: qrcode.to_owned(),
        paircode: paircode.to_owned(),
        had_session: false,
        owner: None,
    }
}

/// Whether the provider's view of an instance shows a session existed (it
/// knows the number or the display name), even if we never saw it connected.
pub fn had_session(remote: &uazapi::Instance) -> bool {
    !remote.owner.is_empty() || !remote.profile_name.is_empty()
}

/// The provider token of an instance, provisioning it first if needed.
async fn token_for(platform: &Platform, instance: &Instance) -> Result<String, AppError> {
    if instance.provision_state == ProvisionState::Pending {
        provision_now(platform, &instance.id)
            .await
            .map_err(|e| match e {
                super::provisioning::ProvisionError::Provider(p) => AppError::Provider(p),
                other => AppError::Internal(other.into()),
            })?;
    }
    // Another request or the provisioner holds the attempt: the user may retry shortly.
    provider_token(platform, &instance.id)
        .await?
        .ok_or_else(|| {
            AppError::Provider(uazapi::ProviderError::Unavailable {
                status: None,
                message: "the instance is still being created at the provider".into(),
            })
        })
}

/// Starts logging in (QR or pairing code), or resumes a session the provider kept.
#[tracing::instrument(skip_all, fields(user = %user, instance = %id))]
pub async fn connect(
    platform: &Platform,
    user: &UserId,
    id: &InstanceId,
    method: LoginMethod,
) -> Result<Instance, AppError> {
    let instance = super::instances::get(platform, user, id).await?;
    super::provider_lost::refuse(&instance)?;
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
    let answer = match platform.provider.connect(&token, connect_method).await {
        Ok(answer) => answer,
        Err(error) => {
            if super::provider_lost::confirm_and_mark(platform, id, &error).await? {
                let lost = super::instances::get(platform, user, id).await?;
                super::provider_lost::refuse(&lost)?;
            }
            return Err(error.into());
        }
    };
    let report = report(
        answer.status,
        "connect requested by the user",
        &answer.qrcode,
        &answer.paircode,
        Some(&answer.profile_name),
    );
    apply(platform, id, &report, StatusSource::User).await?;
    // Even when the status did not change (a login already under way), the
    // login is polled every few seconds from now: its webhooks may be lost.
    platform.store.set_next_poll(id, platform.now()).await?;
    let target = Target::new(id, Some(&instance.name.to_string()));
    let detail = serde_json::json!({"method": method.as_str()});
    audit::record(
        platform,
        Actor::user(user),
        AuditAction::InstanceConnected,
        target,
        detail,
    )
    .await;
    super::instances::get(platform, user, id).await
}

/// Logs out: the session ends and is never reconnected automatically.
#[tracing::instrument(skip_all, fields(user = %user, instance = %id))]
pub async fn disconnect(
    platform: &Platform,
    user: &UserId,
    id: &InstanceId,
) -> Result<Instance, AppError> {
    let instance = super::instances::get(platform, user, id).await?;
    if instance.provision_state == ProvisionState::Ready {
        let token = token_for(platform, &instance).await?;
        let answer = platform.provider.disconnect(&token).await?;
        let mut report = report(answer.status, "logout requested by the user", "", "", None);
        report.logged_out = true;
        apply(platform, id, &report, StatusSource::User).await?;
    }
    platform.store.set_logged_out(id, true).await?;
    let target = Target::new(id, Some(&instance.name.to_string()));
    let detail = serde_json::json!({});
    audit::record(
        platform,
        Actor::user(user),
        AuditAction::InstanceDisconnected,
        target,
        detail,
    )
    .await;
    super::instances::get(platform, user, id).await
}

/// Asks the provider for the current state (a poll). An instance the
/// provider no longer knows is marked lost, and the answer is the
/// `provider_lost` conflict (see [`super::provider_lost::is_lost`]).
pub async fn refresh(
    platform: &Platform,
    id: &InstanceId,
    source: StatusSource,
) -> Result<InstanceStatus, AppError> {
    let Some(instance) = platform.store.instance_by_id(id).await? else {
        return Ok(InstanceStatus::Disconnected);
    };
    let token = token_for(platform, &instance).await?;
    let found = match platform.provider.status(&token).await {
        Ok(answer) => answer.instance,
        Err(error) => {
            if super::provider_lost::confirm_and_mark(platform, id, &error).await? {
                return Err(super::provider_lost::lost_error());
            }
            return Err(error.into());
        }
    };
    super::provider_lost::known_again(platform, &instance, &found).await?;
    let mut report = report(
        found.status,
        &found.last_disconnect_reason,
        &found.qrcode,
        &found.paircode,
        Some(&found.profile_name),
    );
    report.had_session = had_session(&found);
    report.owner = Phone::reported(&found.owner);
    apply(platform, id, &report, source).await?;
    Ok(report.status)
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
        || !instance.settings.auto_reconnect
        || instance.provider_lost_at.is_some()
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
            let report = report(
                answer.status,
                &format!("automatic reconnect, attempt {attempt}"),
                &answer.qrcode,
                &answer.paircode,
                Some(&answer.profile_name),
            );
            apply(platform, id, &report, StatusSource::Reconnect).await
        }
        Err(error) => {
            if let AppError::Provider(provider) = &error
                && super::provider_lost::confirm_and_mark(platform, id, provider).await?
            {
                // Lost: no more automatic attempts (marking cancelled them).
                return Err(error);
            }
            let next = attempt + 1;
            let at = platform.now().plus_millis(reconnect_delay_ms(
                u32::try_from(next).unwrap_or(u32::MAX),
                jitter(),
            ));
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
    let now = platform.now();
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
                    super::provider_lost::mark(platform, &link.instance_id).await?;
                    continue;
                };
                let reason = if found.last_disconnect_reason.is_empty() {
                    "reconciled after restart"
                } else {
                    &found.last_disconnect_reason
                };
                let mut report = report(
                    found.status,
                    reason,
                    &found.qrcode,
                    &found.paircode,
                    Some(&found.profile_name),
                );
                report.had_session = had_session(found);
                report.owner = Phone::reported(&found.owner);
                apply(
                    platform,
                    &link.instance_id,
                    &report,
                    StatusSource::Reconcile,
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
    let settings = &instance.settings;
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

/// Sandbox only: the pretend phone scans the QR on screen (decoding its image,
/// as a camera would) or types the pairing code. `false` if the login is gone.
pub async fn simulate_scan(
    platform: &Platform,
    user: &UserId,
    id: &InstanceId,
) -> Result<bool, AppError> {
    let phone = platform.phone.as_ref().ok_or(AppError::NotFound)?;
    let instance = super::instances::get(platform, user, id).await?;
    let login = instance
        .login
        .filter(|_| instance.status == InstanceStatus::Connecting)
        .ok_or(AppError::NotFound)?;
    let number = instance
        .phone
        .map(|p| p.digits().to_owned())
        .unwrap_or_default();
    Ok(match login.method {
        LoginMethod::Qr => phone.scan(&login.code, &number),
        LoginMethod::Code => phone.pair(&login.code, &number),
    })
}
