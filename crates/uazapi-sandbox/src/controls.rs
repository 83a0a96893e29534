//! `/sandbox/…`: the phone a test or a person holds, and fault injection.

use crate::world::Faults;
use crate::{Sandbox, guard};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

/// The controls; every one needs the admin token (the page that uses them is
/// in `page`).
pub fn router(sandbox: Sandbox) -> Router {
    Router::new()
        .route("/sandbox/phone/scan", post(scan))
        .route("/sandbox/phone/pair", post(pair))
        .route("/sandbox/instances", get(instances))
        .route("/sandbox/instances/{id}/drop", post(drop_connection))
        .route("/sandbox/instances/{id}/forget", post(forget))
        .route("/sandbox/forget", post(forget_everything))
        .route("/sandbox/instances/{id}/remember", post(remember))
        .route("/sandbox/instances/{id}/incoming", post(incoming))
        .route("/sandbox/instances/{id}/scan", post(scan_from_page))
        .route(
            "/sandbox/faults",
            get(get_faults).put(put_faults).delete(clear_faults),
        )
        .route("/sandbox/clock/advance", post(advance_clock))
        .route_layer(middleware::from_fn_with_state(
            sandbox.clone(),
            guard::admin_only,
        ))
        .with_state(sandbox)
}

fn fail(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"error": message}))).into_response()
}

