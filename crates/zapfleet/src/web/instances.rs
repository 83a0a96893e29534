//! The instances page, the "Nova Instância" and connect modals, the instance page.

use super::session::{SignedIn, Visitor};
use super::{PageCtx, message_page, render};
use crate::domain::{Instance, InstanceId, InstanceStatus, LoginMethod, ProvisionState, Timestamp};
use crate::error::AppError;
use crate::i18n::{Locale, Msg};
use crate::services::{connection, instances};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

/// Rows per page in the UI.
const PAGE_SIZE: u32 = 25;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/ui/instances/table", get(table))
        .route("/ui/instances", post(create))
        .route("/ui/instances/bulk", post(bulk))
        .route("/ui/instances/{id}/connect", post(connect))
        .route("/ui/instances/{id}/simulate-scan", post(simulate_scan))
        .route("/ui/instances/{id}/disconnect", post(disconnect))
        .route("/ui/instances/{id}/delete", post(delete))
        .route("/ui/instances/{id}/config", post(save_config))
        .route("/instances/{id}", get(detail))
        .route(
            "/ui/instances/{id}/messages",
            get(messages).post(send_message),
        )
}

/// One line of the table.
struct Row {
    id: String,
    name: String,
    phone: String,
    status: &'static str,
    status_label: &'static str,
    last_connection: Option<String>,
    pending: bool,
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

fn row(l: Locale, i: &Instance) -> Row {
    Row {
        id: i.id.to_string(),
        name: i.name.to_string(),
        phone: i
            .phone
            .as_ref()
            .map(|p| p.international())
            .unwrap_or_default(),
        status: i.status.as_str(),
        status_label: status_label(l, i.status),
        last_connection: i.last_connection.map(|t| t.to_rfc3339()),
        pending: i.provision_state == ProvisionState::Pending,
        sent: 0,
        received: 0,
    }
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct Filters {
    q: String,
    status: String,
    sort: String,
    page: u32,
}

impl Filters {
    fn query(&self, page: u32) -> String {
        let enc = |s: &str| {
            s.bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect::<String>()
        };
        format!(
            "q={}&status={}&sort={}&page={page}",
            enc(&self.q),
            enc(&self.status),
            enc(&self.sort)
        )
    }
}

#[derive(Template)]
#[template(path = "instances_table.html")]
struct Table {
    l: Locale,
    rows: Vec<Row>,
    total: i64,
    page: u32,
    pages: u32,
    filtered: bool,
    prev_query: String,
    next_query: String,
}

async fn load_table(
    state: &AppState,
    signed: &SignedIn,
    filters: &Filters,
) -> Result<Table, AppError> {
    let l = signed.visitor.locale;
    let page = filters.page.max(1);
    let input = instances::ListInstances {
        q: Some(filters.q.clone()).filter(|q| !q.is_empty()),
        status: Some(filters.status.clone()).filter(|s| !s.is_empty()),
        sort: Some(filters.sort.clone()).filter(|s| !s.is_empty()),
        page: Some(page),
        cursor: None,
        limit: Some(PAGE_SIZE),
    };
    // Bad filters from a hand-edited URL fall back to the defaults.
    let listed = match instances::list(&state.store, &signed.user.user_id, input).await {
        Ok(listed) => listed,
        Err(AppError::BadRequest { .. }) => {
            instances::list(
                &state.store,
                &signed.user.user_id,
                instances::ListInstances {
                    limit: Some(PAGE_SIZE),
                    ..Default::default()
                },
            )
            .await?
        }
        Err(other) => return Err(other),
    };
    let pages = u32::try_from(listed.total.max(0))
        .unwrap_or(u32::MAX)
        .div_ceil(PAGE_SIZE)
        .max(1);
    let ids: Vec<InstanceId> = listed.items.iter().map(|i| i.id.clone()).collect();
    let usage = state.store.usage_since(&ids, &days_ago(29)).await?;
    let rows = listed
        .items
        .iter()
        .map(|i| {
            let mut r = row(l, i);
            (r.sent, r.received) = usage.get(i.id.as_str()).copied().unwrap_or_default();
            r
        })
        .collect();
    Ok(Table {
        l,
        rows,
        total: listed.total,
        page,
        pages,
        filtered: !filters.q.is_empty() || !filters.status.is_empty(),
        prev_query: filters.query(page.saturating_sub(1).max(1)),
        next_query: filters.query(page + 1),
    })
}

#[derive(Template)]
#[template(path = "instance_form.html")]
struct NewInstanceForm {
    l: Locale,
    csrf: String,
    name: String,
    phone: String,
    name_error: Option<&'static str>,
    phone_error: Option<&'static str>,
}

impl NewInstanceForm {
    fn empty(visitor: &Visitor) -> Self {
        Self {
            l: visitor.locale,
            csrf: visitor.csrf.clone(),
            name: String::new(),
            phone: String::new(),
            name_error: None,
            phone_error: None,
        }
    }
}

#[derive(Template)]
#[template(path = "instances.html")]
struct IndexPage {
    page: PageCtx,
    filters_q: String,
    filters_status: String,
    filters_sort: String,
    table_html: String,
    form_html: String,
    overview: crate::store::DayStats,
    overview_chart: String,
}

async fn index(
    State(state): State<AppState>,
    signed: SignedIn,
    Query(filters): Query<Filters>,
) -> Result<Response, AppError> {
    let table = load_table(&state, &signed, &filters).await?;
    let l = signed.visitor.locale;
    let (days, overview) = last_14_days(&state, &signed.user.user_id, None).await?;
    let overview_chart =
        super::charts::messages_per_day(&days, l.t(Msg::StatSent), l.t(Msg::StatReceived));
    Ok(render(&IndexPage {
        page: PageCtx::new(&signed.visitor, &state),
        filters_q: filters.q,
        filters_status: filters.status,
        filters_sort: filters.sort,
        table_html: table.render().map_err(|e| AppError::Internal(e.into()))?,
        form_html: NewInstanceForm::empty(&signed.visitor)
            .render()
            .map_err(|e| AppError::Internal(e.into()))?,
        overview,
        overview_chart,
    }))
}

async fn table(
    State(state): State<AppState>,
    signed: SignedIn,
    Query(filters): Query<Filters>,
) -> Result<Response, AppError> {
    Ok(render(&load_table(&state, &signed, &filters).await?))
}

/// Tells the page's script what happened (a toast, a refresh…).
fn trigger(mut response: Response, event: &str, message: &str, kind: &str) -> Response {
    let json = serde_json::json!({ event: {"message": message, "kind": kind} }).to_string();
    // Header values are read as Latin-1 by browsers: keep the JSON ASCII.
    let payload: String = json
        .chars()
        .map(|c| {
            if c.is_ascii() {
                c.to_string()
            } else {
                c.encode_utf16(&mut [0; 2])
                    .iter()
                    .map(|u| format!("\\u{u:04x}"))
                    .collect()
            }
        })
        .collect();
    if let Ok(value) = HeaderValue::from_str(&payload) {
        response.headers_mut().insert("hx-trigger", value);
    }
    response
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewInstance {
    name: String,
    phone: String,
    _csrf: String,
}

/// The modal's form: inline errors from the same rules as the API, or a fresh
/// form plus an `instanceCreated` event (toast, close, refresh).
async fn create(
    State(state): State<AppState>,
    signed: SignedIn,
    Form(form): Form<NewInstance>,
) -> Result<Response, AppError> {
    signed.visitor.check_csrf(Some(&form._csrf))?;
    let l = signed.visitor.locale;
    let input = instances::CreateInstance {
        name: form.name.clone(),
        phone: form.phone.clone(),
    };
    match instances::create(&state.platform, &signed.user.user_id, input).await {
        Ok(instance) => {
            let (message, kind) = if instance.provision_state == ProvisionState::Pending {
                (l.t(Msg::InstanceCreatedProviderDown), "error")
            } else {
                (l.t(Msg::InstanceCreated), "success")
            };
            Ok(trigger(
                render(&NewInstanceForm::empty(&signed.visitor)),
                "instanceCreated",
                message,
                kind,
            ))
        }
        Err(AppError::Invalid { field, message } | AppError::Conflict { field, message }) => {
            let mut again = NewInstanceForm::empty(&signed.visitor);
            again.name = form.name;
            again.phone = form.phone;
            if field == "phone" {
                again.phone_error = Some(l.t(message));
            } else {
                again.name_error = Some(l.t(message));
            }
            Ok(render(&again))
        }
        Err(other) => Err(other),
    }
}

/// The bulk form: an action and the checked instances.
#[derive(Default)]
struct Bulk {
    action: String,
    ids: Vec<String>,
    csrf: String,
}

/// Connect, disconnect or delete the selected instances; the table comes back.
async fn bulk(
    State(state): State<AppState>,
    signed: SignedIn,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    // Repeated `ids` fields: parse the form by hand (serde_urlencoded wants one value per key).
    let mut form = Bulk::default();
    for (key, value) in
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body).unwrap_or_default()
    {
        match key.as_str() {
            "action" => form.action = value,
            "ids" => form.ids.push(value),
            "_csrf" => form.csrf = value,
            _ => {}
        }
    }
    signed.visitor.check_csrf(Some(&form.csrf))?;
    let user = &signed.user.user_id;
    let mut failed = 0;
    for id in form.ids.iter().take(500) {
        let id = InstanceId::from_raw(id.as_str());
        let result = match form.action.as_str() {
            "connect" => connection::connect(&state.platform, user, &id, LoginMethod::Qr)
                .await
                .map(|_| ()),
            "disconnect" => connection::disconnect(&state.platform, user, &id)
                .await
                .map(|_| ()),
            "delete" => instances::delete(&state.platform, user, &id).await,
            _ => Err(AppError::NotFound),
        };
        if result.is_err() {
            failed += 1;
        }
    }
    let table = load_table(&state, &signed, &Filters::default()).await?;
    let l = signed.visitor.locale;
    let message = if failed == 0 {
        l.t(Msg::ActionDone).to_owned()
    } else {
        format!("{} ({failed} ✗)", l.t(Msg::ActionDone))
    };
    Ok(trigger(
        render(&table),
        "toast",
        &message,
        if failed == 0 { "success" } else { "error" },
    ))
}

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
    ConnectModal {
        l: visitor.locale,
        csrf: visitor.csrf.clone(),
        id: instance.id.to_string(),
        name: instance.name.to_string(),
        status: instance.status.as_str(),
        method: login.map_or("qr", |l| l.method.as_str()),
        qrcode: login
            .filter(|l| l.method == LoginMethod::Qr)
            .map(|l| l.code.clone())
            .unwrap_or_default(),
        paircode: login
            .filter(|l| l.method == LoginMethod::Code)
            .map(|l| l.code.clone())
            .unwrap_or_default(),
        expires_at: login.map(|l| l.expires_at.to_rfc3339()).unwrap_or_default(),
        has_phone: instance.phone.is_some(),
        sandbox: state.web.sandbox.is_some(),
        error,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ConnectForm {
    method: String,
    _csrf: String,
}

/// Starts (or restarts) a login and answers the connect modal's body.
async fn connect(
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
    let instance = instances::get(&state.store, user, &id).await?;
    Ok(render(&connect_modal(
        &state,
        &signed.visitor,
        &instance,
        error,
    )))
}

/// Sandbox only: the pretend phone scans the QR on screen (decoding its image,
/// as a camera would) or types the pairing code.
async fn simulate_scan(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<ConnectForm>,
) -> Result<Response, AppError> {
    signed.visitor.check_csrf(Some(&form._csrf))?;
    let Some(sandbox) = state.web.sandbox.clone() else {
        return Err(AppError::NotFound);
    };
    let instance = instances::get(
        &state.store,
        &signed.user.user_id,
        &InstanceId::from_raw(id),
    )
    .await?;
    let login = instance
        .login
        .filter(|_| instance.status == InstanceStatus::Connecting)
        .ok_or(AppError::NotFound)?;
    let now = sandbox.now_ms();
    let phone = instance
        .phone
        .map(|p| p.digits().to_owned())
        .unwrap_or_default();
    let done = match login.method {
        LoginMethod::Qr => {
            let text = uazapi_sandbox::qr::from_data_uri(&login.code)
                .map_err(|e| AppError::Internal(e.into()))?;
            sandbox.with_world(|w| w.scan(&text, Some(&phone), now))
        }
        LoginMethod::Code => sandbox.with_world(|w| w.pair(&login.code, &phone, now)),
    };
    match done {
        Some((_, notices)) => {
            sandbox.post(notices);
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        None => Ok(StatusCode::CONFLICT.into_response()),
    }
}

#[derive(Template)]
#[template(path = "instance.html")]
struct DetailPage {
    page: PageCtx,
    row: Row,
    profile_name: String,
    provision_error: Option<String>,
    settings: crate::domain::InstanceSettings,
    settings_error: Option<String>,
    hook_url: String,
    hook_events: String,
    hook_secret: String,
    connected: bool,
    history: Vec<(String, &'static str, &'static str, String, String)>,
    totals: crate::store::DayStats,
    uptime: String,
    chart: String,
    messages_html: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DetailQuery {
    error: Option<String>,
}

/// The settings form's error, by the field that failed.
fn settings_error_text(l: Locale, field: &str) -> Option<String> {
    let msg = match field {
        "delays" => Msg::DelaysInvalid,
        "forwardWebhook.secret" => Msg::WebhookSecretInvalid,
        "forwardWebhook.url" => Msg::WebhookUrlInvalid,
        "forwardWebhook.internal" => Msg::WebhookUrlInternal,
        _ => return None,
    };
    Some(l.t(msg).to_owned())
}

async fn detail(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    Query(query): Query<DetailQuery>,
) -> Result<Response, AppError> {
    let id = InstanceId::from_raw(id);
    let l = signed.visitor.locale;
    let instance = match instances::get(&state.store, &signed.user.user_id, &id).await {
        Ok(instance) => instance,
        Err(AppError::NotFound) => {
            return Ok(message_page(
                PageCtx::new(&signed.visitor, &state),
                StatusCode::NOT_FOUND,
                Msg::NotFound,
                Msg::PageNotFound,
            ));
        }
        Err(other) => return Err(other),
    };
    let history = state
        .store
        .status_history(&signed.user.user_id, &id, 50)
        .await?
        .into_iter()
        .map(|h| {
            (
                h.at.to_rfc3339(),
                status_label(l, h.from),
                status_label(l, h.to),
                h.reason,
                h.source,
            )
        })
        .collect();
    let (days, totals) = last_14_days(&state, &signed.user.user_id, Some(&id)).await?;
    let uptime = format!(
        "{:.1}%",
        (totals.connected_ms as f64 / (14.0 * 86_400_000.0) * 100.0).clamp(0.0, 100.0)
    );
    let chart = super::charts::messages_per_day(&days, l.t(Msg::StatSent), l.t(Msg::StatReceived));
    let settings = instance.settings();
    let messages_html = messages_list(&state, &signed, &id)
        .await?
        .render()
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(render(&DetailPage {
        page: PageCtx::new(&signed.visitor, &state),
        row: row(l, &instance),
        profile_name: instance.profile_name.clone().unwrap_or_default(),
        provision_error: instance.provision_error.clone(),
        hook_url: settings
            .forward_webhook
            .as_ref()
            .map(|w| w.url.clone())
            .unwrap_or_default(),
        hook_events: settings
            .forward_webhook
            .as_ref()
            .map(|w| w.events.join(", "))
            .unwrap_or_default(),
        hook_secret: settings
            .forward_webhook
            .as_ref()
            .map(|w| w.secret.clone())
            .unwrap_or_default(),
        settings,
        settings_error: query.error.and_then(|e| settings_error_text(l, &e)),
        connected: instance.status == InstanceStatus::Connected,
        history,
        totals,
        uptime,
        chart,
        messages_html,
    }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CsrfForm {
    _csrf: String,
    auto_reconnect: Option<String>,
    keep_incoming_text: Option<String>,
    delay_min: Option<String>,
    delay_max: Option<String>,
    hook_url: String,
    hook_events: String,
    hook_secret: String,
}

async fn disconnect(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    signed.visitor.check_csrf(Some(&form._csrf))?;
    connection::disconnect(
        &state.platform,
        &signed.user.user_id,
        &InstanceId::from_raw(id.as_str()),
    )
    .await?;
    Ok(Redirect::to(&format!("/instances/{id}")).into_response())
}

async fn delete(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
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

/// The settings form: the same rules as `PUT …/config`; a mistake comes back as
/// a message on the page.
async fn save_config(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    signed.visitor.check_csrf(Some(&form._csrf))?;
    let instance_id = InstanceId::from_raw(id.as_str());
    let back =
        |error: &str| Ok(Redirect::to(&format!("/instances/{id}?error={error}")).into_response());
    let mut settings = instances::get(&state.store, &signed.user.user_id, &instance_id)
        .await?
        .settings();
    settings.auto_reconnect = form.auto_reconnect.is_some();
    settings.keep_incoming_text = form.keep_incoming_text.is_some();
    let number = |text: Option<&String>, current: u64| {
        text.map_or(Some(current), |t| t.trim().parse::<u64>().ok())
    };
    match (
        number(form.delay_min.as_ref(), settings.message_delay_min_ms),
        number(form.delay_max.as_ref(), settings.message_delay_max_ms),
    ) {
        (Some(min), Some(max)) => {
            settings.message_delay_min_ms = min;
            settings.message_delay_max_ms = max;
        }
        _ => return back("delays"),
    }
    if !settings.delays_valid() {
        return back("delays");
    }
    settings.forward_webhook = if form.hook_url.trim().is_empty() {
        None
    } else {
        let events = form
            .hook_events
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(str::to_owned)
            .collect();
        let webhook = crate::domain::ForwardWebhook {
            url: form.hook_url.trim().to_owned(),
            events,
            secret: form.hook_secret.clone(),
        };
        match crate::services::forwarding::validate_webhook(&state.platform, &webhook).await {
            Ok(()) => Some(webhook),
            Err(AppError::Invalid { field, message }) => {
                let code = if message == Msg::WebhookUrlInternal {
                    "forwardWebhook.internal"
                } else {
                    field
                };
                return back(code);
            }
            Err(other) => return Err(other),
        }
    };
    let config = settings.to_config();
    state
        .store
        .set_config(&signed.user.user_id, &instance_id, &config)
        .await?
        .ok_or(AppError::NotFound)?;
    state.store.record_config(&instance_id, &config).await?;
    let instance = instances::get(&state.store, &signed.user.user_id, &instance_id).await?;
    connection::push_provider_settings(&state.platform, &instance).await;
    Ok(Redirect::to(&format!("/instances/{id}")).into_response())
}

/// `YYYY-MM-DD` of `n` days ago (UTC).
fn days_ago(n: i64) -> String {
    Timestamp::from_millis(Timestamp::now().millis() - n * 86_400_000)
        .to_rfc3339()
        .get(..10)
        .unwrap_or_default()
        .to_owned()
}

#[derive(Template)]
#[template(path = "messages_list.html")]
struct MessagesList {
    l: Locale,
    id: String,
    /// (time, outgoing, peer, text, status)
    messages: Vec<(String, bool, String, String, &'static str)>,
}

async fn messages_list(
    state: &AppState,
    signed: &SignedIn,
    id: &InstanceId,
) -> Result<MessagesList, AppError> {
    let (items, _) = state
        .store
        .list_messages(&signed.user.user_id, id, None, None, 1, 20)
        .await?;
    Ok(MessagesList {
        l: signed.visitor.locale,
        id: id.to_string(),
        messages: items
            .into_iter()
            .map(|m| {
                let text = m.body.clone().or(m.media_url.clone()).unwrap_or_default();
                (
                    m.created_at.to_rfc3339(),
                    m.outgoing,
                    m.peer,
                    text,
                    m.status.as_str(),
                )
            })
            .collect(),
    })
}

async fn messages(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = InstanceId::from_raw(id);
    instances::get(&state.store, &signed.user.user_id, &id).await?;
    Ok(render(&messages_list(&state, &signed, &id).await?))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SendForm {
    to: String,
    text: String,
    _csrf: String,
}

/// The instance page's send form: queues the message, answers the list and a toast.
async fn send_message(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<SendForm>,
) -> Result<Response, AppError> {
    signed.visitor.check_csrf(Some(&form._csrf))?;
    let id = InstanceId::from_raw(id);
    let l = signed.visitor.locale;
    let input = crate::services::messages::SendInput {
        to: form.to,
        text: Some(form.text),
        media: None,
        idempotency_key: None,
        wait_secs: None,
    };
    let (message, kind) =
        match crate::services::messages::send(&state.platform, &signed.user.user_id, &id, input)
            .await
        {
            Ok(_) => (l.t(Msg::MessageQueued).to_owned(), "success"),
            Err(AppError::Invalid { message, .. } | AppError::Conflict { message, .. }) => {
                (l.t(message).to_owned(), "error")
            }
            Err(other) => return Err(other),
        };
    Ok(trigger(
        render(&messages_list(&state, &signed, &id).await?),
        "toast",
        &message,
        kind,
    ))
}

/// The last 14 days, one entry per day (zeros included, for the chart), and
/// their totals; of one instance, or of all the user's.
async fn last_14_days(
    state: &AppState,
    user: &crate::domain::UserId,
    instance: Option<&InstanceId>,
) -> Result<(Vec<crate::store::DayStats>, crate::store::DayStats), AppError> {
    let recorded = state
        .store
        .daily_stats(user, instance, &days_ago(13), &days_ago(0))
        .await?;
    let days: Vec<crate::store::DayStats> = (0..14)
        .rev()
        .map(|n| {
            let day = days_ago(n);
            recorded
                .iter()
                .find(|d| d.day == day)
                .cloned()
                .unwrap_or(crate::store::DayStats {
                    day,
                    ..Default::default()
                })
        })
        .collect();
    let totals = crate::store::DayStats::total(&days);
    Ok((days, totals))
}
