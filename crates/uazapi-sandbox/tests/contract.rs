//! The sandbox against the contract files themselves: each implemented path's answer
//! is checked against its schema in `openapi-subset.yaml` (read here, not copied),
//! and webhook bodies against the field sets of the real samples.

#![allow(clippy::unwrap_used)]

use serde_json::{Value, json};
use std::collections::BTreeSet;

const ADMIN: &str = "admin-secret";

fn shared(path: &str) -> std::path::PathBuf {
    uazapi::contract::contract_file(env!("CARGO_MANIFEST_DIR").as_ref(), path)
}

fn spec() -> Value {
    let text = std::fs::read_to_string(shared("openapi-subset.yaml")).unwrap();
    serde_norway::from_str(&text).unwrap()
}

/// A small JSON Schema check (the OpenAPI 3.0 subset the spec uses): `$ref`, `type`,
/// `nullable`, `enum`, `required`, `properties`, `items`, `allOf`, `oneOf`/`anyOf`.
/// `format` is not checked: the spec's `uuid` for ids is known to be wrong (CONTRACT §9.11).
fn check(spec: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.rsplit('/').next().unwrap();
        return check(
            spec,
            &spec["components"]["schemas"][name],
            value,
            at,
            errors,
        );
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for part in all {
            check(spec, part, value, at, errors);
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(options) = schema.get(key).and_then(Value::as_array) {
            let fits = options.iter().any(|option| {
                let mut inner = Vec::new();
                check(spec, option, value, at, &mut inner);
                inner.is_empty()
            });
            if !fits {
                errors.push(format!("{at}: matches none of {key}"));
            }
        }
    }
    if value.is_null() && schema.get("nullable") == Some(&Value::Bool(true)) {
        return;
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if !types.is_empty() {
        let fits = types.iter().any(|t| match *t {
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            "null" => value.is_null(),
            _ => true,
        });
        if !fits {
            errors.push(format!("{at}: expected {types:?}, got {value}"));
            return;
        }
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array)
        && !options.contains(value)
    {
        errors.push(format!("{at}: {value} not in {options:?}"));
    }
    if let Some(required) = schema.get("required").and_then(Value::as_array) {
        for name in required.iter().filter_map(Value::as_str) {
            if value.get(name).is_none() {
                errors.push(format!("{at}: missing required {name}"));
            }
        }
    }
    if let (Some(properties), Some(object)) = (
        schema.get("properties").and_then(Value::as_object),
        value.as_object(),
    ) {
        for (name, sub) in properties {
            if let Some(field) = object.get(name) {
                check(spec, sub, field, &format!("{at}.{name}"), errors);
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, item) in array.iter().enumerate() {
            check(spec, items, item, &format!("{at}[{i}]"), errors);
        }
    }
}

fn response_schema(spec: &Value, path: &str, method: &str, status: &str) -> Value {
    let schema =
        spec["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
            .clone();
    assert!(
        !schema.is_null(),
        "the spec has a {status} schema for {method} {path}"
    );
    schema
}

struct Call<'a> {
    http: &'a reqwest::Client,
    base: &'a str,
}

impl Call<'_> {
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        header: (&str, &str),
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header(header.0, header.1);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }
}

