//! The connect modal: a QR code (refreshed live) or a pairing code, and in
//! sandbox mode "Simular leitura".

use super::super::render;
use super::super::session::{SignedIn, Visitor};
use crate::domain::{Instance, InstanceId, InstanceStatus, LoginMethod};
use crate::error::AppError;
use crate::i18n::{Locale, Msg};
use crate::services::{connection, instances};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "connect.html")]
struct ConnectModal {
    l: Locale,
    csrf: String,
    id: String,
    name: String,
    status: &'static str,
    method: &'static str,
    qrcode: String,
    paircode: String,
    expires_at: String,
    has_phone: bool,
    sandbox: bool,
    error: Option<String>,
}

fn connect_modal(
    state: &AppState,
    visitor: &Visitor,
    instance: &Instance,
    error: Option<String>,
) -> ConnectModal {
    let login = instance
        .login
        .as_ref()
        .filter(|_| instance.status == InstanceStatus::Connecting);
    let code_of = |method: LoginMethod| {
        login
            .filter(|l| l.method == method)
            .map(|l| l.code.clone())
            .unwrap_or_default()
    };
    ConnectModal {
        l: visitor.locale,
        csrf: visitor.csrf.clone(),
        id: instance.id.to_string(),
        name: instance.name.to_string(),
        status: instance.status.as_str(),
        method: login.map_or("qr", |l| l.method.as_str()),
        qrcode: code_of(LoginMethod::Qr),
        paircode: code_of(LoginMethod::Code),
        expires_at: login.map(|l| l.expires_at.to_rfc3339()).unwrap_or_default(),
        has_phone: instance.phone.is_some(),
        sandbox: state.platform.phone.is_some(),
        error,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ConnectForm {
    method: String,
    _csrf: String,
}

/// Starts (or restarts) a login and answers the connect modal's body.
pub(super) async fn connect(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<ConnectForm>,
) -> Result<Response, AppError> {
    signed.visitor.check_csrf(Some(&form._csrf))?;
    let id = InstanceId::from_raw(id);
    let method = if form.method == "code" {
        LoginMethod::Code
    } else {
        LoginMethod::Qr
    };
    let user = &signed.user.user_id;
    let error = match connection::connect(&state.platform, user, &id, method).await {
        Ok(_) => None,
        Err(AppError::Conflict { .. }) => None, // already connected: the modal says so
        Err(AppError::NotFound) => return Err(AppError::NotFound),
        Err(AppError::Invalid { message, .. }) => Some(signed.visitor.locale.t(message).to_owned()),
        Err(provider @ AppError::Provider(_)) => {
            let (_, code) = provider.status_and_code();
            Some(format!(
                "{} ({code})",
                signed.visitor.locale.t(Msg::ProviderUnavailable)
            ))
        }
        Err(other) => return Err(other),
    };
    let instance = instances::get(&state.platform, user, &id).await?;
    Ok(render(&connect_modal(
        &state,
        &signed.visitor,
        &instance,
        error,
    )))
}

/// Sandbox only: the pretend phone scans the QR on screen or types the code.
pub(super) async fn simulate_scan(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<ConnectForm>,
) -> Result<Response, AppError> {
    signed.visitor.check_csrf(Some(&form._csrf))?;
    let scanned = connection::simulate_scan(
        &state.platform,
        &signed.user.user_id,
        &InstanceId::from_raw(id),
    )
    .await?;
    Ok(if scanned {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::CONFLICT
    }
    .into_response())
}