/// An instance as the controls show it: never with its token, the key to the
/// instance's uazapi API (and so to its webhook URL, our secret); uazapi's
/// admin `/instance/all` is where tokens are given out.
fn without_token(mut instance: Value) -> Value {
    if let Some(fields) = instance.as_object_mut() {
        fields.remove("token");
    }
    instance
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Scan {
    qrcode: String,
    #[serde(default)]
    phone: Option<String>,
}

/// The phone scans what the user was shown: a data URI (decoded like a camera
/// would) or the QR text itself.
async fn scan(State(sandbox): State<Sandbox>, Json(scan): Json<Scan>) -> Response {
    match sandbox.scan_qr(&scan.qrcode, scan.phone.as_deref()) {
        Ok(Some(instance)) => {
            Json(json!({"scanned": true, "instance": without_token(instance)})).into_response()
        }
        Ok(None) => fail(
            StatusCode::NOT_FOUND,
            "no instance is waiting for this QR code (wrong, expired or never shown)",
        ),
        Err(e) => fail(StatusCode::BAD_REQUEST, &e.to_string()),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Pair {
    paircode: String,
    phone: String,
}

async fn pair(State(sandbox): State<Sandbox>, Json(pair): Json<Pair>) -> Response {
    match sandbox.pair_code(&pair.paircode, &pair.phone) {
        Some(instance) => {
            Json(json!({"paired": true, "instance": without_token(instance)})).into_response()
        }
        None => fail(
            StatusCode::NOT_FOUND,
            "no instance is waiting for this code from this phone (wrong or expired)",
        ),
    }
}

/// Every instance with what tests need to check: status, owner, sends.
async fn instances(State(sandbox): State<Sandbox>) -> Json<Vec<Value>> {
    Json(sandbox.with_world(|w| {
        w.all()
            .iter()
            .map(|i| {
                let mut value = without_token(i.to_json());
                value["sentCount"] = json!(i.sent.values().sum::<u32>());
                value["sentTwice"] = json!(i.sent.values().filter(|n| **n > 1).count());
                value["sent"] = json!(
                    i.sent_messages
                        .iter()
                        .map(|m| json!({"messageid": m["messageid"], "chatid": m["chatid"], "text": m["text"], "track_id": m["track_id"]}))
                        .collect::<Vec<_>>()
                );
                value
            })
            .collect()
    }))
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct Drop {
    reason: String,
}

async fn drop_connection(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
    body: Option<Json<Drop>>,
) -> Response {
    let reason = body
        .map(|Json(d)| d.reason)
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| "connection lost".into());
    let now = sandbox.now_ms();
    match sandbox.with_world(|w| w.fall(&id, &reason, false, now)) {
        Ok((instance, notices)) => {
            sandbox.post(notices);
            Json(without_token(instance)).into_response()
        }
        Err(e) => fail(StatusCode::NOT_FOUND, &e.message),
    }
}

/// The provider forgets one instance, as uazapi does when it loses its data:
/// no webhook, its token answers 401 from now on, it leaves the admin list.
async fn forget(State(sandbox): State<Sandbox>, Path(id): Path<String>) -> Response {
    if sandbox.with_world(|w| w.forget(&id)) {
        Json(json!({"forgotten": 1})).into_response()
    } else {
        fail(StatusCode::NOT_FOUND, "no such instance")
    }
}

/// The provider restored its backup: a forgotten instance is back, with its
/// session, disconnected until someone connects it.
async fn remember(State(sandbox): State<Sandbox>, Path(id): Path<String>) -> Response {
    if sandbox.with_world(|w| w.remember(&id)) {
        Json(json!({"remembered": 1})).into_response()
    } else {
        fail(StatusCode::NOT_FOUND, "no such forgotten instance")
    }
}

/// A restart without its data: every instance is forgotten.
async fn forget_everything(State(sandbox): State<Sandbox>) -> Response {
    let forgotten = sandbox.with_world(|w| w.forget_everything());
    Json(json!({"forgotten": forgotten})).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Incoming {
    from: String,
    text: String,
}

async fn incoming(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
    Json(message): Json<Incoming>,
) -> Response {
    if message.from.is_empty() || !message.from.bytes().all(|b| b.is_ascii_digit()) {
        return fail(StatusCode::BAD_REQUEST, "from must be digits");
    }
    let now = sandbox.now_ms();
    match sandbox.with_world(|w| w.incoming(&id, &message.from, &message.text, now)) {
        Ok(notices) => {
            sandbox.post(notices);
            Json(json!({"received": true})).into_response()
        }
        Err(e) => fail(
            StatusCode::from_u16(e.status).unwrap_or(StatusCode::CONFLICT),
            &e.message,
        ),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    ms: u64,
}

/// Skips ahead in time (QR rotation, login timeouts, receipts happen at once).
async fn advance_clock(State(sandbox): State<Sandbox>, Json(advance): Json<Advance>) -> Response {
    if sandbox.advance(std::time::Duration::from_millis(advance.ms)) {
        Json(json!({"now": sandbox.now_ms()})).into_response()
    } else {
        fail(StatusCode::CONFLICT, "this sandbox's clock cannot be moved")
    }
}

async fn get_faults(State(sandbox): State<Sandbox>) -> Json<Faults> {
    Json(sandbox.faults())
}

async fn put_faults(State(sandbox): State<Sandbox>, Json(faults): Json<Faults>) -> Response {
    if [
        faults.error_rate,
        faults.webhook_loss,
        faults.lost_response_rate,
    ]
    .iter()
    .any(|r| !(0.0..=1.0).contains(r))
    {
        return fail(
            StatusCode::BAD_REQUEST,
            "error_rate, lost_response_rate and webhook_loss are between 0 and 1",
        );
    }
    if faults
        .error_status
        .is_some_and(|s| !(400..=599).contains(&s))
    {
        return fail(
            StatusCode::BAD_REQUEST,
            "error_status must be a 4xx or 5xx status",
        );
    }
    sandbox.with_world(|w| w.faults = faults.clone());
    Json(faults).into_response()
}

async fn clear_faults(State(sandbox): State<Sandbox>) -> Json<Faults> {
    sandbox.with_world(|w| w.faults = Faults::default());
    Json(Faults::default())
}

/// The page's "scan" button: the phone scans the QR currently on screen.
async fn scan_from_page(State(sandbox): State<Sandbox>, Path(id): Path<String>) -> Response {
    let now = sandbox.now_ms();
    let result = sandbox.with_world(|w| {
        let _ = w.by_id(&id).map(|i| i.token.clone()).map(|t| w.status(&t));
        w.current_qr(&id).and_then(|text| w.scan(&text, None, now))
    });
    match result {
        Some((instance, notices)) => {
            sandbox.post(notices);
            Json(json!({"scanned": true, "instance": without_token(instance)})).into_response()
        }
        None => fail(
            StatusCode::NOT_FOUND,
            "this instance shows no QR code to scan",
        ),
    }
}
