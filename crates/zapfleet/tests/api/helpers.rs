//! `spawn_app`, `TestApp` and one helper per endpoint.

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use sqlx::{Connection, Executor};
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::{OnceCell, oneshot};
use zapfleet::clock::Clock;
use zapfleet::config::{Config, LogFormat};
use zapfleet::services::platform::{Platform, Tuning};
use zapfleet::services::{accounts, tokens};
use zapfleet::startup::Application;
use zapfleet::store::{Retention, Store};

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each named `async fn(TestApp)` once on SQLite and once on PostgreSQL.
/// With `stepped:` first, the apps run on a manual clock without background
/// workers: the test moves the clock and steps the workers itself.
#[macro_export]
macro_rules! on_both_backends {
    (stepped: $($name:ident),+ $(,)?) => {
        $crate::on_both_backends!(@with $crate::helpers::Options::stepped(); $($name),+);
    };
    ($($name:ident),+ $(,)?) => {
        $crate::on_both_backends!(@with $crate::helpers::Options::default(); $($name),+);
    };
    (@with $options:expr; $($name:ident),+) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let backend = $crate::helpers::Backend::Sqlite;
                if let Some(app) = $crate::helpers::spawn_app_with(backend, $options).await {
                    super::$name(app).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let backend = $crate::helpers::Backend::Postgres;
                if let Some(app) = $crate::helpers::spawn_app_with(backend, $options).await {
                    super::$name(app).await;
                }
            }
        }
    )+};
}

/// Waits until `check` gives a value, trying every 50 ms; panics with what
/// was awaited after `within`. Tests wait on conditions, never for a fixed time.
pub async fn eventually<T, F, Fut>(within: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: not within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
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

/// Asserts SQLite's `PRAGMA integrity_check` is clean for an `sqlite:` URL
/// (other databases are left alone): the fault tests end with it.
pub async fn assert_sqlite_intact(url: &str) {
    use sqlx::{ConnectOptions, Row};
    if !url.starts_with("sqlite:") {
        return;
    }
    let mut conn = <sqlx::sqlite::SqliteConnectOptions as std::str::FromStr>::from_str(url)
        .unwrap()
        .connect()
        .await
        .unwrap();
    let check = sqlx::query("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(check.get::<String, _>(0), "ok");
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

impl TestDatabase {
    /// The same database again, for a second server beside its owner's (nothing
    /// is removed when this one is dropped).
    pub fn shared(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            dir: None,
        }
    }
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
    /// The in-process uazapi sandbox (its phone controls are under `/sandbox/`).
    pub sandbox: String,
    /// The sandbox's admin token (its controls need it in `admintoken`).
    pub sandbox_token: String,
    pub client: reqwest::Client,
    /// The application's use-cases context (its store, its clock), for the
    /// tests that step a worker or look under the API.
    pub platform: Platform,
    pub store: Store,
    /// Where its database is (tests look below the application with their own
    /// connection, e.g. for secrets at rest).
    pub database_url: String,
    /// Held so the SQLite folder lives as long as the app.
    _database: TestDatabase,
    shutdown: Option<oneshot::Sender<()>>,
    served: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

tokio::task_local! {
    /// Set by the SSRF test to run an app that refuses private webhook URLs.
    pub static REFUSE_PRIVATE_WEBHOOKS: bool;
}

/// Tests receive forward webhooks on loopback, so they allow private URLs,
/// except where a test says otherwise.
fn allow_private_webhooks() -> bool {
    !REFUSE_PRIVATE_WEBHOOKS
        .try_with(|refuse| *refuse)
        .unwrap_or(false)
}

/// Worker timings short enough for tests to watch them work.
pub fn fast_tuning() -> Tuning {
    Tuning {
        worker_tick: Duration::from_millis(50),
        poll_connecting: Duration::from_millis(300),
        poll_connected: Duration::from_millis(300),
        poll_disconnected: Duration::from_millis(300),
        poll_concurrency: 8,
        forward_retry_base: Duration::from_millis(5),
        retention_every: Duration::from_secs(3600),
        background_workers: true,
    }
}

/// How a test's application differs from the default.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// A clock the test moves (default: the system's).
    pub clock: Option<Clock>,
    /// No background workers: the test steps them with their `try_execute_task`.
    pub without_workers: bool,
    /// Use this provider (a sandbox the test started: its URL and admin
    /// token) instead of the app's own, e.g. for two servers in turn.
    pub provider: Option<(String, String)>,
    /// The sealing key (default: the tests' fixed key).
    pub secret_key: Option<String>,
    /// Scheduled backups.
    pub backups: Option<zapfleet::services::backup::Schedule>,
    /// The public URL (default the bound address); https turns on secure cookies.
    pub public_url: Option<String>,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Option<&'static str>,
    /// The code the first sign-up must type.
    pub setup_token: Option<String>,
}

impl Options {
    /// A manual clock and no background workers.
    pub fn stepped() -> Self {
        Self {
            clock: Some(Clock::manual()),
            without_workers: true,
            ..Self::default()
        }
    }
}

/// The admin token of the tests' in-process sandboxes.
pub const SANDBOX_TOKEN: &str = "token-do-sandbox-dos-testes";

/// Starts the application on port 0 with its own database.
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, Options::default()).await
}

