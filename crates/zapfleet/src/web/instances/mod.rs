//! The instances pages: the list with the "Nova Instância" and connect modals,
//! and each instance's page with its settings, statistics and messages.

mod connect;
mod detail;
mod forms;
mod list;
mod messages;
mod send_form;

use super::format::When;
use crate::domain::{Instance, InstanceStatus, ProvisionState, TimeZone};
use crate::i18n::{Locale, Msg};
use crate::routes::Routes;
use crate::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

pub fn routes() -> Routes<AppState> {
    Routes::new()
        .route("/", get(list::index))
        .route("/ui/instances/table", get(list::table))
        .route("/ui/instances", post(list::create))
        .route("/ui/instances/bulk", post(list::bulk))
        .route("/ui/instances/{id}/connect", post(connect::connect))
        .route(
            "/ui/instances/{id}/simulate-scan",
            post(connect::simulate_scan),
        )
        .route("/ui/instances/{id}/disconnect", post(forms::disconnect))
        .route("/ui/instances/{id}/reprovision", post(forms::reprovision))
        .route("/ui/instances/{id}/delete", post(forms::delete))
        .route("/ui/instances/{id}/config", post(forms::save_settings))
        .route("/ui/instances/{id}/edit", post(forms::edit))
        .route("/instances/{id}", get(detail::page))
        .route(
            "/ui/instances/{id}/messages",
            get(messages::list)
                .post(send_form::send)
                .layer(DefaultBodyLimit::max(send_form::BODY_LIMIT)),
        )
        .route(
            "/ui/instances/{id}/messages/{message}/retry",
            post(messages::retry),
        )
}

/// One instance as a line of the table (and the head of its page).
struct Row {
    id: String,
    name: String,
    phone: String,
    status: &'static str,
    status_label: &'static str,
    last_connection: Option<When>,
    pending: bool,
    /// The provider no longer knows it.
    lost: bool,
    sent: i64,
    received: i64,
}

fn status_label(l: Locale, status: InstanceStatus) -> &'static str {
    l.t(match status {
        InstanceStatus::Connected => Msg::StatusConnected,
        InstanceStatus::Connecting => Msg::StatusConnecting,
        InstanceStatus::Disconnected => Msg::StatusDisconnected,
    })
}

impl Row {
    fn of(l: Locale, zone: &TimeZone, i: &Instance) -> Self {
        Self {
            id: i.id.to_string(),
            name: i.name.to_string(),
            phone: i
                .phone
                .as_ref()
                .map(|p| p.international())
                .unwrap_or_default(),
            status: i.status.as_str(),
            status_label: status_label(l, i.status),
            last_connection: i.last_connection.map(|t| When::of(t, zone, l)),
            pending: i.provision_state == ProvisionState::Pending && i.provider_lost_at.is_none(),
            lost: i.provider_lost_at.is_some(),
            sent: 0,
            received: 0,
        }
    }
}
