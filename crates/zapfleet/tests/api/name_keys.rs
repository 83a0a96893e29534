//! Upgrading the stored name keys to the NFKC rule: instances saved by the
//! previous release (keys folded by NFC + lower case only, format characters
//! kept) get the new keys at start-up, a pair that now collides keeps the later
//! one's old key rather than failing start-up, and look-alikes are refused after.

use crate::helpers::{Backend, TestDatabase, fresh_database};
use std::str::FromStr;
use zapfleet::config::Config;
use zapfleet::domain::UserId;
use zapfleet::error::AppError;
use zapfleet::services::instances::{self, CreateInstance};
use zapfleet::services::upgrade::refresh_name_keys;
use zapfleet::startup;

async fn execute(database: &TestDatabase, backend: Backend, sql: &str) {
    use sqlx::{ConnectOptions, Connection};
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    match backend {
        Backend::Sqlite => {
            let mut conn = sqlx::sqlite::SqliteConnectOptions::from_str(&database.url)
                .unwrap()
                .connect()
                .await
                .unwrap();
            sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
        }
        Backend::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&database.url).await.unwrap();
            sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
        }
    }
}

/// Starts the server's upgrade steps over `database`, as `serve` and `migrate` do.
async fn start(database: &TestDatabase) -> zapfleet::services::platform::Platform {
    let dir = std::env::temp_dir();
    let config = Config::load_from(None, |key| match key {
        "DATABASE_URL" => Some(database.url.clone()),
        "ZAPFLEET_SECRET_KEY" => Some("42".repeat(32)),
        "ZAPFLEET_DATA_DIR" => Some(dir.display().to_string()),
        _ => None,
    })
    .unwrap();
    startup::command_platform(&config).await.unwrap()
}

async fn keys_are_recomputed_at_start_up(backend: Backend) {
    let Some(database) = fresh_database(backend).await else {
        return;
    };
    let platform = start(&database).await;
    platform.store().close().await;
    // What the previous release left: its keys, and no record of the rule.
    let insert = |id: &str, name: &str, key: &str, at: i64| {
        format!(
            r#"INSERT INTO whatsapp_instance (id, name, "nameKey", status, "userId", "instanceKey", "createdAt", "updatedAt",
                config, "webhookSecret", "webhookSecretHash")
               VALUES ('{id}', '{name}', '{key}', 'disconnected', 'u-ana', 'key-{id}', {at}, {at}, '{{}}', 'v1:x', 'hash-{id}');"#
        )
    };
    let time = |ms: i64| match backend {
        Backend::Sqlite => ms.to_string(),
        Backend::Postgres => format!("to_timestamp({ms} / 1000.0)"),
    };
    let seed = [
        r#"INSERT INTO "user" (id, email, "passwordHash", "isAdmin", disabled, locale, "createdAt", "updatedAt")
           VALUES ('u-ana', 'ana@loja.com.br', 'hash', TRUE, FALSE, 'pt-BR', 0, 0);"#
            .replace("0, 0)", &format!("{}, {})", time(0), time(0))),
        insert("i-wide", "ＬＯＪＡ Norte", "ｌｏｊａ norte", 1).replace("1, 1,", &format!("{}, {},", time(1), time(1))),
        insert("i-plain", "LojaCentro", "lojacentro", 2).replace("2, 2,", &format!("{}, {},", time(2), time(2))),
        insert("i-zw", "Loja\u{200b}Centro", "loja\u{200b}centro", 3).replace("3, 3,", &format!("{}, {},", time(3), time(3))),
        "DELETE FROM app_setting WHERE key = 'name_key_version';".to_owned(),
    ]
    .join("\n");
    let seed = match backend {
        Backend::Sqlite => seed.replace("TRUE", "1").replace("FALSE", "0"),
        Backend::Postgres => seed,
    };
    execute(&database, backend, &seed).await;

    let platform = start(&database).await;
    let keys = platform.store().instance_name_keys().await.unwrap();
    let key_of = |id: &str| {
        keys.iter()
            .find(|(i, ..)| i.as_str() == id)
            .unwrap()
            .2
            .clone()
    };
    assert_eq!(key_of("i-wide"), "loja norte", "compatibility forms folded");
    assert_eq!(key_of("i-plain"), "lojacentro");
    assert_eq!(
        key_of("i-zw"),
        "loja\u{200b}centro",
        "the later look-alike keeps its old key instead of failing start-up"
    );
    assert_eq!(platform.store().name_key_version().await.unwrap(), 2);

    // Look-alikes of the upgraded names are refused now.
    let ana = UserId::from_raw("u-ana");
    for look_alike in ["Loja Norte", "ＬｏｊａＣｅｎｔｒｏ"] {
        let input = CreateInstance {
            name: look_alike.to_owned(),
            phone: "11 98888-7777".to_owned(),
        };
        let refused = instances::create(&platform, &ana, input).await;
        assert!(
            matches!(refused, Err(AppError::Conflict { field: "name", .. })),
            "{look_alike}: {refused:?}"
        );
    }
    // A second start has nothing left to do.
    assert_eq!(refresh_name_keys(&platform).await.unwrap(), 0);
    platform.store().close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_name_keys_are_recomputed_at_start_up() {
    keys_are_recomputed_at_start_up(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_name_keys_are_recomputed_at_start_up() {
    keys_are_recomputed_at_start_up(Backend::Postgres).await;
}
