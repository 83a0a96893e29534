//! The secret key: a server given another key than the database's refuses to
//! start and says how to fix it; `zapfleet rekey` moves every secret to a new
//! key, all or nothing, after which the instances connect and webhooks are
//! delivered under the new key.

use crate::backup::{on_provider, provider};
use crate::helpers::{Backend, TestDatabase, eventually, fresh_database, spawn_app_on_with};
use axum::http::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::{ConnectOptions, Connection};
use std::process::{Command, Output, Stdio};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use zapfleet::config::Config;
use zapfleet::crypto::{SecretBox, parse_key};
use zapfleet::domain::Timestamp;
use zapfleet::startup::Application;
use zapfleet::store::Store;

const USER_SECRET: &str = "segredo do webhook da conta";
const INSTANCE_SECRET: &str = "segredo do webhook da instancia";

fn key(byte: &str) -> String {
    byte.repeat(32)
}

fn secret_box(key: &str) -> SecretBox {
    SecretBox::new(&parse_key(key).unwrap())
}

/// The configuration `serve` reads for this database and key.
fn config(url: &str, key: &str) -> Config {
    let dir = std::env::temp_dir().display().to_string();
    Config::load_from(None, |name| match name {
        "DATABASE_URL" => Some(url.to_owned()),
        "ZAPFLEET_SECRET_KEY" => Some(key.to_owned()),
        "ZAPFLEET_DATA_DIR" => Some(dir.clone()),
        "ZAPFLEET_LISTEN" | "ZAPFLEET_SANDBOX_LISTEN" => Some("127.0.0.1:0".to_owned()),
        _ => None,
    })
    .unwrap()
}

/// Why a server with this key does not start on the database (`None`: it starts).
async fn refusal(url: &str, key: &str) -> Option<String> {
    Application::build(&config(url, key))
        .await
        .err()
        .map(|error| format!("{error:#}"))
}

fn assert_refused_with_the_fix(refusal: Option<String>) {
    let text = refusal.expect("another key is refused");
    assert!(
        text.contains("ZAPFLEET_SECRET_KEY is not the key this database")
            && text.contains("zapfleet rekey --old-key"),
        "{text}"
    );
}

/// Rows of one statement of the test's own, first column as text.
async fn rows(url: &str, sql: &str) -> Vec<String> {
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    if url.starts_with("sqlite:") {
        let mut conn = sqlx::sqlite::SqliteConnectOptions::from_str(url)
            .unwrap()
            .connect()
            .await
            .unwrap();
        let rows: Vec<(String,)> = sqlx::query_as(sql).fetch_all(&mut conn).await.unwrap();
        rows.into_iter().map(|(t,)| t).collect()
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        let rows: Vec<(String,)> = sqlx::query_as(sql).fetch_all(&mut conn).await.unwrap();
        rows.into_iter().map(|(t,)| t).collect()
    }
}

/// Every sealed value in the database, each as it is stored.
async fn sealed_values(url: &str) -> Vec<String> {
    let mut values = Vec::new();
    for sql in [
        r#"SELECT "providerToken" FROM whatsapp_instance WHERE "providerToken" IS NOT NULL ORDER BY id"#,
        r#"SELECT "webhookSecret" FROM whatsapp_instance WHERE "webhookSecret" IS NOT NULL ORDER BY id"#,
        r#"SELECT secret FROM user_webhook ORDER BY "userId""#,
        "SELECT secret FROM webhook_delivery ORDER BY id",
        r#"SELECT "providerToken" FROM provider_deletion ORDER BY id"#,
        "SELECT value FROM app_setting WHERE key = 'secret_key_check'",
    ] {
        values.extend(rows(url, sql).await);
    }
    for config in rows(
        url,
        "SELECT CAST(config AS TEXT) FROM whatsapp_instance ORDER BY id",
    )
    .await
    {
        let config: Value = serde_json::from_str(&config).unwrap();
        if let Some(sealed) = config.pointer("/forwardWebhook/secretSealed") {
            values.push(sealed.as_str().unwrap().to_owned());
        }
    }
    values
}

