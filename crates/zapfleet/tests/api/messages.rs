//! Messages: queued at once, sent in order and paced, retried through provider
//! failures without ever being sent twice, followed to delivered and read;
//! incoming messages recorded; statistics that match the messages.

use crate::helpers::{TestApp, TestUser, eventually, expect_error};
use crate::on_both_backends;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;

on_both_backends!(
    a_message_is_queued_sent_delivered_and_read_once,
    bad_messages_are_refused_with_the_field_named,
    media_is_sent_by_url_or_uploaded,
    many_messages_over_many_instances_arrive_once_in_order_and_paced,
    provider_failures_are_retried_without_sending_twice,
    incoming_messages_are_recorded_once_and_statistics_match_the_messages,
);

impl TestApp {
    /// Sets an instance's send delays.
    pub(crate) async fn set_delays(&self, user: &TestUser, id: &str, min: u64, max: u64) {
        let response = self
            .request(user, Method::PUT, &format!("/api/instances/{id}/config"))
            .json(&json!({"messageDelayMinMs": min, "messageDelayMaxMs": max}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }

    pub(crate) async fn send(&self, user: &TestUser, id: &str, body: Value) -> reqwest::Response {
        self.request(user, Method::POST, &format!("/api/instances/{id}/messages"))
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub(crate) async fn messages(&self, user: &TestUser, id: &str, query: &str) -> Value {
        let response = self
            .request(
                user,
                Method::GET,
                &format!("/api/instances/{id}/messages?{query}"),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    /// Waits until every outgoing message of the instance is in one of `statuses`.
    pub(crate) async fn wait_for_messages(
        &self,
        user: &TestUser,
        id: &str,
        count: i64,
        statuses: &[&str],
        within: Duration,
    ) -> Vec<Value> {
        let what = format!("{count} messages {statuses:?}");
        eventually(within, &what, || async {
            let page = self.messages(user, id, "direction=out&limit=200").await;
            let items = page["items"].as_array().unwrap().clone();
            let done = items
                .iter()
                .filter(|m| statuses.contains(&m["status"].as_str().unwrap()))
                .count() as i64;
            (page["total"] == count && done == count).then_some(items)
        })
        .await
    }

    /// The instance's statistics (`GET …/stats`).
    pub(crate) async fn stats(&self, user: &TestUser, id: &str) -> Value {
        self.request(user, Method::GET, &format!("/api/instances/{id}/stats"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

async fn a_message_is_queued_sent_delivered_and_read_once(app: TestApp) {
    let ana = app.new_user().await;
    let instance = app.connected_instance(&ana, "Envia").await;
    let id = instance["id"].as_str().unwrap();
    app.set_delays(&ana, id, 0, 0).await;

    let queued = app
        .send(
            &ana,
            id,
            json!({"to": "(11) 97777-6666", "text": "Olá!", "idempotencyKey": "pedido-1"}),
        )
        .await;
    assert_eq!(queued.status(), StatusCode::ACCEPTED);
    let queued: Value = queued.json().await.unwrap();
    assert_eq!(queued["status"], "queued");
    assert_eq!(queued["peer"], "5511977776666");

    let again = app
        .send(
            &ana,
            id,
            json!({"to": "(11) 97777-6666", "text": "Olá!", "idempotencyKey": "pedido-1"}),
        )
        .await;
    assert_eq!(
        again.status(),
        StatusCode::OK,
        "the same key is the same message"
    );
    assert_eq!(again.json::<Value>().await.unwrap()["id"], queued["id"]);

    let done = app
        .wait_for_messages(&ana, id, 1, &["read"], Duration::from_secs(10))
        .await;
    assert!(done[0]["providerMessageId"].is_string());
    assert!(
        done[0]["sentAt"].is_string()
            && done[0]["deliveredAt"].is_string()
            && done[0]["readAt"].is_string()
    );
    let twin = app.twin(&instance).await;
    assert_eq!(twin["sentCount"], 1);

    let stats = app.stats(&ana, id).await;
    assert_eq!(stats["total"]["sent"], 1);
    assert_eq!(stats["total"]["delivered"], 1);
    assert_eq!(stats["total"]["read"], 1);
    assert_eq!(stats["total"]["failed"], 0);
}

async fn bad_messages_are_refused_with_the_field_named(app: TestApp) {
    let ana = app.new_user().await;
    let instance = app.create_instance(&ana, "Recusa", "11 98888-7777").await;
    let id = instance["id"].as_str().unwrap();
    for (body, field) in [
        (json!({"to": "abc", "text": "x"}), "to"),
        (json!({"to": "11977776666", "text": "  "}), "text"),
        (json!({"to": "11977776666"}), "text"),
        (
            json!({"to": "11977776666", "text": "x", "media": {"kind": "image", "url": "https://a/b.png"}}),
            "text",
        ),
        (
            json!({"to": "11977776666", "media": {"kind": "image", "url": "ftp://a/b.png"}}),
            "media",
        ),
        (
            json!({"to": "11977776666", "text": "x", "waitSeconds": 999_999}),
            "waitSeconds",
        ),
    ] {
        let error = expect_error(
            app.send(&ana, id, body.clone()).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(error["field"], field, "{body}");
    }
    let now = app
        .send(
            &ana,
            id,
            json!({"to": "11977776666", "text": "agora", "waitSeconds": 0}),
        )
        .await;
    assert_eq!(
        expect_error(now, StatusCode::CONFLICT).await["field"],
        "status",
        "not connected and no wait"
    );
    let unknown = app
        .send(
            &ana,
            id,
            json!({"to": "11977776666", "text": "x", "priority": 1}),
        )
        .await;
    expect_error(unknown, StatusCode::BAD_REQUEST).await;
    let bia = app.new_user().await;
    expect_error(
        app.send(&bia, id, json!({"to": "11977776666", "text": "x"}))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(
        app.messages(&ana, id, "").await["total"],
        0,
        "nothing stored"
    );

    let bad_delays = app
        .request(&ana, Method::PUT, &format!("/api/instances/{id}/config"))
        .json(&json!({"messageDelayMinMs": 10, "messageDelayMaxMs": 5}))
        .send()
        .await
        .unwrap();
    expect_error(bad_delays, StatusCode::UNPROCESSABLE_ENTITY).await;

    // Saved delays are pushed to uazapi's own queue settings, in seconds.
    assert_eq!(
        app.twin(&instance).await["msg_delay_max"],
        3,
        "the defaults went with provisioning"
    );
    app.set_delays(&ana, id, 2_000, 4_500).await;
    let twin = app.twin(&instance).await;
    assert_eq!(
        (
            twin["msg_delay_min"].as_u64(),
            twin["msg_delay_max"].as_u64()
        ),
        (Some(2), Some(5))
    );
}

async fn many_messages_over_many_instances_arrive_once_in_order_and_paced(app: TestApp) {
    const INSTANCES: usize = 10;
    const PER_INSTANCE: usize = 100;
    const MIN_DELAY_MS: i64 = 5;
    let ana = app.new_user().await;
    let mut instances = Vec::new();
    for i in 0..INSTANCES {
        let instance = app.connected_instance(&ana, &format!("Lote {i}")).await;
        app.set_delays(
            &ana,
            instance["id"].as_str().unwrap(),
            MIN_DELAY_MS as u64,
            15,
        )
        .await;
        instances.push(instance);
    }
    // Queue everything at once, interleaved between instances.
    let mut queued = tokio::task::JoinSet::new();
    for n in 0..PER_INSTANCE {
        for instance in &instances {
            let request = app
                .request(&ana, Method::POST, &format!("/api/instances/{}/messages", instance["id"].as_str().unwrap()))
                .json(&json!({"to": "11977776666", "text": format!("m-{n:03}"), "idempotencyKey": format!("k-{n}")}));
            queued.spawn(async move { request.send().await.unwrap().status() });
        }
        // Each instance's messages are queued in order.
        while let Some(status) = queued.join_next().await {
            assert_eq!(status.unwrap(), StatusCode::ACCEPTED);
        }
    }
    for instance in &instances {
        let id = instance["id"].as_str().unwrap();
        let items = app
            .wait_for_messages(
                &ana,
                id,
                PER_INSTANCE as i64,
                &["delivered", "read"],
                Duration::from_secs(120),
            )
            .await;
        let twin = app.twin(instance).await;
        assert_eq!(
            twin["sentCount"], PER_INSTANCE,
            "each message reached the provider"
        );
        assert_eq!(twin["sentTwice"], 0, "none twice");
        let order: Vec<&str> = twin["sent"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["text"].as_str().unwrap())
            .collect();
        let expected: Vec<String> = (0..PER_INSTANCE).map(|n| format!("m-{n:03}")).collect();
        assert_eq!(order, expected, "in order");
        let mut sent_at: Vec<i64> = items
            .iter()
            .map(|m| {
                time::OffsetDateTime::parse(
                    m["sentAt"].as_str().unwrap(),
                    &time::format_description::well_known::Rfc3339,
                )
                .unwrap()
            })
            .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
            .collect();
        sent_at.sort();
        assert!(
            sent_at.windows(2).all(|w| w[1] - w[0] >= MIN_DELAY_MS),
            "the delays were honoured"
        );
    }
}

async fn provider_failures_are_retried_without_sending_twice(app: TestApp) {
    let ana = app.new_user().await;
    let instance = app.connected_instance(&ana, "Instável").await;
    let id = instance["id"].as_str().unwrap();
    app.set_delays(&ana, id, 0, 0).await;
    // Half the calls fail before doing anything, a fifth do the work and answer 502 anyway.
    app.sandbox(
        Method::PUT,
        "/sandbox/faults",
        json!({"error_rate": 0.5, "error_status": 503, "lost_response_rate": 0.2}),
    )
    .await;
    for n in 0..30 {
        assert_eq!(
            app.send(
                &ana,
                id,
                json!({"to": "11977776666", "text": format!("r-{n:02}")})
            )
            .await
            .status(),
            StatusCode::ACCEPTED
        );
    }
    // Until the faults have bitten: some message carries a transient error.
    let errors = || async {
        let page = app.messages(&ana, id, "direction=out&limit=200").await;
        let items = page["items"].as_array().unwrap().clone();
        let finished = items
            .iter()
            .all(|m| m["status"] != "queued" && m["status"] != "sending");
        let errors: Vec<String> = items
            .iter()
            .filter_map(|m| m["error"].as_str().map(str::to_owned))
            .collect();
        (errors, finished)
    };
    eventually(Duration::from_secs(30), "a send hit a fault", || async {
        let (errors, finished) = errors().await;
        (!errors.is_empty() || finished).then_some(())
    })
    .await;
    app.sandbox(
        Method::PUT,
        "/sandbox/faults",
        json!({"error_rate": 1.0, "error_status": 429}),
    )
    .await;
    eventually(
        Duration::from_secs(30),
        "a send was rate limited",
        || async {
            let (errors, finished) = errors().await;
            (errors.iter().any(|e| e.contains("rate limited")) || finished).then_some(())
        },
    )
    .await;
    app.sandbox(Method::DELETE, "/sandbox/faults", json!({}))
        .await;

    app.wait_for_messages(
        &ana,
        id,
        30,
        &["sent", "delivered", "read"],
        Duration::from_secs(60),
    )
    .await;
    let twin = app.twin(&instance).await;
    assert_eq!(twin["sentCount"], 30);
    assert_eq!(
        twin["sentTwice"], 0,
        "lost answers were checked, not resent"
    );
    let order: Vec<&str> = twin["sent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = (0..30).map(|n| format!("r-{n:02}")).collect();
    assert_eq!(order, expected, "still in order");
}

async fn incoming_messages_are_recorded_once_and_statistics_match_the_messages(app: TestApp) {
    let ana = app.new_user().await;
    let instance = app.connected_instance(&ana, "Conversa").await;
    let id = instance["id"].as_str().unwrap();
    app.set_delays(&ana, id, 0, 0).await;
    let twin = app.twin(&instance).await;
    let twin_id = twin["id"].as_str().unwrap();

    // A seeded mix of sends and incoming messages.
    let mut seed = 0x2545_f491_u64;
    let mut sends = 0;
    let mut incoming = 0;
    for _ in 0..40 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        if seed.is_multiple_of(3) {
            let from = format!("55119{:08}", seed % 100_000_000);
            let received = app
                .sandbox(
                    Method::POST,
                    &format!("/sandbox/instances/{twin_id}/incoming"),
                    json!({"from": from, "text": "oi"}),
                )
                .await;
            assert_eq!(received.status(), StatusCode::OK);
            incoming += 1;
        } else {
            app.send(
                &ana,
                id,
                json!({"to": "11977776666", "text": format!("s-{sends}")}),
            )
            .await;
            sends += 1;
        }
    }
    app.wait_for_messages(&ana, id, sends, &["read"], Duration::from_secs(30))
        .await;
    eventually(
        Duration::from_secs(10),
        "incoming messages all recorded",
        || async {
            (app.messages(&ana, id, "direction=in").await["total"] == incoming).then_some(())
        },
    )
    .await;
    let inbox = app.messages(&ana, id, "direction=in&limit=200").await;
    assert_eq!(inbox["items"][0]["text"], "oi");
    assert_eq!(inbox["items"][0]["status"], "received");

    // Recount from the raw messages and compare with the aggregates.
    let all = app.messages(&ana, id, "limit=200").await;
    let mut recount: HashMap<&str, i64> = HashMap::new();
    for m in all["items"].as_array().unwrap() {
        let status = m["status"].as_str().unwrap();
        *recount.entry(status).or_default() += 1;
    }
    let stats = app.stats(&ana, id).await;
    let total = &stats["total"];
    let sent_like = recount.get("sent").unwrap_or(&0)
        + recount.get("delivered").unwrap_or(&0)
        + recount.get("read").unwrap_or(&0);
    assert_eq!(total["sent"], sent_like);
    assert_eq!(
        total["delivered"],
        recount.get("delivered").unwrap_or(&0) + recount.get("read").unwrap_or(&0)
    );
    assert_eq!(total["read"], *recount.get("read").unwrap_or(&0));
    assert_eq!(total["received"], *recount.get("received").unwrap_or(&0));
    assert_eq!(total["received"], incoming);

    let overview: Value = app
        .request(&ana, Method::GET, "/api/stats")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(overview["total"]["sent"], total["sent"]);
    let bad = app
        .request(
            &ana,
            Method::GET,
            &format!("/api/instances/{id}/stats?from=ontem"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        expect_error(bad, StatusCode::BAD_REQUEST).await["field"],
        "from"
    );
}

async fn media_is_sent_by_url_or_uploaded(app: TestApp) {
    let ana = app.new_user().await;
    let instance = app.connected_instance(&ana, "Mídia").await;
    let id = instance["id"].as_str().unwrap();
    app.set_delays(&ana, id, 0, 0).await;
    let png = uazapi_sandbox::qr::to_data_uri("zapfleet").unwrap();
    let by_url = app.send(&ana, id, json!({"to": "11977776666", "media": {"kind": "document", "url": "https://example.com/nota.pdf", "fileName": "nota.pdf", "caption": "sua nota"}})).await;
    assert_eq!(by_url.status(), StatusCode::ACCEPTED);
    let uploaded = app.send(&ana, id, json!({"to": "11977776666", "media": {"kind": "image", "data": png, "caption": "foto"}})).await;
    assert_eq!(uploaded.status(), StatusCode::ACCEPTED);
    let uploaded: Value = uploaded.json().await.unwrap();
    assert_eq!(
        uploaded["mediaUrl"],
        Value::Null,
        "an upload is not echoed back"
    );
    app.wait_for_messages(
        &ana,
        id,
        2,
        &["sent", "delivered", "read"],
        Duration::from_secs(10),
    )
    .await;
    let twin = app.twin(&instance).await;
    assert_eq!(twin["sentCount"], 2);
    let texts: Vec<&str> = twin["sent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["sua nota", "foto"], "captions, in order");
}
