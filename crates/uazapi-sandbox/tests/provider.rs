//! The uazapi client against the sandbox over real sockets: every call, the phone
//! controls, webhooks, QR rotation and expiry, error mapping, retries, timeouts, 429.

#![allow(clippy::unwrap_used)]

use axum::Json;
use axum::routing::post;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use uazapi::{
    Client, ConnectMethod, Provider, ProviderError, RetryPolicy, SendMedia, SendText, Status,
    WebhookConfig,
};
use uazapi_sandbox::clock::ManualClock;
use uazapi_sandbox::{SandboxServer, spawn_with_clock};

const ADMIN: &str = "admin-secret";

struct Rig {
    server: SandboxServer,
    clock: Arc<ManualClock>,
    client: Client,
    http: reqwest::Client,
}

async fn rig() -> Rig {
    let clock = Arc::new(ManualClock::new());
    let server = spawn_with_clock("127.0.0.1:0", ADMIN, clock.clone())
        .await
        .unwrap();
    let client = Client::new(&server.url(), ADMIN, Duration::from_secs(5)).unwrap();
    Rig {
        server,
        clock,
        client,
        http: reqwest::Client::new(),
    }
}

impl Rig {
    async fn control(&self, method: reqwest::Method, path: &str, body: Value) -> reqwest::Response {
        self.http
            .request(method, format!("{}{path}", self.server.url()))
            .header("admintoken", ADMIN)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    async fn scan(&self, qrcode: &str) -> reqwest::StatusCode {
        self.control(
            reqwest::Method::POST,
            "/sandbox/phone/scan",
            json!({"qrcode": qrcode, "phone": "5511988887777"}),
        )
        .await
        .status()
    }

    fn advance(&self, by: Duration) {
        self.clock.advance(by);
        self.server.sandbox.tick();
    }

    async fn faults(&self, faults: Value) {
        let response = self
            .control(reqwest::Method::PUT, "/sandbox/faults", faults)
            .await;
        assert_eq!(response.status(), 200);
    }

    async fn current_faults(&self) -> Value {
        self.control(reqwest::Method::GET, "/sandbox/faults", json!({}))
            .await
            .json()
            .await
            .unwrap()
    }
}

/// A webhook receiver on port 0 that hands every body to the test.
async fn receiver() -> (String, mpsc::UnboundedReceiver<Value>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/hook",
        post(move |Json(body): Json<Value>| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(body);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, rx)
}

/// The next webhook of this type, waiting at most 5 s.
async fn next_event(rx: &mut mpsc::UnboundedReceiver<Value>, event_type: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let body = tokio::time::timeout(left, rx.recv())
            .await
            .unwrap_or_else(|_| panic!("no {event_type} webhook"))
            .unwrap();
        if body["EventType"] == event_type {
            return body;
        }
    }
}

fn hook(url: &str) -> WebhookConfig {
    WebhookConfig {
        enabled: true,
        url: url.to_owned(),
        events: vec![
            "connection".into(),
            "messages".into(),
            "messages_update".into(),
        ],
        exclude_messages: vec![],
        add_url_events: false,
        add_url_types_messages: false,
    }
}

