//! `spawn_app`, `TestApp` and one helper per endpoint.

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use sqlx::{Connection, Executor};
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::{OnceCell, oneshot};
use zapfleet::config::{Config, LogFormat};
use zapfleet::services::accounts;
use zapfleet::startup::Application;
use zapfleet::store::Store;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each named `async fn(TestApp)` once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(app) = $crate::helpers::spawn_app($crate::helpers::Backend::Sqlite).await {
                    super::$name(app).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = $crate::helpers::spawn_app($crate::helpers::Backend::Postgres).await {
                    super::$name(app).await;
                }
            }
        }
    )+};
}

/// The PostgreSQL server tests use (`TEST_DATABASE_URL`, default the local `test` database).
pub fn postgres_admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

static POSTGRES_UP: OnceCell<bool> = OnceCell::const_new();

/// Whether PostgreSQL answers. Locally a missing server skips the PostgreSQL half of
/// each story, loudly; with `CI=true` it fails the test instead.
async fn postgres_available() -> bool {
    let up = *POSTGRES_UP
        .get_or_init(|| async {
            let url = postgres_admin_url();
            let connect = sqlx::PgConnection::connect(&url);
            match tokio::time::timeout(Duration::from_secs(5), connect).await {
                Ok(Ok(mut conn)) => {
                    sweep_stale_schemas(&mut conn).await;
                    true
                }
                _ => false,
            }
        })
        .await;
    if !up {
        let message = format!(
            "PostgreSQL is not reachable at {}: start it or set TEST_DATABASE_URL",
            postgres_admin_url()
        );
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{message} (CI=true: PostgreSQL tests may not be skipped)");
        }
        eprintln!("\n*** SKIPPED (PostgreSQL) *** {message}\n");
    }
    up
}

/// Drops schemas earlier runs left behind (older than an hour, so a parallel run's
/// schemas are safe). Each schema's name carries its creation time.
async fn sweep_stale_schemas(conn: &mut sqlx::PgConnection) {
    let cutoff = unix_seconds() - 3600;
    let names: Vec<(String,)> =
        sqlx::query_as("SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'zft\\_%'")
            .fetch_all(&mut *conn)
            .await
            .unwrap_or_default();
    for (name,) in names {
        let created = name.split('_').nth(1).and_then(|t| t.parse::<u64>().ok());
        if created.is_some_and(|t| t < cutoff) {
            let _ = conn
                .execute(sqlx::AssertSqlSafe(format!(
                    "DROP SCHEMA IF EXISTS \"{name}\" CASCADE"
                )))
                .await;
        }
    }
}

fn unix_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

fn lowercase_id() -> String {
    nanoid::nanoid!(
        12,
        &"abcdefghijklmnopqrstuvwxyz0123456789"
            .chars()
            .collect::<Vec<_>>()
    )
}

/// A fresh, empty database of the given kind; `None` when PostgreSQL is skipped.
pub async fn fresh_database(backend: Backend) -> Option<TestDatabase> {
    match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join(format!("zapfleet-test-{}", lowercase_id()));
            std::fs::create_dir_all(&dir).expect("temp dir");
            let url = format!("sqlite://{}", dir.join("zapfleet.db").display());
            Some(TestDatabase {
                url,
                dir: Some(dir),
            })
        }
        Backend::Postgres => {
            if !postgres_available().await {
                return None;
            }
            let schema = format!("zft_{}_{}", unix_seconds(), lowercase_id());
            let admin = postgres_admin_url();
            let mut conn = sqlx::PgConnection::connect(&admin)
                .await
                .expect("connect to PostgreSQL");
            conn.execute(sqlx::AssertSqlSafe(format!("CREATE SCHEMA \"{schema}\"")))
                .await
                .expect("create schema");
            let separator = if admin.contains('?') { '&' } else { '?' };
            let url = format!("{admin}{separator}options=-c%20search_path%3D{schema}");
            Some(TestDatabase { url, dir: None })
        }
    }
}

