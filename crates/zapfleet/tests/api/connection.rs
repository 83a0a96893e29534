//! Instances that really come alive: provisioning at the provider, QR and pairing
//! code logins through the sandbox phone, live status over SSE, logout, drops and
//! automatic reconnects, outages, and webhooks that are forged, replayed or lost.

use crate::helpers::{TestApp, eventually, expect_error};
use crate::on_both_backends;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use zapfleet::domain::InstanceId;

on_both_backends!(
    a_created_instance_exists_once_at_the_provider_with_its_webhook,
    a_qr_scan_turns_the_instance_connected_live_within_a_second,
    a_pairing_code_connects_from_the_instances_phone,
    an_unused_qr_expires_and_the_instance_goes_back_to_disconnected,
    a_provider_outage_keeps_the_instance_and_provisions_it_later,
    a_lost_answer_from_the_provider_never_creates_the_instance_twice,
    forged_webhooks_are_refused_and_replays_change_nothing,
    the_poller_catches_up_with_lost_webhooks,
    a_reconnecting_event_stream_gets_what_it_missed,
    deleting_an_instance_deletes_it_at_the_provider_even_after_an_outage,
);

on_both_backends!(
    stepped: a_dropped_connection_comes_back_by_itself_but_a_logout_stays_out,
    automatic_reconnect_can_be_switched_off,
);

async fn a_created_instance_exists_once_at_the_provider_with_its_webhook(app: TestApp) {
    let ana = app.new_user().await;
    let instance = app
        .create_instance(&ana, "Provisionada", "11 98888-7777")
        .await;
    assert_eq!(instance["provisioning"]["state"], "ready");
    assert_eq!(instance["provisioning"]["error"], Value::Null);
    let twin = app.twin(&instance).await;
    assert_eq!(twin["status"], "disconnected");

    // The token is stored encrypted, never in clear.
    let id = InstanceId::from_raw(instance["id"].as_str().unwrap());
    let link = app.store.provider_link(&id).await.unwrap().unwrap();
    let sealed = link.token_sealed.unwrap();
    assert!(sealed.starts_with("v1:"));
    assert!(!sealed.contains(&app.provider_token(&twin).await));
    assert_eq!(link.provider_id.as_deref(), twin["id"].as_str());
}

