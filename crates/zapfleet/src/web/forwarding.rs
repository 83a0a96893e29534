//! The account's forward webhook (events of all the user's instances to one
//! URL of theirs) and its delivery log, where failed deliveries are sent again.
//! The same services as `/api/webhook` and `/api/webhook-deliveries`.

use super::format::When;
use super::session::{CsrfOnly, SignedIn};
use super::webhook_form::{ACCOUNT_EVENTS, EventChoice, event_choices, event_label};
use super::{PageCtx, render};
use crate::domain::{DeliveryId, DeliveryStatus};
use crate::error::AppError;
use crate::i18n::{Locale, Msg};
use crate::routes::Routes;
use crate::services::forwarding;
use crate::services::settings::WebhookInput;
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

/// Deliveries shown.
const SHOWN: i64 = 100;

pub fn routes() -> Routes<AppState> {
    Routes::new()
        .route("/webhooks", get(page).post(save))
        .route("/webhooks/remove", post(remove))
        .route("/webhooks/deliveries/{id}/replay", post(replay))
}

/// A delivery as a line of the log.
struct Line {
    id: String,
    at: When,
    event: &'static str,
    status: &'static str,
    status_label: &'static str,
    attempts: i64,
    error: String,
}

/// The webhook form as typed (or as saved), and its error.
#[derive(Default)]
struct Typed {
    url: String,
    events: Vec<String>,
    error: Option<&'static str>,
    error_field: &'static str,
}

#[derive(Template)]
#[template(path = "webhooks.html")]
struct WebhooksPage {
    page: PageCtx,
    form: Typed,
    events: Vec<EventChoice>,
    has_hook: bool,
    filter: &'static str,
    filters: Vec<(&'static str, &'static str)>,
    lines: Vec<Line>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PageQuery {
    status: String,
    done: String,
}

fn status_label(l: Locale, status: DeliveryStatus) -> &'static str {
    l.t(match status {
        DeliveryStatus::Pending => Msg::DeliveryPending,
        DeliveryStatus::Delivered => Msg::DeliveryDelivered,
        DeliveryStatus::Dead => Msg::DeliveryDead,
    })
}

async fn page(
    State(state): State<AppState>,
    signed: SignedIn,
    Query(query): Query<PageQuery>,
) -> Result<Response, AppError> {
    let flash = match query.done.as_str() {
        "saved" => Some(Msg::WebhookSavedToast),
        "removed" => Some(Msg::WebhookRemovedToast),
        "replayed" => Some(Msg::ReplayedToast),
        _ => None,
    };
    let filter = DeliveryStatus::parse(&query.status);
    render_page(&state, &signed, None, filter, flash).await
}

async fn render_page(
    state: &AppState,
    signed: &SignedIn,
    typed: Option<Typed>,
    filter: Option<DeliveryStatus>,
    flash: Option<Msg>,
) -> Result<Response, AppError> {
    let l = signed.visitor.locale;
    let user = &signed.user.user_id;
    let saved = forwarding::user_webhook(&state.platform, user).await?;
    let form = typed.unwrap_or_else(|| Typed {
        url: saved.as_ref().map(|w| w.url.clone()).unwrap_or_default(),
        events: saved
            .as_ref()
            .map(|w| w.events.iter().map(|e| e.as_str().to_owned()).collect())
            .unwrap_or_default(),
        ..Typed::default()
    });
    let deliveries = forwarding::deliveries(&state.platform, user, filter, None, SHOWN).await?;
    let mut page = PageCtx::new(&signed.visitor, state);
    page.flash = flash.map(|m| l.t(m).to_owned());
    Ok(render(&WebhooksPage {
        page,
        events: event_choices(l, &ACCOUNT_EVENTS, &form.events),
        form,
        has_hook: saved.is_some(),
        filter: filter.map_or("", DeliveryStatus::as_str),
        filters: [
            DeliveryStatus::Dead,
            DeliveryStatus::Pending,
            DeliveryStatus::Delivered,
        ]
        .into_iter()
        .map(|s| (s.as_str(), status_label(l, s)))
        .collect(),
        lines: deliveries
            .into_iter()
            .map(|d| Line {
                id: d.id.to_string(),
                at: When::of(d.created_at, &signed.user.time_zone, l),
                event: event_label(l, d.event),
                status: d.status.as_str(),
                status_label: status_label(l, d.status),
                attempts: d.attempts,
                error: d.last_error.unwrap_or_default(),
            })
            .collect(),
    }))
}

/// Saves the webhook; the event checkboxes repeat `events`, so the body is
/// read by hand. A blank secret keeps the saved one.
async fn save(
    State(state): State<AppState>,
    signed: SignedIn,
    body: Bytes,
) -> Result<Response, AppError> {
    let mut typed = Typed::default();
    let (mut csrf, mut secret) = (String::new(), String::new());
    for (key, value) in
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body).unwrap_or_default()
    {
        match key.as_str() {
            "_csrf" => csrf = value,
            "url" => typed.url = value,
            "events" if typed.events.len() < 20 => typed.events.push(value),
            "secret" => secret = value,
            _ => {}
        }
    }
    signed.visitor.check_csrf(Some(&csrf))?;
    let input = WebhookInput {
        url: typed.url.trim().to_owned(),
        events: typed.events.clone(),
        secret: Some(secret).filter(|s| !s.is_empty()),
    };
    match forwarding::set_user_webhook(&state.platform, &signed.user.user_id, input).await {
        Ok(_) => Ok(Redirect::to("/webhooks?done=saved").into_response()),
        Err(AppError::Invalid { message, field }) => {
            typed.error = Some(signed.visitor.locale.t(message));
            typed.error_field = if field.ends_with("secret") {
                "secret"
            } else if field.ends_with("events") {
                "events"
            } else {
                "url"
            };
            let mut page = render_page(&state, &signed, Some(typed), None, None).await?;
            *page.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(page)
        }
        Err(other) => Err(other),
    }
}

async fn remove(
    State(state): State<AppState>,
    signed: SignedIn,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, AppError> {
    signed.visitor.check_csrf(Some(&form._csrf))?;
    forwarding::remove_user_webhook(&state.platform, &signed.user.user_id).await?;
    Ok(Redirect::to("/webhooks?done=removed").into_response())
}

async fn replay(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, AppError> {
    signed.visitor.check_csrf(Some(&form._csrf))?;
    forwarding::replay(
        &state.platform,
        &signed.user.user_id,
        &DeliveryId::from_raw(id),
    )
    .await?;
    Ok(Redirect::to("/webhooks?done=replayed").into_response())
}
