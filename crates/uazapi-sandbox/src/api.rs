//! uazapi's own paths, served at the root with its headers, bodies and status codes.

use crate::Sandbox;
use crate::world::{ApiError, Faults};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde_json::{Value, json};
use std::time::Duration;
use uazapi::WebhookConfig;

pub fn router(sandbox: Sandbox) -> Router {
    Router::new()
        .route("/instance/create", post(create))
        .route("/instance/init", post(create))
        .route("/instance/all", get(all))
        .route("/instance/connect", post(connect))
        .route("/instance/status", get(status))
        .route("/instance/disconnect", post(disconnect))
        .route("/instance", delete(remove))
        .route("/instance/updateInstanceName", post(rename))
        .route("/webhook", get(webhooks).post(set_webhook))
        .route("/send/text", post(send_text))
        .route("/send/media", post(send_media))
        .route("/message/find", post(find_messages))
        .route("/instance/updateDelaySettings", post(update_delays))
        .layer(middleware::from_fn_with_state(sandbox.clone(), faults))
        .with_state(sandbox)
}

/// `{"error": …}` with a status.
fn error(status: u16, message: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, Json(json!({"error": message}))).into_response();
    if status == StatusCode::TOO_MANY_REQUESTS {
        response
            .headers_mut()
            .insert("retry-after", axum::http::HeaderValue::from_static("1"));
    }
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        error(self.status, &self.message)
    }
}

/// Injected latency and errors, before any handler.
async fn faults(State(sandbox): State<Sandbox>, request: Request, next: Next) -> Response {
    let faults = sandbox.faults();
    if faults.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(faults.latency_ms)).await;
    }
    let status = faults.error_status.unwrap_or(500);
    let message = if status == 429 {
        "Rate limit exceeded"
    } else {
        "Internal server error"
    };
    let counted_down = faults.fail_next > 0
        && sandbox.with_world(|w| {
            let fail = w.faults.fail_next > 0;
            w.faults.fail_next = w.faults.fail_next.saturating_sub(1);
            fail
        });
    if counted_down || Faults::roll(faults.error_rate) {
        return error(status, message);
    }
    let response = next.run(request).await;
    if Faults::roll(faults.lost_response_rate) {
        return error(status, message);
    }
    response
}

fn admin(sandbox: &Sandbox, headers: &HeaderMap) -> Result<(), ApiError> {
    crate::guard::check_admin(sandbox, headers)
        .map_err(|(status, message)| ApiError::new(status, message))
}

fn token(headers: &HeaderMap) -> Result<String, ApiError> {
    headers
        .get("token")
        .and_then(|v| v.to_str().ok())
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| ApiError::new(401, "missing token"))
}

/// The JSON body, `{}` when empty; 400 `invalid payload` when unreadable.
fn body(bytes: &Bytes) -> Result<Value, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(value @ Value::Object(_)) => Ok(value),
        _ => Err(ApiError::new(400, "invalid payload")),
    }
}

fn text(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

type Answer = Result<Response, ApiError>;

async fn create(State(sandbox): State<Sandbox>, headers: HeaderMap, bytes: Bytes) -> Answer {
    admin(&sandbox, &headers)?;
    let body = body(&bytes)?;
    let name = text(&body, "name");
    if name.is_empty() {
        return Err(ApiError::new(400, "Missing name"));
    }
    let fields = (text(&body, "adminField01"), text(&body, "adminField02"));
    let now = sandbox.now_ms();
    let instance = sandbox.with_world(|w| {
        w.create(&name, &text(&body, "systemName"), fields, now)
            .to_json()
    });
    Ok(Json(json!({"response": "Instance created successfully", "instance": instance, "connected": false,
        "loggedIn": false, "name": name, "token": instance["token"]}))
    .into_response())
}

async fn all(State(sandbox): State<Sandbox>, headers: HeaderMap) -> Answer {
    admin(&sandbox, &headers)?;
    let instances: Vec<Value> =
        sandbox.with_world(|w| w.all().iter().map(|i| i.to_json()).collect());
    Ok(Json(instances).into_response())
}

fn connection_answer(instance: Value) -> Response {
    let connected = instance["status"] == "connected";
    let jid = if connected {
        json!({"user": instance["owner"], "agent": 0, "device": 0, "server": "s.whatsapp.net"})
    } else {
        Value::Null
    };
    Json(
        json!({"connected": connected, "loggedIn": connected, "jid": jid, "instance": instance,
        "response": if connected { "Connected" } else { "Connecting" },
        "status": {"connected": connected, "loggedIn": connected, "jid": jid}}),
    )
    .into_response()
}

async fn connect(State(sandbox): State<Sandbox>, headers: HeaderMap, bytes: Bytes) -> Answer {
    let token = token(&headers)?;
    let body = body(&bytes)?;
    let phone = match body.get("phone") {
        None | Some(Value::Null) => None,
        Some(Value::String(p))
            if (10..=15).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()) =>
        {
            Some(p.clone())
        }
        Some(_) => return Err(ApiError::new(400, "Invalid phone number format")),
    };
    let now = sandbox.now_ms();
    let (instance, notices) = sandbox.with_world(|w| w.connect(&token, phone.as_deref(), now))?;
    sandbox.post(notices);
    Ok(connection_answer(instance))
}