#[tokio::test]
async fn an_instance_is_created_connected_by_qr_used_dropped_and_deleted() {
    let rig = rig().await;
    let (url, mut events) = receiver().await;

    let created = rig.client.create_instance("loja-centro").await.unwrap();
    assert!(created.instance.id.starts_with('r') && created.instance.id.len() == 15);
    assert_eq!(created.instance.status, Status::Disconnected);
    let token = created.token.as_str();
    assert_eq!(
        rig.client.set_webhook(token, &hook(&url)).await.unwrap(),
        vec![hook(&url)]
    );
    assert_eq!(rig.client.webhooks(token).await.unwrap(), vec![hook(&url)]);

    let connecting = rig.client.connect(token, ConnectMethod::Qr).await.unwrap();
    assert_eq!(connecting.status, Status::Connecting);
    let text = uazapi_sandbox::qr::from_data_uri(&connecting.qrcode).unwrap();
    assert!(text.starts_with("2@"));
    let event = next_event(&mut events, "connection").await;
    assert_eq!(event["instance"]["status"], "connecting");
    assert_eq!(event["token"], token);

    assert_eq!(rig.scan(&connecting.qrcode).await, 200);
    let event = next_event(&mut events, "connection").await;
    assert_eq!(event["instance"]["status"], "connected");
    assert_eq!(event["owner"], "5511988887777");
    let report = rig.client.status(token).await.unwrap();
    assert_eq!(report.instance.status, Status::Connected);
    assert!(report.logged_in);
    assert_eq!(report.jid_user, "5511988887777");

    let renamed = rig.client.rename(token, "loja-centro-2").await.unwrap();
    assert_eq!(renamed.name, "loja-centro-2");

    let sent = rig
        .client
        .send_text(
            token,
            SendText {
                number: "5511977776666",
                text: "Olá!",
                track_id: "m1",
            },
        )
        .await
        .unwrap();
    assert!(!sent.messageid.is_empty());
    let echo = next_event(&mut events, "messages").await;
    assert_eq!(echo["message"]["messageid"], sent.messageid.as_str());
    assert_eq!(echo["message"]["wasSentByApi"], true);
    assert_eq!(echo["message"]["track_id"], "m1");
    rig.advance(Duration::from_millis(60));
    let receipt = next_event(&mut events, "messages_update").await;
    assert_eq!(receipt["state"], "Delivered");
    assert_eq!(receipt["event"]["MessageIDs"], json!([sent.messageid]));
    let parsed = uazapi::webhook::parse(receipt.to_string().as_bytes()).unwrap();
    assert!(matches!(parsed, uazapi::webhook::Event::Receipt { .. }));

    let media = SendMedia {
        number: "5511977776666",
        kind: uazapi::MediaKind::Image,
        file: "https://example.com/a.png",
        caption: "foto",
        doc_name: "",
        track_id: "m2",
    };
    assert!(
        !rig.client
            .send_media(token, media)
            .await
            .unwrap()
            .messageid
            .is_empty()
    );
    let media_echo = next_event(&mut events, "messages").await;
    assert_eq!(media_echo["message"]["messageType"], "ImageMessage");

    let id = created.instance.id.clone();
    let incoming = rig
        .control(
            reqwest::Method::POST,
            &format!("/sandbox/instances/{id}/incoming"),
            json!({"from": "5511955554444", "text": "Oi"}),
        )
        .await;
    assert_eq!(incoming.status(), 200);
    let message = next_event(&mut events, "messages").await;
    assert_eq!(message["message"]["fromMe"], false);
    assert_eq!(message["message"]["text"], "Oi");

    let dropped = rig
        .control(
            reqwest::Method::POST,
            &format!("/sandbox/instances/{id}/drop"),
            json!({"reason": "sinal fraco"}),
        )
        .await;
    assert_eq!(dropped.status(), 200);
    let event = next_event(&mut events, "connection").await;
    assert_eq!(event["instance"]["status"], "disconnected");
    assert_eq!(event["instance"]["lastDisconnectReason"], "sinal fraco");
    assert!(event.get("type").is_none(), "a drop is not a logout");

    let all = rig.client.list_instances().await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].token, token);

    rig.client.delete(token).await.unwrap();
    assert_eq!(
        rig.client.status(token).await,
        Err(ProviderError::Unauthorized { status: 401 })
    );
    assert!(rig.client.list_instances().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_pairing_code_connects_only_from_the_phone_that_asked() {
    let rig = rig().await;
    let created = rig.client.create_instance("pareada").await.unwrap();
    let token = created.token.as_str();
    let connecting = rig
        .client
        .connect(
            token,
            ConnectMethod::Code {
                phone: "5511912345678",
            },
        )
        .await
        .unwrap();
    assert_eq!(connecting.status, Status::Connecting);
    assert_eq!(connecting.qrcode, "");
    let code = connecting.paircode.clone();
    assert_eq!(code.len(), 9);

    let wrong_phone = rig
        .control(
            reqwest::Method::POST,
            "/sandbox/phone/pair",
            json!({"paircode": code, "phone": "5511000000000"}),
        )
        .await;
    assert_eq!(wrong_phone.status(), 404);
    let wrong_code = rig
        .control(
            reqwest::Method::POST,
            "/sandbox/phone/pair",
            json!({"paircode": "AAAA-AAAA", "phone": "5511912345678"}),
        )
        .await;
    assert_eq!(wrong_code.status(), 404);
    let paired = rig
        .control(
            reqwest::Method::POST,
            "/sandbox/phone/pair",
            json!({"paircode": code.to_lowercase(), "phone": "5511912345678"}),
        )
        .await;
    assert_eq!(paired.status(), 200);
    let report = rig.client.status(token).await.unwrap();
    assert_eq!(report.instance.status, Status::Connected);
    assert_eq!(report.instance.owner, "5511912345678");

    let out = rig.client.disconnect(token).await.unwrap();
    assert_eq!(out.status, Status::Disconnected);
    assert_eq!(
        rig.client.status(token).await.unwrap().instance.paircode,
        ""
    );
}

#[tokio::test]
async fn qr_codes_rotate_every_20_seconds_and_expire_after_2_minutes() {
    let rig = rig().await;
    let (url, mut events) = receiver().await;
    let created = rig.client.create_instance("rotativa").await.unwrap();
    let token = created.token.as_str();
    rig.client.set_webhook(token, &hook(&url)).await.unwrap();
    let first = rig
        .client
        .connect(token, ConnectMethod::Qr)
        .await
        .unwrap()
        .qrcode;
    next_event(&mut events, "connection").await;

    rig.advance(Duration::from_secs(19));
    assert_eq!(
        rig.client.status(token).await.unwrap().instance.qrcode,
        first,
        "still the same QR at 19 s"
    );
    rig.advance(Duration::from_secs(1));
    let second = rig.client.status(token).await.unwrap().instance.qrcode;
    assert_ne!(second, first, "a new QR at 20 s");
    let pushed = next_event(&mut events, "connection").await;
    assert_eq!(
        pushed["instance"]["qrcode"],
        second.as_str(),
        "the new QR is pushed by webhook"
    );
    assert_eq!(
        rig.scan(&first).await,
        404,
        "a rotated-out QR no longer connects"
    );

    rig.advance(Duration::from_secs(100));
    let report = rig.client.status(token).await.unwrap();
    assert_eq!(
        report.instance.status,
        Status::Disconnected,
        "gave up after 2 minutes"
    );
    let expired = next_event(&mut events, "connection").await;
    assert_eq!(expired["instance"]["status"], "disconnected");
    let last = uazapi_sandbox::qr::from_data_uri(&second).unwrap();
    assert_eq!(
        rig.scan(&last).await,
        404,
        "an expired QR does not connect, as text either"
    );
    assert_eq!(rig.scan("data:image/png;base64,aGVsbG8=").await, 400);
}

#[tokio::test]
async fn errors_map_to_typed_provider_errors() {
    let rig = rig().await;
    let wrong_admin = Client::new(&rig.server.url(), "nope", Duration::from_secs(5)).unwrap();
    assert_eq!(
        wrong_admin.create_instance("x").await,
        Err(ProviderError::Unauthorized { status: 403 })
    );
    let no_admin = Client::new(&rig.server.url(), "", Duration::from_secs(5)).unwrap();
    assert!(matches!(
        no_admin.list_instances().await,
        Err(ProviderError::Unauthorized { .. })
    ));
    assert_eq!(
        rig.client.status("unknown-token").await,
        Err(ProviderError::Unauthorized { status: 401 })
    );

    let token = rig.client.create_instance("erros").await.unwrap().token;
    assert!(matches!(
        rig.client
            .connect(&token, ConnectMethod::Code { phone: "12ab" })
            .await,
        Err(ProviderError::Rejected { status: 400, .. })
    ));
    let not_connected = rig
        .client
        .send_text(
            &token,
            SendText {
                number: "5511977776666",
                text: "x",
                track_id: "",
            },
        )
        .await;
    assert_eq!(
        not_connected,
        Err(ProviderError::Unauthorized { status: 401 }),
        "uazapi answers 401 No session"
    );

    rig.faults(json!({"max_connected": 0})).await;
    assert_eq!(
        rig.client
            .connect(&token, ConnectMethod::Qr)
            .await
            .map(|_| ()),
        Err(ProviderError::RateLimited {
            retry_after: Some(Duration::from_secs(1))
        })
    );

    let down = Client::new("http://127.0.0.1:9", ADMIN, Duration::from_secs(1))
        .unwrap()
        .with_retry(RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        });
    assert!(matches!(
        down.list_instances().await,
        Err(ProviderError::Unavailable { status: None, .. })
    ));
}

