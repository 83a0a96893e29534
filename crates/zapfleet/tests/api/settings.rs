//! Settings as a newer release or a careful user leaves them: keys this version
//! does not know are neither reset nor dropped, and webhook signing secrets are
//! sealed at rest and never shown again once saved.

use crate::helpers::{Backend, TestApp, expect_error};
use crate::on_both_backends;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::{ConnectOptions, Connection};
use std::str::FromStr;

on_both_backends!(
    webhook_secrets_are_sealed_at_rest_and_never_shown_again,
    settings_holding_keys_of_a_newer_version_keep_them_and_the_rest,
);

const SECRET: &str = "segredo-que-ninguem-le-de-volta";

/// Runs one statement of the test's own on the app's database, returning the
/// first column of every row as text.
async fn raw(app: &TestApp, sql: &str) -> Vec<String> {
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    if app.database_url.starts_with("sqlite:") {
        let mut conn = sqlx::sqlite::SqliteConnectOptions::from_str(&app.database_url)
            .unwrap()
            .connect()
            .await
            .unwrap();
        let rows: Vec<(String,)> = sqlx::query_as(sql).fetch_all(&mut conn).await.unwrap();
        rows.into_iter().map(|(t,)| t).collect()
    } else {
        let mut conn = sqlx::PgConnection::connect(&app.database_url)
            .await
            .unwrap();
        let rows: Vec<(String,)> = sqlx::query_as(sql).fetch_all(&mut conn).await.unwrap();
        rows.into_iter().map(|(t,)| t).collect()
    }
}

fn backend(app: &TestApp) -> Backend {
    if app.database_url.starts_with("sqlite:") {
        Backend::Sqlite
    } else {
        Backend::Postgres
    }
}

async fn webhook_secrets_are_sealed_at_rest_and_never_shown_again(app: TestApp) {
    let ana = app.new_user().await;
    let instance = app.create_instance(&ana, "Segredos", "11 98888-7777").await;
    let id = instance["id"].as_str().unwrap();
    let config = format!("/api/instances/{id}/config");
    let hook = json!({"forwardWebhook": {"url": "http://127.0.0.1:9/h", "events": ["message.status"], "secret": SECRET}});
    let saved = app
        .request(&ana, Method::PUT, &config)
        .json(&hook)
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), StatusCode::OK);
    let shown = saved.text().await.unwrap();
    assert!(!shown.contains(SECRET), "{shown}");
    let shown: Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(
        shown["forwardWebhook"],
        json!({"url": "http://127.0.0.1:9/h", "events": ["message.status"]})
    );
    let user_hook = app
        .request(&ana, Method::PUT, "/api/webhook")
        .json(&json!({"url": "http://127.0.0.1:9/all", "secret": SECRET}))
        .send()
        .await
        .unwrap();
    assert_eq!(user_hook.status(), StatusCode::OK);

    // Saved again without a secret: the saved one is kept, and still never shown.
    let again = app
        .request(&ana, Method::PUT, &config)
        .json(&json!({"forwardWebhook": {"url": "http://127.0.0.1:9/h2"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    for path in [
        config.clone(),
        format!("{config}/history"),
        "/api/webhook".to_owned(),
        format!("/api/instances/{id}"),
    ] {
        let text = app
            .request(&ana, Method::GET, &path)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            !text.contains(SECRET) && !text.contains("secretSealed"),
            "{path}: {text}"
        );
    }
    let stored = app
        .store
        .get_instance(
            &zapfleet::domain::UserId::from_raw(user_id(&app, &ana).await),
            &zapfleet::domain::InstanceId::from_raw(id),
        )
        .await
        .unwrap()
        .unwrap();
    let sealed = stored.settings.forward_webhook.unwrap().secret_sealed;
    assert_eq!(app.platform.secrets.decrypt(&sealed).unwrap(), SECRET);

    // At rest: nowhere in clear, sealed where it is kept, absent from versions.
    let as_text = |table: &str, column: &str| format!("SELECT CAST({column} AS TEXT) FROM {table}");
    for (table, column) in [
        ("whatsapp_instance", "config"),
        ("instance_config_history", "config"),
        ("user_webhook", "secret"),
    ] {
        let rows = raw(&app, &as_text(table, column)).await;
        assert!(!rows.is_empty());
        assert!(
            rows.iter().all(|r| !r.contains(SECRET)),
            "{table}.{column}: {rows:?}"
        );
    }
    let versions = raw(&app, &as_text("instance_config_history", "config")).await;
    assert!(
        versions.iter().all(|v| !v.contains("secretSealed")),
        "{versions:?}"
    );
    assert!(raw(&app, &as_text("user_webhook", "secret")).await[0].starts_with("v1:"));

    // A first webhook needs a secret.
    let other = app
        .create_instance(&ana, "Sem segredo", "11 98888-7776")
        .await;
    let refused = app
        .request(
            &ana,
            Method::PUT,
            &format!("/api/instances/{}/config", other["id"].as_str().unwrap()),
        )
        .json(&json!({"forwardWebhook": {"url": "http://127.0.0.1:9/h"}}))
        .send()
        .await
        .unwrap();
    let error = expect_error(refused, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(error["field"], "forwardWebhook.secret");
}

/// The id of a test user (from its instances' owner, as the API never shows it).
async fn user_id(app: &TestApp, user: &crate::helpers::TestUser) -> String {
    let email = zapfleet::domain::Email::parse(&user.email).unwrap();
    app.store
        .find_user_by_email(&email)
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string()
}

async fn settings_holding_keys_of_a_newer_version_keep_them_and_the_rest(app: TestApp) {
    let ana = app.new_user().await;
    let instance = app.create_instance(&ana, "Futuro", "11 98888-7777").await;
    let id = instance["id"].as_str().unwrap();
    let config = format!("/api/instances/{id}/config");
    let saved = app
        .request(&ana, Method::PUT, &config)
        .json(&json!({"autoReconnect": false, "forwardWebhook": {"url": "http://127.0.0.1:9/h", "secret": SECRET}}))
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), StatusCode::OK);
    // A newer release wrote a key this one does not know.
    let add = match backend(&app) {
        Backend::Sqlite => format!(
            "UPDATE whatsapp_instance SET config = json_set(config, '$.typingIndicator', json('true')) WHERE id = '{id}' RETURNING id"
        ),
        Backend::Postgres => format!(
            r#"UPDATE whatsapp_instance SET config = config || '{{"typingIndicator": true}}' WHERE id = '{id}' RETURNING id"#
        ),
    };
    assert_eq!(raw(&app, &add).await.len(), 1);

    let read: Value = app
        .request(&ana, Method::GET, &config)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read["autoReconnect"], false, "not reset to the defaults");
    assert_eq!(
        read["forwardWebhook"]["url"], "http://127.0.0.1:9/h",
        "not dropped"
    );

    let changed = app
        .request(&ana, Method::PUT, &config)
        .json(&json!({"autoReconnect": false, "messageDelayMinMs": 0, "messageDelayMaxMs": 0}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    let stored = raw(
        &app,
        &format!("SELECT CAST(config AS TEXT) FROM whatsapp_instance WHERE id = '{id}'"),
    )
    .await;
    let stored: Value = serde_json::from_str(&stored[0]).unwrap();
    assert_eq!(
        stored["typingIndicator"], true,
        "kept for the release that knows it"
    );
    assert_eq!(stored["messageDelayMaxMs"], 0);
}
