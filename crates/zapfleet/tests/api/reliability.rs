//! Faults that used to leave an instance or a message stuck, or send twice: a
//! login is polled often from the moment it starts, a drop the provider knew
//! as a session is reconnected even if we never heard it had connected, a 429
//! that came after the provider did the work is settled, not resent, and a
//! stop is not held up by open live streams.

use crate::helpers::TestApp;
use crate::on_both_backends;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::Duration;
use zapfleet::domain::InstanceId;

on_both_backends!(stepped:
    a_login_is_polled_at_once_even_after_a_poll_put_it_off,
    a_drop_after_a_lost_connected_webhook_is_still_reconnected,
    a_rate_limit_after_the_work_is_settled_at_the_provider_not_sent_again,
    a_disabled_accounts_instances_stop_sending_and_polling_until_re_enabled,
    waiting_for_a_session_is_not_counted_as_an_attempt,
    a_provider_clock_days_ahead_does_not_date_our_messages,
    wait_seconds_count_only_time_not_connected,
);
on_both_backends!(a_stop_ends_the_live_streams_and_the_server_exits);

async fn due_polls(app: &TestApp) -> Vec<InstanceId> {
    app.store.due_polls(app.platform.now(), 100).await.unwrap()
}

async fn a_login_is_polled_at_once_even_after_a_poll_put_it_off(app: TestApp) {
    let ana = app.new_user().await;
    let instance = app
        .create_instance(&ana, "Loja Centro", "11 98888-7777")
        .await;
    let id = InstanceId::from_raw(instance["id"].as_str().unwrap().to_owned());
    // A poll saw it disconnected and put the next one minutes away.
    let later = app.platform.now().plus_millis(5 * 60_000);
    app.store.set_next_poll(&id, later).await.unwrap();
    assert!(!due_polls(&app).await.contains(&id));

    let started = app.act(&ana, id.as_str(), "connect", None).await;
    assert_eq!(started.status(), StatusCode::OK);
    assert!(
        due_polls(&app).await.contains(&id),
        "connect brings the poll forward: the login's webhooks may be lost"
    );
}

