//! Each user sees and touches only their own instances; no token, no entry.

use crate::helpers::{TestApp, TestUser, expect_error};
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    another_users_instance_is_a_404_for_every_action,
    requests_without_a_valid_token_get_401,
);

async fn another_users_instance_is_a_404_for_every_action(app: TestApp) {
    let ana = app.new_user().await;
    let bia = app.new_user().await;
    let instance = app.create_instance(&ana, "Da Ana", "11999990001").await;
    let id = instance["id"].as_str().unwrap();

    expect_error(app.get_instance(&bia, id).await, StatusCode::NOT_FOUND).await;
    expect_error(
        app.patch_instance(&bia, id, &json!({"name": "Roubada"}))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_error(app.delete_instance(&bia, id).await, StatusCode::NOT_FOUND).await;

    let bia_list: Value = app.list_instances(&bia, "").await.json().await.unwrap();
    assert_eq!(bia_list["total"], 0);
    assert_eq!(bia_list["items"], json!([]));
    let search: Value = app
        .list_instances(&bia, "q=Ana")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(search["total"], 0);

    // Untouched for its owner.
    let still: Value = app.get_instance(&ana, id).await.json().await.unwrap();
    assert_eq!(still, instance);
}

async fn requests_without_a_valid_token_get_401(app: TestApp) {
    let ana = app.new_user().await;
    let instance = app.create_instance(&ana, "Protegida", "11999990001").await;
    let path = format!("/api/instances/{}", instance["id"].as_str().unwrap());

    let anonymous = app.client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(
        anonymous
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok()),
        Some("Bearer")
    );
    assert_eq!(
        expect_error(anonymous, StatusCode::UNAUTHORIZED).await["code"],
        "unauthenticated"
    );

    let forged = TestUser {
        email: ana.email.clone(),
        token: format!("{}x", ana.token),
    };
    expect_error(
        app.get_instance(&forged, instance["id"].as_str().unwrap())
            .await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    for header in ["Basic abc", "Bearer", "Bearer ", "zf_only", &ana.token] {
        let response = app
            .client
            .get(app.url(&path))
            .header("authorization", header)
            .send()
            .await
            .unwrap();
        expect_error(response, StatusCode::UNAUTHORIZED).await;
    }
    let created = app
        .client
        .post(app.url("/api/instances"))
        .json(&json!({"name": "Sem token", "phone": "11999990002"}))
        .send()
        .await
        .unwrap();
    expect_error(created, StatusCode::UNAUTHORIZED).await;

    // The right token in any scheme case works.
    let lower = app
        .client
        .get(app.url(&path))
        .header("authorization", format!("bearer {}", ana.token))
        .send()
        .await
        .unwrap();
    assert_eq!(lower.status(), StatusCode::OK);
}