async fn status(State(sandbox): State<Sandbox>, headers: HeaderMap) -> Answer {
    let token = token(&headers)?;
    let instance = sandbox.with_world(|w| w.status(&token))?;
    let connected = instance["status"] == "connected";
    let jid = if connected {
        json!({"user": instance["owner"], "agent": 0, "device": 0, "server": "s.whatsapp.net"})
    } else {
        Value::Null
    };
    let mut instance = instance;
    instance["currentTime"] = json!(crate::world::iso_time(sandbox.now_ms()));
    Ok(Json(json!({"instance": instance, "status": {"connected": connected, "loggedIn": connected, "jid": jid}})).into_response())
}

async fn disconnect(State(sandbox): State<Sandbox>, headers: HeaderMap) -> Answer {
    let token = token(&headers)?;
    let now = sandbox.now_ms();
    let (instance, notices) = sandbox.with_world(|w| w.logout(&token, now))?;
    sandbox.post(notices);
    Ok(Json(json!({"instance": instance, "response": "Disconnected",
        "info": "The device has been successfully disconnected from WhatsApp. A new QR code will be required for the next connection."}))
    .into_response())
}

async fn remove(State(sandbox): State<Sandbox>, headers: HeaderMap) -> Answer {
    let token = token(&headers)?;
    sandbox.with_world(|w| w.delete(&token))?;
    Ok(Json(json!({"response": "Instance Deleted", "info": "The device has been disconnected and the instance removed from the database."})).into_response())
}

async fn rename(State(sandbox): State<Sandbox>, headers: HeaderMap, bytes: Bytes) -> Answer {
    let token = token(&headers)?;
    let name = text(&body(&bytes)?, "name");
    if name.is_empty() {
        return Err(ApiError::new(400, "Missing name"));
    }
    let instance = sandbox.with_world(|w| w.rename(&token, &name))?;
    Ok(Json(instance).into_response())
}

async fn webhooks(State(sandbox): State<Sandbox>, headers: HeaderMap) -> Answer {
    let token = token(&headers)?;
    let list = sandbox.with_world(|w| w.by_token(&token).map(|i| i.webhooks.clone()))?;
    Ok(Json(webhook_json(&list)).into_response())
}

fn webhook_json(list: &[WebhookConfig]) -> Vec<Value> {
    list.iter()
        .enumerate()
        .map(|(i, w)| {
            let mut value = serde_json::to_value(w).unwrap_or_default();
            value["id"] = json!(format!("wh{i}"));
            value
        })
        .collect()
}

