//! A business moves to a new server: another database engine, another secret
//! key, the same provider. Every record arrives, and the numbers that were
//! connected stay connected, with no QR scanned.

use super::{Cli, default_key, on_provider, provider, records, temp_file};
use crate::helpers::{Backend, TestApp, TestUser, eventually, spawn_app_with};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;
use zapfleet::domain::Timestamp;
use zapfleet::services::backup::format::Record;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_move_from_sqlite_to_postgres_keeps_every_record_and_session() {
    moves(Backend::Sqlite, Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_move_from_postgres_to_sqlite_keeps_every_record_and_session() {
    moves(Backend::Postgres, Backend::Sqlite).await;
}

/// What the old server held: two numbers connected, one never connected
/// (with a forward webhook and its secret), an account webhook, a message,
/// and the past days of a number deleted since (still in the totals).
async fn fill(old: &TestApp, ana: &TestUser) -> Vec<Value> {
    let closed = old.connected_instance(ana, "Loja Fechada").await;
    let closed_id = closed["id"].as_str().unwrap();
    send_and_wait(
        old,
        ana,
        closed_id,
        "Última oferta",
        &["sent", "delivered", "read"],
    )
    .await;
    assert_eq!(
        old.delete_instance(ana, closed_id).await.status(),
        StatusCode::NO_CONTENT
    );
    let first = old.connected_instance(ana, "Loja Centro").await;
    let second = old.connected_instance(ana, "Loja Norte").await;
    let idle = old.create_instance(ana, "Reserva", "11 97777-0000").await;
    let idle_id = idle["id"].as_str().unwrap();
    old.wait_until_provisioned(ana, idle_id).await;
    let hook = json!({"forwardWebhook": {"url": "http://127.0.0.1:9/loja", "events": ["message.status"], "secret": "segredo-do-webhook-da-loja"}});
    let saved = old
        .request(
            ana,
            Method::PUT,
            &format!("/api/instances/{idle_id}/config"),
        )
        .json(&hook)
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), StatusCode::OK);
    let account_hook =
        json!({"url": "http://127.0.0.1:9/conta", "secret": "segredo-do-webhook-da-conta"});
    let saved = old
        .request(ana, Method::PUT, "/api/webhook")
        .json(&account_hook)
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), StatusCode::OK);
    send_and_wait(
        old,
        ana,
        first["id"].as_str().unwrap(),
        "Pedido 1 saiu",
        &["read"],
    )
    .await;
    vec![first, second, idle]
}

/// Sends a text and waits until its status is one of `until`.
async fn send_and_wait(app: &TestApp, user: &TestUser, id: &str, text: &str, until: &[&str]) {
    let sent = app
        .request(user, Method::POST, &format!("/api/instances/{id}/messages"))
        .json(&json!({"to": "11 96666-5555", "text": text}))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), StatusCode::ACCEPTED);
    let message: Value = sent.json().await.unwrap();
    let path = format!("/api/instances/{id}/messages?direction=out&limit=200");
    eventually(
        Duration::from_secs(15),
        &format!("the message {until:?}"),
        || async {
            let page: Value = app
                .request(user, Method::GET, &path)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["id"] == message["id"] && until.contains(&m["status"].as_str().unwrap()))
                .then_some(())
        },
    )
    .await;
}

/// The records of a backup, as comparable across servers: an instance's
/// `updatedAt` is when this server last changed it, and taking it over at the
/// provider is such a change.
fn canonical(file: &[u8]) -> Vec<Record> {
    let mut all = records(file).unwrap();
    for record in &mut all {
        if let Record::Instance { updated_at, .. } = record {
            *updated_at = Timestamp::from_millis(0);
        }
    }
    all
}

