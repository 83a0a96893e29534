//! What a person does with messages beyond sending: tries a refused one again
//! (it goes out once, and the day's counters move from failed to sent), lists
//! them by days of their own calendar, and sees which number really connected.

use crate::helpers::{TestApp, eventually, expect_error};
use crate::on_both_backends;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;
use zapfleet::domain::{Email, InstanceId, MessageKind, TimeZone, Timestamp};

on_both_backends!(
    a_refused_message_is_tried_again_and_goes_out_once,
    messages_are_listed_by_days_of_the_owners_calendar,
    the_number_that_connected_is_shown_and_flagged_when_another
);

impl TestApp {
    async fn retry(
        &self,
        user: &crate::helpers::TestUser,
        id: &str,
        message: &str,
    ) -> reqwest::Response {
        self.request(
            user,
            Method::POST,
            &format!("/api/instances/{id}/messages/{message}/retry"),
        )
        .send()
        .await
        .unwrap()
    }
}

async fn a_refused_message_is_tried_again_and_goes_out_once(app: TestApp) {
    let ana = app.new_user().await;
    let instance = app.connected_instance(&ana, "Loja Centro").await;
    let id = instance["id"].as_str().unwrap();
    app.set_delays(&ana, id, 0, 0).await;
    // The provider refuses every call for a while (a 400: final, not retried).
    app.sandbox(
        Method::PUT,
        "/sandbox/faults",
        json!({"error_rate": 1.0, "error_status": 400}),
    )
    .await;
    let queued: Value = app
        .send(
            &ana,
            id,
            json!({"to": "11977776666", "text": "Pedido 42 saiu"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let message = queued["id"].as_str().unwrap();
    eventually(
        Duration::from_secs(30),
        "the provider refused it",
        || async {
            let page = app.messages(&ana, id, "status=failed").await;
            (page["total"] == 1).then_some(())
        },
    )
    .await;
    assert_eq!(app.stats(&ana, id).await["total"]["failed"], 1);
    app.sandbox(Method::DELETE, "/sandbox/faults", json!({}))
        .await;

    // Someone else's message does not exist for Bia.
    let bia = app.new_user().await;
    expect_error(app.retry(&bia, id, message).await, StatusCode::NOT_FOUND).await;
    expect_error(
        app.retry(&ana, id, "no-such-message").await,
        StatusCode::NOT_FOUND,
    )
    .await;

    let retried = app.retry(&ana, id, message).await;
    assert_eq!(retried.status(), StatusCode::OK);
    let retried: Value = retried.json().await.unwrap();
    assert_eq!(retried["status"], "queued");
    assert_eq!(retried["attempts"], 0);
    assert_eq!(retried["error"], Value::Null);
    // A second click finds it queued (or already sent): nothing to retry.
    let again = expect_error(app.retry(&ana, id, message).await, StatusCode::CONFLICT).await;
    assert_eq!(again["field"], "status");

    app.wait_for_messages(
        &ana,
        id,
        1,
        &["sent", "delivered", "read"],
        Duration::from_secs(30),
    )
    .await;
    let twin = app.twin(&instance).await;
    assert_eq!(twin["sentCount"], 1, "sent once at the provider");
    assert_eq!(twin["sent"][0]["text"], "Pedido 42 saiu");
    let totals = app.stats(&ana, id).await["total"].clone();
    assert_eq!(
        (totals["sent"].clone(), totals["failed"].clone()),
        (json!(1), json!(0))
    );

    // A received message was never ours to send.
    let sandbox_id = twin["id"].as_str().unwrap();
    app.sandbox(
        Method::POST,
        &format!("/sandbox/instances/{sandbox_id}/incoming"),
        json!({"from": "5511977776666", "text": "Obrigado!"}),
    )
    .await;
    let received = eventually(Duration::from_secs(15), "the reply arrived", || async {
        let page = app.messages(&ana, id, "direction=in").await;
        page["items"][0]["id"].as_str().map(str::to_owned)
    })
    .await;
    expect_error(app.retry(&ana, id, &received).await, StatusCode::CONFLICT).await;
}

/// 00:03 UTC on 30/11 is the evening of 29/11 in São Paulo and the morning of
/// 30/11 in Tokyo (noon UTC is 30/11 in both): each owner's "since/until" days say so.
async fn messages_are_listed_by_days_of_the_owners_calendar(app: TestApp) {
    let evening = Timestamp::parse_rfc3339("2026-11-30T00:03:00Z").unwrap();
    let afternoon = Timestamp::parse_rfc3339("2026-11-30T12:00:00Z").unwrap();
    for (zone, on_29, on_30) in [("America/Sao_Paulo", 1, 1), ("Asia/Tokyo", 0, 2)] {
        let owner = app.new_user().await;
        let user = app
            .store
            .find_user_by_email(&Email::parse(&owner.email).unwrap())
            .await
            .unwrap()
            .unwrap()
            .id;
        app.store
            .set_time_zone(&user, &TimeZone::parse(zone).unwrap())
            .await
            .unwrap();
        let instance = app.create_instance(&owner, "Fuso", "11 98888-7777").await;
        let id = instance["id"].as_str().unwrap();
        for (n, at) in [evening, afternoon].into_iter().enumerate() {
            app.store
                .record_incoming(
                    &InstanceId::from_raw(id),
                    &format!("wa-{n}"),
                    "5511977776666",
                    MessageKind::Text,
                    Some("oi"),
                    at,
                    None,
                )
                .await
                .unwrap();
        }
        let total = |query: &'static str| {
            let app = &app;
            let owner = &owner;
            async move { app.messages(owner, id, query).await["total"].clone() }
        };
        assert_eq!(
            total("since=2026-11-29&until=2026-11-29").await,
            on_29,
            "{zone}"
        );
        assert_eq!(
            total("since=2026-11-30&until=2026-11-30").await,
            on_30,
            "{zone}"
        );
        assert_eq!(total("since=2026-11-29").await, 2, "{zone}");
        assert_eq!(total("until=2026-11-28").await, 0, "{zone}");
        assert_eq!(total("since=2026-12-01&direction=in").await, 0, "{zone}");
    }

    let owner = app.new_user().await;
    let instance = app.create_instance(&owner, "Datas", "11 98888-7777").await;
    let id = instance["id"].as_str().unwrap();
    for (query, field) in [
        ("since=30/11/2026", "since"),
        ("until=2026-13-01", "until"),
        ("since=2026-12-02&until=2026-12-01", "since"),
    ] {
        let response = app
            .request(
                &owner,
                Method::GET,
                &format!("/api/instances/{id}/messages?{query}"),
            )
            .send()
            .await
            .unwrap();
        let body = expect_error(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(body["field"], field, "{query}");
    }
}

/// The QR was scanned by another phone than the one configured: the API says
/// which number is logged in, and flags it (the page: `browser_messages`).
async fn the_number_that_connected_is_shown_and_flagged_when_another(app: TestApp) {
    let ana = app.new_user().await;
    for (name, scanned_with, differs) in [
        ("Mesmo aparelho", "5511988887777", false),
        // WhatsApp's old form of the same mobile (no ninth digit).
        ("Sem o nove", "551188887777", false),
        ("Outro aparelho", "5521977776666", true),
    ] {
        let instance = app.create_instance(&ana, name, "11 98888-7777").await;
        let id = instance["id"].as_str().unwrap();
        assert_eq!(instance["connectedPhone"], Value::Null);
        let started: Value = app
            .act(&ana, id, "connect", None)
            .await
            .json()
            .await
            .unwrap();
        let scanned = app
            .sandbox(
                Method::POST,
                "/sandbox/phone/scan",
                json!({"qrcode": started["login"]["qrcode"], "phone": scanned_with}),
            )
            .await;
        assert_eq!(scanned.status(), StatusCode::OK);
        let found = eventually(Duration::from_secs(15), "the number is known", || async {
            let body: Value = app.get_instance(&ana, id).await.json().await.unwrap();
            (body["connectedPhone"] == scanned_with).then_some(body)
        })
        .await;
        assert_eq!(found["connectedPhoneDiffers"], differs, "{name}");
    }
}