#[tokio::test]
async fn safe_calls_are_retried_until_the_provider_recovers_and_unsafe_ones_never() {
    let rig = rig().await;
    let token = rig.client.create_instance("retry").await.unwrap().token;
    let quick = RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(100),
        max_delay: Duration::from_millis(200),
        max_retry_after: Duration::from_secs(5),
    };
    let client = rig.client.clone().with_retry(quick);

    rig.faults(json!({"error_rate": 1.0, "error_status": 503}))
        .await;
    assert!(matches!(
        client.create_instance("twice?").await,
        Err(ProviderError::Unavailable {
            status: Some(503),
            ..
        })
    ));
    let started = Instant::now();
    assert!(
        matches!(
            client.status(&token).await,
            Err(ProviderError::Unavailable {
                status: Some(503),
                ..
            })
        ),
        "gives up after 4 tries"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "waited between tries"
    );

    // Two more failures, then the provider is back: the third try succeeds.
    rig.faults(json!({"fail_next": 2, "error_status": 503}))
        .await;
    assert_eq!(
        client.status(&token).await.unwrap().instance.status,
        Status::Disconnected,
        "recovered by retrying"
    );
    assert_eq!(
        rig.current_faults().await["fail_next"],
        0,
        "both failures were used"
    );
    assert_eq!(
        rig.client.list_instances().await.unwrap().len(),
        1,
        "the failed create made nothing"
    );
}

