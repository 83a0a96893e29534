//! Creating, reading, changing and deleting one instance.

use crate::helpers::{TestApp, expect_error};
use crate::on_both_backends;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

on_both_backends!(
    creating_an_instance_returns_it_with_a_normalized_phone_and_a_random_key,
    the_original_create_endpoint_behaves_the_same,
    an_instance_can_be_read_renamed_given_a_new_phone_and_deleted,
    a_name_already_used_in_any_case_is_a_conflict_but_other_users_may_use_it,
    fields_that_break_the_rules_are_refused_with_the_field_named,
);

async fn creating_an_instance_returns_it_with_a_normalized_phone_and_a_random_key(app: TestApp) {
    let ana = app.new_user().await;
    let response = app
        .post_instance(
            &ana,
            &json!({"name": "  Loja Centro ", "phone": "(11) 99999-9999"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let instance: Value = response.json().await.unwrap();
    assert_eq!(instance["name"], "Loja Centro");
    assert_eq!(instance["phone"], "5511999999999");
    assert_eq!(instance["phoneFormatted"], "+55 11 99999-9999");
    assert_eq!(instance["status"], "disconnected");
    assert_eq!(instance["lastConnection"], Value::Null);
    assert_eq!(
        instance["config"],
        json!({"autoReconnect": true, "messageDelayMinMs": 1000, "messageDelayMaxMs": 3000,
               "keepIncomingText": true, "forwardWebhook": null}),
        "the defaults, as GET …/config shows them"
    );
    let key = instance["instanceKey"].as_str().unwrap();
    assert!(key.len() >= 21);
    assert!(
        key.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    );
    assert!(instance["createdAt"].as_str().unwrap().ends_with('Z'));

    let other = app
        .create_instance(&ana, "Loja Norte", "+55 21 98765-4321")
        .await;
    assert_ne!(other["instanceKey"], instance["instanceKey"]);
    assert_ne!(other["id"], instance["id"]);
}

async fn the_original_create_endpoint_behaves_the_same(app: TestApp) {
    let ana = app.new_user().await;
    let response = app
        .request(&ana, Method::POST, "/api/instances/create")
        .json(&json!({"name": "Original", "phone": "5511988887777"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let instance: Value = response.json().await.unwrap();
    assert_eq!(instance["phone"], "5511988887777");

    let again = app
        .request(&ana, Method::POST, "/api/instances/create")
        .json(&json!({"name": "original", "phone": "5511988887777"}))
        .send()
        .await
        .unwrap();
    expect_error(again, StatusCode::CONFLICT).await;
}

async fn an_instance_can_be_read_renamed_given_a_new_phone_and_deleted(app: TestApp) {
    let ana = app.new_user().await;
    let created = app.create_instance(&ana, "Vendas", "11 91234-5678").await;
    let id = created["id"].as_str().unwrap();

    let read: Value = app.get_instance(&ana, id).await.json().await.unwrap();
    assert_eq!(read, created);

    let renamed = app
        .patch_instance(&ana, id, &json!({"name": "Vendas SP"}))
        .await;
    assert_eq!(renamed.status(), StatusCode::OK);
    let renamed: Value = renamed.json().await.unwrap();
    assert_eq!(renamed["name"], "Vendas SP");
    assert_eq!(renamed["phone"], "5511912345678", "phone untouched");
    assert_eq!(renamed["instanceKey"], created["instanceKey"]);

    let rephoned: Value = app
        .patch_instance(&ana, id, &json!({"phone": "+351 912 345 678"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rephoned["phone"], "351912345678");
    assert_eq!(rephoned["name"], "Vendas SP", "name untouched");

    let cleared: Value = app
        .patch_instance(&ana, id, &json!({"phone": null}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cleared["phone"], Value::Null);

    let unchanged = app.patch_instance(&ana, id, &json!({})).await;
    assert_eq!(unchanged.status(), StatusCode::OK);

    let deleted = app.delete_instance(&ana, id).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    expect_error(app.get_instance(&ana, id).await, StatusCode::NOT_FOUND).await;
    expect_error(app.delete_instance(&ana, id).await, StatusCode::NOT_FOUND).await;
}

async fn a_name_already_used_in_any_case_is_a_conflict_but_other_users_may_use_it(app: TestApp) {
    let ana = app.new_user().await;
    let bia = app.new_user().await;
    app.create_instance(&ana, "Atendimento São Paulo", "11999990001")
        .await;

    let duplicate = app
        .post_instance(
            &ana,
            &json!({"name": "ATENDIMENTO SÃO PAULO", "phone": "11999990002"}),
        )
        .await;
    let error = expect_error(duplicate, StatusCode::CONFLICT).await;
    assert_eq!(error["code"], "conflict");
    assert_eq!(error["field"], "name");

    app.create_instance(&bia, "Atendimento São Paulo", "11999990003")
        .await;

    let second = app.create_instance(&ana, "Outra", "11999990004").await;
    let rename = app
        .patch_instance(
            &ana,
            second["id"].as_str().unwrap(),
            &json!({"name": "atendimento são paulo"}),
        )
        .await;
    assert_eq!(
        expect_error(rename, StatusCode::CONFLICT).await["field"],
        "name"
    );
}

async fn fields_that_break_the_rules_are_refused_with_the_field_named(app: TestApp) {
    let ana = app.new_user().await;
    let cases = [
        (json!({"name": "", "phone": "11999999999"}), "name"),
        (
            json!({"name": "x".repeat(101), "phone": "11999999999"}),
            "name",
        ),
        (json!({"name": "a\nb", "phone": "11999999999"}), "name"),
        (json!({"name": "ok", "phone": "abc"}), "phone"),
        (json!({"name": "ok", "phone": "123"}), "phone"),
        (json!({"name": "ok", "phone": "(00) 99999-9999"}), "phone"),
    ];
    for (body, field) in cases {
        let error = expect_error(
            app.post_instance(&ana, &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(error["code"], "invalid", "{body}");
        assert_eq!(error["field"], field, "{body}");
    }
    let created = app.create_instance(&ana, "Valida", "11999999999").await;
    let bad_patch = app
        .patch_instance(
            &ana,
            created["id"].as_str().unwrap(),
            &json!({"phone": "12"}),
        )
        .await;
    assert_eq!(
        expect_error(bad_patch, StatusCode::UNPROCESSABLE_ENTITY).await["field"],
        "phone"
    );

    let listed: Value = app.list_instances(&ana, "").await.json().await.unwrap();
    assert_eq!(listed["total"], 1, "nothing invalid was stored");
}