async fn a_drop_after_a_lost_connected_webhook_is_still_reconnected(app: TestApp) {
    let ana = app.new_user().await;
    let instance = app.create_instance(&ana, "Perdida", "11 98888-7777").await;
    let id = instance["id"].as_str().unwrap();
    let started: serde_json::Value = app
        .act(&ana, id, "connect", None)
        .await
        .json()
        .await
        .unwrap();
    // Every webhook is lost from here: we will not hear of the connection nor the drop.
    app.sandbox(Method::PUT, "/sandbox/faults", json!({"webhook_loss": 1.0}))
        .await;
    assert_eq!(
        app.scan(started["login"]["qrcode"].as_str().unwrap()).await,
        StatusCode::OK
    );
    let twin = app.twin(&instance).await;
    let dropped = app
        .sandbox(
            Method::POST,
            &format!("/sandbox/instances/{}/drop", twin["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_eq!(dropped.status(), StatusCode::OK);
    assert_eq!(
        app.status(&ana, id).await["instance"]["status"],
        "connecting"
    );
    app.sandbox(Method::DELETE, "/sandbox/faults", json!({}))
        .await;

    // The poll finds it disconnected; the provider still knows its number.
    zapfleet::workers::poller::try_execute_task(&app.platform)
        .await
        .unwrap();
    assert_eq!(
        app.status(&ana, id).await["instance"]["status"],
        "disconnected"
    );
    app.advance_clock(10_000);
    assert_eq!(app.step_reconnector().await, 1, "a reconnect was scheduled");
    app.wait_for_status(&ana, id, "connected", Duration::from_secs(5))
        .await;
}

async fn a_rate_limit_after_the_work_is_settled_at_the_provider_not_sent_again(app: TestApp) {
    let ana = app.new_user().await;
    let instance = app.connected_instance(&ana, "Limitada").await;
    let id = instance["id"].as_str().unwrap();
    app.set_delays(&ana, id, 0, 0).await;
    let step = || async {
        zapfleet::workers::outbox::try_execute_task(&app.platform)
            .await
            .unwrap();
    };
    // A gateway that lets every call through and then answers 429 (Retry-After: 1).
    app.sandbox(
        Method::PUT,
        "/sandbox/faults",
        json!({"lost_response_rate": 1.0, "error_status": 429}),
    )
    .await;
    let sent = app
        .send(&ana, id, json!({"to": "11977776666", "text": "uma vez só"}))
        .await;
    assert_eq!(sent.status(), StatusCode::ACCEPTED);
    step().await;
    let page = app.messages(&ana, id, "direction=out").await;
    assert!(
        page["items"][0]["error"]
            .as_str()
            .is_some_and(|e| e.contains("rate limited")),
        "{page}"
    );
    // Past the wait it asked for, still limited: checked, never sent again.
    for _ in 0..3 {
        app.advance_clock(65_000);
        step().await;
    }
    assert_eq!(app.twin(&instance).await["sentTwice"], 0);

    app.sandbox(Method::DELETE, "/sandbox/faults", json!({}))
        .await;
    app.advance_clock(10 * 60_000);
    step().await;
    let page = app.messages(&ana, id, "direction=out").await;
    let status = page["items"][0]["status"].as_str().unwrap();
    assert!(["sent", "delivered", "read"].contains(&status), "{page}");
    let twin = app.twin(&instance).await;
    assert_eq!(twin["sentCount"], 1);
    assert_eq!(
        twin["sentTwice"], 0,
        "a 429 is checked at the provider, not resent"
    );
}

async fn a_stop_ends_the_live_streams_and_the_server_exits(mut app: TestApp) {
    let ana = app.new_user().await;
    let mut streams = Vec::new();
    for _ in 0..3 {
        streams.push(app.events(&ana, None).await);
    }
    // SIGTERM does this: before, the server waited for the browsers forever.
    assert!(
        app.stop(Duration::from_secs(5)).await,
        "the server exits with streams open"
    );
    for stream in &mut streams {
        assert!(
            stream.next(Duration::from_secs(1)).await.is_none(),
            "the stream ended"
        );
    }
}

async fn a_disabled_accounts_instances_stop_sending_and_polling_until_re_enabled(app: TestApp) {
    let ana = app.new_user().await;
    let instance = app.connected_instance(&ana, "Pausada").await;
    let id = instance["id"].as_str().unwrap();
    app.set_delays(&ana, id, 0, 0).await;
    let queued = app
        .send(&ana, id, json!({"to": "11977776666", "text": "depois"}))
        .await;
    assert_eq!(queued.status(), StatusCode::ACCEPTED);
    let email = zapfleet::domain::Email::parse(&ana.email).unwrap();
    let user = app.store.find_user_by_email(&email).await.unwrap().unwrap();
    let now = app.platform.now();
    assert!(
        app.store
            .set_user_disabled(&user.id, true, now)
            .await
            .unwrap()
    );

    let step_outbox = || async {
        zapfleet::workers::outbox::try_execute_task(&app.platform)
            .await
            .unwrap();
    };
    // Within the message's wait (300 s by default), past every poll interval.
    app.advance_clock(60_000);
    step_outbox().await;
    let polled = zapfleet::workers::poller::try_execute_task(&app.platform)
        .await
        .unwrap();
    assert_eq!(polled, 0, "a disabled account's instances are not polled");
    assert_eq!(app.twin(&instance).await["sentCount"], 0, "nor send");

    let now = app.platform.now();
    assert!(
        app.store
            .set_user_disabled(&user.id, false, now)
            .await
            .unwrap()
    );
    step_outbox().await;
    assert_eq!(
        app.twin(&instance).await["sentCount"],
        1,
        "re-enabled, it goes on"
    );
}

async fn waiting_for_a_session_is_not_counted_as_an_attempt(app: TestApp) {
    let ana = app.new_user().await;
    let instance = app.connected_instance(&ana, "Sem sessão").await;
    let id = instance["id"].as_str().unwrap();
    app.set_delays(&ana, id, 0, 0).await;
    // The session drops and we do not hear of it: the provider answers 401.
    app.sandbox(Method::PUT, "/sandbox/faults", json!({"webhook_loss": 1.0}))
        .await;
    let twin = app.twin(&instance).await;
    let dropped = app
        .sandbox(
            Method::POST,
            &format!("/sandbox/instances/{}/drop", twin["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_eq!(dropped.status(), StatusCode::OK);
    let queued = app
        .send(&ana, id, json!({"to": "11977776666", "text": "espera"}))
        .await;
    assert_eq!(queued.status(), StatusCode::ACCEPTED);
    for _ in 0..5 {
        zapfleet::workers::outbox::try_execute_task(&app.platform)
            .await
            .unwrap();
        app.advance_clock(2_000);
    }
    let page = app.messages(&ana, id, "direction=out").await;
    let message = &page["items"][0];
    assert_eq!(message["status"], "queued", "{page}");
    assert!(message["error"].as_str().is_some(), "it did try: {page}");
    assert_eq!(message["attempts"], 0, "no try was counted: {page}");
}

async fn a_provider_clock_days_ahead_does_not_date_our_messages(app: TestApp) {
    let ana = app.new_user().await;
    let instance = app.connected_instance(&ana, "Relógio").await;
    let id = instance["id"].as_str().unwrap();
    let twin = app.twin(&instance).await;
    app.sandbox(
        Method::POST,
        "/sandbox/clock/advance",
        json!({"ms": 2 * 86_400_000_i64}),
    )
    .await;
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
    let message = crate::helpers::eventually(Duration::from_secs(5), "the message", || async {
        let page = app.messages(&ana, id, "direction=in").await;
        page["items"].as_array().unwrap().first().cloned()
    })
    .await;
    let at = zapfleet::domain::Timestamp::parse_rfc3339(message["createdAt"].as_str().unwrap());
    assert_eq!(
        at,
        Some(app.platform.now()),
        "dated by our clock: {message}"
    );
}

async fn wait_seconds_count_only_time_not_connected(app: TestApp) {
    let ana = app.new_user().await;
    let instance = app.connected_instance(&ana, "Fila longa").await;
    let id = instance["id"].as_str().unwrap();
    app.set_delays(&ana, id, 10_000, 10_000).await;
    let send = |text: String| {
        let app = &app;
        let ana = &ana;
        async move {
            let body = json!({"to": "11977776666", "text": text, "waitSeconds": 20});
            let sent = app.send(ana, id, body).await;
            assert_eq!(sent.status(), StatusCode::ACCEPTED);
        }
    };
    let step = || async {
        zapfleet::workers::outbox::try_execute_task(&app.platform)
            .await
            .unwrap();
    };
    let statuses = || async {
        let page = app.messages(&ana, id, "direction=out&limit=50").await;
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["status"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    // Five messages paced 10 s apart on a connected instance: 40 s of queue,
    // more than their 20 s wait, and none fails.
    for n in 0..5 {
        send(format!("fila-{n}")).await;
    }
    for _ in 0..6 {
        step().await;
        app.advance_clock(10_001);
    }
    assert!(
        !statuses().await.contains(&"failed".to_owned()),
        "{:?}",
        statuses().await
    );
    assert_eq!(app.twin(&instance).await["sentCount"], 5);

    // Dropped: the wait counts from the drop.
    send("depois da queda".into()).await;
    let twin = app.twin(&instance).await;
    app.sandbox(
        Method::POST,
        &format!("/sandbox/instances/{}/drop", twin["id"].as_str().unwrap()),
        json!({}),
    )
    .await;
    app.wait_for_status(&ana, id, "disconnected", Duration::from_secs(5))
        .await;
    app.advance_clock(15_000);
    step().await;
    assert_eq!(statuses().await[0], "queued", "15 s of the 20 s wait");
    app.advance_clock(6_000);
    step().await;
    assert_eq!(statuses().await[0], "failed", "the wait is over");
}