#[tokio::test]
async fn retry_after_is_honoured_up_to_a_cap_and_slow_answers_time_out() {
    let rig = rig().await;
    let token = rig.client.create_instance("limite").await.unwrap().token;

    rig.faults(json!({"error_rate": 1.0, "error_status": 429}))
        .await;
    let impatient = rig.client.clone().with_retry(RetryPolicy {
        max_retry_after: Duration::from_millis(500),
        ..RetryPolicy::default()
    });
    let started = Instant::now();
    assert_eq!(
        impatient.status(&token).await.map(|_| ()),
        Err(ProviderError::RateLimited {
            retry_after: Some(Duration::from_secs(1))
        })
    );
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "did not wait longer than its cap"
    );

    // One more 429, then the provider answers: the client waits its Retry-After.
    rig.faults(json!({"fail_next": 1, "error_status": 429}))
        .await;
    let started = Instant::now();
    rig.client.status(&token).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited the Retry-After second"
    );

    rig.faults(json!({"latency_ms": 800})).await;
    let hasty = Client::new(&rig.server.url(), ADMIN, Duration::from_millis(200))
        .unwrap()
        .with_retry(RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        });
    assert_eq!(
        hasty.status(&token).await.map(|_| ()),
        Err(ProviderError::Timeout)
    );
}

