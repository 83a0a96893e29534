//! Upgrades never lose data: a database made by the previous release's schema,
//! with rows in every table, is migrated in place to store v2, and every row is
//! compared before and after (times, flags, JSON and days in their new types),
//! on SQLite and on PostgreSQL.

use crate::helpers::{Backend, TestDatabase, fresh_database};
use serde_json::{Value, json};
use sqlx::migrate::Migrator;
use sqlx::{ConnectOptions, Connection, Row};
use std::borrow::Cow;
use std::path::Path;
use std::str::FromStr;
use zapfleet::config::Config;
use zapfleet::domain::{EventKind, Media, MessageStatus, UserId};
use zapfleet::services::platform::Platform;
use zapfleet::startup;
use zapfleet::store::MessageFilter;

/// The last migration of the previous release.
const PREVIOUS_RELEASE: i64 = 20261129000005;
/// 2025-11-29T00:00:00.123Z.
const T0: i64 = 1_764_374_400_123;
const KEY: &str = "4242424242424242424242424242424242424242424242424242424242424242";

/// Rows in every table of the previous schema (the same text runs on both backends).
fn seed() -> String {
    let t = |ms: i64| (T0 + ms).to_string();
    let text = format!(
        r#"
INSERT INTO "user" (id, email, "passwordHash", "isAdmin", disabled, locale, "createdAt", "updatedAt") VALUES
 ('u-ana', 'ana@loja.com.br', 'hash-a', 1, 0, 'pt-BR', {t0}, {t0}),
 ('u-bia', 'bia@loja.com.br', 'hash-b', 0, 1, 'en', {t100}, {t200});
INSERT INTO api_token (id, "userId", name, "tokenHash", prefix, "createdAt", "lastUsedAt", "revokedAt") VALUES
 ('t-live', 'u-ana', 'integração', 'hash-live', 'zf_abcdef', {t200}, {t1000}, NULL),
 ('t-gone', 'u-ana', 'antiga', 'hash-gone', 'zf_ghijkl', {t300}, NULL, {t2000});
INSERT INTO web_session (id, "userId", "createdAt", "expiresAt") VALUES ('s-hash', 'u-ana', {t400}, 4102444800000);
INSERT INTO app_setting (key, value) VALUES ('signups_open', 'false');
INSERT INTO whatsapp_instance (id, name, "nameKey", phone, status, "userId", "instanceKey", "createdAt", "updatedAt",
  "lastConnection", config, "provisionState", "provisionError", "provisionAttempts", "nextProvisionAt", "providerId",
  "providerToken", "webhookSecret", "webhookSecretHash", "profileName", "loggedOut", "reconnectAttempts",
  "nextReconnectAt", "nextPollAt", "loginMethod", "loginCode", "loginExpiresAt", "nextSendAt") VALUES
 ('i-centro', 'Loja Centro', 'loja centro', '5511999999999', 'connected', 'u-ana', 'key-centro-0000000000',
  {t0}, {t1000}, {t500},
  '{{"autoReconnect":false,"forwardWebhook":{{"url":"https://example.com/h","events":["message.status"],"secret":"segredo-muito-longo-123"}},"futureKey":7}}',
  'ready', NULL, 1, 0, 'prov-1', 'v1:token-1', 'v1:secret-1', 'hash-centro', 'Loja Centro Oficial', 0, 0, NULL,
  {t60000}, NULL, NULL, NULL, {t3000}),
 ('i-pend', 'Pendente', 'pendente', '5511988887777', 'disconnected', 'u-ana', 'key-pend-000000000000',
  {t10}, {t10}, NULL, '{{}}', 'pending', 'provider down', 2, {t9000}, NULL, NULL, 'v1:secret-2', 'hash-pend', NULL,
  0, 0, NULL, 0, NULL, NULL, NULL, 0),
 ('i-qr', 'Conectando', 'conectando', NULL, 'connecting', 'u-bia', 'key-qr-00000000000000',
  {t20}, {t30}, NULL, '{{"messageDelayMinMs":0,"messageDelayMaxMs":0}}', 'ready', NULL, 1, 0, 'prov-3', 'v1:token-3',
  'v1:secret-3', 'hash-qr', NULL, 1, 3, {t7000}, {t2000}, 'qr', 'data:image/png;base64,AAAA', {t120000}, 0);
INSERT INTO instance_status_history (id, "instanceId", "fromStatus", "toStatus", reason, source, at) VALUES
 ('h1', 'i-centro', 'disconnected', 'connecting', 'connect requested by the user', 'user', {t100}),
 ('h2', 'i-centro', 'connecting', 'connected', 'connected', 'webhook', {t500});
INSERT INTO provider_deletion (id, "providerToken", attempts, "nextAttemptAt", "lastError", "createdAt") VALUES
 ('d1', 'v1:old-token', 2, {t5000}, 'HTTP 503', {t1});
INSERT INTO message (id, "instanceId", direction, peer, kind, body, "mediaUrl", "fileName", status,
  "providerMessageId", "idempotencyKey", attempts, "nextAttemptAt", "expiresAt", error, seq, "createdAt",
  "updatedAt", "sentAt", "deliveredAt", "readAt") VALUES
 ('m1', 'i-centro', 'out', '5511977776666', 'text', 'Olá, tudo bem? ção', NULL, NULL, 'read', 'wa-1', 'pedido-42',
  1, {t10}, {t300000}, NULL, 1764374400123000, {t10}, {t20}, {t11}, {t12}, {t13}),
 ('m2', 'i-centro', 'out', '5511977776666', 'image', NULL, 'aGVsbG8gd29ybGQ=', NULL, 'sent', 'wa-2', NULL,
  1, {t30}, {t300000}, NULL, 1764374400123001, {t30}, {t31}, {t31}, NULL, NULL),
 ('m3', 'i-centro', 'out', '5511977776666', 'document', 'contrato', 'https://example.com/c.pdf', 'contrato.pdf',
  'queued', NULL, NULL, 0, 0, {t300000}, 'No session', 1764374400123002, {t40}, {t40}, NULL, NULL, NULL),
 ('m4', 'i-centro', 'in', '5511911112222', 'text', 'oi', NULL, NULL, 'received', 'wa-in-1', NULL,
  0, 0, NULL, NULL, {t50}, {t50}, {t50}, NULL, NULL, NULL);
INSERT INTO instance_daily_stats ("instanceId", day, sent, received, failed, delivered, "read", disconnections, "connectedMs")
 VALUES ('i-centro', '2025-11-29', 2, 1, 0, 1, 1, 0, 500);
INSERT INTO message_receipt_pending ("instanceId", "providerMessageId", status, at) VALUES ('i-centro', 'wa-9', 'delivered', {t60});
INSERT INTO user_webhook ("userId", url, events, secret, "updatedAt") VALUES
 ('u-ana', 'https://example.com/all', '["instance.status"]', 'segredo-do-usuario-456', {t70});
INSERT INTO webhook_delivery (id, "userId", "instanceId", url, secret, event, body, status, attempts, "nextAttemptAt",
  "lastError", "createdAt", "deliveredAt") VALUES
 ('w1', 'u-ana', 'i-centro', 'https://example.com/all', 'v1:sealed', 'instance.status',
  '{{"event":"instance.status","data":{{"id":"i-centro"}}}}', 'pending', 0, {t80}, NULL, {t80}, NULL),
 ('w2', 'u-ana', NULL, 'https://example.com/all', 'v1:sealed', 'message.status', '{{"event":"message.status"}}',
  'dead', 10, {t90}, 'HTTP 500', {t81}, NULL);
INSERT INTO instance_config_history (id, "instanceId", config, "changedAt") VALUES
 ('c1', 'i-centro', '{{"autoReconnect":false,"forwardWebhook":{{"url":"https://example.com/h","events":["message.status"],"secret":"segredo-muito-longo-123"}}}}', {t95});
"#,
        t0 = t(0),
        t1 = t(1),
        t10 = t(10),
        t11 = t(11),
        t12 = t(12),
        t13 = t(13),
        t20 = t(20),
        t30 = t(30),
        t31 = t(31),
        t40 = t(40),
        t50 = t(50),
        t60 = t(60),
        t70 = t(70),
        t80 = t(80),
        t81 = t(81),
        t90 = t(90),
        t95 = t(95),
        t100 = t(100),
        t200 = t(200),
        t300 = t(300),
        t400 = t(400),
        t500 = t(500),
        t1000 = t(1000),
        t2000 = t(2000),
        t3000 = t(3000),
        t5000 = t(5000),
        t7000 = t(7000),
        t9000 = t(9000),
        t60000 = t(60000),
        t120000 = t(120000),
        t300000 = t(300000),
    );
    sealed_as_the_previous_release_did(text)
}

