//! Malformed requests get a clear 4xx in the documented JSON shape, never a 500.

use crate::helpers::{TestApp, expect_error};
use crate::on_both_backends;
use reqwest::{Method, StatusCode};
use serde_json::json;

on_both_backends!(
    unreadable_bodies_are_a_400_and_name_the_field_when_they_can,
    bodies_that_are_not_json_or_too_large_are_refused,
    unknown_paths_and_methods_answer_in_json,
    messages_follow_the_callers_language,
);

async fn unreadable_bodies_are_a_400_and_name_the_field_when_they_can(app: TestApp) {
    let ana = app.new_user().await;
    let send = |body: &'static str| {
        app.request(&ana, Method::POST, "/api/instances")
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let syntax = expect_error(send("{\"name\": ").await.unwrap(), StatusCode::BAD_REQUEST).await;
    assert_eq!(syntax["code"], "bad_request");

    let wrong_type = expect_error(
        send(r#"{"name": 5, "phone": "11999999999"}"#)
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(wrong_type["field"], "name");

    let unknown = expect_error(
        send(r#"{"name": "a", "phone": "11999999999", "admin": true}"#)
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(unknown["field"], "admin");

    let missing = expect_error(
        send(r#"{"name": "a"}"#).await.unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(missing["field"], "phone");

    expect_error(send("[]").await.unwrap(), StatusCode::BAD_REQUEST).await;
    expect_error(send("null").await.unwrap(), StatusCode::BAD_REQUEST).await;
    expect_error(
        send("\u{0}\u{1}garbage").await.unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;

    let created = app.create_instance(&ana, "Alvo", "11999999999").await;
    let path = format!("/api/instances/{}", created["id"].as_str().unwrap());
    let patch = app
        .request(&ana, Method::PATCH, &path)
        .json(&json!({"status": "connected"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        expect_error(patch, StatusCode::BAD_REQUEST).await["field"],
        "status"
    );
}

async fn bodies_that_are_not_json_or_too_large_are_refused(app: TestApp) {
    let ana = app.new_user().await;
    let form = app
        .request(&ana, Method::POST, "/api/instances")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("name=a&phone=11999999999")
        .send()
        .await
        .unwrap();
    assert_eq!(
        expect_error(form, StatusCode::UNSUPPORTED_MEDIA_TYPE).await["code"],
        "unsupported_media_type"
    );

    let huge = json!({"name": "x".repeat(100 * 1024), "phone": "11999999999"});
    let too_large = app
        .request(&ana, Method::POST, "/api/instances")
        .json(&huge)
        .send()
        .await
        .unwrap();
    assert_eq!(
        expect_error(too_large, StatusCode::PAYLOAD_TOO_LARGE).await["code"],
        "payload_too_large"
    );

    let listed: serde_json::Value = app.list_instances(&ana, "").await.json().await.unwrap();
    assert_eq!(listed["total"], 0);
}

async fn unknown_paths_and_methods_answer_in_json(app: TestApp) {
    let ana = app.new_user().await;
    let missing = app
        .request(&ana, Method::GET, "/api/nothing-here")
        .send()
        .await
        .unwrap();
    assert_eq!(
        expect_error(missing, StatusCode::NOT_FOUND).await["code"],
        "not_found"
    );

    let method = app
        .request(&ana, Method::PUT, "/api/instances")
        .send()
        .await
        .unwrap();
    assert_eq!(
        expect_error(method, StatusCode::METHOD_NOT_ALLOWED).await["code"],
        "method_not_allowed"
    );

    let not_utf8 = app.get_instance(&ana, "%00%ff").await;
    assert_eq!(
        expect_error(not_utf8, StatusCode::BAD_REQUEST).await["code"],
        "bad_request"
    );
    let odd_id = app.get_instance(&ana, "..%2F%27%22").await;
    expect_error(odd_id, StatusCode::NOT_FOUND).await;
}

async fn messages_follow_the_callers_language(app: TestApp) {
    let ana = app.new_user().await;
    let body = json!({"name": "ok", "phone": "abc"});
    let portuguese = app.post_instance(&ana, &body).await;
    assert_eq!(portuguese.headers()["content-language"], "pt-BR");
    let pt = expect_error(portuguese, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(pt["message"].as_str().unwrap().contains("telefone"), "{pt}");

    let english = app
        .request(&ana, Method::POST, "/api/instances")
        .header("accept-language", "en-US,en;q=0.9")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(english.headers()["content-language"], "en");
    let en = expect_error(english, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(en["message"].as_str().unwrap().contains("phone"), "{en}");
    assert_eq!(
        en["code"], pt["code"],
        "codes do not change with the language"
    );
}