#[tokio::test]
async fn old_servers_and_odd_answers_are_handled() {
    let app = axum::Router::new()
        .route(
            "/instance/init",
            post(|| async { Json(json!({"instance": {"id": "r0123456789abcd", "status": "disconnected"}, "token": "tok"})) }),
        )
        .route("/instance/status", axum::routing::get(|| async { "<html>proxy error page</html>" }))
        .route("/instance/all", axum::routing::get(|| async { Json(json!([{"id": "r1", "status": "hibernating"}])) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let created = Client::new(&url, ADMIN, Duration::from_secs(5))
        .unwrap()
        .create_instance("old")
        .await
        .unwrap();
    assert_eq!(created.token, "tok");
}

#[tokio::test]
async fn lost_webhooks_are_lost_and_filters_apply() {
    let rig = rig().await;
    let (url, mut events) = receiver().await;
    let token = rig.client.create_instance("perdas").await.unwrap().token;
    let mut config = hook(&url);
    config.exclude_messages = vec!["wasSentByApi".into()];
    config.events = vec!["connection".into(), "messages".into()];
    rig.client.set_webhook(&token, &config).await.unwrap();
    rig.faults(json!({"webhook_loss": 1.0})).await;
    let qr = rig
        .client
        .connect(&token, ConnectMethod::Qr)
        .await
        .unwrap()
        .qrcode;
    rig.faults(json!({})).await;
    assert_eq!(rig.scan(&qr).await, 200);
    let first = next_event(&mut events, "connection").await;
    assert_eq!(
        first["instance"]["status"], "connected",
        "the connecting event was lost"
    );
    rig.client
        .send_text(
            &token,
            SendText {
                number: "5511977776666",
                text: "x",
                track_id: "",
            },
        )
        .await
        .unwrap();
    rig.advance(Duration::from_millis(200));
    // A message from a contact is posted after what the send and its receipts
    // would have posted: it must be the next event.
    let id = rig.client.status(&token).await.unwrap().instance.id;
    let incoming = rig
        .http
        .post(format!(
            "{}/sandbox/instances/{id}/incoming",
            rig.server.url()
        ))
        .header("admintoken", ADMIN)
        .json(&json!({"from": "5511911112222", "text": "oi"}))
        .send()
        .await
        .unwrap();
    assert!(incoming.status().is_success());
    let next = next_event(&mut events, "messages").await;
    assert_eq!(
        next["message"]["text"], "oi",
        "API echoes excluded, receipts not subscribed: {next}"
    );
}

#[tokio::test]
async fn a_forgotten_instance_is_unknown_to_its_token_and_to_the_admin_list() {
    let rig = rig().await;
    let kept = rig.client.create_instance("mantida").await.unwrap();
    let lost = rig.client.create_instance("esquecida").await.unwrap();
    let forgot = rig
        .control(
            reqwest::Method::POST,
            &format!("/sandbox/instances/{}/forget", lost.instance.id),
            json!({}),
        )
        .await;
    assert_eq!(forgot.status(), 200);
    assert_eq!(
        rig.client.status(&lost.token).await,
        Err(ProviderError::Unauthorized { status: 401 }),
        "its token is unknown"
    );
    let all = rig.client.list_instances().await.unwrap();
    assert_eq!(all.len(), 1, "and the list lacks it");
    assert!(rig.client.status(&kept.token).await.is_ok(), "others stay");

    // A restart without its data.
    let reset = rig
        .control(reqwest::Method::POST, "/sandbox/forget", json!({}))
        .await;
    assert_eq!(
        reset.json::<serde_json::Value>().await.unwrap()["forgotten"],
        1
    );
    assert!(rig.client.list_instances().await.unwrap().is_empty());
    let again = rig
        .control(
            reqwest::Method::POST,
            &format!("/sandbox/instances/{}/forget", kept.instance.id),
            json!({}),
        )
        .await;
    assert_eq!(again.status(), 404);
}