/// Starts the application on port 0 with its own database, as `options` say.
pub async fn spawn_app_with(backend: Backend, options: Options) -> Option<TestApp> {
    let database = fresh_database(backend).await?;
    Some(spawn_app_on_with(database, options).await)
}

/// Starts the application on port 0 over an existing database.
pub async fn spawn_app_on(database: TestDatabase) -> TestApp {
    spawn_app_on_with(database, Options::default()).await
}

/// Starts the application on port 0 over an existing database, as `options` say.
pub async fn spawn_app_on_with(database: TestDatabase, options: Options) -> TestApp {
    let mut tuning = fast_tuning();
    tuning.background_workers = !options.without_workers;
    let config = Config {
        listen: "127.0.0.1:0".to_owned(),
        database_url: database.url.clone(),
        data_dir: std::env::temp_dir(),
        log_format: LogFormat::Text,
        uazapi_url: options.provider.as_ref().map(|(url, _)| url.clone()),
        sandbox_listen: "127.0.0.1:0".to_owned(),
        sandbox_token: Some(SANDBOX_TOKEN.to_owned()),
        uazapi_admin_token: options.provider.as_ref().map(|(_, token)| token.clone()),
        public_url: options.public_url.clone(),
        secret_key: Some(
            options
                .secret_key
                .clone()
                .unwrap_or_else(|| "42".repeat(32)),
        ),
        tuning,
        allow_private_webhooks: allow_private_webhooks(),
        retention: Retention::default(),
        backups: options.backups.clone(),
        trusted_proxies: zapfleet::client_ip::TrustedProxies::parse(
            options.trusted_proxies.unwrap_or_default(),
        )
        .expect("trusted proxies"),
        setup_token: options.setup_token.clone(),
    };
    let clock = options.clock.unwrap_or_default();
    let app = Application::build_with_clock(&config, clock)
        .await
        .expect("build app");
    let address = format!("http://{}", app.local_addr().expect("address"));
    let (sandbox, sandbox_token) = match &options.provider {
        Some((url, token)) => (url.clone(), token.clone()),
        None => (
            app.sandbox_url()
                .expect("tests run on the in-process sandbox"),
            SANDBOX_TOKEN.to_owned(),
        ),
    };
    let platform = app.state().platform.clone();
    let store = platform.store().clone();
    let (tx, rx) = oneshot::channel::<()>();
    let served = tokio::spawn(app.run_until_stopped(async move {
        let _ = rx.await;
    }));
    TestApp {
        address,
        sandbox,
        sandbox_token,
        client: reqwest::Client::new(),
        platform,
        store,
        database_url: database.url.clone(),
        _database: database,
        shutdown: Some(tx),
        served: Some(served),
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
        let user = accounts::create_user(&self.platform, &email, "correct horse battery", false)
            .await
            .expect("create user");
        let token = tokens::issue(&self.platform, &user.id, "tests")
            .await
            .expect("token");
        TestUser {
            email,
            token: token.secret,
        }
    }

    /// Tells the server to stop (as SIGTERM does) and waits for it to finish;
    /// `false` if it has not within `within`.
    pub async fn stop(&mut self, within: Duration) -> bool {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match self.served.take() {
            Some(served) => tokio::time::timeout(within, served).await.is_ok(),
            None => true,
        }
    }

    /// An instance's webhook URL and provider token, read the way the server
    /// does (under the tests' default sealing key).
    pub async fn webhook_of(&self, id: &str) -> (String, String) {
        let link = self
            .store
            .provider_link(&zapfleet::domain::InstanceId::from_raw(id))
            .await
            .unwrap()
            .unwrap();
        let secrets = zapfleet::crypto::SecretBox::new(&[0x42; 32]);
        let secret = secrets
            .decrypt(&link.webhook_secret_sealed.unwrap())
            .unwrap();
        let token = secrets.decrypt(&link.token_sealed.unwrap()).unwrap();
        (self.url(&format!("/api/webhooks/uazapi/{secret}")), token)
    }

    /// Opens sign-ups, as the admin's switch does (they close after the first account).
    pub async fn open_sign_ups(&self) {
        self.store
            .set_setting("signups_open", "true")
            .await
            .expect("open sign-ups");
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

/// One Server-Sent Event.
#[derive(Debug, Clone)]
pub struct SseEvent {
    pub id: u64,
    pub kind: String,
    pub data: Value,
}

/// A reader of `GET /api/events`.
pub struct EventStream {
    response: Response,
    buffer: String,
}

impl EventStream {
    /// The next event, or `None` after `within`.
    pub async fn next(&mut self, within: Duration) -> Option<SseEvent> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let frame: String = self.buffer.drain(..end + 2).collect();
                let (mut id, mut kind, mut data) = (0, String::new(), String::new());
                for line in frame.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = v.trim().parse().unwrap_or(0);
                    } else if let Some(v) = line.strip_prefix("event:") {
                        kind = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if kind.is_empty() {
                    continue; // a keep-alive comment
                }
                return Some(SseEvent {
                    id,
                    kind,
                    data: serde_json::from_str(&data).unwrap_or(Value::Null),
                });
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk())
                .await
                .ok()?
                .ok()??;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// Waits for an event of `kind` whose data satisfies `wanted`.
    pub async fn wait_for(
        &mut self,
        kind: &str,
        within: Duration,
        wanted: impl Fn(&Value) -> bool,
    ) -> SseEvent {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next(left).await {
                Some(event) if event.kind == kind && wanted(&event.data) => return event,
                Some(_) => {}
                None => panic!("no {kind} event within {within:?}"),
            }
        }
    }
}