async fn moves(from: Backend, to: Backend) {
    let provider = provider().await;
    let Some(old) = spawn_app_with(from, on_provider(&provider, &default_key())).await else {
        return;
    };
    let ana = old.new_user().await;
    let instances = fill(&old, &ana).await;
    let file = temp_file("move.age");
    let file_name = file.to_str().unwrap();
    let old_cli = Cli {
        database_url: old.database_url.clone(),
        key: default_key(),
        provider_url: None,
        public_url: None,
    };
    let said = old_cli.ok(&[
        "backup",
        "--email",
        &ana.email,
        "--out",
        file_name,
        "--with-messages",
    ]);
    assert!(said.contains("3 instances"), "{said}");
    let taken = canonical(&std::fs::read(&file).unwrap());
    assert!(
        taken
            .iter()
            .any(|r| matches!(r, Record::RetiredUsage { counts, .. } if counts.sent == 1)),
        "the deleted number's day is in the file"
    );
    let totals = |app: &TestApp| {
        let request = app.request(&ana, Method::GET, "/api/stats");
        async move {
            let stats: Value = request.send().await.unwrap().json().await.unwrap();
            stats["total"].clone()
        }
    };
    let old_totals = totals(&old).await;
    assert_eq!(old_totals["sent"], 2, "{old_totals}");
    // The server is gone; the provider keeps the sessions.
    drop(old);

    let new_key = "17".repeat(32);
    let new = spawn_app_with(to, on_provider(&provider, &new_key))
        .await
        .unwrap();
    let new_cli = Cli {
        database_url: new.database_url.clone(),
        key: new_key.clone(),
        provider_url: Some(provider.url()),
        public_url: Some(new.address.clone()),
    };
    let said = new_cli.ok(&["restore", file_name]);
    assert!(
        said.contains("accounts: 1 created, 0 kept, 0 skipped"),
        "{said}"
    );
    assert!(
        said.contains("instances: 3 created, 0 kept, 0 skipped"),
        "{said}"
    );
    assert!(said.contains("taken over at the provider: 3"), "{said}");

    // Every record arrived as it was: the new server's own backup of the account
    // holds the same records (secrets in clear inside both files, so a secret
    // re-sealed wrongly under the new key would differ).
    let again = temp_file("moved.age");
    new_cli.ok(&[
        "backup",
        "--email",
        &ana.email,
        "--out",
        again.to_str().unwrap(),
        "--with-messages",
    ]);
    assert_eq!(canonical(&std::fs::read(&again).unwrap()), taken);
    // Time connected keeps counting on the new server; the counts are the file's.
    let counts = |mut t: Value| {
        t["connectedMs"] = Value::Null;
        t["uptimePercent"] = Value::Null;
        t
    };
    assert_eq!(
        counts(totals(&new).await),
        counts(old_totals.clone()),
        "the account's totals, the deleted number's days included"
    );

    // Restoring the same file again changes nothing.
    let said = new_cli.ok(&["restore", file_name]);
    assert!(
        said.contains("instances: 0 created, 3 kept, 0 skipped"),
        "{said}"
    );
    assert!(
        said.contains("messages: 0 created, 1 kept, 0 skipped"),
        "{said}"
    );
    new_cli.ok(&[
        "backup",
        "--email",
        &ana.email,
        "--out",
        again.to_str().unwrap(),
        "--with-messages",
    ]);
    assert_eq!(canonical(&std::fs::read(&again).unwrap()), taken);

    // The sessions: still connected at the provider, with no QR shown, the
    // provider's webhook now pointed at the new server, which says connected.
    for instance in &instances[..2] {
        let id = instance["id"].as_str().unwrap();
        new.wait_for_status(&ana, id, "connected", Duration::from_secs(10))
            .await;
        let twin = new.twin(instance).await;
        assert_eq!(twin["status"], "connected");
        assert_eq!(twin["qrcode"], "", "no new QR");
        let hooks: Value = reqwest::Client::new()
            .get(format!("{}/webhook", provider.url()))
            .header("token", new.provider_token(&twin).await)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(
            hooks[0]["url"].as_str().unwrap().starts_with(&new.address),
            "the provider now calls the new server: {hooks}"
        );
    }

    // The new server works the numbers: a message goes out through the
    // provider with the re-sealed token, and its receipt (a webhook signed with
    // the re-sealed secret) is heard.
    let first = instances[0]["id"].as_str().unwrap();
    send_and_wait(
        &new,
        &ana,
        first,
        "Pedido 2, do servidor novo",
        &["delivered", "read"],
    )
    .await;
    let twin = new.twin(&instances[0]).await;
    assert_eq!(twin["sentCount"], 2, "one message from each server");
    let _ = (std::fs::remove_file(&file), std::fs::remove_file(&again));
}
