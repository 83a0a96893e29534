//! What must outlive a change of circumstances: a user's statistics for past
//! days outlive the instance that made them (deleting it used to cascade them
//! away, so last month's totals dropped), and the provider's own time of a
//! message is kept beside ours without ever dating or counting it.

use crate::helpers::{TestApp, TestUser, eventually};
use crate::on_both_backends;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;
use zapfleet::domain::Timestamp;

on_both_backends!(stepped:
    deleting_an_instance_keeps_the_users_past_days,
    the_providers_time_is_kept_beside_ours_and_never_counted,
);

async fn overview(app: &TestApp, user: &TestUser) -> Value {
    let response = app
        .request(user, Method::GET, "/api/stats")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn send_one(app: &TestApp, user: &TestUser, id: &str, text: &str) {
    let sent = app
        .send(user, id, json!({"to": "11977776666", "text": text}))
        .await;
    assert_eq!(sent.status(), StatusCode::ACCEPTED);
}

async fn deleting_an_instance_keeps_the_users_past_days(app: TestApp) {
    let ana = app.new_user().await;
    let bia = app.new_user().await;
    let retired = app.connected_instance(&ana, "Aposentada").await;
    let kept = app.connected_instance(&ana, "Mantida").await;
    let other = app.connected_instance(&bia, "Da Bia").await;
    for (user, instance, text) in [
        (&ana, &retired, "um"),
        (&ana, &retired, "dois"),
        (&ana, &kept, "três"),
        (&bia, &other, "da bia"),
    ] {
        let id = instance["id"].as_str().unwrap();
        app.set_delays(user, id, 0, 0).await;
        send_one(&app, user, id, text).await;
    }
    zapfleet::workers::outbox::try_execute_task(&app.platform)
        .await
        .unwrap();
    let before = overview(&app, &ana).await;
    assert_eq!(before["total"]["sent"], 3, "{before}");

    let retired_id = retired["id"].as_str().unwrap();
    assert_eq!(
        app.delete_instance(&ana, retired_id).await.status(),
        StatusCode::NO_CONTENT
    );
    // A day later the deleted instance's sends still count for the day they happened.
    app.advance_clock(86_400_000);
    let after = overview(&app, &ana).await;
    assert_eq!(after["total"]["sent"], 3, "the past stays: {after}");
    assert_eq!(after["days"], before["days"], "day by day too");
    assert_eq!(
        app.request(
            &ana,
            Method::GET,
            &format!("/api/instances/{retired_id}/stats")
        )
        .send()
        .await
        .unwrap()
        .status(),
        StatusCode::NOT_FOUND,
        "the instance itself is gone"
    );
    assert_eq!(
        overview(&app, &bia).await["total"]["sent"],
        1,
        "and nobody else gets them"
    );
}

async fn the_providers_time_is_kept_beside_ours_and_never_counted(app: TestApp) {
    let ana = app.new_user().await;
    let instance = app.connected_instance(&ana, "Relógio adiantado").await;
    let id = instance["id"].as_str().unwrap();
    app.set_delays(&ana, id, 0, 0).await;
    let twin = app.twin(&instance).await;
    let ahead = 2 * 86_400_000_i64;
    app.sandbox(Method::POST, "/sandbox/clock/advance", json!({"ms": ahead}))
        .await;
    // The phone acknowledges much later: the message stays "sent" while we look.
    app.sandbox(
        Method::PUT,
        "/sandbox/faults",
        json!({"ack_delay_ms": 3_600_000}),
    )
    .await;
    let ours = app.platform.now();

    send_one(&app, &ana, id, "para o futuro").await;
    zapfleet::workers::outbox::try_execute_task(&app.platform)
        .await
        .unwrap();
    let received = app
        .sandbox(
            Method::POST,
            &format!(
                "/sandbox/instances/{}/incoming",
                twin["id"].as_str().unwrap()
            ),
            json!({"from": "5511977776666", "text": "do futuro"}),
        )
        .await;
    assert_eq!(received.status(), StatusCode::OK);
    let incoming = eventually(Duration::from_secs(5), "the incoming message", || async {
        let page = app.messages(&ana, id, "direction=in").await;
        page["items"].as_array().unwrap().first().cloned()
    })
    .await;
    let sent = app.messages(&ana, id, "direction=out").await["items"][0].clone();
    assert_eq!(sent["status"], "sent", "{sent}");

    let time = |message: &Value, field: &str| {
        Timestamp::parse_rfc3339(message[field].as_str().unwrap_or_default())
            .unwrap_or_else(|| panic!("{field} of {message}"))
    };
    for (message, ours_field) in [(&incoming, "createdAt"), (&sent, "sentAt")] {
        assert_eq!(time(message, ours_field), ours, "ours: {message}");
        let provider = time(message, "providerAt");
        assert!(
            provider.millis() >= ours.millis() + ahead - 60_000,
            "the provider's, two days ahead, beside it: {message}"
        );
    }
    // Counted today, by our clock: nothing on the provider's day.
    let stats = overview(&app, &ana).await;
    assert_eq!(stats["total"]["sent"], 1, "{stats}");
    assert_eq!(stats["total"]["received"], 1, "{stats}");
    let days: Vec<&str> = stats["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["day"].as_str().unwrap())
        .collect();
    // The user's day (their zone is the default one), not the provider's.
    let today = zapfleet::domain::TimeZone::default().day_of(ours);
    assert_eq!(days, vec![today.to_string()]);
}
