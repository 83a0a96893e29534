//! `/sandbox/…`: the phone a test or a person holds, fault injection, and a page.

use crate::Sandbox;
use crate::world::Faults;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

pub fn router(sandbox: Sandbox) -> Router {
    Router::new()
        .route("/sandbox/", get(page))
        .route(
            "/sandbox",
            get(|| async { Redirect::permanent("/sandbox/") }),
        )
        .route("/sandbox/phone/scan", post(scan))
        .route("/sandbox/phone/pair", post(pair))
        .route("/sandbox/instances", get(instances))
        .route("/sandbox/instances/{id}/drop", post(drop_connection))
        .route("/sandbox/instances/{id}/incoming", post(incoming))
        .route("/sandbox/instances/{id}/scan", post(scan_from_page))
        .route(
            "/sandbox/faults",
            get(get_faults).put(put_faults).delete(clear_faults),
        )
        .route("/sandbox/clock/advance", post(advance_clock))
        .with_state(sandbox)
}

fn fail(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"error": message}))).into_response()
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
        Ok(Some(instance)) => Json(json!({"scanned": true, "instance": instance})).into_response(),
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
        Some(instance) => Json(json!({"paired": true, "instance": instance})).into_response(),
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
                let mut value = i.to_json();
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
            Json(instance).into_response()
        }
        Err(e) => fail(StatusCode::NOT_FOUND, &e.message),
    }
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
    if let Some((_, notices)) = result {
        sandbox.post(notices);
    }
    Redirect::to("/sandbox/").into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn page(State(sandbox): State<Sandbox>) -> Html<String> {
    let rows: String = sandbox.with_world(|w| {
        w.all()
            .iter()
            .map(|i| {
                let json = i.to_json();
                let qr = json["qrcode"].as_str().unwrap_or_default();
                let code = json["paircode"].as_str().unwrap_or_default();
                let action = if !qr.is_empty() {
                    format!(
                        r#"<img src="{}" alt="QR" width="160" height="160"><form method="post" action="/sandbox/instances/{}/scan"><button>Escanear (scan)</button></form>"#,
                        escape(qr),
                        escape(&i.id)
                    )
                } else if !code.is_empty() {
                    format!("Código: <code>{}</code>", escape(code))
                } else {
                    String::new()
                };
                format!(
                    "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    escape(&i.id),
                    escape(&i.name),
                    i.status,
                    escape(&i.owner),
                    action
                )
            })
            .collect()
    });
    Html(format!(
        r#"<!doctype html><html lang="pt-BR"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta http-equiv="refresh" content="3"><title>uazapi sandbox</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 60rem; margin: auto; padding: 1rem">
<h1>uazapi sandbox</h1><p>Um servidor uazapi de mentira e um celular de mentira. A página se atualiza a cada 3 s.</p>
<table border="1" cellpadding="6" style="border-collapse: collapse"><tr><th>id</th><th>nome</th><th>status</th><th>número</th><th>celular</th></tr>{rows}</table>
</body></html>"#
    ))
}