/// The sealed values of the seed, sealed with [`KEY`] as the previous release
/// sealed them (a start checks that the key opens the database's secrets).
fn sealed_as_the_previous_release_did(mut text: String) -> String {
    let secrets = zapfleet::crypto::SecretBox::new(&zapfleet::crypto::parse_key(KEY).unwrap());
    for plain in [
        "token-1",
        "token-3",
        "secret-1",
        "secret-2",
        "secret-3",
        "old-token",
        "sealed",
    ] {
        text = text.replace(
            &format!("'v1:{plain}'"),
            &format!("'{}'", secrets.encrypt(plain)),
        );
    }
    text
}

/// A connection of the test's own, below the application.
enum Raw {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

/// How a column is compared: its value in the previous schema's terms.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Int,
    /// Unix milliseconds before; timestamptz on PostgreSQL after.
    Time,
    /// 0/1 before; boolean on PostgreSQL after.
    Flag,
    /// Text before; jsonb on PostgreSQL after (compared parsed).
    Json,
    /// `YYYY-MM-DD` before; date on PostgreSQL after.
    Day,
}

use Kind::*;

impl Raw {
    async fn open(database: &TestDatabase, backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => Self::Sqlite(
                sqlx::sqlite::SqliteConnectOptions::from_str(&database.url)
                    .unwrap()
                    .create_if_missing(true)
                    .connect()
                    .await
                    .unwrap(),
            ),
            Backend::Postgres => {
                Self::Postgres(sqlx::PgConnection::connect(&database.url).await.unwrap())
            }
        }
    }

    /// Builds the previous release's schema from the migration files.
    async fn previous_release_schema(&mut self) {
        let folder = match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        };
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(folder);
        let mut migrator = Migrator::new(dir.as_path()).await.unwrap();
        let old: Vec<_> = migrator
            .migrations
            .iter()
            .filter(|m| m.version <= PREVIOUS_RELEASE)
            .cloned()
            .collect();
        assert_eq!(old.len(), 5, "the previous release had five migrations");
        migrator.migrations = Cow::Owned(old);
        match self {
            Self::Sqlite(conn) => migrator.run(conn).await.unwrap(),
            Self::Postgres(conn) => migrator.run(conn).await.unwrap(),
        }
    }

    async fn execute(&mut self, sql: &str) {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        match self {
            Self::Sqlite(conn) => drop(sqlx::raw_sql(sql).execute(conn).await.unwrap()),
            Self::Postgres(conn) => drop(sqlx::raw_sql(sql).execute(conn).await.unwrap()),
        }
    }

    /// Every row of `table`, its columns in the previous schema's terms, by `order`.
    /// `upgraded`: read the new types.
    async fn rows(
        &mut self,
        table: &str,
        columns: &[(&str, Kind)],
        order: &str,
        upgraded: bool,
    ) -> Vec<Vec<Value>> {
        let postgres = matches!(self, Self::Postgres(_));
        let select: Vec<String> = columns
            .iter()
            .map(|(name, kind)| {
                let column = format!(r#""{name}""#);
                match (kind, postgres && upgraded) {
                    (Time, true) => {
                        format!("CAST(ROUND(EXTRACT(EPOCH FROM {column}) * 1000) AS BIGINT)")
                    }
                    (Flag, true) => format!("CAST(CASE WHEN {column} THEN 1 ELSE 0 END AS BIGINT)"),
                    (Json | Day, true) => format!("CAST({column} AS TEXT)"),
                    (Flag, false) if !postgres => format!("CAST({column} AS INTEGER)"),
                    _ => column,
                }
            })
            .collect();
        let sql = format!(
            r#"SELECT {} FROM "{table}" ORDER BY {order}"#,
            select.join(", ")
        );
        let sql = sqlx::AssertSqlSafe(sql);
        macro_rules! read {
            ($rows:expr) => {
                $rows
                    .iter()
                    .map(|row| {
                        columns
                            .iter()
                            .enumerate()
                            .map(|(i, (_, kind))| match kind {
                                Int | Time | Flag => {
                                    json!(row.try_get::<Option<i64>, _>(i).unwrap())
                                }
                                Json => row
                                    .try_get::<Option<String>, _>(i)
                                    .unwrap()
                                    .map_or(Value::Null, |t| serde_json::from_str(&t).unwrap()),
                                Text | Day => json!(row.try_get::<Option<String>, _>(i).unwrap()),
                            })
                            .collect()
                    })
                    .collect()
            };
        }
        match self {
            Self::Sqlite(conn) => read!(sqlx::query(sql).fetch_all(conn).await.unwrap()),
            Self::Postgres(conn) => read!(sqlx::query(sql).fetch_all(conn).await.unwrap()),
        }
    }
}

