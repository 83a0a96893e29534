//! An instance's page: its status and history, messages, statistics and
//! settings, and the buttons that act on it. The forms that change it are in
//! `forms.rs`; a form refused for a mistake comes back here with what was typed
//! and the error beside the field.

use super::super::format::{self, When};
use super::super::labels;
use super::super::session::SignedIn;
use super::super::webhook_form::{EventChoice, INSTANCE_EVENTS, event_choices};
use super::super::{PageCtx, charts, render};
use super::messages::{MessageFilters, messages_list};
use super::{Row, status_label};
use crate::domain::{InstanceId, Phone, Usage};
use crate::error::AppError;
use crate::i18n::{Locale, Msg};
use crate::services::settings::SettingsView;
use crate::services::stats::{self, Period};
use crate::services::status;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

/// Milliseconds as seconds for a form field ("1.5", "0", "2").
pub(super) fn seconds(ms: u64) -> String {
    let text = format!("{:.3}", ms as f64 / 1000.0);
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// The edit form (name and phone) as typed, and its errors.
#[derive(Default)]
pub(super) struct EditForm {
    pub name: String,
    pub phone: String,
    pub name_error: Option<&'static str>,
    pub phone_error: Option<&'static str>,
}

/// The settings form as typed, and its error.
#[derive(Default)]
pub(super) struct SettingsFormView {
    pub auto_reconnect: bool,
    pub keep_incoming_text: bool,
    pub delay_min: String,
    pub delay_max: String,
    pub hook_url: String,
    pub events: Vec<String>,
    pub error: Option<&'static str>,
    pub error_field: &'static str,
}

/// What a refused form puts back on the page.
#[derive(Default)]
pub(super) struct Typed {
    pub edit: Option<EditForm>,
    pub settings: Option<SettingsFormView>,
}

#[derive(Template)]
#[template(path = "instance.html")]
struct DetailPage {
    page: PageCtx,
    row: Row,
    profile_name: String,
    /// The number logged in, as people write it, and whether it is another
    /// line than the configured one.
    connected_phone: Option<(String, bool)>,
    provision_error: Option<String>,
    edit: EditForm,
    edit_open: bool,
    form: SettingsFormView,
    settings_open: bool,
    events: Vec<EventChoice>,
    has_hook: bool,
    history: Vec<(When, &'static str, &'static str, String, &'static str)>,
    totals: Usage,
    uptime: String,
    chart: String,
    messages_html: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct DetailQuery {
    done: Option<String>,
}

/// The toast a finished form asks for (`?done=…` after its redirect).
fn done_text(l: Locale, code: &str) -> Option<String> {
    let msg = match code {
        "saved" => Msg::SettingsSaved,
        "edited" => Msg::InstanceEdited,
        "disconnected" => Msg::InstanceDisconnectedToast,
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
    let flash = query
        .done
        .and_then(|code| done_text(signed.visitor.locale, &code));
    render_page(&state, &signed, &id, Typed::default(), flash).await
}

/// The page, with what a refused form typed (if any) and a toast (if any).
pub(super) async fn render_page(
    state: &AppState,
    signed: &SignedIn,
    id: &InstanceId,
    typed: Typed,
    flash: Option<String>,
) -> Result<Response, AppError> {
    let l = signed.visitor.locale;
    let user = &signed.user.user_id;
    let view = status::view(&state.platform, user, id, 50).await?;
    let period = Period::last_days(stats::today_in(&state.platform, &signed.user.time_zone), 14);
    let usage = stats::usage(&state.platform, user, Some(id), period, true).await?;
    let chart = charts::messages_per_day(&usage.days, l) + &charts::table_per_day(&usage.days, l);
    let messages_html = messages_list(state, signed, id, &MessageFilters::default())
        .await?
        .render()
        .map_err(|e| AppError::Internal(e.into()))?;
    let instance = view.instance;
    let row = Row::of(l, &signed.user.time_zone, &instance);
    let saved = SettingsView::from(&instance.settings);
    let hook = saved.forward_webhook.clone();
    let edit_open = typed.edit.is_some();
    let edit = typed.edit.unwrap_or_else(|| EditForm {
        name: instance.name.to_string(),
        phone: row.phone.clone(),
        ..EditForm::default()
    });
    let settings_open = typed.settings.is_some();
    let form = typed.settings.unwrap_or_else(|| SettingsFormView {
        auto_reconnect: saved.auto_reconnect,
        keep_incoming_text: saved.keep_incoming_text,
        delay_min: seconds(saved.message_delay_min_ms),
        delay_max: seconds(saved.message_delay_max_ms),
        hook_url: hook.as_ref().map(|w| w.url.clone()).unwrap_or_default(),
        events: hook
            .as_ref()
            .map(|w| w.events.iter().map(|e| e.as_str().to_owned()).collect())
            .unwrap_or_default(),
        ..SettingsFormView::default()
    });
    let mut page = PageCtx::new(&signed.visitor, state);
    page.flash = flash;
    Ok(render(&DetailPage {
        page,
        profile_name: instance.profile_name.clone().unwrap_or_default(),
        connected_phone: instance.connected_phone.as_deref().map(|digits| {
            (
                Phone::from_stored(digits).international(),
                instance.connected_phone_differs(),
            )
        }),
        provision_error: instance
            .provision_error
            .as_deref()
            .map(|e| labels::provider_error(l, e)),
        edit,
        edit_open,
        events: event_choices(l, &INSTANCE_EVENTS, &form.events),
        form,
        settings_open,
        has_hook: hook.is_some(),
        history: view
            .history
            .into_iter()
            .map(|h| {
                (
                    When::of(h.at, &signed.user.time_zone, l),
                    status_label(l, h.from),
                    status_label(l, h.to),
                    labels::status_reason(l, &h.reason),
                    labels::status_source(l, h.source),
                )
            })
            .collect(),
        totals: usage.total,
        uptime: format::percent(usage.uptime_percent, l),
        chart,
        messages_html,
        row,
    }))
}
