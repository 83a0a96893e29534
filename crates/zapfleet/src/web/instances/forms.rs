//! The instance page's forms: edit name and phone, save settings, disconnect,
//! delete. Each uses the same service as the API. A mistake re-renders the page
//! with what was typed and the error beside its field; a success redirects with
//! `?done=…`, which the page shows as a toast.

use super::super::session::{CsrfOnly, SignedIn};
use super::detail::{EditForm, SettingsFormView, Typed, render_page};
use crate::domain::InstanceId;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::services::settings::{self, SettingsInput, WebhookInput};
use crate::services::{connection, instances, provider_lost};
use crate::state::AppState;
use axum::Form;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

pub(super) async fn disconnect(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, AppError> {
    signed.visitor.check_csrf(Some(&form._csrf))?;
    let instance_id = InstanceId::from_raw(id.as_str());
    connection::disconnect(&state.platform, &signed.user.user_id, &instance_id).await?;
    Ok(Redirect::to(&format!("/instances/{id}?done=disconnected")).into_response())
}

/// Re-creates at the provider an instance it forgot (same id, name, settings).
pub(super) async fn reprovision(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, AppError> {
    signed.visitor.check_csrf(Some(&form._csrf))?;
    let instance_id = InstanceId::from_raw(id.as_str());
    provider_lost::reprovision(&state.platform, &signed.user.user_id, &instance_id).await?;
    Ok(Redirect::to(&format!("/instances/{id}")).into_response())
}

pub(super) async fn delete(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, AppError> {
    signed.visitor.check_csrf(Some(&form._csrf))?;
    instances::delete(
        &state.platform,
        &signed.user.user_id,
        &InstanceId::from_raw(id),
    )
    .await?;
    Ok(Redirect::to("/?done=deleted").into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct EditInput {
    _csrf: String,
    name: String,
    phone: String,
}

/// Renames the instance and/or changes its phone (`PATCH /api/instances/{id}`'s
/// service); a blank phone clears it.
pub(super) async fn edit(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<EditInput>,
) -> Result<Response, AppError> {
    signed.visitor.check_csrf(Some(&form._csrf))?;
    let l = signed.visitor.locale;
    let instance_id = InstanceId::from_raw(id.as_str());
    let phone = form.phone.trim();
    let input = instances::UpdateInstance {
        name: Some(form.name.clone()),
        phone: Some((!phone.is_empty()).then(|| phone.to_owned())),
    };
    match instances::update(&state.platform, &signed.user.user_id, &instance_id, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/instances/{id}?done=edited")).into_response()),
        Err(AppError::Invalid { field, message } | AppError::Conflict { field, message }) => {
            let mut typed = EditForm {
                name: form.name,
                phone: form.phone,
                ..EditForm::default()
            };
            if field == "phone" {
                typed.phone_error = Some(l.t(message));
            } else {
                typed.name_error = Some(l.t(message));
            }
            let typed = Typed {
                edit: Some(typed),
                ..Typed::default()
            };
            unprocessable(render_page(&state, &signed, &instance_id, typed, None).await?)
        }
        Err(other) => Err(other),
    }
}

/// A page re-rendered for a mistake answers 422 (the form was not accepted).
fn unprocessable(mut page: Response) -> Result<Response, AppError> {
    *page.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(page)
}

/// Seconds as typed ("1,5" or "1.5") to milliseconds; blank is `None`.
fn millis(text: &str) -> Result<Option<u64>, ()> {
    let text = text.trim().replace(',', ".");
    if text.is_empty() {
        return Ok(None);
    }
    let secs: f64 = text.parse().map_err(|_| ())?;
    if !secs.is_finite() || !(0.0..=1e6).contains(&secs) {
        return Err(());
    }
    Ok(Some((secs * 1000.0).round() as u64))
}

/// The settings form, saved by the same service as `PUT …/config`. Event
/// checkboxes repeat `hook_events`, so the body is read by hand. A blank
/// secret keeps the saved one.
pub(super) async fn save_settings(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let mut typed = SettingsFormView::default();
    let (mut csrf, mut secret) = (String::new(), String::new());
    for (key, value) in
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body).unwrap_or_default()
    {
        match key.as_str() {
            "_csrf" => csrf = value,
            "auto_reconnect" => typed.auto_reconnect = true,
            "keep_incoming_text" => typed.keep_incoming_text = true,
            "delay_min" => typed.delay_min = value,
            "delay_max" => typed.delay_max = value,
            "hook_url" => typed.hook_url = value,
            "hook_events" if typed.events.len() < 20 => typed.events.push(value),
            "hook_secret" => secret = value,
            _ => {}
        }
    }
    signed.visitor.check_csrf(Some(&csrf))?;
    let l = signed.visitor.locale;
    let instance_id = InstanceId::from_raw(id.as_str());
    let refused = |mut typed: SettingsFormView, message: Msg, field: &'static str| {
        typed.error = Some(l.t(message));
        typed.error_field = field;
        Typed {
            settings: Some(typed),
            ..Typed::default()
        }
    };
    let (Ok(min), Ok(max)) = (millis(&typed.delay_min), millis(&typed.delay_max)) else {
        let typed = refused(typed, Msg::DelaysInvalidSeconds, "delays");
        return unprocessable(render_page(&state, &signed, &instance_id, typed, None).await?);
    };
    let forward_webhook = (!typed.hook_url.trim().is_empty()).then(|| WebhookInput {
        url: typed.hook_url.trim().to_owned(),
        events: typed.events.clone(),
        secret: Some(secret).filter(|s| !s.is_empty()),
    });
    let input = SettingsInput {
        auto_reconnect: Some(typed.auto_reconnect),
        keep_incoming_text: Some(typed.keep_incoming_text),
        message_delay_min_ms: min,
        message_delay_max_ms: max,
        forward_webhook,
    };
    match settings::save(&state.platform, &signed.user.user_id, &instance_id, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/instances/{id}?done=saved")).into_response()),
        Err(AppError::Invalid { message, .. }) => {
            let (message, field) = match message {
                Msg::DelaysInvalid => (Msg::DelaysInvalidSeconds, "delays"),
                Msg::WebhookSecretInvalid => (message, "secret"),
                Msg::WebhookEventUnknown => (message, "events"),
                _ => (message, "url"),
            };
            let typed = refused(typed, message, field);
            unprocessable(render_page(&state, &signed, &instance_id, typed, None).await?)
        }
        Err(other) => Err(other),
    }
}

#[cfg(test)]
mod tests {
    use super::millis;

    #[test]
    fn seconds_typed_either_way_become_milliseconds() {
        assert_eq!(millis("1,5"), Ok(Some(1500)));
        assert_eq!(millis(" 2 "), Ok(Some(2000)));
        assert_eq!(millis("0.25"), Ok(Some(250)));
        assert_eq!(millis(""), Ok(None));
        assert_eq!(millis("-1"), Err(()));
        assert_eq!(millis("abc"), Err(()));
        assert_eq!(millis("NaN"), Err(()));
    }
}
