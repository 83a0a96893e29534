//! Receipts lost on the way (webhooks dropped, or posted while we were down)
//! used to leave messages `sent` or `delivered` forever. The receipts worker
//! looks recent ones up with `/message/find` by our id, a bounded batch per
//! pass, and applies what the provider says: statuses converge, counters
//! equal a recount, nothing is sent again.

use crate::helpers::TestApp;
use crate::on_both_backends;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use zapfleet::workers::receipts;

on_both_backends!(stepped: receipts_lost_on_the_way_are_fetched_a_batch_at_a_time);

async fn receipts_lost_on_the_way_are_fetched_a_batch_at_a_time(app: TestApp) {
    let ana = app.new_user().await;
    let instance = app.connected_instance(&ana, "Recibos").await;
    let id = instance["id"].as_str().unwrap();
    app.set_delays(&ana, id, 0, 0).await;
    app.sandbox(Method::PUT, "/sandbox/faults", json!({"webhook_loss": 1.0}))
        .await;
    for n in 0..3 {
        let body = json!({"to": "11977776666", "text": format!("recibo {n}")});
        assert_eq!(
            app.send(&ana, id, body).await.status(),
            StatusCode::ACCEPTED
        );
    }
    zapfleet::workers::outbox::try_execute_task(&app.platform)
        .await
        .unwrap();
    // The phone reads them all; every receipt's webhook is lost.
    app.sandbox(Method::POST, "/sandbox/clock/advance", json!({"ms": 5_000}))
        .await;
    let statuses = || async {
        let page = app.messages(&ana, id, "direction=out").await;
        let mut all: Vec<String> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["status"].as_str().unwrap().to_owned())
            .collect();
        all.sort();
        all
    };
    assert_eq!(statuses().await, ["sent", "sent", "sent"]);

    assert_eq!(
        receipts::check(&app.platform, 2).await.unwrap(),
        0,
        "not before the webhooks had their chance"
    );
    app.advance_clock(receipts::GRACE_MS + 1_000);
    assert_eq!(
        receipts::check(&app.platform, 2).await.unwrap(),
        2,
        "a batch"
    );
    assert_eq!(statuses().await, ["read", "read", "sent"]);
    assert_eq!(receipts::check(&app.platform, 2).await.unwrap(), 1);
    assert_eq!(statuses().await, ["read", "read", "read"]);
    assert_eq!(
        receipts::check(&app.platform, 2).await.unwrap(),
        0,
        "read messages are done"
    );

    let stats: Value = app
        .request(&ana, Method::GET, &format!("/api/instances/{id}/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for counter in ["sent", "delivered", "read"] {
        assert_eq!(stats["total"][counter], 3, "{counter}: {stats}");
    }
    let twin = app.twin(&instance).await;
    assert_eq!(twin["sentCount"], 3);
    assert_eq!(twin["sentTwice"], 0);
}
