//! What the security review tried with real requests, kept as tests: media URLs
//! into internal networks, file names that are paths, provider text that forges
//! log lines, forged cursors, look-alike names, and `/metrics` inflation.

use crate::helpers::{Backend, REFUSE_PRIVATE_WEBHOOKS, TestApp, expect_error, spawn_app};
use crate::on_both_backends;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use zapfleet::domain::{Cursor, MessageId, SortField, SortValue};

async fn send(
    app: &TestApp,
    user: &crate::helpers::TestUser,
    id: &str,
    media: Value,
) -> reqwest::Response {
    app.request(user, Method::POST, &format!("/api/instances/{id}/messages"))
        .json(&json!({"to": "11977776666", "media": media}))
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_urls_into_internal_networks_are_refused() {
    REFUSE_PRIVATE_WEBHOOKS
        .scope(true, async {
            let app = spawn_app(Backend::Sqlite).await.unwrap();
            let ana = app.new_user().await;
            let instance = app.create_instance(&ana, "Mídia", "11 98888-7777").await;
            let id = instance["id"].as_str().unwrap();
            for url in [
                "http://169.254.169.254/latest/meta-data/",
                "http://127.0.0.1:8080/admin",
                "http://localhost/x.png",
                "http://[::1]/x.png",
                "http://[::ffff:127.0.0.1]/x.png",
                "http://[::7f00:1]/x.png",
                "http://[64:ff9b::a9fe:a9fe]/x.png",
                "http://10.0.0.5/x.png",
                "http://100.64.0.1/x.png",
                "http://240.0.0.1/x.png",
            ] {
                let refused = send(&app, &ana, id, json!({"kind": "image", "url": url})).await;
                let error = expect_error(refused, StatusCode::UNPROCESSABLE_ENTITY).await;
                assert_eq!(error["field"], "media", "{url}");
                assert!(
                    error["message"].as_str().unwrap().contains("rede interna"),
                    "{url}: {error}"
                );
            }
            for url in [
                "https://8.8.8.8/a.png\r\nX-Injected: 1",
                "https://8.8.8.8/a\u{0}.png",
                "file:///etc/passwd",
                "gopher://8.8.8.8/x",
                "https://no-such-host.invalid/a.png",
            ] {
                let refused = send(&app, &ana, id, json!({"kind": "image", "url": url})).await;
                let error = expect_error(refused, StatusCode::UNPROCESSABLE_ENTITY).await;
                assert_eq!(error["field"], "media", "{url:?}");
            }
            let public = send(
                &app,
                &ana,
                id,
                json!({"kind": "image", "url": "https://8.8.8.8/a.png"}),
            )
            .await;
            assert!(public.status().is_success(), "{}", public.status());
        })
        .await;
}

async fn media_file_names_are_names_not_paths(app: TestApp) {
    let ana = app.new_user().await;
    let instance = app.create_instance(&ana, "Arquivos", "11 98888-7777").await;
    let id = instance["id"].as_str().unwrap();
    let document =
        |name: &str| json!({"kind": "document", "url": "https://8.8.8.8/n.pdf", "fileName": name});
    for (given, kept) in [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("nota fiscal.pdf", "nota fiscal.pdf"),
    ] {
        let sent = send(&app, &ana, id, document(given)).await;
        assert!(sent.status().is_success(), "{given}: {}", sent.status());
        let message: Value = sent.json().await.unwrap();
        let id = MessageId::from_raw(message["id"].as_str().unwrap());
        let stored = app.store.message_by_id(&id).await.unwrap().unwrap();
        assert_eq!(stored.file_name.as_deref(), Some(kept), "{given}");
    }
    for refused in ["a\nb.pdf".to_owned(), "x".repeat(256)] {
        let sent = send(&app, &ana, id, document(&refused)).await;
        assert_eq!(
            expect_error(sent, StatusCode::UNPROCESSABLE_ENTITY).await["field"],
            "media.fileName"
        );
    }
}

async fn provider_text_is_stored_as_one_short_line(app: TestApp) {
    let ana = app.new_user().await;
    let instance = app.connected_instance(&ana, "Motivo").await;
    let id = instance["id"].as_str().unwrap();
    let (url, token) = app.webhook_of(id).await;
    // Just under the webhook body limit: a 2 MiB reason full of forged log lines.
    let line = "logged out\n2026-11-30T00:00:00Z  INFO zapfleet: admin signed in\r\n";
    // (JSON escapes each \r and \n in two bytes.)
    let reason = line.repeat((2 * 1024 * 1024 - 8192) / (line.len() + 3));
    let event = json!({"EventType": "connection", "BaseUrl": "x", "instanceName": "n", "owner": "5511988887777",
        "token": token, "instance": {"name": "n", "status": "disconnected", "lastDisconnectReason": reason}});
    let accepted = app.client.post(&url).json(&event).send().await.unwrap();
    assert!(accepted.status().is_success(), "{}", accepted.status());
    let status = app.status(&ana, id).await;
    assert_eq!(status["instance"]["status"], "disconnected");
    let stored = status["history"][0]["reason"].as_str().unwrap();
    assert_eq!(stored.chars().count(), 500);
    assert!(!stored.chars().any(char::is_control), "{stored:?}");
    assert!(stored.starts_with("logged out 2026-11-30T00:00:00Z INFO zapfleet"));
}

async fn forged_cursors_and_queries_are_bad_requests(app: TestApp) {
    let ana = app.new_user().await;
    app.create_instance(&ana, "Cursor", "11 98888-7777").await;
    let cursor = |field: SortField, descending: bool, value: SortValue, id: &str| {
        Cursor {
            field,
            descending,
            value,
            id: id.to_owned(),
        }
        .encode()
    };
    let hex = |text: &str| text.bytes().map(|b| format!("{b:02x}")).collect::<String>();
    for (sort, forged) in [
        (
            "name",
            cursor(SortField::Name, false, SortValue::Int(7), "x"),
        ),
        (
            "name",
            cursor(
                SortField::Name,
                false,
                SortValue::Text("a\u{0}b".into()),
                "x",
            ),
        ),
        (
            "name",
            cursor(
                SortField::Name,
                false,
                SortValue::Text("a".into()),
                "x\u{0}",
            ),
        ),
        (
            "-createdAt",
            cursor(
                SortField::CreatedAt,
                true,
                SortValue::Text("ontem".into()),
                "x",
            ),
        ),
        (
            "-createdAt",
            cursor(SortField::CreatedAt, true, SortValue::Int(i64::MAX), "x"),
        ),
        (
            "-createdAt",
            cursor(SortField::CreatedAt, true, SortValue::Int(i64::MIN), "x"),
        ),
        (
            "status",
            cursor(SortField::Status, false, SortValue::Int(1), "x"),
        ),
        (
            "name",
            hex(r#"{"field":"name","descending":false,"value":{"a":[1]},"id":7}"#),
        ),
        (
            "name",
            hex(r#"{"field":"name","descending":false,"value":1e999,"id":"x"}"#),
        ),
    ] {
        let listed = app
            .list_instances(&ana, &format!("sort={sort}&cursor={forged}"))
            .await;
        assert_eq!(
            expect_error(listed, StatusCode::BAD_REQUEST).await["field"],
            "cursor",
            "{sort} {forged}"
        );
    }
    for query in [
        "q=%00",
        "q=a%00b%0a",
        "page=4294967295",
        "limit=0",
        "status=%00",
        "sort=%00",
    ] {
        let listed = app.list_instances(&ana, query).await;
        assert_ne!(
            listed.status(),
            StatusCode::INTERNAL_SERVER_ERROR,
            "{query}"
        );
    }
}

async fn names_refuse_format_characters_and_look_alikes_collide(app: TestApp) {
    let ana = app.new_user().await;
    let created = app
        .post_instance(
            &ana,
            &json!({"name": "LojaCentro", "phone": "11 98888-7777"}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    for sneaky in [
        "Loja\u{200b}Centro",
        "Loja\u{202e}ortneC",
        "\u{feff}LojaCentro",
    ] {
        let refused = app
            .post_instance(&ana, &json!({"name": sneaky, "phone": "11 98888-7777"}))
            .await;
        let error = expect_error(refused, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(error["field"], "name", "{sneaky:?}");
    }
    for look_alike in ["ＬｏｊａＣｅｎｔｒｏ", "LOJACENTRO"] {
        let taken = app
            .post_instance(&ana, &json!({"name": look_alike, "phone": "11 98888-7777"}))
            .await;
        assert_eq!(taken.status(), StatusCode::CONFLICT, "{look_alike}");
    }
    // Another user's namesake is fine.
    let bia = app.new_user().await;
    let theirs = app
        .post_instance(
            &bia,
            &json!({"name": "ＬｏｊａＣｅｎｔｒｏ", "phone": "11 98888-7777"}),
        )
        .await;
    assert_eq!(theirs.status(), StatusCode::CREATED);
}

on_both_backends!(
    media_file_names_are_names_not_paths,
    provider_text_is_stored_as_one_short_line,
    forged_cursors_and_queries_are_bad_requests,
    names_refuse_format_characters_and_look_alikes_collide,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_methods_and_paths_do_not_grow_the_metrics() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..1_000 {
        let method = format!("M{:X}{}", next(), "X".repeat((next() % 200) as usize));
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let path = format!("/{:x}/{:x}", next(), next());
        let known = ["/api/instances", "/healthz", &path][(next() % 3) as usize];
        let _ = app
            .client
            .request(method, app.url(known))
            .send()
            .await
            .unwrap();
    }
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let series = text
        .lines()
        .filter(|l| l.starts_with("zapfleet_http_requests_total{"))
        .count();
    assert!(series <= 10, "{series} series:\n{text}");
    assert!(text.len() < 20_000, "{} bytes", text.len());
    assert!(text.contains(r#"method="other""#));
    assert!(!text.contains(r#"method="M"#));
}
