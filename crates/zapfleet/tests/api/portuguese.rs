//! Pages in Portuguese say everything in Portuguese: with data in every state
//! (messages queued, sent, delivered, read, failed and received; a status
//! history with the user's and the provider's reasons; a provider error), no
//! page shows a value the way the store keeps it.

use crate::helpers::{TestApp, TestUser};
use crate::on_both_backends;
use crate::pages::{Browser, Page};
use reqwest::Method;
use serde_json::json;
use std::time::Duration;
use zapfleet::domain::{Email, InstanceId, MessageKind, Receipt};
use zapfleet::services::tokens;
use zapfleet::store::NewMessage;

on_both_backends!(portuguese_pages_show_no_raw_values);

/// Texts the store or the provider keep in English; a page cell that reads
/// exactly one of them was not translated.
const RAW_CELLS: [&str; 16] = [
    "queued",
    "sending",
    "sent",
    "delivered",
    "read",
    "failed",
    "received",
    "user",
    "webhook",
    "poll",
    "reconcile",
    "reconnect",
    "connected",
    "connecting",
    "disconnected",
    "Role",
];

/// English phrases that must not appear anywhere on a Portuguese page.
const RAW_PHRASES: [&str; 10] = [
    "connect requested by the user",
    "logout requested by the user",
    "connection lost",
    "automatic reconnect",
    "provider rejected",
    "missing field",
    "Erro / Error",
    "max ",
    "Sort",
    "0.0%",
];

async fn portuguese_pages_show_no_raw_values(app: TestApp) {
    // The first account (an administrator), signed in through the form.
    let browser = Browser::new(&app);
    let email = "dona@example.com";
    browser.sign_up(email).await;
    let user = app
        .store
        .find_user_by_email(&Email::parse(email).unwrap())
        .await
        .unwrap()
        .unwrap()
        .id;
    let token = tokens::issue(&app.platform, &user, "tests").await.unwrap();
    let dona = TestUser {
        email: email.to_owned(),
        token: token.secret,
    };

    // History: connected by the user, dropped by the provider, logged out by the user.
    let instance = app.connected_instance(&dona, "Loja Centro").await;
    let id = instance["id"].as_str().unwrap().to_owned();
    let twin = app.twin(&instance).await;
    let remote = twin["id"].as_str().unwrap();
    app.sandbox(
        Method::POST,
        &format!("/sandbox/instances/{remote}/drop"),
        json!({"reason": "connection lost"}),
    )
    .await;
    app.wait_for_status(&dona, &id, "disconnected", Duration::from_secs(5))
        .await;

    // Messages in every state, written where the outbox and webhooks write them.
    let instance_id = InstanceId::from_raw(&id);
    let now = app.platform.now();
    let mut queued = Vec::new();
    for n in 0..5 {
        let new = NewMessage {
            instance_id: instance_id.clone(),
            peer: "5511977776666".into(),
            kind: MessageKind::Text,
            body: Some(format!("mensagem {n}")),
            media: None,
            file_name: None,
            idempotency_key: None,
            expires_at: None,
        };
        let (message, _) = app.store.enqueue_message(new, now).await.unwrap();
        queued.push(message.id);
    }
    let store = &app.store;
    for (n, id) in queued.iter().enumerate().skip(1) {
        assert!(
            store
                .claim_message(id, now.plus_millis(60_000), now)
                .await
                .unwrap()
        );
        if n == 4 {
            store
                .fail_message(
                    id,
                    "provider rejected the request (400): invalid number",
                    now,
                )
                .await
                .unwrap();
        } else {
            store
                .mark_sent(id, &format!("wa-{n}"), now, None)
                .await
                .unwrap();
        }
    }
    store
        .apply_receipt(&instance_id, &["wa-2".into()], Receipt::Delivered, now)
        .await
        .unwrap();
    store
        .apply_receipt(&instance_id, &["wa-3".into()], Receipt::Read, now)
        .await
        .unwrap();
    store
        .record_incoming(
            &instance_id,
            "wa-in",
            "5511955554444",
            MessageKind::Text,
            Some("oi"),
            now,
            None,
        )
        .await
        .unwrap();

    let pages = [
        "/".to_owned(),
        format!("/instances/{id}"),
        format!("/ui/instances/{id}/messages"),
        "/tokens".to_owned(),
        "/account".to_owned(),
        "/audit".to_owned(),
        "/admin".to_owned(),
        "/backup".to_owned(),
        "/api/docs".to_owned(),
    ];
    for path in pages {
        let response = browser.get(&path).await;
        assert_eq!(response.status(), reqwest::StatusCode::OK, "{path}");
        let page = Page::parse(&response.text().await.unwrap());
        let texts: Vec<String> = page
            .html
            .root_element()
            .descendent_elements()
            .filter(|e| !matches!(e.value().name(), "script" | "style" | "code" | "title"))
            .flat_map(|e| {
                e.children()
                    .filter_map(|c| c.value().as_text().map(|t| t.trim().to_owned()))
                    .collect::<Vec<_>>()
            })
            .filter(|t| !t.is_empty())
            .collect();
        for text in &texts {
            assert!(
                !RAW_CELLS.contains(&text.as_str()),
                "{path} shows the raw value {text:?}"
            );
            for phrase in RAW_PHRASES {
                assert!(
                    !text.contains(phrase),
                    "{path} shows {phrase:?} in {text:?}"
                );
            }
        }
    }
    // And what the statuses read instead.
    let list = browser.page(&format!("/ui/instances/{id}/messages")).await;
    let shown = list.texts("[data-testid=message-status]");
    for expected in [
        "na fila", "enviada", "entregue", "lida", "falhou", "recebida",
    ] {
        assert!(
            shown.iter().any(|s| s == expected),
            "{expected} in {shown:?}"
        );
    }
    let detail = browser.page(&format!("/instances/{id}")).await;
    let history = detail.texts("table tbody tr td");
    // The move to "connecting" is the user's or a poll's, whichever came first.
    assert!(
        history
            .iter()
            .any(|t| t == "Conexão pedida pelo usuário" || t == "Conectando"),
        "{history:?}"
    );
    assert!(
        history.iter().any(|t| t == "Conexão perdida"),
        "{history:?}"
    );
    assert!(
        history.iter().any(|t| t == "aviso do provedor"),
        "{history:?}"
    );
}