impl TestApp {
    /// Opens `GET /api/events`, optionally resuming after an event id.
    pub async fn events(&self, user: &TestUser, last_event_id: Option<u64>) -> EventStream {
        let mut request = self.request(user, Method::GET, "/api/events");
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id.to_string());
        }
        let response = request.send().await.expect("events");
        assert_eq!(response.status(), StatusCode::OK);
        EventStream {
            response,
            buffer: String::new(),
        }
    }

    /// `POST /api/instances/{id}/{action}` (connect, reconnect, disconnect).
    pub async fn act(
        &self,
        user: &TestUser,
        id: &str,
        action: &str,
        body: Option<Value>,
    ) -> Response {
        let mut request =
            self.request(user, Method::POST, &format!("/api/instances/{id}/{action}"));
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("send")
    }

    /// `GET /api/instances/{id}/status` as JSON.
    pub async fn status(&self, user: &TestUser, id: &str) -> Value {
        let response = self
            .request(user, Method::GET, &format!("/api/instances/{id}/status"))
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("json")
    }

    /// Polls the status until it is `status` (panics after `within`).
    pub async fn wait_for_status(
        &self,
        user: &TestUser,
        id: &str,
        status: &str,
        within: Duration,
    ) -> Value {
        eventually(within, &format!("instance {id} {status}"), || async {
            let current = self.status(user, id).await;
            (current["instance"]["status"] == status).then_some(current)
        })
        .await
    }

    /// Moves the application's manual clock (apps spawned `stepped`).
    pub fn advance_clock(&self, ms: i64) {
        self.platform.clock.advance(ms);
    }

    /// One step of the reconnector; how many reconnects it made.
    pub async fn step_reconnector(&self) -> usize {
        zapfleet::workers::reconnector::try_execute_task(&self.platform)
            .await
            .expect("reconnector step")
    }

    /// A call to the sandbox's controls.
    pub async fn sandbox(&self, method: Method, path: &str, body: Value) -> Response {
        self.client
            .request(method, format!("{}{path}", self.sandbox))
            .header("admintoken", &self.sandbox_token)
            .json(&body)
            .send()
            .await
            .expect("sandbox")
    }

    /// The sandbox's instances whose provider-side name is this instance's key.
    pub async fn twins(&self, instance: &Value) -> Vec<Value> {
        let all: Vec<Value> = self
            .sandbox(Method::GET, "/sandbox/instances", json!({}))
            .await
            .json()
            .await
            .unwrap();
        all.into_iter()
            .filter(|i| i["name"] == instance["instanceKey"])
            .collect()
    }

    /// A provider-side instance's token, from uazapi's admin API (the
    /// sandbox's controls never give tokens out).
    pub async fn provider_token(&self, twin: &Value) -> String {
        let all: Vec<Value> = self
            .client
            .get(format!("{}/instance/all", self.sandbox))
            .header("admintoken", &self.sandbox_token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let found = all.into_iter().find(|i| i["id"] == twin["id"]);
        found.expect("the twin at the provider")["token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The one provider-side twin of an instance.
    pub async fn twin(&self, instance: &Value) -> Value {
        let mut twins = self.twins(instance).await;
        assert_eq!(twins.len(), 1, "exactly one instance at the provider");
        twins.remove(0)
    }

    /// Waits until the instance exists at the provider (the provisioner retries).
    pub async fn wait_until_provisioned(&self, user: &TestUser, id: &str) {
        eventually(Duration::from_secs(15), "provisioned", || async {
            let current: Value = self.get_instance(user, id).await.json().await.unwrap();
            (current["provisioning"]["state"] == "ready").then_some(())
        })
        .await
    }

    /// The phone scans a QR (the data URI the user was shown).
    pub async fn scan(&self, qrcode: &str) -> StatusCode {
        self.sandbox(
            Method::POST,
            "/sandbox/phone/scan",
            json!({"qrcode": qrcode, "phone": "5511988887777"}),
        )
        .await
        .status()
    }

    /// Creates an instance and connects it by QR through the sandbox phone.
    pub async fn connected_instance(&self, user: &TestUser, name: &str) -> Value {
        let instance = self.create_instance(user, name, "11 98888-7777").await;
        let id = instance["id"].as_str().unwrap();
        let started: Value = self
            .act(user, id, "connect", None)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            self.scan(started["login"]["qrcode"].as_str().unwrap())
                .await,
            StatusCode::OK
        );
        self.wait_for_status(user, id, "connected", Duration::from_secs(5))
            .await;
        instance
    }
}
