//! The fault suite's provider chaos: the real workers against the sandbox
//! over real sockets while it is slow, answers 5xx and 429, does the work and
//! loses the answer, loses webhooks and drops connections. It ends, as every
//! fault test of the suite does where it applies, by checking that every
//! message is at the provider exactly once, our statuses agree with the
//! provider's, the daily counters equal a recount of the messages, and
//! SQLite's `integrity_check` is clean.
//!
//! `cargo test` runs a bounded form (3 instances × 8 messages); with
//! `ZAPFLEET_FAULTS_LONG=1`, a long one (12 × 60, and more drops). The other
//! fault tests: `restart` (SIGKILL loops, both databases), `disk_full`,
//! `provider_lost`, `receipt_reconciliation`, `reliability` (lost webhooks,
//! 429 after the work, SIGTERM with open streams).

use crate::helpers::{TestApp, TestUser, assert_sqlite_intact, eventually};
use crate::on_both_backends;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

on_both_backends!(provider_chaos_sends_every_message_exactly_once_and_converges);

/// How big a run is.
struct Size {
    instances: usize,
    messages: usize,
    drops: usize,
    /// How long everything may take to settle once the faults stop.
    settle: Duration,
}

fn size() -> Size {
    if std::env::var("ZAPFLEET_FAULTS_LONG").is_ok_and(|v| v == "1") {
        Size {
            instances: 12,
            messages: 60,
            drops: 12,
            settle: Duration::from_secs(300),
        }
    } else {
        Size {
            instances: 3,
            messages: 8,
            drops: 2,
            settle: Duration::from_secs(90),
        }
    }
}

async fn faults(app: &TestApp, body: Value) {
    let set = app.sandbox(Method::PUT, "/sandbox/faults", body).await;
    assert_eq!(set.status(), StatusCode::OK);
}

async fn out_messages(app: &TestApp, user: &TestUser, id: &str) -> Vec<Value> {
    let page = app.messages(user, id, "direction=out&limit=200").await;
    page["items"].as_array().unwrap().clone()
}

async fn provider_chaos_sends_every_message_exactly_once_and_converges(app: TestApp) {
    let size = size();
    let ana = app.new_user().await;
    let mut instances = Vec::new();
    for n in 0..size.instances {
        let instance = app.connected_instance(&ana, &format!("Caos {n}")).await;
        app.set_delays(&ana, instance["id"].as_str().unwrap(), 0, 0)
            .await;
        instances.push(instance);
    }

    // Everything at once: slow, 5xx, answers lost after the work, webhooks lost.
    faults(
        &app,
        json!({"latency_ms": 15, "error_rate": 0.15, "error_status": 503,
               "lost_response_rate": 0.1, "webhook_loss": 0.3}),
    )
    .await;
    for round in 0..size.messages {
        for instance in &instances {
            let id = instance["id"].as_str().unwrap();
            let body = json!({"to": "11977776666", "text": format!("caos {round}"),
                              "idempotencyKey": format!("{id}-{round}")});
            // The API itself never fails under provider chaos.
            assert_eq!(
                app.send(&ana, id, body).await.status(),
                StatusCode::ACCEPTED
            );
        }
        if round == size.messages / 3 {
            // A gateway that does the work and answers 429.
            faults(
                &app,
                json!({"latency_ms": 5, "error_rate": 0.1, "error_status": 429,
                       "lost_response_rate": 0.1, "webhook_loss": 0.3}),
            )
            .await;
        }
        if round % (size.messages / size.drops.max(1)).max(1) == 0 {
            let instance = &instances[round % instances.len()];
            let twin = app.twin(instance).await;
            app.sandbox(
                Method::POST,
                &format!("/sandbox/instances/{}/drop", twin["id"].as_str().unwrap()),
                json!({}),
            )
            .await;
        }
    }
    app.sandbox(Method::DELETE, "/sandbox/faults", json!({}))
        .await;

    // Every message settles as sent (or further), none failed, none twice.
    for instance in &instances {
        let id = instance["id"].as_str().unwrap();
        eventually(size.settle, "every message sent", || async {
            let all = out_messages(&app, &ana, id).await;
            all.iter()
                .all(|m| ["sent", "delivered", "read"].contains(&m["status"].as_str().unwrap()))
                .then_some(())
        })
        .await;
        let twin = app.twin(instance).await;
        assert_eq!(twin["sentTwice"], 0, "exactly once: {twin}");
        assert_eq!(twin["sentCount"], size.messages, "all of them: {twin}");
    }

    // Statuses agree with the provider's (drops reconnected, lost webhooks polled).
    eventually(Duration::from_secs(30), "statuses agree", || async {
        for instance in &instances {
            let ours = app.status(&ana, instance["id"].as_str().unwrap()).await;
            let theirs = app.twin(instance).await;
            if ours["instance"]["status"] != theirs["status"] {
                return None;
            }
        }
        Some(())
    })
    .await;

    // The counters equal a recount of the messages. Receipts may still be on
    // their way between the two reads, so both are read again until they agree
    // (a receipt counted twice would never agree).
    for instance in &instances {
        let id = instance["id"].as_str().unwrap();
        eventually(
            Duration::from_secs(15),
            "counters equal a recount",
            || async {
                let all = out_messages(&app, &ana, id).await;
                let stats: Value = app
                    .request(&ana, Method::GET, &format!("/api/instances/{id}/stats"))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                let count = |field: &str| all.iter().filter(|m| !m[field].is_null()).count();
                let total = &stats["total"];
                (total["sent"] == count("sentAt")
                    && total["delivered"] == count("deliveredAt")
                    && total["read"] == count("readAt")
                    && total["failed"] == 0)
                    .then_some(())
            },
        )
        .await;
    }

    assert_sqlite_intact(&app.database_url).await;
}