/// A database a test owns; an SQLite folder is removed when dropped.
pub struct TestDatabase {
    pub url: String,
    dir: Option<PathBuf>,
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// A running application and a client for it.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub store: Store,
    pub database: TestDatabase,
    shutdown: Option<oneshot::Sender<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Starts the application on port 0 with its own database.
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    let database = fresh_database(backend).await?;
    Some(spawn_app_on(database).await)
}

/// Starts the application on port 0 over an existing database.
pub async fn spawn_app_on(database: TestDatabase) -> TestApp {
    let config = Config {
        listen: "127.0.0.1:0".to_owned(),
        database_url: database.url.clone(),
        data_dir: std::env::temp_dir(),
        log_format: LogFormat::Text,
        uazapi_url: None,
        sandbox_listen: "127.0.0.1:0".to_owned(),
    };
    let app = Application::build(&config).await.expect("build app");
    let address = format!("http://{}", app.local_addr().expect("address"));
    let store = app.state().store.clone();
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(app.run_until_stopped(async move {
        let _ = rx.await;
    }));
    TestApp {
        address,
        client: reqwest::Client::new(),
        store,
        database,
        shutdown: Some(tx),
    }
}

/// A user with an API token.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub email: String,
    pub token: String,
}

impl TestApp {
    /// Creates a user (through the same service the CLI uses) and a token for them.
    pub async fn new_user(&self) -> TestUser {
        let email = format!("{}@example.com", lowercase_id());
        let user = accounts::create_user(&self.store, &email, "correct horse battery", false)
            .await
            .expect("create user");
        let token = accounts::issue_token(&self.store, &user.id, "tests")
            .await
            .expect("token");
        TestUser {
            email,
            token: token.secret,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// A request with the user's token.
    pub fn request(&self, user: &TestUser, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth(&user.token)
    }

    /// `POST /api/instances` with any JSON.
    pub async fn post_instance(&self, user: &TestUser, body: &Value) -> Response {
        self.request(user, Method::POST, "/api/instances")
            .json(body)
            .send()
            .await
            .expect("send")
    }

    /// Creates an instance and returns it; panics unless 201.
    pub async fn create_instance(&self, user: &TestUser, name: &str, phone: &str) -> Value {
        let response = self
            .post_instance(user, &json!({"name": name, "phone": phone}))
            .await;
        assert_eq!(response.status(), StatusCode::CREATED, "create {name}");
        response.json().await.expect("json")
    }

    /// `GET /api/instances?{query}`.
    pub async fn list_instances(&self, user: &TestUser, query: &str) -> Response {
        self.request(user, Method::GET, &format!("/api/instances?{query}"))
            .send()
            .await
            .expect("send")
    }

    /// `GET /api/instances/{id}`.
    pub async fn get_instance(&self, user: &TestUser, id: &str) -> Response {
        self.request(user, Method::GET, &format!("/api/instances/{id}"))
            .send()
            .await
            .expect("send")
    }

    /// `PATCH /api/instances/{id}`.
    pub async fn patch_instance(&self, user: &TestUser, id: &str, body: &Value) -> Response {
        self.request(user, Method::PATCH, &format!("/api/instances/{id}"))
            .json(body)
            .send()
            .await
            .expect("send")
    }

    /// `DELETE /api/instances/{id}`.
    pub async fn delete_instance(&self, user: &TestUser, id: &str) -> Response {
        self.request(user, Method::DELETE, &format!("/api/instances/{id}"))
            .send()
            .await
            .expect("send")
    }

    /// Sets a status directly in the database, standing in for the provider (which
    /// arrives with its own issue).
    pub async fn force_status(&self, id: &str, status: &str, last_connection_ms: Option<i64>) {
        let mut conn = sqlx::AnyConnection::connect(&self.database.url)
            .await
            .expect("connect");
        sqlx::query(
            r#"UPDATE whatsapp_instance SET status = $1, "lastConnection" = $2 WHERE id = $3"#,
        )
        .bind(status)
        .bind(last_connection_ms)
        .bind(id)
        .execute(&mut conn)
        .await
        .expect("update status");
    }
}

/// The `{"error": {...}}` of a response, checking its status.
pub async fn expect_error(response: Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status);
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    let body: Value = response.json().await.expect("json error body");
    assert!(body["error"]["code"].is_string(), "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
    body["error"].clone()
}