async fn a_qr_scan_turns_the_instance_connected_live_within_a_second(app: TestApp) {
    let ana = app.new_user().await;
    let instance = app.create_instance(&ana, "Ao vivo", "11 98888-7777").await;
    let id = instance["id"].as_str().unwrap();
    let mut first_tab = app.events(&ana, None).await;
    let mut second_tab = app.events(&ana, None).await;

    let started = app
        .act(&ana, id, "connect", Some(json!({"method": "qr"})))
        .await;
    assert_eq!(started.status(), StatusCode::OK);
    let started: Value = started.json().await.unwrap();
    assert_eq!(started["instance"]["status"], "connecting");
    let qrcode = started["login"]["qrcode"].as_str().unwrap();
    assert!(qrcode.starts_with("data:image/png;base64,"));
    assert!(
        !uazapi_sandbox::qr::from_data_uri(qrcode)
            .unwrap()
            .is_empty(),
        "the QR decodes"
    );
    assert!(
        started["login"]["expiresAt"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    first_tab
        .wait_for("instance.status", Duration::from_secs(2), |d| {
            d["status"] == "connecting"
        })
        .await;

    assert_eq!(app.scan(qrcode).await, StatusCode::OK);
    let scanned_at = Instant::now();
    for tab in [&mut first_tab, &mut second_tab] {
        let event = tab
            .wait_for("instance.status", Duration::from_secs(3), |d| {
                d["status"] == "connected"
            })
            .await;
        assert_eq!(event.data["id"], id);
        assert!(event.data["lastConnection"].is_string());
    }
    assert!(
        scanned_at.elapsed() < Duration::from_secs(1),
        "pushed within a second: {:?}",
        scanned_at.elapsed()
    );

    let status = app.status(&ana, id).await;
    assert_eq!(status["instance"]["status"], "connected");
    assert!(status["instance"]["lastConnection"].is_string());
    assert_eq!(status["login"], Value::Null);
    let history = status["history"].as_array().unwrap();
    assert_eq!(history[0]["to"], "connected");
    assert_eq!(history[1]["from"], "disconnected");
    assert_eq!(history[1]["to"], "connecting");
    assert!(["user", "webhook", "poll"].contains(&history[1]["source"].as_str().unwrap()));

    let again = app.act(&ana, id, "connect", None).await;
    assert_eq!(
        expect_error(again, StatusCode::CONFLICT).await["field"],
        "status"
    );

    // The provider's profile name follows right after (webhooks do not carry it).
    let named = first_tab
        .wait_for("instance.updated", Duration::from_secs(3), |d| {
            d["id"] == id && d["profileName"].is_string()
        })
        .await;
    assert!(
        named.data["profileName"]
            .as_str()
            .unwrap()
            .starts_with("Sandbox")
    );
    assert_eq!(
        app.status(&ana, id).await["instance"]["profileName"],
        named.data["profileName"]
    );
}

async fn a_pairing_code_connects_from_the_instances_phone(app: TestApp) {
    let ana = app.new_user().await;
    let instance = app
        .create_instance(&ana, "Com código", "+55 11 91234-5678")
        .await;
    let id = instance["id"].as_str().unwrap();
    let started: Value = app
        .act(&ana, id, "connect", Some(json!({"method": "code"})))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(started["instance"]["status"], "connecting");
    let code = started["login"]["paircode"].as_str().unwrap();
    assert_eq!(code.len(), 9);
    assert_eq!(started["login"]["qrcode"], Value::Null);

    let paired = app
        .sandbox(
            Method::POST,
            "/sandbox/phone/pair",
            json!({"paircode": code, "phone": "5511912345678"}),
        )
        .await;
    assert_eq!(paired.status(), StatusCode::OK);
    let status = app
        .wait_for_status(&ana, id, "connected", Duration::from_secs(5))
        .await;
    assert!(
        status["instance"]["profileName"].is_string()
            || status["instance"]["profileName"].is_null()
    );

    let bad = app
        .act(&ana, id, "connect", Some(json!({"method": "fax"})))
        .await;
    expect_error(bad, StatusCode::BAD_REQUEST).await;
}

async fn an_unused_qr_expires_and_the_instance_goes_back_to_disconnected(app: TestApp) {
    let ana = app.new_user().await;
    let instance = app.create_instance(&ana, "Expira", "11 98888-7777").await;
    let id = instance["id"].as_str().unwrap();
    let mut events = app.events(&ana, None).await;
    let started: Value = app
        .act(&ana, id, "connect", None)
        .await
        .json()
        .await
        .unwrap();
    let first_qr = started["login"]["qrcode"].as_str().unwrap().to_owned();

    // 20 s later the provider shows a new QR, pushed to the page.
    app.sandbox(
        Method::POST,
        "/sandbox/clock/advance",
        json!({"ms": 20_000}),
    )
    .await;
    let rotated = events
        .wait_for("instance.qrcode", Duration::from_secs(3), |d| {
            d["qrcode"] != first_qr.as_str()
        })
        .await;
    assert_eq!(
        app.status(&ana, id).await["login"]["qrcode"],
        rotated.data["qrcode"]
    );

    app.sandbox(
        Method::POST,
        "/sandbox/clock/advance",
        json!({"ms": 100_000}),
    )
    .await;
    events
        .wait_for("instance.status", Duration::from_secs(3), |d| {
            d["status"] == "disconnected"
        })
        .await;
    let status = app.status(&ana, id).await;
    assert_eq!(status["instance"]["status"], "disconnected");
    assert_eq!(status["login"], Value::Null);
    assert_eq!(
        app.scan(rotated.data["qrcode"].as_str().unwrap()).await,
        StatusCode::NOT_FOUND
    );
}

/// Ten minutes: longer than any reconnect backoff (capped at five).
const LONG_AFTER: i64 = 600_000;

async fn a_dropped_connection_comes_back_by_itself_but_a_logout_stays_out(app: TestApp) {
    let ana = app.new_user().await;
    let instance = app.connected_instance(&ana, "Volta sozinha").await;
    let id = instance["id"].as_str().unwrap();
    let twin = app.twin(&instance).await;
    let mut events = app.events(&ana, None).await;

    let dropped = app
        .sandbox(
            Method::POST,
            &format!("/sandbox/instances/{}/drop", twin["id"].as_str().unwrap()),
            json!({"reason": "sinal fraco"}),
        )
        .await;
    assert_eq!(dropped.status(), StatusCode::OK);
    let down = events
        .wait_for("instance.status", Duration::from_secs(3), |d| {
            d["status"] == "disconnected"
        })
        .await;
    assert_eq!(down.data["reason"], "sinal fraco");
    // The first attempt waits about two seconds (±20 %): not due yet.
    assert_eq!(app.step_reconnector().await, 0);
    app.advance_clock(2_500);
    assert_eq!(app.step_reconnector().await, 1);
    // Only a connect brings a dropped sandbox instance back: the reconnector's.
    events
        .wait_for("instance.status", Duration::from_secs(5), |d| {
            d["status"] == "connected"
        })
        .await;

    let out = app.act(&ana, id, "disconnect", None).await;
    assert_eq!(out.status(), StatusCode::OK);
    let out: Value = out.json().await.unwrap();
    assert_eq!(out["instance"]["status"], "disconnected");
    app.advance_clock(LONG_AFTER);
    assert_eq!(
        app.step_reconnector().await,
        0,
        "a logout is never reconnected"
    );
    let status = app.status(&ana, id).await;
    assert_eq!(status["instance"]["status"], "disconnected");
    // The user's request or the provider's webhook about it, whichever came first.
    let reason = status["history"][0]["reason"].as_str().unwrap();
    assert!(
        ["logout requested by the user", "401: logged out by the API"].contains(&reason),
        "{reason}"
    );
    assert_eq!(app.twin(&instance).await["status"], "disconnected");

    // The user reconnects by hand: a new QR, since a logout ends the session.
    let again: Value = app
        .act(&ana, id, "reconnect", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["instance"]["status"], "connecting");
    assert!(again["login"]["qrcode"].is_string());
}

async fn automatic_reconnect_can_be_switched_off(app: TestApp) {
    let ana = app.new_user().await;
    let instance = app.connected_instance(&ana, "Sem volta").await;
    let id = instance["id"].as_str().unwrap();
    let config = app
        .request(&ana, Method::PUT, &format!("/api/instances/{id}/config"))
        .json(&json!({"autoReconnect": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(config.status(), StatusCode::OK);
    let read: Value = app
        .request(&ana, Method::GET, &format!("/api/instances/{id}/config"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read["autoReconnect"], false);
    assert_eq!(
        read["messageDelayMinMs"], 1000,
        "the other settings keep their defaults"
    );

    let twin = app.twin(&instance).await;
    app.sandbox(
        Method::POST,
        &format!("/sandbox/instances/{}/drop", twin["id"].as_str().unwrap()),
        json!({}),
    )
    .await;
    app.wait_for_status(&ana, id, "disconnected", Duration::from_secs(5))
        .await;
    app.advance_clock(LONG_AFTER);
    assert_eq!(app.step_reconnector().await, 0);
    assert_eq!(
        app.status(&ana, id).await["instance"]["status"],
        "disconnected"
    );
    assert_eq!(app.twin(&instance).await["status"], "disconnected");
}

async fn a_provider_outage_keeps_the_instance_and_provisions_it_later(app: TestApp) {
    let ana = app.new_user().await;
    app.sandbox(
        Method::PUT,
        "/sandbox/faults",
        json!({"error_rate": 1.0, "error_status": 503}),
    )
    .await;
    let instance = app
        .create_instance(&ana, "Durante a queda", "11 98888-7777")
        .await;
    let id = instance["id"].as_str().unwrap();
    assert_eq!(instance["provisioning"]["state"], "pending");
    assert!(
        instance["provisioning"]["error"]
            .as_str()
            .unwrap()
            .contains("503")
    );

    let refused = app.act(&ana, id, "connect", None).await;
    let error = expect_error(refused, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(error["code"], "provider_unavailable");
    assert_eq!(
        app.get_instance(&ana, id).await.status(),
        StatusCode::OK,
        "the instance is kept"
    );

    app.sandbox(Method::DELETE, "/sandbox/faults", json!({}))
        .await;
    app.wait_until_provisioned(&ana, id).await;
    app.twin(&instance).await;
    let started = app.act(&ana, id, "connect", None).await;
    assert_eq!(started.status(), StatusCode::OK);
}

async fn a_lost_answer_from_the_provider_never_creates_the_instance_twice(app: TestApp) {
    let ana = app.new_user().await;
    // The provider does the work but a gateway answers 502: we cannot know it worked.
    app.sandbox(
        Method::PUT,
        "/sandbox/faults",
        json!({"lost_response_rate": 1.0, "error_status": 502}),
    )
    .await;
    let instance = app
        .create_instance(&ana, "Resposta perdida", "11 98888-7777")
        .await;
    let id = instance["id"].as_str().unwrap();
    assert_eq!(instance["provisioning"]["state"], "pending");
    assert_eq!(
        app.twins(&instance).await.len(),
        1,
        "it was created at the provider all the same"
    );

    app.sandbox(Method::DELETE, "/sandbox/faults", json!({}))
        .await;
    app.wait_until_provisioned(&ana, id).await;
    assert_eq!(
        app.twins(&instance).await.len(),
        1,
        "the retry adopted it instead of creating another"
    );
    let started = app.act(&ana, id, "connect", None).await;
    assert_eq!(started.status(), StatusCode::OK);
}

async fn forged_webhooks_are_refused_and_replays_change_nothing(app: TestApp) {
    let ana = app.new_user().await;
    let instance = app.connected_instance(&ana, "Webhooks").await;
    let id = instance["id"].as_str().unwrap();
    let (url, token) = app.webhook_of(id).await;
    let event = |token: &str, status: &str| {
        json!({"EventType": "connection", "BaseUrl": "x", "instanceName": "n", "owner": "5511988887777",
               "token": token, "instance": {"name": "n", "status": status}})
    };

    let unknown = app
        .client
        .post(app.url("/api/webhooks/uazapi/not-the-secret"))
        .json(&event(&token, "disconnected"))
        .send()
        .await
        .unwrap();
    expect_error(unknown, StatusCode::UNAUTHORIZED).await;
    let wrong_token = app
        .client
        .post(&url)
        .json(&event("someone-else", "disconnected"))
        .send()
        .await
        .unwrap();
    expect_error(wrong_token, StatusCode::UNAUTHORIZED).await;
    let garbage = app
        .client
        .post(&url)
        .body("{\"EventType\": 5")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    expect_error(garbage, StatusCode::BAD_REQUEST).await;
    let odd_state = app
        .client
        .post(&url)
        .json(&event(&token, "hacked"))
        .send()
        .await
        .unwrap();
    expect_error(odd_state, StatusCode::BAD_REQUEST).await;
    assert_eq!(
        app.status(&ana, id).await["instance"]["status"],
        "connected",
        "nothing forged got in"
    );

    // The provider's own event, delivered three times: recorded once.
    for _ in 0..3 {
        let accepted = app
            .client
            .post(&url)
            .json(&event(&token, "connected"))
            .send()
            .await
            .unwrap();
        assert_eq!(accepted.status(), StatusCode::NO_CONTENT);
    }
    let status = app.status(&ana, id).await;
    assert_eq!(status["instance"]["status"], "connected");
    let to_connected = status["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["to"] == "connected")
        .count();
    assert_eq!(to_connected, 1, "a replayed event is recorded once");
}

async fn the_poller_catches_up_with_lost_webhooks(app: TestApp) {
    let ana = app.new_user().await;
    let instance = app
        .create_instance(&ana, "Sem webhook", "11 98888-7777")
        .await;
    let id = instance["id"].as_str().unwrap();
    app.sandbox(Method::PUT, "/sandbox/faults", json!({"webhook_loss": 1.0}))
        .await;
    let started: Value = app
        .act(&ana, id, "connect", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        app.scan(started["login"]["qrcode"].as_str().unwrap()).await,
        StatusCode::OK
    );
    let status = app
        .wait_for_status(&ana, id, "connected", Duration::from_secs(5))
        .await;
    assert_eq!(status["history"][0]["source"], "poll");
}

async fn a_reconnecting_event_stream_gets_what_it_missed(app: TestApp) {
    let ana = app.new_user().await;
    let mut events = app.events(&ana, None).await;
    let first = app.create_instance(&ana, "Antes", "11 98888-7777").await;
    let seen = events
        .wait_for("instance.created", Duration::from_secs(3), |d| {
            d["id"] == first["id"]
        })
        .await;
    drop(events);

    let missed = app.create_instance(&ana, "Durante", "11 98888-7776").await;
    let bia = app.new_user().await;
    app.create_instance(&bia, "De outra pessoa", "11 98888-7775")
        .await;

    let mut resumed = app.events(&ana, Some(seen.id)).await;
    let event = resumed
        .wait_for("instance.created", Duration::from_secs(3), |_| true)
        .await;
    assert_eq!(
        event.data["id"], missed["id"],
        "the first event after the resume point, and only mine"
    );
    assert!(event.id > seen.id);
}

async fn deleting_an_instance_deletes_it_at_the_provider_even_after_an_outage(app: TestApp) {
    let ana = app.new_user().await;
    let kept = app
        .create_instance(&ana, "Apagada já", "11 98888-7777")
        .await;
    assert_eq!(
        app.delete_instance(&ana, kept["id"].as_str().unwrap())
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert!(app.twins(&kept).await.is_empty());

    let later = app
        .create_instance(&ana, "Apagada depois", "11 98888-7776")
        .await;
    app.sandbox(
        Method::PUT,
        "/sandbox/faults",
        json!({"error_rate": 1.0, "error_status": 502}),
    )
    .await;
    assert_eq!(
        app.delete_instance(&ana, later["id"].as_str().unwrap())
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    expect_error(
        app.get_instance(&ana, later["id"].as_str().unwrap()).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    app.sandbox(Method::DELETE, "/sandbox/faults", json!({}))
        .await;
    eventually(
        Duration::from_secs(15),
        "the owed deletion made at the provider",
        || async { app.twins(&later).await.is_empty().then_some(()) },
    )
    .await;
}