/// `zapfleet args…` on the database, with `key` as the configured key.
fn zapfleet(url: &str, key: &str, old_key: Option<&str>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_zapfleet"));
    command
        .args(args)
        .env_remove("ZAPFLEET_CONFIG")
        .env_remove("ZAPFLEET_OLD_SECRET_KEY")
        .env("DATABASE_URL", url)
        .env("ZAPFLEET_SECRET_KEY", key)
        .env("ZAPFLEET_DATA_DIR", std::env::temp_dir())
        .stdin(Stdio::null());
    if let Some(old) = old_key {
        command.env("ZAPFLEET_OLD_SECRET_KEY", old);
    }
    command.output().expect("run zapfleet")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_key_is_refused_at_start_on_sqlite() {
    another_key_is_refused_at_start(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_key_is_refused_at_start_on_postgres() {
    another_key_is_refused_at_start(Backend::Postgres).await;
}

async fn another_key_is_refused_at_start(backend: Backend) {
    let Some(database) = fresh_database(backend).await else {
        return;
    };
    let url = database.url.clone();
    let (a, b) = (key("a1"), key("b2"));
    // The first start records its key.
    assert_eq!(refusal(&url, &a).await, None);
    assert_refused_with_the_fix(refusal(&url, &b).await);
    assert_eq!(refusal(&url, &a).await, None, "the right key still starts");

    // A database from before the check value: its sealed secrets decide, and
    // a wrong key is never recorded as the right one.
    let mut app = spawn_app_on_with(
        TestDatabase::shared(&database.url),
        crate::helpers::Options {
            secret_key: Some(a.clone()),
            ..Default::default()
        },
    )
    .await;
    let ana = app.new_user().await;
    app.create_instance(&ana, "Antes da verificação", "11 98888-7777")
        .await;
    // Stopped, not only told to stop: SQLite takes one server at a time.
    assert!(app.stop(Duration::from_secs(15)).await);
    let forget = "DELETE FROM app_setting WHERE key = 'secret_key_check' RETURNING key";
    assert_eq!(rows(&url, forget).await.len(), 1);
    assert_refused_with_the_fix(refusal(&url, &b).await);
    assert_eq!(refusal(&url, &a).await, None);
    let recorded = rows(
        &url,
        "SELECT value FROM app_setting WHERE key = 'secret_key_check'",
    )
    .await;
    assert_eq!(recorded.len(), 1, "the check is recorded again");
    assert!(secret_box(&a).decrypt(&recorded[0]).is_ok());
}

/// A receiver of forward webhooks keeping what it got.
#[derive(Clone, Default)]
struct Receiver(Arc<Mutex<Vec<(HeaderMap, String)>>>);

async fn start_receiver() -> (String, Receiver) {
    let receiver = Receiver::default();
    let kept = receiver.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let kept = kept.clone();
            async move {
                kept.0.lock().unwrap().push((headers, body));
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, receiver)
}

/// Whether a delivery after the first `skip` says the instance connected,
/// signed with `secret`.
fn connected_signed_with(receiver: &Receiver, skip: usize, secret: &str) -> bool {
    receiver
        .0
        .lock()
        .unwrap()
        .iter()
        .skip(skip)
        .any(|(headers, body)| {
            let connected = serde_json::from_str::<Value>(body).is_ok_and(|b| {
                b["event"] == "instance.status" && b["data"]["status"] == "connected"
            });
            let signature = headers["x-zapfleet-signature"].to_str().unwrap();
            let t: i64 = signature
                .split(',')
                .next()
                .unwrap()
                .trim_start_matches("t=")
                .parse()
                .unwrap();
            connected && signature == zapfleet::services::forwarding::signature(secret, t, body)
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rekey_moves_every_secret_to_the_new_key_on_sqlite() {
    rekey_moves_every_secret_to_the_new_key(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rekey_moves_every_secret_to_the_new_key_on_postgres() {
    rekey_moves_every_secret_to_the_new_key(Backend::Postgres).await;
}

async fn rekey_moves_every_secret_to_the_new_key(backend: Backend) {
    let provider = provider().await;
    let Some(database) = fresh_database(backend).await else {
        return;
    };
    let url = database.url.clone();
    let (a, b) = (key("a1"), key("b2"));
    let (hook, receiver) = start_receiver().await;

    // A server on key A: a connected instance, both kinds of forward webhook.
    let old = spawn_app_on_with(
        TestDatabase::shared(&database.url),
        on_provider(&provider, &a),
    )
    .await;
    let ana = old.new_user().await;
    let user_hook = json!({"url": hook, "events": ["instance.status"], "secret": USER_SECRET});
    let saved = old
        .request(&ana, Method::PUT, "/api/webhook")
        .json(&user_hook)
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), StatusCode::OK);
    let instance = old.connected_instance(&ana, "Rotação").await;
    let id = instance["id"].as_str().unwrap().to_owned();
    // The deliveries keep their own sealed copy of the secret.
    eventually(Duration::from_secs(15), "delivered under A", || async {
        connected_signed_with(&receiver, 0, USER_SECRET).then_some(())
    })
    .await;
    let instance_hook = json!({"forwardWebhook": {"url": hook, "events": ["instance.status"], "secret": INSTANCE_SECRET}});
    let saved = old
        .request(&ana, Method::PUT, &format!("/api/instances/{id}/config"))
        .json(&instance_hook)
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), StatusCode::OK);
    let old_address = old.address.trim_start_matches("http://").to_owned();
    drop(old);
    eventually(
        Duration::from_secs(10),
        "the old server stopped",
        || async {
            tokio::net::TcpStream::connect(&old_address)
                .await
                .is_err()
                .then_some(())
        },
    )
    .await;

    // A deletion still owed at the provider, sealed with A.
    let store = Store::connect(&url).await.unwrap();
    let owed = secret_box(&a).encrypt("token-still-owed");
    store
        .queue_provider_deletion(&owed, Timestamp::now())
        .await
        .unwrap();
    let before = sealed_values(&url).await;
    let deliveries = rows(&url, "SELECT id FROM webhook_delivery").await;
    assert!(!deliveries.is_empty());
    assert!(before.len() >= 6 + deliveries.len(), "{before:?}");
    assert!(before.iter().all(|v| secret_box(&a).decrypt(v).is_ok()));
    assert_refused_with_the_fix(refusal(&url, &b).await);

    // A wrong old key changes nothing.
    let wrong = zapfleet(&url, &b, None, &["rekey", "--old-key", &key("c3")]);
    assert!(!wrong.status.success());
    assert!(
        stderr(&wrong).contains("do not open with the old key, so nothing was changed"),
        "{}",
        stderr(&wrong)
    );
    assert_eq!(sealed_values(&url).await, before);

    // One value no key here opens: the rotation names it and changes nothing
    // (the owed deletion is kept).
    let stray = secret_box(&key("d4")).encrypt("token-of-another-key");
    store
        .queue_provider_deletion(&stray, Timestamp::now())
        .await
        .unwrap();
    let stray_id = rows(
        &url,
        &format!(r#"SELECT id FROM provider_deletion WHERE "providerToken" = '{stray}'"#),
    )
    .await
    .remove(0);
    let with_stray = sealed_values(&url).await;
    let stopped = zapfleet(&url, &b, Some(&a), &["rekey"]);
    assert!(!stopped.status.success());
    let said = stderr(&stopped);
    assert!(
        said.contains("1 stored secret(s) do not open with the old key, so nothing was changed")
            && said.contains(&format!("provider_deletion.providerToken of {stray_id}")),
        "{said}"
    );
    assert_eq!(sealed_values(&url).await, with_stray);
    // The operator ends that session at the provider by hand and drops the row.
    let dropped = format!("DELETE FROM provider_deletion WHERE id = '{stray_id}' RETURNING id");
    assert_eq!(rows(&url, &dropped).await.len(), 1);

    // The rotation: every value now opens with B only.
    let rotated = zapfleet(&url, &b, Some(&a), &["rekey"]);
    assert!(rotated.status.success(), "{}", stderr(&rotated));
    assert!(
        stderr(&rotated).contains(&format!("{} secret(s) re-sealed", before.len())),
        "{}",
        stderr(&rotated)
    );
    let after = sealed_values(&url).await;
    assert_eq!(after.len(), before.len());
    for value in &after {
        assert!(secret_box(&b).decrypt(value).is_ok(), "{value}");
        assert!(secret_box(&a).decrypt(value).is_err(), "{value}");
    }
    let deletions = store
        .due_provider_deletions(Timestamp::now().plus_millis(60_000), 10)
        .await
        .unwrap();
    assert_eq!(deletions.len(), 1, "the owed deletion is still owed");
    assert_eq!(
        secret_box(&b).decrypt(&deletions[0].token_sealed).unwrap(),
        "token-still-owed"
    );
    store.close().await;
    assert_refused_with_the_fix(refusal(&url, &a).await);
    // Run again, it finds everything under the new key already.
    let again = zapfleet(&url, &b, Some(&a), &["rekey"]);
    assert!(
        again.status.success() && stderr(&again).contains("0 secret(s) re-sealed"),
        "{}",
        stderr(&again)
    );

    // A server on key B: the instance connects again, and both webhooks get
    // the news signed with their secrets.
    let new = spawn_app_on_with(
        TestDatabase::shared(&database.url),
        on_provider(&provider, &b),
    )
    .await;
    let seen = receiver.0.lock().unwrap().len();
    let disconnected = new.act(&ana, &id, "disconnect", None).await;
    assert_eq!(disconnected.status(), StatusCode::OK);
    let started: Value = new
        .act(&ana, &id, "connect", None)
        .await
        .json()
        .await
        .unwrap();
    let qrcode = started["login"]["qrcode"].as_str().expect("a QR code");
    assert_eq!(new.scan(qrcode).await, StatusCode::OK);
    new.wait_for_status(&ana, &id, "connected", Duration::from_secs(15))
        .await;
    eventually(
        Duration::from_secs(15),
        "both webhooks delivered",
        || async {
            (connected_signed_with(&receiver, seen, USER_SECRET)
                && connected_signed_with(&receiver, seen, INSTANCE_SECRET))
            .then_some(())
        },
    )
    .await;
}
