//! An instance's page: its status and history, settings, statistics and
//! messages, and the buttons that act on it.

use super::super::session::SignedIn;
use super::super::{PageCtx, charts, render};
use super::messages::messages_list;
use super::{Row, status_label};
use crate::domain::{InstanceId, Usage};
use crate::error::AppError;
use crate::i18n::{Locale, Msg};
use crate::services::settings::{SettingsInput, SettingsView, WebhookInput};
use crate::services::stats::{self, Period};
use crate::services::{connection, instances, settings, status};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "instance.html")]
struct DetailPage {
    page: PageCtx,
    row: Row,
    profile_name: String,
    provision_error: Option<String>,
    settings: SettingsView,
    settings_error: Option<String>,
    hook_url: String,
    hook_events: String,
    has_hook: bool,
    history: Vec<(String, &'static str, &'static str, String, &'static str)>,
    totals: Usage,
    uptime: String,
    chart: String,
    messages_html: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct DetailQuery {
    error: Option<String>,
}

/// The settings form's error, by the code the save left in the URL.
fn settings_error_text(l: Locale, code: &str) -> Option<String> {
    let msg = match code {
        "delays" => Msg::DelaysInvalid,
        "forwardWebhook.secret" => Msg::WebhookSecretInvalid,
        "forwardWebhook.url" => Msg::WebhookUrlInvalid,
        "forwardWebhook.internal" => Msg::WebhookUrlInternal,
        "forwardWebhook.events" => Msg::WebhookEventUnknown,
        _ => return None,
    };
    Some(l.t(msg).to_owned())
}

pub(super) async fn page(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    Query(query): Query<DetailQuery>,
) -> Result<Response, AppError> {
    let id = InstanceId::from_raw(id);
    let l = signed.visitor.locale;
    let user = &signed.user.user_id;
    let view = status::view(&state.platform, user, &id, 50).await?;
    let period = Period::last_days(stats::today(&state.platform), 14);
    let usage = stats::usage(&state.platform, user, Some(&id), period, true).await?;
    let chart = charts::messages_per_day(&usage.days, l.t(Msg::StatSent), l.t(Msg::StatReceived));
    let chart = chart
        + &charts::table_per_day(
            &usage.days,
            [
                l.t(Msg::ChartAsTable),
                l.t(Msg::ColumnDay),
                l.t(Msg::StatSent),
                l.t(Msg::StatReceived),
            ],
        );
    let messages_html = messages_list(&state, &signed, &id)
        .await?
        .render()
        .map_err(|e| AppError::Internal(e.into()))?;
    let instance = view.instance;
    let settings = SettingsView::from(&instance.settings);
    let hook = settings.forward_webhook.clone();
    Ok(render(&DetailPage {
        page: PageCtx::new(&signed.visitor, &state),
        row: Row::of(l, &instance),
        profile_name: instance.profile_name.clone().unwrap_or_default(),
        provision_error: instance.provision_error.clone(),
        hook_url: hook.as_ref().map(|w| w.url.clone()).unwrap_or_default(),
        hook_events: hook
            .as_ref()
            .map(|w| {
                w.events
                    .iter()
                    .map(|e| e.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default(),
        has_hook: hook.is_some(),
        settings,
        settings_error: query.error.and_then(|e| settings_error_text(l, &e)),
        history: view
            .history
            .into_iter()
            .map(|h| {
                (
                    h.at.to_rfc3339(),
                    status_label(l, h.from),
                    status_label(l, h.to),
                    h.reason,
                    h.source.as_str(),
                )
            })
            .collect(),
        totals: usage.total,
        uptime: format!("{:.1}%", usage.uptime_percent),
        chart,
        messages_html,
    }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct SettingsForm {
    _csrf: String,
    auto_reconnect: Option<String>,
    keep_incoming_text: Option<String>,
    delay_min: Option<String>,
    delay_max: Option<String>,
    hook_url: String,
    hook_events: String,
    hook_secret: String,
}

pub(super) async fn disconnect(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<SettingsForm>,
) -> Result<Response, AppError> {
    signed.visitor.check_csrf(Some(&form._csrf))?;
    let instance_id = InstanceId::from_raw(id.as_str());
    connection::disconnect(&state.platform, &signed.user.user_id, &instance_id).await?;
    Ok(Redirect::to(&format!("/instances/{id}")).into_response())
}

pub(super) async fn delete(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<SettingsForm>,
) -> Result<Response, AppError> {
    signed.visitor.check_csrf(Some(&form._csrf))?;
    instances::delete(
        &state.platform,
        &signed.user.user_id,
        &InstanceId::from_raw(id),
    )
    .await?;
    Ok(Redirect::to("/").into_response())
}

/// The settings form, saved by the same service as `PUT …/config`; a mistake
/// comes back as a message on the page. A blank secret keeps the saved one.
pub(super) async fn save_settings(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<SettingsForm>,
) -> Result<Response, AppError> {
    signed.visitor.check_csrf(Some(&form._csrf))?;
    let back =
        |error: &str| Ok(Redirect::to(&format!("/instances/{id}?error={error}")).into_response());
    let number = |text: Option<&String>| match text.map(|t| t.trim()).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => t.parse::<u64>().map(Some),
    };
    let (Ok(min), Ok(max)) = (
        number(form.delay_min.as_ref()),
        number(form.delay_max.as_ref()),
    ) else {
        return back("delays");
    };
    let forward_webhook = (!form.hook_url.trim().is_empty()).then(|| WebhookInput {
        url: form.hook_url.trim().to_owned(),
        events: form
            .hook_events
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(str::to_owned)
            .collect(),
        secret: Some(form.hook_secret.clone()).filter(|s| !s.is_empty()),
    });
    let input = SettingsInput {
        auto_reconnect: Some(form.auto_reconnect.is_some()),
        keep_incoming_text: Some(form.keep_incoming_text.is_some()),
        message_delay_min_ms: min,
        message_delay_max_ms: max,
        forward_webhook,
    };
    let instance_id = InstanceId::from_raw(id.as_str());
    match settings::save(&state.platform, &signed.user.user_id, &instance_id, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/instances/{id}")).into_response()),
        Err(AppError::Invalid { field, message }) => back(match message {
            Msg::WebhookUrlInternal => "forwardWebhook.internal",
            Msg::DelaysInvalid => "delays",
            _ => field,
        }),
        Err(other) => Err(other),
    }
}
