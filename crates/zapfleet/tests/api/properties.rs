//! Generated bodies and query strings over HTTP: whatever a client sends, the
//! answer is a JSON error or a success, never a 500.

use crate::helpers::{TestApp, TestUser};
use crate::on_both_backends;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// JSON built from the keys the API reads and values that trip parsers.
fn body() -> impl Strategy<Value = Value> {
    let text = prop_oneof![
        any::<String>(),
        Just("11 98888-7777".to_owned()),
        Just("Loja\u{200b}Centro".to_owned()),
        Just("\u{0}\n../".to_owned()),
        Just("https://8.8.8.8/a.png".to_owned()),
        Just("http://127.0.0.1/x".to_owned()),
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        text.prop_map(Value::from),
    ];
    let keys = prop::sample::select(vec![
        "name",
        "phone",
        "to",
        "text",
        "media",
        "kind",
        "url",
        "fileName",
        "data",
        "caption",
        "autoReconnect",
        "messageDelayMinMs",
        "messageDelayMaxMs",
        "forwardWebhook",
        "events",
        "secret",
        "keepIncomingText",
        "waitSeconds",
        "idempotencyKey",
    ]);
    leaf.prop_recursive(3, 24, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(keys.clone(), inner, 0..6).prop_map(|m| Value::Object(
                m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
            )),
        ]
    })
}

fn query() -> impl Strategy<Value = String> {
    let key = prop::sample::select(vec!["q", "status", "sort", "page", "cursor", "limit", "x"]);
    let value = prop_oneof![
        any::<String>(),
        "[0-9a-f]{0,80}",
        "-?[a-zA-Z]{0,12}",
        "[0-9]{0,12}"
    ];
    prop::collection::vec((key, value), 0..5)
        .prop_map(|pairs| serde_urlencoded::to_string(pairs).unwrap())
}

async fn never_500(
    app: &TestApp,
    user: &TestUser,
    method: Method,
    path: &str,
    body: Option<&Value>,
) {
    let mut request = app.request(user, method.clone(), path);
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    assert_ne!(
        status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{method} {path} {body:?}"
    );
    if status.is_client_error() {
        let error: Value = response
            .json()
            .await
            .unwrap_or_else(|_| panic!("{method} {path}: not JSON"));
        assert!(error["error"]["code"].is_string(), "{error}");
    }
}

async fn generated_requests_never_get_a_500(app: TestApp) {
    let ana = app.new_user().await;
    let instance = app
        .create_instance(&ana, "Propriedades", "11 98888-7777")
        .await;
    let id = instance["id"].as_str().unwrap();
    let mut runner = TestRunner::deterministic();
    let bodies = body();
    let queries = query();
    for _ in 0..48 {
        let body = bodies.new_tree(&mut runner).unwrap().current();
        never_500(&app, &ana, Method::POST, "/api/instances", Some(&body)).await;
        never_500(
            &app,
            &ana,
            Method::PATCH,
            &format!("/api/instances/{id}"),
            Some(&body),
        )
        .await;
        never_500(
            &app,
            &ana,
            Method::PUT,
            &format!("/api/instances/{id}/config"),
            Some(&body),
        )
        .await;
        never_500(
            &app,
            &ana,
            Method::POST,
            &format!("/api/instances/{id}/messages"),
            Some(&body),
        )
        .await;
        let query = queries.new_tree(&mut runner).unwrap().current();
        never_500(
            &app,
            &ana,
            Method::GET,
            &format!("/api/instances?{query}"),
            None,
        )
        .await;
    }
}

on_both_backends!(generated_requests_never_get_a_500);