/// A table, its columns and the order its rows are compared in.
type TableColumns = (&'static str, &'static [(&'static str, Kind)], &'static str);

/// Tables whose every column is carried over as it was (in its new type).
const UNCHANGED: &[TableColumns] = &[
    (
        "user",
        &[
            ("id", Text),
            ("email", Text),
            ("passwordHash", Text),
            ("isAdmin", Flag),
            ("disabled", Flag),
            ("locale", Text),
            ("createdAt", Time),
            ("updatedAt", Time),
        ],
        "id",
    ),
    (
        "api_token",
        &[
            ("id", Text),
            ("userId", Text),
            ("name", Text),
            ("tokenHash", Text),
            ("prefix", Text),
            ("createdAt", Time),
            ("lastUsedAt", Time),
            ("revokedAt", Time),
        ],
        "id",
    ),
    (
        "web_session",
        &[
            ("id", Text),
            ("userId", Text),
            ("createdAt", Time),
            ("expiresAt", Time),
        ],
        "id",
    ),
    (
        "whatsapp_instance",
        &[
            ("id", Text),
            ("name", Text),
            ("nameKey", Text),
            ("phone", Text),
            ("status", Text),
            ("userId", Text),
            ("instanceKey", Text),
            ("createdAt", Time),
            ("updatedAt", Time),
            ("lastConnection", Time),
            ("provisionState", Text),
            ("provisionError", Text),
            ("providerId", Text),
            ("providerToken", Text),
            ("webhookSecret", Text),
            ("webhookSecretHash", Text),
            ("profileName", Text),
            ("loggedOut", Flag),
            ("loginMethod", Text),
            ("loginCode", Text),
            ("loginExpiresAt", Time),
        ],
        "id",
    ),
    (
        "instance_status_history",
        &[
            ("id", Text),
            ("instanceId", Text),
            ("fromStatus", Text),
            ("toStatus", Text),
            ("reason", Text),
            ("source", Text),
            ("at", Time),
        ],
        "id",
    ),
    (
        "provider_deletion",
        &[
            ("id", Text),
            ("providerToken", Text),
            ("attempts", Int),
            ("nextAttemptAt", Time),
            ("lastError", Text),
            ("createdAt", Time),
        ],
        "id",
    ),
    (
        "message",
        &[
            ("id", Text),
            ("instanceId", Text),
            ("direction", Text),
            ("peer", Text),
            ("kind", Text),
            ("body", Text),
            ("fileName", Text),
            ("status", Text),
            ("providerMessageId", Text),
            ("idempotencyKey", Text),
            ("attempts", Int),
            ("nextAttemptAt", Time),
            ("expiresAt", Time),
            ("error", Text),
            ("seq", Int),
            ("createdAt", Time),
            ("updatedAt", Time),
            ("sentAt", Time),
            ("deliveredAt", Time),
            ("readAt", Time),
        ],
        "id",
    ),
    (
        "instance_daily_stats",
        &[
            ("instanceId", Text),
            ("day", Day),
            ("sent", Int),
            ("received", Int),
            ("failed", Int),
            ("delivered", Int),
            ("read", Int),
            ("disconnections", Int),
            ("connectedMs", Int),
        ],
        r#""instanceId", day"#,
    ),
    (
        "message_receipt_pending",
        &[
            ("instanceId", Text),
            ("providerMessageId", Text),
            ("status", Text),
            ("at", Time),
        ],
        r#""instanceId", "providerMessageId""#,
    ),
    (
        "webhook_delivery",
        &[
            ("id", Text),
            ("userId", Text),
            ("instanceId", Text),
            ("url", Text),
            ("secret", Text),
            ("event", Text),
            ("body", Json),
            ("status", Text),
            ("attempts", Int),
            ("nextAttemptAt", Time),
            ("lastError", Text),
            ("createdAt", Time),
            ("deliveredAt", Time),
        ],
        "id",
    ),
];

async fn upgrade_in_place(backend: Backend) {
    let Some(database) = fresh_database(backend).await else {
        return;
    };
    let mut raw = Raw::open(&database, backend).await;
    raw.previous_release_schema().await;
    raw.execute(&seed()).await;
    let mut before = Vec::new();
    for (table, columns, order) in UNCHANGED {
        before.push(raw.rows(table, columns, order, false).await);
    }
    let moved = [
        ("provisionAttempts", Int),
        ("nextProvisionAt", Time),
        ("nextPollAt", Time),
        ("reconnectAttempts", Int),
        ("nextReconnectAt", Time),
        ("nextSendAt", Time),
        ("provisionState", Text),
    ];
    let schedule_before = raw.rows("whatsapp_instance", &moved, "id", false).await;
    let media_before = raw
        .rows("message", &[("id", Text), ("mediaUrl", Text)], "id", false)
        .await;

    let platform = upgrade(&database).await;

    for ((table, columns, order), expected) in UNCHANGED.iter().zip(before) {
        let after = raw.rows(table, columns, order, true).await;
        assert_eq!(after, expected, "{table}: every row, every column");
    }
    // The scheduling columns left the instance row for instance_schedule;
    // "nothing due" is NULL now instead of 0 or a value nobody reads.
    let schedule_after = raw
        .rows("instance_schedule", &moved[..6], r#""instanceId""#, true)
        .await;
    let expected: Vec<Vec<Value>> = schedule_before
        .into_iter()
        .map(|mut row| {
            let ready = row[6] == "ready";
            row.truncate(6);
            if ready {
                row[1] = Value::Null;
            } else {
                row[2] = Value::Null;
            }
            if row[5] == 0 {
                row[5] = Value::Null;
            }
            row
        })
        .collect();
    assert_eq!(schedule_after, expected, "instance_schedule");
    // Uploads left the message row; URLs stayed.
    let media_after = raw
        .rows("message", &[("id", Text), ("mediaUrl", Text)], "id", true)
        .await;
    let uploads = raw
        .rows(
            "message_media",
            &[("messageId", Text), ("bytes", Int), ("data", Text)],
            r#""messageId""#,
            true,
        )
        .await;
    for (before, after) in media_before.iter().zip(&media_after) {
        match before[1].as_str() {
            Some(url) if url.starts_with("https://") => assert_eq!(after, before),
            Some(data) => {
                assert_eq!(after[1], Value::Null);
                assert!(
                    uploads.contains(&vec![before[0].clone(), json!(11), json!(data)]),
                    "{uploads:?}"
                );
            }
            None => assert_eq!(after, before),
        }
    }
    assert_eq!(uploads.len(), 1);
    check_through_the_application(&platform, &mut raw).await;
    // A second run finds nothing left to do.
    assert_eq!(
        zapfleet::services::upgrade::seal_plain_secrets(&platform)
            .await
            .unwrap(),
        0
    );
    platform.store().close().await;
}

/// Migrates and finishes the upgrade as `zapfleet migrate` does.
async fn upgrade(database: &TestDatabase) -> Platform {
    let dir = std::env::temp_dir();
    let config = Config::load_from(None, |key| match key {
        "DATABASE_URL" => Some(database.url.clone()),
        "ZAPFLEET_SECRET_KEY" => Some(KEY.to_owned()),
        "ZAPFLEET_DATA_DIR" => Some(dir.display().to_string()),
        _ => None,
    })
    .unwrap();
    startup::command_platform(&config).await.unwrap()
}

/// What changed form reads back right through the store and the services.
async fn check_through_the_application(platform: &Platform, raw: &mut Raw) {
    let store = platform.store();
    let ana = UserId::from_raw("u-ana");
    let centro = zapfleet::domain::InstanceId::from_raw("i-centro");

    // Settings: a key of a newer version kept, the secret sealed under this key.
    let instance = store.get_instance(&ana, &centro).await.unwrap().unwrap();
    assert!(!instance.settings.auto_reconnect);
    assert_eq!(instance.settings.unknown["futureKey"], 7);
    let hook = instance.settings.forward_webhook.clone().unwrap();
    assert_eq!(hook.events, vec![EventKind::MessageStatus]);
    assert!(hook.secret_sealed.starts_with("v1:"));
    assert_eq!(
        platform.secrets.decrypt(&hook.secret_sealed).unwrap(),
        "segredo-muito-longo-123"
    );
    let user_hook = store.user_webhook(&ana).await.unwrap().unwrap();
    assert_eq!(user_hook.events, vec![EventKind::InstanceStatus]);
    assert_eq!(
        platform.secrets.decrypt(&user_hook.secret_sealed).unwrap(),
        "segredo-do-usuario-456"
    );
    // Versions keep no secret at all.
    let history = store.config_history(&ana, &centro, 10).await.unwrap();
    assert_eq!(
        history[0].1,
        json!({"autoReconnect": false, "forwardWebhook": {"url": "https://example.com/h", "events": ["message.status"]}})
    );
    let stored = [
        ("whatsapp_instance", "config", Json),
        ("instance_config_history", "config", Json),
        ("user_webhook", "secret", Text),
    ];
    for (table, column, kind) in stored {
        let rows = raw.rows(table, &[(column, kind)], "1", true).await;
        assert!(
            !format!("{rows:?}").contains("segredo-"),
            "{table}.{column} holds a plaintext secret: {rows:?}"
        );
    }

    // History keeps its order (newest first).
    let history = store.status_history(&ana, &centro, 10).await.unwrap();
    let reasons: Vec<&str> = history.iter().map(|h| h.reason.as_str()).collect();
    assert_eq!(reasons, ["connected", "connect requested by the user"]);

    // Messages: the order, the upload and its size, the idempotency key.
    let (messages, total) = store
        .list_messages(&ana, &centro, MessageFilter::default(), 1, 10)
        .await
        .unwrap();
    assert_eq!(total, 4);
    let ids: Vec<&str> = messages.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["m3", "m2", "m1", "m4"], "newest first, by send order");
    let upload = messages.iter().find(|m| m.id.as_str() == "m2").unwrap();
    assert_eq!(upload.media, Some(Media::Upload { bytes: 11 }));
    assert_eq!(
        store.media_data(&upload.id).await.unwrap().as_deref(),
        Some("aGVsbG8gd29ybGQ=")
    );
    let queued = store.next_queued(&centro).await.unwrap().unwrap();
    assert_eq!(
        (queued.id.as_str(), queued.status),
        ("m3", MessageStatus::Queued)
    );

    // The first account is marked so the next sign-up is not "first" again.
    assert_eq!(
        store.setting("first_user").await.unwrap().as_deref(),
        Some("u-ana")
    );
    assert_eq!(
        store.setting("signups_open").await.unwrap().as_deref(),
        Some("false")
    );
    let users = store.list_users().await.unwrap();
    assert!(users[0].is_admin && !users[0].disabled);
    assert!(users[1].disabled && users[1].locale == zapfleet::i18n::Locale::En);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_database_of_the_previous_release_upgrades_with_nothing_lost() {
    upgrade_in_place(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_database_of_the_previous_release_upgrades_with_nothing_lost() {
    upgrade_in_place(Backend::Postgres).await;
}