#[tokio::test]
async fn every_implemented_path_answers_what_the_spec_describes() {
    let spec = spec();
    let server = uazapi_sandbox::spawn("127.0.0.1:0", ADMIN).await.unwrap();
    let (http, base) = (reqwest::Client::new(), server.url());
    let call = Call {
        http: &http,
        base: &base,
    };
    let mut failures = Vec::new();
    let mut verify = |path: &str, method: &str, status: u16, body: &Value| {
        let schema = response_schema(&spec, path, method, &status.to_string());
        let mut errors = Vec::new();
        check(
            &spec,
            &schema,
            body,
            &format!("{method} {path} {status}"),
            &mut errors,
        );
        failures.extend(errors);
    };
    use reqwest::Method;

    let (status, created) = call
        .send(
            Method::POST,
            "/instance/create",
            ("admintoken", ADMIN),
            Some(json!({"name": "contrato"})),
        )
        .await;
    assert_eq!(status, 200);
    verify("/instance/create", "post", status, &created);
    let (status, init) = call
        .send(
            Method::POST,
            "/instance/init",
            ("admintoken", ADMIN),
            Some(json!({"name": "antiga"})),
        )
        .await;
    verify("/instance/init", "post", status, &init);
    let token = created["token"].as_str().unwrap().to_owned();
    let t = ("token", token.as_str());

    let (status, all) = call
        .send(Method::GET, "/instance/all", ("admintoken", ADMIN), None)
        .await;
    verify("/instance/all", "get", status, &all);
    let (status, body) = call
        .send(Method::GET, "/instance/all", ("admintoken", "wrong"), None)
        .await;
    assert_eq!(status, 403);
    verify("/instance/all", "get", status, &body);

    let (status, body) = call.send(Method::POST, "/webhook", t, Some(json!({"enabled": true, "url": "http://127.0.0.1:9/hook", "events": ["connection"]}))).await;
    verify("/webhook", "post", status, &body);
    let (status, body) = call.send(Method::GET, "/webhook", t, None).await;
    verify("/webhook", "get", status, &body);

    let (status, connecting) = call
        .send(Method::POST, "/instance/connect", t, Some(json!({})))
        .await;
    verify("/instance/connect", "post", status, &connecting);
    let (status, body) = call.send(Method::GET, "/instance/status", t, None).await;
    verify("/instance/status", "get", status, &body);

    let qrcode = connecting["instance"]["qrcode"].as_str().unwrap();
    let scanned = http
        .post(format!("{base}/sandbox/phone/scan"))
        .header("admintoken", ADMIN)
        .json(&json!({"qrcode": qrcode}))
        .send()
        .await
        .unwrap();
    assert_eq!(scanned.status(), 200);
    let (status, body) = call.send(Method::GET, "/instance/status", t, None).await;
    verify("/instance/status", "get", status, &body);

    let (status, body) = call
        .send(
            Method::POST,
            "/send/text",
            t,
            Some(json!({"number": "5511999999999", "text": "Olá"})),
        )
        .await;
    verify("/send/text", "post", status, &body);
    let (status, body) = call
        .send(
            Method::POST,
            "/send/text",
            t,
            Some(json!({"number": "5511999999999"})),
        )
        .await;
    assert_eq!(status, 400);
    verify("/send/text", "post", status, &body);
    let (status, body) = call.send(Method::POST, "/send/media", t, Some(json!({"number": "5511999999999", "type": "image", "file": "https://example.com/a.jpg"}))).await;
    verify("/send/media", "post", status, &body);

    let (status, body) = call
        .send(
            Method::POST,
            "/message/find",
            t,
            Some(json!({"track_id": "", "limit": 5})),
        )
        .await;
    assert_eq!(body["messages"].as_array().map(Vec::len), Some(2));
    verify("/message/find", "post", status, &body);

    let (status, body) = call
        .send(
            Method::POST,
            "/instance/updateDelaySettings",
            t,
            Some(json!({"msg_delay_min": 1, "msg_delay_max": 3})),
        )
        .await;
    assert_eq!(body["instance"]["msg_delay_max"], 3);
    verify("/instance/updateDelaySettings", "post", status, &body);

    let (status, body) = call
        .send(
            Method::POST,
            "/instance/updateInstanceName",
            t,
            Some(json!({"name": "novo"})),
        )
        .await;
    verify("/instance/updateInstanceName", "post", status, &body);
    let (status, body) = call
        .send(Method::POST, "/instance/disconnect", t, None)
        .await;
    verify("/instance/disconnect", "post", status, &body);
    let (status, body) = call.send(Method::DELETE, "/instance", t, None).await;
    verify("/instance", "delete", status, &body);
    let (status, body) = call.send(Method::GET, "/instance/status", t, None).await;
    assert_eq!(status, 401);
    verify("/instance/status", "get", status, &body);

    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn keys(value: &Value) -> BTreeSet<String> {
    value
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

fn sample(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(shared(&format!("samples/{name}"))).unwrap())
        .unwrap()
}

#[tokio::test]
async fn webhook_bodies_have_the_real_samples_fields() {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Value>();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |axum::Json(body): axum::Json<Value>| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(body);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let server = uazapi_sandbox::spawn("127.0.0.1:0", ADMIN).await.unwrap();
    let http = reqwest::Client::new();
    let base = server.url();
    let created: Value = http
        .post(format!("{base}/instance/create"))
        .header("admintoken", ADMIN)
        .json(&json!({"name": "amostras"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = created["token"].as_str().unwrap();
    let id = created["instance"]["id"].as_str().unwrap();
    http.post(format!("{base}/webhook")).header("token", token)
        .json(&json!({"enabled": true, "url": hook, "events": ["connection", "messages", "messages_update"]}))
        .send().await.unwrap();
    let connecting: Value = http
        .post(format!("{base}/instance/connect"))
        .header("token", token)
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    http.post(format!("{base}/sandbox/phone/scan"))
        .header("admintoken", ADMIN)
        .json(&json!({"qrcode": connecting["instance"]["qrcode"]}))
        .send()
        .await
        .unwrap();
    http.post(format!("{base}/sandbox/instances/{id}/incoming"))
        .header("admintoken", ADMIN)
        .json(&json!({"from": "5511977776666", "text": "Oi"}))
        .send()
        .await
        .unwrap();
    http.post(format!("{base}/send/text"))
        .header("token", token)
        .json(&json!({"number": "5511977776666", "text": "Olá"}))
        .send()
        .await
        .unwrap();
    http.post(format!("{base}/instance/disconnect"))
        .header("token", token)
        .send()
        .await
        .unwrap();

    let mut seen: Vec<Value> = Vec::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    while seen.len() < 7 {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(body)) => seen.push(body),
            _ => break,
        }
    }
    let find = |event: &str, predicate: &dyn Fn(&Value) -> bool| -> Value {
        seen.iter()
            .find(|b| b["EventType"] == event && predicate(b))
            .cloned()
            .unwrap_or_else(|| panic!("no {event} webhook in {seen:#?}"))
    };
    let pairs = [
        (
            sample("connection.connecting.qr.json"),
            find("connection", &|b| b["instance"]["status"] == "connecting"),
        ),
        (
            sample("connection.connected.json"),
            find("connection", &|b| b["instance"]["status"] == "connected"),
        ),
        (
            sample("connection.disconnected.logged-out.json"),
            find("connection", &|b| b["instance"]["status"] == "disconnected"),
        ),
        (
            sample("messages.incoming.text-extended.json"),
            find("messages", &|b| b["message"]["fromMe"] == false),
        ),
        (
            sample("messages.outgoing-from-phone.text-extended.json"),
            find("messages", &|b| b["message"]["fromMe"] == true),
        ),
        (
            sample("reconstructed/messages_update.delivered-receipt.json"),
            find("messages_update", &|_| true),
        ),
    ];
    for (real, ours) in pairs {
        let event = real["EventType"].clone();
        // The envelope has every top-level key of the real body. (Inside, the `chat`
        // object of messages is ours in reduced form: its 62 lead fields are not.)
        let missing: Vec<_> = keys(&real).difference(&keys(&ours)).cloned().collect();
        assert!(missing.is_empty(), "{event}: envelope lacks {missing:?}");
        for inner in ["instance", "message", "event"] {
            if real.get(inner).is_some() {
                let missing: Vec<_> = keys(&real[inner])
                    .difference(&keys(&ours[inner]))
                    .cloned()
                    .collect();
                assert!(missing.is_empty(), "{event}.{inner} lacks {missing:?}");
            }
        }
        assert!(uazapi::webhook::parse(ours.to_string().as_bytes()).is_ok());
    }
}
