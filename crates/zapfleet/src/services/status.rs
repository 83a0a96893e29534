//! One state machine per instance, fed by users, webhooks, polls,
//! reconciliation and automatic reconnects: the domain decides what a report
//! changes ([`decide`]), this persists it and tells the user's pages.

use super::platform::{Platform, jitter};
use crate::domain::transition::{Decision, Report, decide};
use crate::domain::{
    EventKind, Instance, InstanceId, InstanceStatus, Login, LoginMethod, StatusSource, UserId,
};
use crate::error::AppError;
use crate::store::{HistoryEntry, StatusChange};
use serde_json::json;

/// Applies what the provider reports. Repeats are no-ops; races between sources
/// are settled by the conditional update (the loser re-reads and decides again).
#[tracing::instrument(skip_all, fields(instance = %id, observed = %report.status, source = %source))]
pub async fn apply(
    platform: &Platform,
    id: &InstanceId,
    report: &Report,
    source: StatusSource,
) -> Result<(), AppError> {
    if let Some(owner) = &report.owner
        && let Some(user) = platform
            .store
            .set_connected_phone(id, owner.digits())
            .await?
    {
        platform.events.publish(
            &user,
            EventKind::InstanceUpdated,
            json!({"id": id, "connectedPhone": owner.digits()}),
        );
    }
    for _ in 0..3 {
        let Some(instance) = platform.store.instance_by_id(id).await? else {
            return Ok(());
        };
        match decide(&instance.current(), report, platform.now(), jitter()) {
            Decision::Nothing => return Ok(()),
            Decision::Refresh {
                login,
                profile_name,
            } => {
                if let Some(login) = login {
                    platform.store.set_login(id, Some(&login)).await?;
                    publish_login(platform, &instance, &login);
                }
                if let Some(name) = profile_name {
                    platform.store.set_profile_name(id, Some(&name)).await?;
                    platform.events.publish(
                        &instance.user_id,
                        EventKind::InstanceUpdated,
                        json!({"id": id, "profileName": name}),
                    );
                }
                return Ok(());
            }
            Decision::Transition(t) => {
                let change = StatusChange {
                    id,
                    transition: &t,
                    source,
                };
                if platform.store.change_status(change).await? {
                    tracing::info!(from = %t.from, to = %t.to, reason = ?t.reason, "status changed");
                    let last_connection = if t.to == InstanceStatus::Connected {
                        Some(t.at)
                    } else {
                        instance.last_connection
                    };
                    platform.events.publish(
                        &instance.user_id,
                        EventKind::InstanceStatus,
                        json!({"id": id, "status": t.to, "previous": t.from, "reason": t.reason,
                               "source": source, "at": t.at,
                               "profileName": t.profile_name.as_ref().or(instance.profile_name.as_ref()),
                               "lastConnection": last_connection}),
                    );
                    if let Some(login) = &t.login {
                        publish_login(platform, &instance, login);
                    }
                    return Ok(());
                }
            }
        }
    }
    tracing::warn!("status kept changing under us; the next poll will settle it");
    Ok(())
}

fn publish_login(platform: &Platform, instance: &Instance, login: &Login) {
    let (kind, field) = match login.method {
        LoginMethod::Qr => (EventKind::InstanceQrcode, "qrcode"),
        LoginMethod::Code => (EventKind::InstancePaircode, "paircode"),
    };
    platform.events.publish(
        &instance.user_id,
        kind,
        json!({"id": instance.id, field: login.code, "expiresAt": login.expires_at}),
    );
}

/// An instance's connection as its owner sees it: the instance (with the login
/// in progress) and its latest status changes, newest first.
#[derive(Debug, Clone)]
pub struct ConnectionView {
    /// The instance.
    pub instance: Instance,
    /// The login to show: only while connecting.
    pub login: Option<Login>,
    /// The latest status changes, newest first.
    pub history: Vec<HistoryEntry>,
}

impl ConnectionView {
    /// The view of an instance, with the given history.
    pub fn of(instance: Instance, history: Vec<HistoryEntry>) -> Self {
        let login = instance
            .login
            .clone()
            .filter(|_| instance.status == InstanceStatus::Connecting);
        Self {
            instance,
            login,
            history,
        }
    }
}

/// One of the user's instances with its last `history` status changes.
pub async fn view(
    platform: &Platform,
    user: &UserId,
    id: &InstanceId,
    history: i64,
) -> Result<ConnectionView, AppError> {
    let instance = super::instances::get(platform, user, id).await?;
    let history = platform.store.status_history(user, id, history).await?;
    Ok(ConnectionView::of(instance, history))
}