async fn set_webhook(State(sandbox): State<Sandbox>, headers: HeaderMap, bytes: Bytes) -> Answer {
    let token = token(&headers)?;
    let body = body(&bytes)?;
    if let Some(action) = body.get("action").and_then(Value::as_str)
        && action != "add"
        && action != "update"
    {
        return Err(ApiError::new(400, "Invalid action"));
    }
    let url = text(&body, "url");
    if url.is_empty() {
        return Err(ApiError::new(400, "Missing url"));
    }
    let strings = |key: &str| -> Vec<String> {
        body.get(key)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let flag = |key: &str| body.get(key).and_then(Value::as_bool).unwrap_or(false);
    let config = WebhookConfig {
        enabled: flag("enabled"),
        url,
        events: strings("events"),
        exclude_messages: strings("excludeMessages"),
        add_url_events: flag("addUrlEvents"),
        add_url_types_messages: flag("addUrlTypesMessages"),
    };
    let list = sandbox.with_world(|w| w.set_webhook(&token, config))?;
    Ok(Json(webhook_json(&list)).into_response())
}

async fn send_text(State(sandbox): State<Sandbox>, headers: HeaderMap, bytes: Bytes) -> Answer {
    let token = token(&headers)?;
    let body = body(&bytes)?;
    let (number, message) = (text(&body, "number"), text(&body, "text"));
    if number.is_empty() || message.is_empty() {
        return Err(ApiError::new(400, "Missing number or text"));
    }
    sandbox
        .with_world(|w| w.by_token(&token).map(|_| ()))
        .map_err(|_| ApiError::new(401, "Invalid token"))?;
    let now = sandbox.now_ms();
    let track = (text(&body, "track_source"), text(&body, "track_id"));
    let (mut sent, notices) = sandbox
        .with_world(|w| w.send(&token, &number, &message, None, (&track.0, &track.1), now))?;
    sandbox.post(notices);
    sent["response"] = json!({"status": "success", "message": "Message sent successfully"});
    Ok(Json(sent).into_response())
}

const MEDIA_TYPES: &[&str] = &[
    "image",
    "video",
    "document",
    "audio",
    "myaudio",
    "ptt",
    "sticker",
    "videoplay",
    "ptv",
];

async fn send_media(State(sandbox): State<Sandbox>, headers: HeaderMap, bytes: Bytes) -> Answer {
    let token = token(&headers)?;
    let body = body(&bytes)?;
    let (number, kind, file) = (
        text(&body, "number"),
        text(&body, "type"),
        text(&body, "file"),
    );
    if number.is_empty() || file.is_empty() || !MEDIA_TYPES.contains(&kind.as_str()) {
        return Err(ApiError::new(400, "Invalid media type or file format"));
    }
    sandbox
        .with_world(|w| w.by_token(&token).map(|_| ()))
        .map_err(|_| ApiError::new(401, "Invalid token"))?;
    let now = sandbox.now_ms();
    let track = (text(&body, "track_source"), text(&body, "track_id"));
    let (mut sent, notices) = sandbox.with_world(|w| {
        w.send(
            &token,
            &number,
            &text(&body, "text"),
            Some(&kind),
            (&track.0, &track.1),
            now,
        )
    })?;
    sandbox.post(notices);
    sent["response"] =
        json!({"status": "success", "message": "Media sent successfully", "fileUrl": file});
    Ok(Json(sent).into_response())
}

async fn find_messages(State(sandbox): State<Sandbox>, headers: HeaderMap, bytes: Bytes) -> Answer {
    let token = token(&headers)?;
    let body = body(&bytes)?;
    let limit = body
        .get("limit")
        .and_then(Value::as_u64)
        .unwrap_or(100)
        .clamp(1, 1000) as usize;
    let messages = sandbox
        .with_world(|w| w.find(&token, &text(&body, "id"), &text(&body, "track_id"), limit))?;
    Ok(Json(json!({"returnedMessages": messages.len(), "messages": messages, "limit": limit, "offset": 0,
        "nextOffset": limit, "hasMore": false}))
    .into_response())
}

async fn update_delays(State(sandbox): State<Sandbox>, headers: HeaderMap, bytes: Bytes) -> Answer {
    let token = token(&headers)?;
    let body = body(&bytes)?;
    let read = |key: &str| {
        body.get(key)
            .and_then(Value::as_i64)
            .ok_or_else(|| ApiError::new(400, "Invalid request payload"))
    };
    // uazapi turns negative values into 0.
    let (min, max) = (
        read("msg_delay_min")?.max(0) as u64,
        read("msg_delay_max")?.max(0) as u64,
    );
    let instance = sandbox.with_world(|w| w.set_delays(&token, min, max))?;
    Ok(Json(json!({"instance": instance})).into_response())
}
