//! Forward webhooks: every event reaches the user's URL, signed, even when the
//! receiver fails for a while; dead letters can be replayed; internal URLs are
//! refused.

use crate::helpers::{
    Backend, REFUSE_PRIVATE_WEBHOOKS, TestApp, eventually, expect_error, spawn_app,
};
use crate::on_both_backends;
use axum::http::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

on_both_backends!(
    events_reach_the_users_url_signed_even_after_it_failed_for_a_while,
    dead_letters_can_be_replayed,
    an_instances_own_webhook_gets_its_events_and_settings_keep_their_history,
);

const SECRET: &str = "um segredo bem comprido";

/// A receiver that answers 500 to its first `failures` requests, then 200, and
/// keeps what it accepted.
#[derive(Clone, Default)]
struct Receiver {
    failures: Arc<AtomicUsize>,
    seen: Arc<AtomicUsize>,
    accepted: Arc<Mutex<Vec<(HeaderMap, String)>>>,
}

impl Receiver {
    /// `data.status` of every accepted body, in arrival order.
    fn statuses(&self) -> Vec<String> {
        self.accepted
            .lock()
            .unwrap()
            .iter()
            .map(|(_, body)| {
                serde_json::from_str::<Value>(body).unwrap()["data"]["status"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect()
    }
}

async fn start_receiver(failures: usize) -> (String, Receiver) {
    let receiver = Receiver {
        failures: Arc::new(AtomicUsize::new(failures)),
        ..Receiver::default()
    };
    let state = receiver.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let state = state.clone();
            async move {
                state.seen.fetch_add(1, Ordering::SeqCst);
                if state.failures.load(Ordering::SeqCst) > 0 {
                    state.failures.fetch_sub(1, Ordering::SeqCst);
                    return StatusCode::INTERNAL_SERVER_ERROR;
                }
                state.accepted.lock().unwrap().push((headers, body));
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, receiver)
}

async fn put_webhook(
    app: &TestApp,
    user: &crate::helpers::TestUser,
    body: Value,
) -> reqwest::Response {
    app.request(user, Method::PUT, "/api/webhook")
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn events_reach_the_users_url_signed_even_after_it_failed_for_a_while(app: TestApp) {
    let ana = app.new_user().await;
    let (url, receiver) = start_receiver(3).await;
    let set = put_webhook(
        &app,
        &ana,
        json!({"url": url, "events": ["instance.status"], "secret": SECRET}),
    )
    .await;
    assert_eq!(set.status(), StatusCode::OK);

    app.connected_instance(&ana, "Encaminha").await;
    eventually(
        Duration::from_secs(15),
        "connecting and connected forwarded",
        || async {
            let statuses = receiver.statuses();
            (statuses.contains(&"connecting".to_owned())
                && statuses.contains(&"connected".to_owned()))
            .then_some(())
        },
    )
    .await;
    assert!(
        receiver.seen.load(Ordering::SeqCst) > receiver.accepted.lock().unwrap().len(),
        "it failed first"
    );

    let accepted = receiver.accepted.lock().unwrap().clone();
    let mut ids = std::collections::HashSet::new();
    for (headers, body) in &accepted {
        assert_eq!(
            headers["x-zapfleet-event"], "instance.status",
            "only the events asked for"
        );
        assert!(
            ids.insert(headers["x-zapfleet-delivery"].to_str().unwrap().to_owned()),
            "one delivery id each"
        );
        let signature = headers["x-zapfleet-signature"].to_str().unwrap();
        let t: i64 = signature
            .split(',')
            .next()
            .unwrap()
            .trim_start_matches("t=")
            .parse()
            .unwrap();
        assert_eq!(
            signature,
            zapfleet::services::forwarding::signature(SECRET, t, body),
            "the signature verifies"
        );
        assert_ne!(
            signature,
            zapfleet::services::forwarding::signature("outro segredo qualquer", t, body)
        );
    }
    // The receiver may answer before the server has written down the outcome.
    eventually(
        Duration::from_secs(10),
        "retried, then delivered",
        || async {
            let log: Value = app
                .request(
                    &ana,
                    Method::GET,
                    "/api/webhook-deliveries?status=delivered",
                )
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            log.as_array()
                .unwrap()
                .iter()
                .any(|d| d["attempts"].as_i64().unwrap() > 1)
                .then_some(())
        },
    )
    .await;
}

async fn dead_letters_can_be_replayed(app: TestApp) {
    let ana = app.new_user().await;
    // Fails its first 10 requests: the first delivery dies, the replay succeeds.
    let (url, receiver) = start_receiver(10).await;
    put_webhook(
        &app,
        &ana,
        json!({"url": url, "events": ["instance.created"], "secret": SECRET}),
    )
    .await;
    app.create_instance(&ana, "Carta morta", "11 98888-7777")
        .await;
    let dead = eventually(Duration::from_secs(20), "a dead letter", || async {
        let dead: Value = app
            .request(&ana, Method::GET, "/api/webhook-deliveries?status=dead")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        dead.as_array().unwrap().first().cloned()
    })
    .await;
    assert_eq!(dead["attempts"], 10);
    assert!(receiver.accepted.lock().unwrap().is_empty());

    let replay = app
        .request(
            &ana,
            Method::POST,
            &format!(
                "/api/webhook-deliveries/{}/replay",
                dead["id"].as_str().unwrap()
            ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), StatusCode::ACCEPTED);
    eventually(Duration::from_secs(10), "the replay arrived", || async {
        (!receiver.accepted.lock().unwrap().is_empty()).then_some(())
    })
    .await;
    let bia = app.new_user().await;
    let stolen = app
        .request(
            &bia,
            Method::POST,
            &format!(
                "/api/webhook-deliveries/{}/replay",
                dead["id"].as_str().unwrap()
            ),
        )
        .send()
        .await
        .unwrap();
    expect_error(stolen, StatusCode::NOT_FOUND).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_urls_into_internal_networks_are_refused() {
    REFUSE_PRIVATE_WEBHOOKS
        .scope(true, async {
            let app = spawn_app(Backend::Sqlite).await.unwrap();
            let ana = app.new_user().await;
            for url in ["http://127.0.0.1:9/hook", "http://169.254.169.254/latest/meta-data", "http://[::1]/x", "http://10.0.0.5/x"] {
                let refused = put_webhook(&app, &ana, json!({"url": url, "secret": SECRET})).await;
                let error = expect_error(refused, StatusCode::UNPROCESSABLE_ENTITY).await;
                assert_eq!(error["field"], "url", "{url}");
            }
            let short = put_webhook(&app, &ana, json!({"url": "https://8.8.8.8/hook", "secret": "curto"})).await;
            assert_eq!(expect_error(short, StatusCode::UNPROCESSABLE_ENTITY).await["field"], "secret");
            let instance = app.create_instance(&ana, "Interna", "11 98888-7777").await;
            let config = app
                .request(&ana, Method::PUT, &format!("/api/instances/{}/config", instance["id"].as_str().unwrap()))
                .json(&json!({"forwardWebhook": {"url": "http://192.168.0.1/hook", "secret": SECRET}}))
                .send()
                .await
                .unwrap();
            assert_eq!(expect_error(config, StatusCode::UNPROCESSABLE_ENTITY).await["field"], "forwardWebhook.url");
            let public = put_webhook(&app, &ana, json!({"url": "https://8.8.8.8/hook", "secret": SECRET})).await;
            assert_eq!(public.status(), StatusCode::OK, "public addresses are fine");
        })
        .await;
}

async fn an_instances_own_webhook_gets_its_events_and_settings_keep_their_history(app: TestApp) {
    let ana = app.new_user().await;
    let (url, receiver) = start_receiver(0).await;
    let instance = app.connected_instance(&ana, "Própria").await;
    let id = instance["id"].as_str().unwrap();
    let config = json!({"messageDelayMinMs": 0, "messageDelayMaxMs": 0,
        "forwardWebhook": {"url": url, "events": ["message.status"], "secret": SECRET}});
    let saved = app
        .request(&ana, Method::PUT, &format!("/api/instances/{id}/config"))
        .json(&config)
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), StatusCode::OK);
    let sent = app
        .request(&ana, Method::POST, &format!("/api/instances/{id}/messages"))
        .json(&json!({"to": "11977776666", "text": "oi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), StatusCode::ACCEPTED);
    let statuses = eventually(
        Duration::from_secs(10),
        "message.status forwarded",
        || async {
            let statuses = receiver.statuses();
            statuses.contains(&"sent".to_owned()).then_some(statuses)
        },
    )
    .await;
    assert!(
        statuses
            .iter()
            .all(|s| ["queued", "sent"].contains(&s.as_str())),
        "{statuses:?}"
    );
    let log: Value = app
        .request(
            &ana,
            Method::GET,
            &format!("/api/webhook-deliveries?instanceId={id}"),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        !log.as_array().unwrap().is_empty()
            && log
                .as_array()
                .unwrap()
                .iter()
                .all(|d| d["instanceId"] == id),
        "the instance's delivery log"
    );
    app.request(&ana, Method::PUT, &format!("/api/instances/{id}/config"))
        .json(&json!({"autoReconnect": false}))
        .send()
        .await
        .unwrap();
    let history: Value = app
        .request(
            &ana,
            Method::GET,
            &format!("/api/instances/{id}/config/history"),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let versions = history.as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(
        versions[0]["config"]["autoReconnect"], false,
        "newest first"
    );
    assert_eq!(versions[1]["config"]["forwardWebhook"]["url"], url.as_str());
}
